"""Live (F7): a sandbox campaign reaches its final states on the screen as the reports arrive;
one send's recipients with their codes, meanings and sources; the failure alert; where the
states come from (embedded receiver, getCDR poll, the daemon running or not)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Select, Static

from providers.models import SmsMessage
from screens.compose.sms import ComposeSmsScreen
from screens.live.detail import SendDetailScreen
from screens.live.screen import LiveScreen
from tests.functional.compose_helpers import confirm, fill, last_send
from tests.functional.conftest import wait_for, wait_for_screen
from tui.accounts import config as config_module
from tui.accounts.config import Account
from tui.app import PorteVoixApp
from tui.listen.status import DaemonInfo, DaemonLock
from tui.outbox.store import new_reference
from tui.session import Session

COLUMNS = ("queued", "sent", "delivered", "failed", "answered", "voicemail", "unknown")


def counts(table: DataTable[Any], reference: str) -> dict[str, int]:
    if reference not in {str(key.value) for key in table.rows}:
        return {}
    row = table.get_row(reference)
    return {state: int(str(row[3 + i]).strip()) for i, state in enumerate(COLUMNS)}


async def test_a_campaign_reaches_its_final_states_on_the_live_screen(
    demo_app: PorteVoixApp,
) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await pilot.press("f7")  # watching before the send: the states move under our eyes
        await wait_for_screen(pilot, LiveScreen)
        live = demo_app.screen
        table = live.query_one("#live-sends", DataTable)
        await pilot.press("f1")
        await wait_for_screen(pilot, ComposeSmsScreen)
        numbers = "06 11 22 33 44\n06 22 33 44 00\n06 33 44 55 66\n06 44 55 66 77"
        await fill(demo_app, pilot, numbers, "Soldes : -20 % demain.")
        await confirm(demo_app, pilot)
        await wait_for(pilot, lambda: last_send(demo_app) is not None)
        reference = last_send(demo_app).reference
        await pilot.press("f7")
        await wait_for_screen(pilot, LiveScreen)
        seen: list[dict[str, int]] = []

        def final() -> bool:
            now = counts(table, reference)
            if now and (not seen or seen[-1] != now):
                seen.append(now)
            return now.get("delivered") == 3 and now.get("failed") == 1

        await wait_for(pilot, final, timeout=30, what="the campaign's final states")
        assert sum(seen[-1].values()) == 4 and seen[-1]["sent"] == seen[-1]["queued"] == 0
        chart = str(live.query_one("#live-chart-title", Static).render())
        await wait_for(
            pilot,
            lambda: "3 in all" in str(live.query_one("#live-chart-title", Static).render()),
            what=f"the deliveries in the chart ({chart})",
        )
        # One failure in four final states: 25 %, over the default 20 % alert.
        await wait_for(
            pilot,
            lambda: any(n.title == "Failure rate alert" for n in demo_app._notifications),
            what="the failure alert",
        )
        sources = str(live.query_one("#live-sources", Static).render())
        assert "embedded receiver (demo)" in sources and "getCDR" in sources

        await pilot.press("enter")
        await wait_for_screen(pilot, SendDetailScreen)
        detail = demo_app.screen
        rows = detail.query_one("#detail-table", DataTable)
        await wait_for(pilot, lambda: rows.row_count == 4, what="the recipients")
        failed = rows.get_row("+33622334400")
        assert str(failed[1]) == "failed" and "INVALID_DESTINATION_ADDRESS" in str(failed[2])
        assert str(failed[4]).strip() == "cb"
        detail.query_one("#detail-filter", Select).value = "delivered"
        await wait_for(pilot, lambda: rows.row_count == 3, what="the delivered only")
        history = str(detail.query_one("#detail-history", Static).render())
        assert "delivered" in history and "(callback)" in history
        await pilot.press("escape")
        await wait_for_screen(pilot, LiveScreen)


async def test_ecampaign_states_come_from_the_getcdr_poll(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        session = demo_app.session
        numbers = ("+33611223344", "+33622334400")
        message = SmsMessage("Bonjour", numbers)
        reference = new_reference()
        store = session.store
        store.begin_send(
            "demo-ecampaign", "ecampaign", "sms", message, numbers, reference=reference
        )
        store.mark_batch_sending(reference, 0, numbers)
        provider = await session.provider("demo-ecampaign")
        store.record_batch_result(reference, await provider.send_sms(message), batch=0)
        store.finish_send(reference, "accepted")
        await pilot.press("f7")
        await wait_for_screen(pilot, LiveScreen)
        table = demo_app.screen.query_one("#live-sends", DataTable)
        await wait_for(
            pilot,
            lambda: (
                counts(table, reference).get("delivered") == 1
                and counts(table, reference).get("failed") == 1
            ),
            timeout=30,
            what="the polled states",
        )
        assert str(table.get_row(reference)[-1]).strip() == "cdr"


async def test_the_screen_says_whether_the_daemon_runs(tmp_path: Path) -> None:
    config = config_module.with_account(
        config_module.Config(), Account("shop", "capitole", "me", {}, secret_store="env")
    )
    config_module.save(config)
    session = Session.open(demo=False)
    app = PorteVoixApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await pilot.press("f7")
        await wait_for_screen(pilot, LiveScreen)
        live = app.screen
        assert isinstance(live, LiveScreen)
        sources = live.query_one("#live-sources", Static)
        await wait_for(pilot, lambda: "NOT running" in str(sources.render()), what="no daemon")
        lock = DaemonLock(config_module.data_dir())
        lock.acquire()
        try:
            started = datetime.now(UTC).isoformat(timespec="seconds")
            lock.publish(DaemonInfo(4242, "127.0.0.1", 8787, started))
            live.show_sources()
            await wait_for(
                pilot,
                lambda: "daemon running (pid 4242, 127.0.0.1:8787)" in str(sources.render()),
                what="the daemon's status",
            )
        finally:
            lock.release()
        live.show_sources()
        await wait_for(pilot, lambda: "NOT running" in str(sources.render()), what="gone")


async def test_a_failed_reading_leaves_the_console_up_and_is_read_again(
    demo_app: PorteVoixApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.listen.live import LiveReader

    calls: list[int] = []
    original = LiveReader.recent_sends

    def busy(self: LiveReader, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise sqlite3.OperationalError("database is locked")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(LiveReader, "recent_sends", busy)
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await pilot.press("f7")
        await wait_for_screen(pilot, LiveScreen)
        await wait_for(pilot, lambda: len(calls) == 1, what="the failed reading")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: len(calls) >= 2, what="a reading again")
        assert demo_app.is_running
        keys = demo_app.screen.query_one("#live-keys", Static)
        await wait_for(pilot, lambda: "No send in the last 3 days" in str(keys.render()))
