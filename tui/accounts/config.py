"""Accounts and settings, kept in TOML. No secret is ever written here.

``PORTE_VOIX_HOME=DIR`` puts the config (``DIR/config.toml``) and the data (``DIR/data``) under
one directory; otherwise the platform's config and data directories are used.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import platformdirs

from providers.base import PROVIDER_KINDS, AccountSettings, provider_info
from tui.atomic import replaced_atomically

APP_NAME = "porte-voix"
HOME_ENV = "PORTE_VOIX_HOME"
SECRET_STORES = ("env", "keyring", "file")
ACCOUNT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
# Option values end up in URLs and XML; keep them printable and bounded.
MAX_OPTION_LENGTH = 500
ACCOUNT_KEYS = frozenset({"provider", "login", "secret_store", "last_check", "options"})


class ConfigError(Exception):
    """The configuration is missing, invalid, or an edit was refused (exit code 3)."""


def config_dir() -> Path:
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home)
    return platformdirs.user_config_path(APP_NAME)


def data_dir() -> Path:
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home) / "data"
    return platformdirs.user_data_path(APP_NAME)


def config_path() -> Path:
    return config_dir() / "config.toml"


@dataclass(frozen=True)
class Account:
    name: str
    provider: str
    login: str = ""
    options: Mapping[str, str] = field(default_factory=dict)
    secret_store: str = "keyring"  # where the secret lives: env, keyring or file
    last_check: str | None = None  # "2026-11-22 10:00 ok" / "... AUTH_FAILED"

    def settings(self) -> AccountSettings:
        return AccountSettings(self.name, self.provider, self.login, dict(self.options))


@dataclass
class Config:
    accounts: dict[str, Account] = field(default_factory=dict)
    default_account: str | None = None

    def get(self, name: str) -> Account:
        try:
            return self.accounts[name]
        except KeyError:
            known = ", ".join(sorted(self.accounts)) or "none"
            raise ConfigError(f"no account named {name!r} (configured: {known})") from None

    def default(self) -> Account | None:
        if self.default_account and self.default_account in self.accounts:
            return self.accounts[self.default_account]
        return next(iter(self.accounts.values()), None)


def validate_account(account: Account) -> None:
    if not ACCOUNT_NAME.match(account.name):
        raise ConfigError(
            f"account name {account.name!r} must be 1-40 letters, digits, '.', '_' or '-',"
            " starting with a letter or digit"
        )
    if account.provider not in PROVIDER_KINDS:
        raise ConfigError(
            f"unknown provider {account.provider!r}; choose one of {', '.join(PROVIDER_KINDS)}"
        )
    if account.secret_store not in SECRET_STORES:
        raise ConfigError(f"secret store must be one of {', '.join(SECRET_STORES)}")
    if len(account.login) > MAX_OPTION_LENGTH or not account.login.isprintable():
        raise ConfigError("the login must be printable and at most 500 characters")
    info = provider_info(account.provider)
    for key, value in account.options.items():
        if info.option(key) is None:
            known = ", ".join(spec.key for spec in info.options)
            raise ConfigError(f"{info.label} has no option {key!r} (known: {known})")
        if len(value) > MAX_OPTION_LENGTH or not value.isprintable():
            raise ConfigError(f"option {key!r} must be printable and at most 500 characters")
        if key.endswith("url") and not re.match(r"^https?://[^\s]+$", value):
            raise ConfigError(f"option {key!r} must be an http:// or https:// URL, got {value!r}")


def load(path: Path | None = None) -> Config:
    path = path or config_path()
    if not path.exists():
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    default = data.get("default_account")
    config = Config(default_account=str(default) if default else None)
    accounts = data.get("accounts") or {}
    if not isinstance(accounts, dict):
        raise ConfigError(f"{path}: [accounts] must be a table")
    for name, raw in accounts.items():
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: [accounts.{name}] must be a table")
        unknown = sorted(set(raw) - ACCOUNT_KEYS)
        if unknown:
            # A hand-edited "password = ..." must not sit there unnoticed (nor be used).
            raise ConfigError(
                f"{path}: [accounts.{name}] has unknown keys {', '.join(unknown)}; secrets "
                "never belong in this file (use the keyring, the file store or the environment)"
            )
        options = raw.get("options") or {}
        if not isinstance(options, dict):
            raise ConfigError(f"{path}: [accounts.{name}.options] must be a table")
        last_check = raw.get("last_check")
        account = Account(
            name=name,
            provider=str(raw.get("provider", "")),
            login=str(raw.get("login", "")),
            options={str(k): str(v) for k, v in options.items()},
            secret_store=str(raw.get("secret_store", "keyring")),
            last_check=str(last_check) if last_check else None,
        )
        validate_account(account)
        config.accounts[name] = account
    return config


def _toml_string(value: str) -> str:
    # JSON string escapes are a subset of TOML basic-string escapes.
    return json.dumps(value, ensure_ascii=False)


def dumps(config: Config) -> str:
    lines = ["# porte-voix accounts. Secrets are never stored in this file.", ""]
    if config.default_account:
        lines.append(f"default_account = {_toml_string(config.default_account)}")
        lines.append("")
    for account in config.accounts.values():
        lines.append(f"[accounts.{_toml_string(account.name)}]")
        lines.append(f"provider = {_toml_string(account.provider)}")
        lines.append(f"login = {_toml_string(account.login)}")
        lines.append(f"secret_store = {_toml_string(account.secret_store)}")
        if account.last_check:
            lines.append(f"last_check = {_toml_string(account.last_check)}")
        if account.options:
            lines.append(f"[accounts.{_toml_string(account.name)}.options]")
            for key, value in sorted(account.options.items()):
                lines.append(f"{_toml_string(key)} = {_toml_string(value)}")
        lines.append("")
    return "\n".join(lines)


def save(config: Config, path: Path | None = None) -> None:
    """Write atomically, readable by the owner only."""
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with replaced_atomically(path, prefix=".config-") as handle:
        handle.write(dumps(config).encode("utf-8"))


def with_account(config: Config, account: Account) -> Config:
    validate_account(account)
    accounts = dict(config.accounts)
    accounts[account.name] = account
    default = config.default_account or account.name
    return replace(config, accounts=accounts, default_account=default)


def without_account(config: Config, name: str) -> Config:
    config.get(name)
    accounts = {k: v for k, v in config.accounts.items() if k != name}
    default = config.default_account if config.default_account != name else None
    return Config(accounts=accounts, default_account=default or next(iter(accounts), None))


def with_default(config: Config, name: str) -> Config:
    config.get(name)
    return replace(config, default_account=name)


def record_check(name: str, last_check: str, path: Path | None = None) -> bool:
    """Save an account's last check; False when the account is gone (removed meanwhile)."""
    config = load(path)
    account = config.accounts.get(name)
    if account is None:
        return False
    save(with_account(config, replace(account, last_check=last_check)), path)
    return True
