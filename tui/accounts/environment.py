"""Secrets kept in the environment: ``PORTE_VOIX_SECRET_<NAME>`` wins over any stored secret and
is never stored. Apart from ``credentials`` so that listing accounts loads no keyring."""

from __future__ import annotations

import os
import re


def env_var_name(account_name: str) -> str:
    return "PORTE_VOIX_SECRET_" + re.sub(r"[^A-Za-z0-9]", "_", account_name.upper())


def secret_from_env(account_name: str) -> str | None:
    value = os.environ.get(env_var_name(account_name))
    return value if value else None
