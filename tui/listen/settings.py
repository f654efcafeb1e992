"""Settings of the callback receiver and the Live screen, in ``listen.toml`` beside ``config.toml``.

Apart from the accounts' file so that editing an account never rewrites them. No secret here:
the tokens live with the accounts' secrets (``tui.listen.tokens``). Every key is optional::

    public_url = "https://pv.example.fr/callbacks"  # where the providers reach the daemon
    host = "127.0.0.1"                              # what `porte-voix listen` binds
    port = 8787
    console_receiver = "daemon"    # or "embedded": the console receives while it is open
    failure_alert = 20             # percent of failed among a send's final states (0: never)
    cdr_poll = 120                 # seconds between eCampaign getCDR polls (0: never)
    live_days = 3                  # how far back the Live screen lists sends
"""

from __future__ import annotations

import json
import tomllib
import urllib.parse
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from tui.accounts.config import ConfigError, config_dir
from tui.atomic import replaced_atomically

FILE_NAME = "listen.toml"
RECEIVERS = ("daemon", "embedded")
#: eCampaign documents no rate for getCDR: never more often than this, whatever is configured.
MIN_CDR_POLL = 30


@dataclass(frozen=True)
class ListenSettings:
    public_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8787
    console_receiver: str = "daemon"
    failure_alert: int = 20
    cdr_poll: int = 120
    live_days: int = 3

    def callback_url(self, path: str) -> str | None:
        """The public URL of a receiver path (``/capitole/shop/TOKEN``), or None."""
        if not self.public_url:
            return None
        return self.public_url.rstrip("/") + path


def settings_path() -> Path:
    return config_dir() / FILE_NAME


def check_public_url(value: str) -> str:
    """An absolute http(s) URL with a host, no query, no fragment; without its final '/'."""
    text = value.strip()
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"public URL {value!r} must be an http:// or https:// URL with a host")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError(
            f"public URL {value!r} must have no query, fragment or credentials: the token is "
            "added to its path"
        )
    if not text.isprintable() or " " in text or len(text) > 300:
        raise ConfigError("the public URL must be printable, without spaces, at most 300 chars")
    return text.rstrip("/")


def load(path: Path | None = None) -> ListenSettings:
    path = path or settings_path()
    if not path.exists():
        return ListenSettings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    known = {item.name for item in fields(ListenSettings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown keys {', '.join(unknown)} (known: {', '.join(known)})")
    checked: dict[str, Any] = {key: _checked(path, key, value) for key, value in data.items()}
    return replace(ListenSettings(), **checked)


def _checked(path: Path, key: str, value: object) -> object:
    if key == "public_url":
        if not isinstance(value, str):
            raise ConfigError(f"{path}: public_url must be a string")
        return check_public_url(value) if value.strip() else None
    if key in ("host", "console_receiver"):
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{path}: {key} must be a non-empty string")
        if key == "console_receiver" and value not in RECEIVERS:
            raise ConfigError(f"{path}: console_receiver must be one of {', '.join(RECEIVERS)}")
        return value.strip()
    limits = {
        "port": (0, 65535),
        "failure_alert": (0, 100),
        "cdr_poll": (0, 86400),
        "live_days": (1, 90),
    }
    low, high = limits[key]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{path}: {key} must be a whole number from {low} to {high}")
    if key == "cdr_poll" and 0 < value < MIN_CDR_POLL:
        raise ConfigError(f"{path}: cdr_poll must be 0 (never) or at least {MIN_CDR_POLL} s")
    return value


def dumps(settings: ListenSettings) -> str:
    lines = ["# porte-voix listen: the callback receiver and the Live screen. No secret here."]
    defaults = ListenSettings()
    for item in fields(ListenSettings):
        value = getattr(settings, item.name)
        if value is None or value == getattr(defaults, item.name):
            continue
        lines.append(f"{item.name} = {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def save(settings: ListenSettings, path: Path | None = None) -> None:
    """Write atomically, readable by the owner only."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with replaced_atomically(path, prefix=".listen-") as handle:
        handle.write(dumps(settings).encode("utf-8"))
