"""The OS keyring (Secret Service, KWallet, macOS Keychain, Windows), bounded in time.

Only real OS backends count: the fail/null backends, the chainer, and file backends that would
prompt on the terminal behind Textual's back (keyrings.cryptfile, keyrings.alt, plaintext) are
"no keyring". Every call runs in a daemon thread with a time limit, so a locked or hung
collection becomes a clear error instead of a frozen program. ``tui.accounts.credentials``
decides which store an account uses; this module only talks to the keyring.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from tui.accounts.secret_file import CredentialError

# keyring is imported where it is called: loading it (and the backends it discovers) costs
# about 50 ms, which a console start or a command that reads no keyring need not pay.
if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

KEYRING_TIMEOUT = 5.0
_REJECTED_BACKEND_MODULES = (
    "keyring.backends.fail",
    "keyring.backends.null",
    "keyring.backends.chainer",
    "keyrings.alt",
    "keyrings.cryptfile",
)

T = TypeVar("T")


class NoKeyringError(CredentialError):
    def __init__(self) -> None:
        super().__init__(
            "no OS keyring is available here (typical on a server reached over SSH). "
            "Use the encrypted file store (`--store file`, or `move-secret NAME --to file`), "
            "or give the secret in the environment as PORTE_VOIX_SECRET_<NAME>, or run "
            "porte-voix inside `dbus-run-session` with an unlocked gnome-keyring (see the README)"
        )


class KeyringUnavailableError(CredentialError):
    """The keyring exists but is locked, hung or refused the call."""


def _trusted(backend: KeyringBackend) -> bool:
    module = type(backend).__module__
    return not module.startswith(_REJECTED_BACKEND_MODULES)


def os_keyring() -> KeyringBackend | None:
    """The real OS keyring backend, or None when there is none worth using."""
    import keyring
    from keyring.backends.chainer import ChainerBackend

    backend = keyring.get_keyring()
    if isinstance(backend, ChainerBackend):
        candidates: list[KeyringBackend] = list(backend.backends)
        trusted = [b for b in candidates if _trusted(b)]
        return trusted[0] if trusted else None
    return backend if _trusted(backend) else None


# Keyring calls that outlived their time limit. While one is still blocked, new calls fail at
# once: a locked collection would otherwise pile up one stuck thread per attempt.
_stuck: list[threading.Thread] = []
_stuck_lock = threading.Lock()


def run_with_timeout(fn: Callable[[], T], timeout: float, what: str) -> T:
    """Run ``fn`` in a daemon thread; a hung keyring must not hang us (or our exit)."""
    with _stuck_lock:
        _stuck[:] = [thread for thread in _stuck if thread.is_alive()]
        if _stuck:
            raise KeyringUnavailableError(
                f"the keyring has not answered an earlier request yet ({what}); "
                "it may be locked or waiting for an unlock prompt"
            )
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as exc:  # handed back to the caller below
            outcome["error"] = exc

    thread = threading.Thread(target=target, name=f"keyring {what}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        with _stuck_lock:
            _stuck.append(thread)
        raise KeyringUnavailableError(
            f"the keyring did not answer within {timeout:g} s ({what}); it may be locked"
        )
    if "error" in outcome:
        import keyring.errors

        # Only the type travels: a backend's message could quote what it was given.
        error = outcome["error"]
        if isinstance(error, keyring.errors.KeyringLocked):
            raise KeyringUnavailableError(f"the keyring is locked ({what})") from None
        if isinstance(error, keyring.errors.NoKeyringError):
            raise NoKeyringError() from None
        if isinstance(error, keyring.errors.KeyringError):
            raise KeyringUnavailableError(
                f"the keyring refused the call ({what}): {type(error).__name__}"
            ) from None
        raise KeyringUnavailableError(
            f"the keyring failed ({what}): {type(error).__name__}"
        ) from None
    value: T = outcome["value"]
    return value


@dataclass(frozen=True)
class KeyringState:
    """What the console shows about the OS keyring, and whether to offer it."""

    available: bool
    description: str


def keyring_state(timeout: float = KEYRING_TIMEOUT) -> KeyringState:
    """Find the OS keyring (blocking, bounded by ``timeout``: some backends talk to D-Bus)."""
    try:
        backend = run_with_timeout(os_keyring, timeout, "lookup")
    except CredentialError as exc:
        return KeyringState(False, str(exc))
    if backend is None:
        return KeyringState(False, "no OS keyring here: secrets go to the encrypted file store")
    name = getattr(backend, "name", type(backend).__name__)
    return KeyringState(True, f"OS keyring: {name}")
