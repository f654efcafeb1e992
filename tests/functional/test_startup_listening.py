"""With real accounts the console shows its first screen, then starts listening for delivery
states (issue 13, start-up): the embedded receiver and the getCDR poll follow in a worker."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from textual.widgets import Input

from screens.compose.sms import ComposeSmsScreen
from screens.dialogs.common import PassphraseDialog
from tests.functional.conftest import click, wait_for, wait_for_screen
from tui.accounts import config as config_module
from tui.accounts.config import Account, Config
from tui.accounts.credentials import Credentials
from tui.app import PorteVoixApp
from tui.listen import settings as listen_settings
from tui.listen.settings import ListenSettings
from tui.listen.tokens import token_env_name
from tui.session import Session

TOKEN = "t" * 32
PASSPHRASE = "correct horse battery"


@pytest.fixture(autouse=True)
def _fast_argon2_and_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tui.accounts.secret_file.ARGON2_COSTS", (1, 64, 1))
    monkeypatch.setenv(token_env_name("shop"), TOKEN)


def _configure(store: str) -> None:
    account = Account("shop", "capitole", "me", {}, secret_store=store)
    config_module.save(config_module.with_account(Config(), account))
    listen_settings.save(ListenSettings(console_receiver="embedded", port=0))


async def test_the_embedded_receiver_starts_once_the_first_screen_shows() -> None:
    _configure("env")
    app = PorteVoixApp(Session.open(demo=False))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        session = app.session
        await wait_for(pilot, lambda: session.receiver_url is not None, what="the receiver")
        async with httpx.AsyncClient() as client:
            reply = await client.get(
                f"{session.receiver_url}/capitole/shop/{TOKEN}",
                params={"id": "PVX", "gsm": "33611223344", "status": "DELIVERED"},
            )
        assert reply.status_code == 200


async def test_a_locked_file_store_asks_its_passphrase_for_the_embedded_receiver(
    tmp_path: Path,
) -> None:
    """The receiver serves the accounts' URLs with tokens kept beside their secrets: a locked
    file store is unlocked through the passphrase dialog, which only a worker can wait for."""
    _configure("file")
    Credentials(config_module.data_dir()).unlock_file_store(PASSPHRASE)  # the store exists
    app = PorteVoixApp(Session.open(demo=False))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, PassphraseDialog)  # mounted: its field exists
        app.screen.query_one("#passphrase", Input).value = PASSPHRASE
        await click(pilot, "#ok")
        session = app.session
        await wait_for(pilot, lambda: session.receiver_url is not None, what="the receiver")
        assert session.credentials.file_store_unlocked
        assert session.listening is not None and session.listening.problem is None
        await wait_for_screen(pilot, ComposeSmsScreen)
