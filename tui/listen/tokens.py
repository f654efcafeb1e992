"""One secret callback token per account, kept where the account keeps its secret.

The token is the last segment of the URL a provider calls (``/capitole/shop/TOKEN``): whoever
knows it can post delivery states for that account, so it is a secret like the API key.

* ``PORTE_VOIX_CALLBACK_TOKEN_<NAME>`` in the environment wins and is never stored (the only way
  for an account whose secret itself comes from the environment).
* Otherwise the token lives in the account's own store (the OS keyring or the encrypted file
  store), under the entry ``<name>:callback-token`` (no account name holds a ``:``).

It is made on first use (``ensure_token``) and never changes by itself: a provider configured
with the URL keeps working. ``rotate_token`` makes a new one (the old URL stops working).
Nothing here logs, stores elsewhere or formats a token; errors name the account only.
"""

from __future__ import annotations

import os
import re
import secrets

from tui.accounts.config import Account
from tui.accounts.credentials import SERVICE, CredentialError, Credentials
from tui.accounts.os_keyring import run_with_timeout

ENV_PREFIX = "PORTE_VOIX_CALLBACK_TOKEN_"
ENTRY_SUFFIX = ":callback-token"
#: 24 random bytes, URL-safe: 32 characters.
TOKEN_BYTES = 24


def token_env_name(account_name: str) -> str:
    return ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", account_name.upper())


def entry_name(account_name: str) -> str:
    """The store entry holding the account's token."""
    return account_name + ENTRY_SUFFIX


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def valid_token(token: str) -> bool:
    """URL-safe, no separator, long enough to be unguessable."""
    return 16 <= len(token) <= 200 and re.fullmatch(r"[A-Za-z0-9_-]+", token) is not None


def read_token(credentials: Credentials, account: Account) -> str | None:
    """The account's token, or None when it has none yet. Blocking (keyring, Argon2)."""
    from_env = os.environ.get(token_env_name(account.name))
    if from_env:
        if not valid_token(from_env):
            raise CredentialError(
                f"{token_env_name(account.name)} must be 16 to 200 letters, digits, '-' or '_'"
            )
        return from_env
    if account.secret_store == "env":
        return None
    if account.secret_store == "keyring":
        backend = credentials.require_keyring()
        token: str | None = run_with_timeout(
            lambda: backend.get_password(SERVICE, entry_name(account.name)),
            credentials.keyring_timeout,
            "read",
        )
        return token or None
    if not credentials.file_store_exists:
        return None
    # The resolver's own file store, unlocked (asking, or from the environment) as for a secret.
    return credentials._files().get(entry_name(account.name)) or None


def ensure_token(credentials: Credentials, account: Account) -> str:
    """The account's token, made and stored on first use. Blocking."""
    token = read_token(credentials, account)
    if token is not None:
        return token
    if account.secret_store == "env":
        raise CredentialError(
            f"account {account.name!r} takes its secret from the environment: set its callback "
            f"token there too, in {token_env_name(account.name)} (32 random URL-safe characters,"
            " e.g. from `python3 -c 'import secrets; print(secrets.token_urlsafe(24))'`)"
        )
    token = new_token()
    credentials.store(entry_name(account.name), token, account.secret_store)
    return token


def rotate_token(credentials: Credentials, account: Account) -> str:
    """A new token for the account (the URL given to the provider must change with it)."""
    if os.environ.get(token_env_name(account.name)) or account.secret_store == "env":
        raise CredentialError(
            f"the token of {account.name!r} comes from {token_env_name(account.name)}: change it "
            "there"
        )
    token = new_token()
    credentials.store(entry_name(account.name), token, account.secret_store)
    return token
