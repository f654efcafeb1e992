"""Where an account's secret comes from: environment → OS keyring → encrypted file.

* ``PORTE_VOIX_SECRET_<NAME>`` in the environment wins and is never stored.
* The OS keyring (Secret Service, KWallet, macOS Keychain, Windows) through ``keyring``. Only real
  OS backends count: the fail/null backends, the chainer, and file backends that would prompt on the
  terminal behind Textual's back (keyrings.cryptfile, keyrings.alt, plaintext) are "no keyring".
  Every call runs in a daemon thread with a time limit, so a locked or hung collection becomes a
  clear error instead of a frozen program.
* An encrypted file (keyrings.cryptfile: Argon2 + AES-GCM), chosen explicitly by the operator, in a
  0700 directory with a 0600 file. Its passphrase is asked by the caller (a Textual dialog, a
  terminal prompt) or read from ``PORTE_VOIX_FILE_PASSPHRASE``, and kept in memory only.

No function here logs or formats a secret; exceptions name the account and the store only.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from .config import Account

SERVICE = "porte-voix"
PASSPHRASE_ENV = "PORTE_VOIX_FILE_PASSPHRASE"
KEYRING_TIMEOUT = 5.0
_REJECTED_BACKEND_MODULES = (
    "keyring.backends.fail",
    "keyring.backends.null",
    "keyring.backends.chainer",
    "keyrings.alt",
    "keyrings.cryptfile",
)

T = TypeVar("T")


class CredentialError(Exception):
    """A secret could not be found, stored or read (exit code 3)."""


class NoKeyringError(CredentialError):
    def __init__(self) -> None:
        super().__init__(
            "no OS keyring is available here (typical on a server reached over SSH). "
            "Use the encrypted file store (--store file), or give the secret in the "
            "environment as PORTE_VOIX_SECRET_<NAME>, or start a keyring session with "
            "`dbus-run-session -- sh -c 'gnome-keyring-daemon --unlock; porte-voix ...'`"
        )


class KeyringUnavailableError(CredentialError):
    """The keyring exists but is locked, hung or refused the call."""


class PassphraseRequired(CredentialError):
    """The encrypted file store needs its passphrase and none was given."""


class WrongPassphrase(CredentialError):
    pass


def env_var_name(account_name: str) -> str:
    return "PORTE_VOIX_SECRET_" + re.sub(r"[^A-Za-z0-9]", "_", account_name.upper())


def secret_from_env(account_name: str) -> str | None:
    value = os.environ.get(env_var_name(account_name))
    return value if value else None


# --------------------------------------------------------------------------- OS keyring


def _trusted(backend: KeyringBackend) -> bool:
    module = type(backend).__module__
    return not module.startswith(_REJECTED_BACKEND_MODULES)


def os_keyring() -> KeyringBackend | None:
    """The real OS keyring backend, or None when there is none worth using."""
    backend = keyring.get_keyring()
    if type(backend).__module__.startswith("keyring.backends.chainer"):
        candidates: list[KeyringBackend] = list(getattr(backend, "backends", []))
        trusted = [b for b in candidates if _trusted(b)]
        return trusted[0] if trusted else None
    return backend if _trusted(backend) else None


def run_with_timeout(fn: Callable[[], T], timeout: float, what: str) -> T:
    """Run ``fn`` in a daemon thread; a hung keyring must not hang us (or our exit)."""
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
        raise KeyringUnavailableError(
            f"the keyring did not answer within {timeout:.0f} s ({what}); it may be locked"
        )
    if "error" in outcome:
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


def _require_keyring() -> KeyringBackend:
    backend = os_keyring()
    if backend is None:
        raise NoKeyringError()
    return backend


# --------------------------------------------------------------------------- encrypted file


def file_store_path(data_dir: Path) -> Path:
    return data_dir / "secrets" / "secrets.cfg"


class FileSecretStore:
    """keyrings.cryptfile in a private directory; the passphrase stays in this object only."""

    def __init__(self, path: Path, passphrase: str) -> None:
        from keyrings.cryptfile.cryptfile import CryptFileKeyring

        if not passphrase.strip():
            raise WrongPassphrase("the file store passphrase cannot be blank")
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(path.parent, 0o700)
        backend = CryptFileKeyring()
        backend.file_path = str(path)
        try:
            backend.keyring_key = passphrase
        except ValueError:
            raise WrongPassphrase(f"wrong passphrase for the encrypted file store {path}") from None
        self._backend = backend
        self._protect()

    def __repr__(self) -> str:
        return f"FileSecretStore({str(self.path)!r})"

    def _protect(self) -> None:
        if self.path.exists():
            os.chmod(self.path, 0o600)

    def get(self, account: str) -> str | None:
        value: str | None = self._backend.get_password(SERVICE, account)
        return value

    def set(self, account: str, secret: str) -> None:
        # Create the file 0600 before the backend writes into it.
        if not self.path.exists():
            self.path.touch(mode=0o600)
        self._backend.set_password(SERVICE, account, secret)
        self._protect()

    def delete(self, account: str) -> None:
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            self._backend.delete_password(SERVICE, account)


# --------------------------------------------------------------------------- the resolver

PassphraseProvider = Callable[[], "str | None"]


class Credentials:
    """Finds, stores and removes account secrets according to each account's ``secret_store``."""

    def __init__(
        self,
        data_dir: Path,
        passphrase: PassphraseProvider | None = None,
        keyring_timeout: float = KEYRING_TIMEOUT,
    ) -> None:
        self.data_dir = data_dir
        self._passphrase = passphrase
        self._keyring_timeout = keyring_timeout
        self._file_store: FileSecretStore | None = None

    # -- file store -----------------------------------------------------------------------------
    def unlock_file_store(self, passphrase: str) -> FileSecretStore:
        self._file_store = FileSecretStore(file_store_path(self.data_dir), passphrase)
        return self._file_store

    @property
    def file_store_unlocked(self) -> bool:
        return self._file_store is not None

    def _files(self) -> FileSecretStore:
        if self._file_store is None:
            passphrase = os.environ.get(PASSPHRASE_ENV) or (
                self._passphrase() if self._passphrase else None
            )
            if not passphrase:
                raise PassphraseRequired(
                    f"the encrypted file store needs its passphrase (set {PASSPHRASE_ENV} "
                    "for unattended use)"
                )
            self.unlock_file_store(passphrase)
        assert self._file_store is not None
        return self._file_store

    # -- queries --------------------------------------------------------------------------------
    def source(self, account: Account) -> str:
        """Where the secret will be read from: env, keyring or file."""
        return "env" if secret_from_env(account.name) else account.secret_store

    def get(self, account: Account) -> str:
        from_env = secret_from_env(account.name)
        if from_env:
            return from_env
        if account.secret_store == "env":
            raise CredentialError(
                f"account {account.name!r} takes its secret from the environment, but "
                f"{env_var_name(account.name)} is not set"
            )
        if account.secret_store == "keyring":
            backend = _require_keyring()
            secret = run_with_timeout(
                lambda: backend.get_password(SERVICE, account.name),
                self._keyring_timeout,
                "read",
            )
        else:
            secret = self._files().get(account.name)
        if not secret:
            raise CredentialError(
                f"no secret stored for account {account.name!r} in the {account.secret_store}"
                f" store; set it with `porte-voix accounts edit {account.name} --secret-stdin`"
                f" or in {env_var_name(account.name)}"
            )
        return secret

    def store(self, account_name: str, secret: str, where: str) -> None:
        if not secret or secret != secret.strip() or "\n" in secret:
            raise CredentialError("the secret is empty or has leading/trailing blanks")
        if where == "keyring":
            backend = _require_keyring()
            run_with_timeout(
                lambda: backend.set_password(SERVICE, account_name, secret),
                self._keyring_timeout,
                "write",
            )
        elif where == "file":
            self._files().set(account_name, secret)
        else:
            raise CredentialError(f"secrets cannot be stored in {where!r}")

    def delete(self, account: Account) -> None:
        """Remove the stored secret, if any (the environment is not ours to change)."""
        if account.secret_store == "keyring":
            backend = os_keyring()
            if backend is None:
                return

            def remove() -> None:
                with contextlib.suppress(keyring.errors.PasswordDeleteError):
                    backend.delete_password(SERVICE, account.name)

            run_with_timeout(remove, self._keyring_timeout, "delete")
        elif account.secret_store == "file":
            self._files().delete(account.name)

    def move(self, account: Account, to: str) -> None:
        """Copy the secret to ``to`` then delete it from where it was."""
        if to == account.secret_store:
            raise CredentialError(f"the secret of {account.name!r} is already in the {to} store")
        secret = self.get(account)
        self.store(account.name, secret, to)
        if account.secret_store in ("keyring", "file"):
            self.delete(account)
