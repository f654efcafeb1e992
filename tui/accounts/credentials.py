"""Where an account's secret comes from: environment → OS keyring → encrypted file.

* ``PORTE_VOIX_SECRET_<NAME>`` in the environment wins and is never stored.
* The OS keyring through ``keyring``, real OS backends only, every call bounded in time
  (``os_keyring``).
* An encrypted file (keyrings.cryptfile: Argon2 + AES-GCM), chosen explicitly by the operator, in a
  0700 directory with a 0600 file (``secret_file``). Its passphrase is asked by the caller (a
  Textual dialog, a terminal prompt) or read from ``PORTE_VOIX_FILE_PASSPHRASE``, and kept in
  memory only.

No function here logs or formats a secret; exceptions name the account and the store only.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from tui.accounts.config import Account
from tui.accounts.environment import env_var_name as env_var_name
from tui.accounts.environment import secret_from_env as secret_from_env
from tui.accounts.os_keyring import (
    KEYRING_TIMEOUT,
    KeyringState,
    NoKeyringError,
    keyring_state,
    os_keyring,
    run_with_timeout,
)
from tui.accounts.secret_file import MIN_PASSPHRASE as MIN_PASSPHRASE
from tui.accounts.secret_file import CredentialError as CredentialError
from tui.accounts.secret_file import FileSecretStore as FileSecretStore
from tui.accounts.secret_file import PassphraseRequired as PassphraseRequired
from tui.accounts.secret_file import WrongPassphrase as WrongPassphrase
from tui.accounts.secret_file import file_store_path as file_store_path

if TYPE_CHECKING:  # keyring loads when a keyring is used (``os_keyring``)
    from keyring.backend import KeyringBackend

SERVICE = "porte-voix"
PASSPHRASE_ENV = "PORTE_VOIX_FILE_PASSPHRASE"
Removal = Literal["deleted", "absent", "environment"]


# --------------------------------------------------------------------------- the resolver

PassphraseProvider = Callable[[], "str | None"]


class Credentials:
    """Finds, stores and removes account secrets according to each account's ``secret_store``.

    ``passphrase`` is asked when the existing file store must be unlocked; ``new_passphrase``
    (which should confirm it) when the file store is created; without one, ``passphrase`` is
    used for both. ``PORTE_VOIX_FILE_PASSPHRASE`` takes precedence over both.
    """

    def __init__(
        self,
        data_dir: Path,
        passphrase: PassphraseProvider | None = None,
        keyring_timeout: float = KEYRING_TIMEOUT,
        new_passphrase: PassphraseProvider | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.keyring_timeout = keyring_timeout
        self._passphrase = passphrase
        self._new_passphrase = new_passphrase
        self._file_store: FileSecretStore | None = None

    def __repr__(self) -> str:
        state = "unlocked" if self._file_store else "locked"
        return f"Credentials({str(self.data_dir)!r}, file store {state})"

    # -- keyring --------------------------------------------------------------------------------
    def require_keyring(self) -> KeyringBackend:
        backend = run_with_timeout(os_keyring, self.keyring_timeout, "lookup")
        if backend is None:
            raise NoKeyringError()
        return backend

    def keyring_state(self) -> KeyringState:
        return keyring_state(self.keyring_timeout)

    # -- file store -----------------------------------------------------------------------------
    @property
    def file_store_path(self) -> Path:
        return file_store_path(self.data_dir)

    @property
    def file_store_exists(self) -> bool:
        return FileSecretStore.initialised(self.file_store_path)

    @property
    def file_store_unlocked(self) -> bool:
        return self._file_store is not None

    def unlock_file_store(self, passphrase: str) -> FileSecretStore:
        """Open (or create) the file store; raises ``WrongPassphrase``. Blocking: Argon2."""
        self._file_store = FileSecretStore(self.file_store_path, passphrase)
        return self._file_store

    def lock_file_store(self) -> None:
        self._file_store = None

    def _files(self) -> FileSecretStore:
        if self._file_store is None:
            from_env = os.environ.get(PASSPHRASE_ENV)
            creating = not self.file_store_exists
            if from_env:
                try:
                    return self.unlock_file_store(from_env)
                except WrongPassphrase as exc:
                    if creating:  # too short for a new store
                        raise WrongPassphrase(f"{PASSPHRASE_ENV}: {exc}") from None
                    raise WrongPassphrase(
                        f"{PASSPHRASE_ENV} does not open the encrypted file store "
                        f"{self.file_store_path}"
                    ) from None
            ask = (self._new_passphrase if creating else None) or self._passphrase
            passphrase = ask() if ask else None
            if not passphrase:
                raise PassphraseRequired(
                    "the encrypted file store needs its passphrase: run on a terminal, or set "
                    f"{PASSPHRASE_ENV} for unattended use"
                )
            self.unlock_file_store(passphrase)
        assert self._file_store is not None
        return self._file_store

    # -- queries --------------------------------------------------------------------------------
    def source(self, account: Account) -> str:
        """Where the secret will be read from: env, keyring or file."""
        return "env" if secret_from_env(account.name) else account.secret_store

    def get(self, account: Account) -> str:
        """The secret in use: the environment's if set, else the stored one."""
        return secret_from_env(account.name) or self.stored(account)

    def stored(self, account: Account) -> str:
        """The secret in the account's own store, ignoring any environment override."""
        if account.secret_store == "env":
            raise CredentialError(
                f"account {account.name!r} takes its secret from the environment, but "
                f"{env_var_name(account.name)} is not set"
            )
        secret: str | None
        if account.secret_store == "keyring":
            backend = self.require_keyring()
            secret = run_with_timeout(
                lambda: backend.get_password(SERVICE, account.name), self.keyring_timeout, "read"
            )
        elif not self.file_store_exists:
            secret = None
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
        if not secret or secret != secret.strip() or not secret.isprintable():
            raise CredentialError(
                "the secret is empty, has leading or trailing blanks, or control characters"
            )
        if where == "keyring":
            backend = self.require_keyring()
            run_with_timeout(
                lambda: backend.set_password(SERVICE, account_name, secret),
                self.keyring_timeout,
                "write",
            )
        elif where == "file":
            self._files().set(account_name, secret)
        else:
            raise CredentialError(f"secrets cannot be stored in {where!r}")

    def delete(self, account: Account) -> Removal:
        """Remove the stored secret, if any (the environment is not ours to change).

        The file store needs no passphrase for this: an entry is removed without decrypting.
        """
        if account.secret_store == "keyring":
            backend = run_with_timeout(os_keyring, self.keyring_timeout, "lookup")
            if backend is None:
                return "absent"  # no keyring here, so nothing of ours in it

            def remove() -> bool:
                from keyring.errors import PasswordDeleteError

                try:
                    backend.delete_password(SERVICE, account.name)
                except PasswordDeleteError:
                    return False
                return True

            deleted = run_with_timeout(remove, self.keyring_timeout, "delete")
            return "deleted" if deleted else "absent"
        if account.secret_store == "file":
            if self._file_store is not None:
                deleted = self._file_store.delete(account.name)
            else:
                deleted = FileSecretStore.delete_entry(self.file_store_path, account.name)
            return "deleted" if deleted else "absent"
        return "environment"

    def move(self, account: Account, to: str) -> None:
        """Copy the secret to ``to``, then delete it from where it was.

        The stored secret moves, never an environment override that happens to be set. An
        account whose store *is* the environment has its variable's value stored: the caller
        asked for exactly that, and says so.
        """
        if to == account.secret_store:
            raise CredentialError(f"the secret of {account.name!r} is already in the {to} store")
        if to not in ("keyring", "file"):
            raise CredentialError(f"secrets cannot be stored in {to!r}")
        if to == "keyring":
            self.require_keyring()  # fail before asking for any passphrase
        secret = self.stored(account) if account.secret_store != "env" else self.get(account)
        self.store(account.name, secret, to)
        if account.secret_store in ("keyring", "file"):
            self.delete(account)


# --------------------------------------------------------------------------- for the console

#: (reason, creating) -> the passphrase, or None when the operator cancelled.
PassphrasePrompt = Callable[[str, bool], Awaitable["str | None"]]
UNLOCK_ATTEMPTS = 3


async def unlock_file_store(
    credentials: Credentials, ask: PassphrasePrompt | None, *, attempts: int = UNLOCK_ATTEMPTS
) -> None:
    """Unlock (or create) the file store off the event loop, asking with ``ask`` if needed.

    Raises ``PassphraseRequired`` when cancelled or when nobody can be asked, ``WrongPassphrase``
    after ``attempts`` wrong answers.
    """
    if credentials.file_store_unlocked:
        return
    if os.environ.get(PASSPHRASE_ENV):
        await asyncio.to_thread(credentials._files)
        return
    if ask is None:
        raise PassphraseRequired(
            f"the encrypted file store is locked; unlock it on the Accounts screen or set "
            f"{PASSPHRASE_ENV}"
        )
    creating = not credentials.file_store_exists
    if creating:
        reason = (
            f"Choose the passphrase of the new encrypted file store {credentials.file_store_path}"
            f" (at least {MIN_PASSPHRASE} characters). It is asked once per session and never"
            " stored: without it the secrets in this file cannot be recovered."
        )
    else:
        reason = f"Unlock the encrypted file store {credentials.file_store_path}."
    for _attempt in range(attempts):
        passphrase = await ask(reason, creating)
        if passphrase is None:
            raise PassphraseRequired("the encrypted file store was left locked")
        try:
            await asyncio.to_thread(credentials.unlock_file_store, passphrase)
        except WrongPassphrase as exc:
            reason = f"{exc}. Try again."
        else:
            return
    raise WrongPassphrase("wrong passphrase for the encrypted file store, too many attempts")


async def read_secret(
    credentials: Credentials, account: Account, ask: PassphrasePrompt | None
) -> str:
    """The secret in use, read off the event loop; unlocks the file store first if needed."""
    if (
        credentials.source(account) == "file"
        and not credentials.file_store_unlocked
        and credentials.file_store_exists
    ):
        await unlock_file_store(credentials, ask)
    return await asyncio.to_thread(credentials.get, account)


async def store_secret(
    credentials: Credentials,
    account_name: str,
    secret: str,
    where: str,
    ask: PassphrasePrompt | None,
) -> None:
    if where == "file":
        await unlock_file_store(credentials, ask)
    await asyncio.to_thread(credentials.store, account_name, secret, where)
