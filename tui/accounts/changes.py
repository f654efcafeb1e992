"""The console's account changes: the secret and the config changed together, in a safe order.

The Accounts screen calls these from its workers; every blocking part (keyring, Argon2, TOML on
disk) runs in a thread, and the file store's passphrase is asked through ``ask`` when needed.
The caller serialises them (one change at a time), so a save never interleaves with a removal.
"""

from __future__ import annotations

import asyncio

from tui.accounts import config as config_module
from tui.accounts.config import Account, ConfigError
from tui.accounts.credentials import (
    Credentials,
    PassphrasePrompt,
    Removal,
    store_secret,
    unlock_file_store,
)


async def save_account(
    credentials: Credentials,
    account: Account,
    secret: str | None,
    *,
    original: Account | None,
    make_default: bool,
    ask: PassphrasePrompt | None,
) -> None:
    """Store ``secret`` (None: keep the stored one) where ``account`` says, then the config.

    ``original`` is the account being edited (None: a new one, refused if the name exists).
    """
    await _store_secret(credentials, account, secret, original, ask)
    config = await asyncio.to_thread(config_module.load)
    if original is None and account.name in config.accounts:
        raise ConfigError(f"an account named {account.name!r} exists already")
    config = config_module.with_account(config, account)
    if make_default:
        config = config_module.with_default(config, account.name)
    await asyncio.to_thread(config_module.save, config)


async def _store_secret(
    credentials: Credentials,
    account: Account,
    secret: str | None,
    original: Account | None,
    ask: PassphrasePrompt | None,
) -> None:
    """Put the secret where the account says; move or delete the stored one as needed."""
    moved = original is not None and original.secret_store != account.secret_store
    if secret is not None and account.secret_store != "env":
        await store_secret(credentials, account.name, secret, account.secret_store, ask)
    elif moved and account.secret_store != "env":
        assert original is not None
        # The stored secret moves (never an environment override that happens to be set).
        for store in (original.secret_store, account.secret_store):
            if store == "file":
                await unlock_file_store(credentials, ask)
        await asyncio.to_thread(credentials.move, original, account.secret_store)
        return
    if moved and original is not None and original.secret_store != "env":
        await asyncio.to_thread(credentials.delete, original)


async def remove_account(credentials: Credentials, account: Account) -> Removal:
    """Delete the stored secret, then the account.

    The secret first: if its store refuses (a locked keyring), the account stays and the error
    says why, so a secret is never left behind without the account that names it.
    """
    removal = await asyncio.to_thread(credentials.delete, account)
    config = await asyncio.to_thread(config_module.load)
    if account.name in config.accounts:
        config = config_module.without_account(config, account.name)
        await asyncio.to_thread(config_module.save, config)
    return removal


async def make_default(name: str) -> None:
    config = await asyncio.to_thread(config_module.load)
    await asyncio.to_thread(config_module.save, config_module.with_default(config, name))
