"""The compliance settings: ``compliance.toml`` beside ``config.toml``.

Its own file, because ``config.toml`` is rewritten whole when an account changes::

    # Count Alsace-Moselle's public holidays (Good Friday, 26 December) for mainland numbers.
    alsace_moselle = true

Missing, the defaults apply (French national holidays only). An unreadable file, an unknown key
or a value of the wrong type is a configuration error (``ConfigError``, exit code 3), never
silently ignored: these settings keep an operator within the law.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from tui.accounts.config import ConfigError, config_dir

FILE_NAME = "compliance.toml"
KEYS = frozenset({"alsace_moselle"})


@dataclass(frozen=True)
class ComplianceSettings:
    #: Alsace-Moselle's two extra public holidays count for every mainland number.
    alsace_moselle: bool = False


def settings_path() -> Path:
    return config_dir() / FILE_NAME


def load_settings(path: Path | None = None) -> ComplianceSettings:
    path = path or settings_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ComplianceSettings()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - KEYS)
    if unknown:
        raise ConfigError(
            f"{path}: unknown setting(s) {', '.join(unknown)} (known: alsace_moselle)"
        )
    value = data.get("alsace_moselle", False)
    if not isinstance(value, bool):
        raise ConfigError(f"{path}: alsace_moselle must be true or false")
    return ComplianceSettings(alsace_moselle=value)
