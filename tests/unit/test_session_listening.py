"""The console's side of delivery states with real accounts: an embedded receiver when chosen
and no daemon runs, the getCDR poll only where no callback can arrive."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime

import httpx
import pytest

from tui.accounts import config as config_module
from tui.accounts.config import Account
from tui.listen import settings as listen_settings
from tui.listen.settings import ListenSettings
from tui.listen.status import DaemonInfo, DaemonLock
from tui.listen.tokens import token_env_name
from tui.session import Session

TOKEN = "t" * 32


def configure(*accounts: Account) -> None:
    config = config_module.Config()
    for account in accounts:
        config = config_module.with_account(config, account)
    config_module.save(config)


@pytest.fixture(autouse=True)
def _tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("shop", "eco"):
        monkeypatch.setenv(token_env_name(name), TOKEN)


async def test_an_embedded_receiver_serves_the_accounts_while_the_console_is_open() -> None:
    configure(Account("shop", "capitole", "me", {}, secret_store="env"))
    listen_settings.save(ListenSettings(console_receiver="embedded", port=0))
    session = Session.open(demo=False)
    await session.start()
    try:
        assert session.receiver_url is not None and session.listening is not None
        assert session.listening.poller is None  # no eCampaign account: nothing to poll
        report = {"id": "PVX", "gsm": "33611223344", "status": "DELIVERED"}
        async with httpx.AsyncClient() as client:
            ok = await client.get(f"{session.receiver_url}/capitole/shop/{TOKEN}", params=report)
            wrong = await client.get(f"{session.receiver_url}/capitole/shop/x{TOKEN}")
        assert (ok.status_code, wrong.status_code) == (200, 404)
        with sqlite3.connect(session.store.path) as conn:
            assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 1
        sources = session.listening.sources(demo=False)
        assert sources[0].startswith("Callbacks: embedded receiver on http://127.0.0.1:")
    finally:
        await session.stop()


async def test_no_embedded_receiver_beside_a_running_daemon() -> None:
    configure(Account("shop", "capitole", "me", {}, secret_store="env"))
    listen_settings.save(ListenSettings(console_receiver="embedded", port=0))
    lock = DaemonLock(config_module.data_dir())
    lock.acquire()
    lock.publish(DaemonInfo(4242, "127.0.0.1", 8787, datetime.now(UTC).isoformat()))
    session = Session.open(demo=False)
    try:
        await session.start()
        assert session.receiver_url is None
        assert session.listening is not None
        assert "daemon running (pid 4242" in session.listening.sources(demo=False)[0]
    finally:
        await session.stop()
        lock.release()


@pytest.mark.parametrize(
    ("settings", "polled"),
    [
        (ListenSettings(), True),  # no public URL: no callback can arrive
        (ListenSettings(public_url="https://pv.example.fr"), True),  # ... nor any daemon runs
        (ListenSettings(cdr_poll=0), False),  # the operator said never
    ],
)
async def test_ecampaign_is_polled_where_callbacks_cannot_arrive(
    settings: ListenSettings, polled: bool
) -> None:
    configure(Account("eco", "ecampaign", "me", {"route": "1"}, secret_store="env"))
    listen_settings.save(settings)
    session = Session.open(demo=False)
    await session.start()
    try:
        listening = session.listening
        assert listening is not None
        assert listening.poll_interval == (120 if polled else None)
        assert session.receiver is None  # nothing loaded before the console shows
        if polled:
            # The first round comes once the console shows, through a receiver the composer
            # hears.
            for _ in range(100):
                if listening.poller is not None and listening.poller.rounds:
                    break
                await asyncio.sleep(0.05)
            assert listening.poller is not None and listening.poller.rounds >= 1
            assert session.receiver is listening.receiver is not None
            assert "eCampaign: polled through getCDR every 120 s" in listening.sources(False)[1]
    finally:
        await session.stop()
