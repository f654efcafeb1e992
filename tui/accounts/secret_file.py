"""The encrypted file store for machines without an OS keyring (servers reached over SSH).

keyrings.cryptfile (Argon2 key derivation, AES-GCM per entry, the service and account name as
associated data) in ``DATA/secrets/secrets.cfg``: the directory is 0700, the file 0600 from the
moment it exists. The passphrase lives in this object only; it is checked against the file's
reference entry when the store is opened, so a wrong one is refused at once.

The backend rewrites the whole file on every change, so writes take a lock: a thread lock within
the process and, where the platform has one, ``flock`` on a sibling lock file across processes
(the console and a command line may run side by side).
"""

from __future__ import annotations

import configparser
import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

# keyrings.cryptfile (with keyring, argon2 and the cipher) loads when a store is opened or read:
# a console start or a command that uses no file store need not pay for it.
if TYPE_CHECKING:
    from keyrings.cryptfile.cryptfile import CryptFileKeyring  # type: ignore[import-untyped]

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: a single process is the common case there
    fcntl = None  # type: ignore[assignment]

SERVICE = "porte-voix"
MIN_PASSPHRASE = 8
#: Argon2id time cost, memory (KiB) and lanes: keyrings.cryptfile 1.3.9's defaults.
ARGON2_COSTS = (15, 2**16, 2)
_process_lock = threading.Lock()


class CredentialError(Exception):
    """A secret could not be found, stored or read (exit code 3)."""


class PassphraseRequired(CredentialError):
    """The encrypted file store needs its passphrase and none was given."""


class WrongPassphrase(CredentialError):
    pass


def file_store_path(data_dir: Path) -> Path:
    return data_dir / "secrets" / "secrets.cfg"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with _process_lock:
        if fcntl is None:
            yield
            return
        fd = os.open(path.parent / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the flock


def _private_dir(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)


def _escape(name: str) -> str:
    """A section or key name as the backend writes it in the file."""
    from keyrings.cryptfile.escape import escape  # type: ignore[import-untyped]

    escaped: str = escape(name)
    return escaped


def _backend(path: Path) -> CryptFileKeyring:
    from keyrings.cryptfile.cryptfile import CryptFileKeyring

    backend = CryptFileKeyring()
    backend.file_path = str(path)
    # The file records the cipher, not the key-derivation costs: pin them here, so that a new
    # library version with other defaults still opens the stores made before it.
    backend.time_cost, backend.memory_cost, backend.parallelism = ARGON2_COSTS
    return backend


def _unreadable(path: Path, exc: BaseException) -> CredentialError:
    return CredentialError(f"the encrypted file store {path} is unreadable ({type(exc).__name__})")


class FileSecretStore:
    """An opened file store; the passphrase stays in this object only."""

    def __init__(self, path: Path, passphrase: str) -> None:
        if not passphrase.strip():
            raise WrongPassphrase("the file store passphrase cannot be blank")
        self.path = path
        _private_dir(path)
        backend = _backend(path)
        with _locked(path):
            creating = not self.initialised(path)
            if creating and len(passphrase) < MIN_PASSPHRASE:
                raise WrongPassphrase(
                    f"the passphrase of a new file store must have at least {MIN_PASSPHRASE} "
                    "characters"
                )
            if not path.exists():
                # Created 0600 before the backend writes its first byte into it.
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            try:
                backend.keyring_key = passphrase  # checks it, or initialises a new store
            except ValueError:
                raise WrongPassphrase(
                    f"wrong passphrase for the encrypted file store {path}"
                ) from None
            except (configparser.Error, OSError, KeyError) as exc:
                raise _unreadable(path, exc) from None
            os.chmod(path, 0o600)
        self.created = creating
        self._backend = backend

    def __repr__(self) -> str:
        return f"FileSecretStore({str(self.path)!r})"

    @staticmethod
    def initialised(path: Path) -> bool:
        """Whether a store exists at ``path`` (a file holding its passphrase reference)."""
        if not path.is_file():
            return False
        config = configparser.RawConfigParser()
        try:
            config.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError):
            return True  # something is there: never overwrite it as if it were new
        return config.has_option(_escape("keyring-setting"), _escape("password reference"))

    def get(self, account: str) -> str | None:
        try:
            with _locked(self.path):
                value: str | None = self._backend.get_password(SERVICE, account)
        except ValueError:
            # An entry that does not decrypt with the right passphrase was tampered with.
            raise CredentialError(
                f"the secret of {account!r} in {self.path} does not decrypt (damaged file?)"
            ) from None
        except (configparser.Error, OSError) as exc:
            raise _unreadable(self.path, exc) from None
        return value

    def set(self, account: str, secret: str) -> None:
        with _locked(self.path):
            try:
                self._backend.set_password(SERVICE, account, secret)
            except (configparser.Error, OSError) as exc:
                raise _unreadable(self.path, exc) from None
            os.chmod(self.path, 0o600)

    def delete(self, account: str) -> bool:
        return self.delete_entry(self.path, account)

    @staticmethod
    def delete_entry(path: Path, account: str) -> bool:
        """Remove an account's entry; no passphrase needed (nothing is decrypted)."""
        if not path.is_file():
            return False
        section, key = _escape(SERVICE), _escape(account)
        with _locked(path):
            config = configparser.RawConfigParser()
            try:
                config.read(path, encoding="utf-8")
            except (configparser.Error, UnicodeDecodeError) as exc:
                raise _unreadable(path, exc) from None
            if not config.has_option(section, key):
                return False
            # Through the backend, so the file keeps the layout the backend expects.
            _backend(path).delete_password(SERVICE, account)
            os.chmod(path, 0o600)
        return True
