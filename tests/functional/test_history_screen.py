"""History (F6) in Pilot: a big local history a page at a time, filters, sorts, the detail of a
send, Resend to the undelivered, export; getCDR streamed in while the console answers keys."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path
from typing import Any

from textual.widgets import Input, Select, TabbedContent, TextArea

from screens.compose.sms import ComposeSmsScreen
from screens.history.cdr import CdrHistory
from screens.history.detail import SendDetailDialog
from screens.history.dialogs import ExportDialog, FilterDialog
from screens.history.local import LocalHistory
from screens.history.screen import HistoryScreen
from screens.history.table import PagedTable
from screens.widgets.recipients import RecipientsField
from tests.functional.conftest import wait_for, wait_for_screen
from tests.functional.history_helpers import seed
from tui.app import PorteVoixApp

PAGE = 100


async def _open_history(pilot: Any) -> HistoryScreen:
    await wait_for_screen(pilot, ComposeSmsScreen)
    await pilot.press("f6")
    await wait_for_screen(pilot, HistoryScreen)
    screen = pilot.app.screen
    assert isinstance(screen, HistoryScreen)
    return screen


def _status(screen: HistoryScreen, selector: str = "#history-status") -> str:
    return str(screen.query_one(selector).render())


async def test_a_big_history_shows_a_page_at_a_time(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        seed(demo_app.session.store.path, 300, 100)  # 30,000 rows
        screen = await _open_history(pilot)
        local = screen.query_one(LocalHistory)
        table = screen.query_one("#history-table", PagedTable)
        await wait_for(pilot, lambda: "of 30,000" in _status(screen), what="the count")
        assert table.row_count == PAGE and "rows 1–100" in _status(screen)
        first = local.selected()
        assert first is not None and first.reference == "PVSEED0299"  # newest first

        table.focus()
        await pilot.press("end")
        await wait_for(pilot, lambda: "rows 29,901–30,000" in _status(screen))
        assert table.row_count == PAGE and local.rows
        await pilot.press("home")
        await wait_for(pilot, lambda: "rows 1–100 " in _status(screen) + " ")
        # The cursor runs on past the page's last row into the next page.
        for _ in range(PAGE):
            await pilot.press("down")
        await wait_for(pilot, lambda: "rows 101–200" in _status(screen))
        assert table.row_count == PAGE

        await pilot.press("s")  # oldest first
        await wait_for(
            pilot, lambda: "oldest first" in str(screen.query_one("#history-filter").render())
        )
        await wait_for(
            pilot,
            lambda: local.selected() is not None and local.selected().reference == "PVSEED0000",
        )  # type: ignore[union-attr]


async def test_filters_narrow_the_history(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        seed(demo_app.session.store.path, 40, 50)
        screen = await _open_history(pilot)
        local = screen.query_one(LocalHistory)
        await wait_for(pilot, lambda: "of 2,000" in _status(screen))
        screen.query_one("#history-table").focus()

        await pilot.press("f")
        await wait_for_screen(pilot, FilterDialog)
        dialog = pilot.app.screen
        dialog.query_one("#filter-account", Select).value = "demo-ecampaign"
        dialog.query_one("#filter-status", Select).value = "undelivered"
        dialog.query_one("#filter-number", Input).value = "oops"
        await pilot.click("#ok")
        await wait_for(pilot, lambda: "number" in str(dialog.query_one("#form-error").render()))
        number = dialog.query_one("#filter-number", Input)
        number.value = ""
        number.focus()
        await pilot.press("enter")  # Enter in a field applies too
        await wait_for_screen(pilot, HistoryScreen)

        # 20 sends of that account, 5 undelivered numbers each (one refused, one failed).
        await wait_for(pilot, lambda: "of 200" in _status(screen))
        rows = list(local.rows.values())
        assert {r.account for r in rows} == {"demo-ecampaign"}
        assert {(r.outcome.value, r.state.value if r.state else None) for r in rows} == {
            ("rejected", None),
            ("accepted", "failed"),
        }
        cells = [str(c) for c in screen.query_one(PagedTable).get_row_at(0)]
        assert any("8: delivery impossible" in c or "INVALID_NUMBER" in c for c in cells)


async def test_detail_then_resend_to_the_undelivered(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        (reference,) = seed(demo_app.session.store.path, 1, 20)
        screen = await _open_history(pilot)
        await wait_for(pilot, lambda: "of 20" in _status(screen))
        screen.query_one("#history-table").focus()

        await pilot.press("enter")
        await wait_for_screen(pilot, SendDetailDialog)
        dialog = pilot.app.screen
        assert isinstance(dialog, SendDetailDialog)
        lines = dict(dialog.lines)
        assert reference in lines["Send"] and lines["Message"] == "Bonjour"
        assert lines["Outcome"].startswith("rejected") and lines["Number"] == "+33600000019"
        await pilot.press("u")
        await wait_for_screen(pilot, ComposeSmsScreen)
        compose = pilot.app.screen
        field = compose.query_one(RecipientsField)
        # Positions 7, 9, 17 and 19: two refused, two reported failed.
        assert field.text.split() == [f"+33600{n:06d}" for n in (7, 9, 17, 19)]
        assert compose.query_one("#sms-text", TextArea).text == "Bonjour, votre commande est prête."
        assert demo_app.current_account == "demo-capitole"


async def test_export_writes_what_is_shown(demo_app: PorteVoixApp, tmp_path: Path) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        seed(demo_app.session.store.path, 3, 10)
        screen = await _open_history(pilot)
        await wait_for(pilot, lambda: "of 30" in _status(screen))
        screen.query_one("#history-table").focus()
        await pilot.press("x")
        await wait_for_screen(pilot, ExportDialog)
        target = tmp_path / "out.csv"
        pilot.app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.click("#ok")
        await wait_for(pilot, lambda: target.exists() and target.stat().st_size > 0)
        await demo_app.workers.wait_for_complete()
        rows = list(csv.DictReader(target.open(encoding="utf-8")))
        assert len(rows) == 30 and rows[0]["reference"] == "PVSEED0002"
        assert oct(target.stat().st_mode & 0o777) == "0o600"


async def test_getcdr_of_100000_messages_loads_while_keys_answer(demo_app: PorteVoixApp) -> None:
    """The sandbox's generated campaign of 100,000 SMS: rows stream into the store and the
    first page shows at once; meanwhile, key presses are answered within a second."""
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await _open_history(pilot)
        await pilot.press("2")
        tabs = screen.query_one(TabbedContent)
        await wait_for(pilot, lambda: tabs.active == "tab-cdr")
        cdr = screen.query_one(CdrHistory)
        await wait_for(pilot, lambda: not cdr.query_one("#cdr-account", Select).is_blank())
        cdr.query_one("#cdr-campaign", Input).value = "9000100000"
        cdr.query_one("#cdr-campaign", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: cdr.stored > 0, timeout=60, what="the first rows")
        table = cdr.query_one("#cdr-table", PagedTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        table.focus()  # keys for the screen, not letters for the form

        # A ticker that runs whenever the event loop is free: it must keep running while the
        # reply is read (a parse on the loop would starve it). Counted, never timed: a loaded
        # CI machine makes stopwatch limits meaningless. Pilot's key presses prove the keys
        # take effect meanwhile.
        loop = asyncio.get_running_loop()
        stalls: list[float] = []

        async def ticker() -> None:
            last = loop.time()
            while True:
                await asyncio.sleep(0.01)
                stalls.append(loop.time() - last)
                last = loop.time()

        ticking = asyncio.ensure_future(ticker())
        switched = 0  # keys answered while the reply was still being read
        while cdr.reading:
            for key, tab in (("1", "tab-sent"), ("2", "tab-cdr")):
                reading = cdr.reading
                await pilot.press(key)
                await wait_for(pilot, lambda tab=tab: tabs.active == tab, timeout=10)
                switched += reading
            assert table.row_count <= PAGE
        await wait_for(pilot, lambda: not cdr.reading, timeout=180, what="the end of the reply")
        ticking.cancel()

        assert switched >= 2, "the reply was read before the keys could be pressed"
        assert len(stalls) > 10, "the event loop was starved while the reply was read"
        assert cdr.stored == 100_000 and table.row_count <= PAGE
        assert cdr.fetch_id is not None
        fetch = demo_app.session.store.cdr_fetch(cdr.fetch_id)
        assert fetch is not None and fetch.rows == 100_000 and fetch.error is None
        assert "100,000 rows" in _status(screen, "#cdr-status")


async def test_a_campaign_drills_down_to_its_messages_and_back(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await _open_history(pilot)
        await pilot.press("2")
        cdr = screen.query_one(CdrHistory)
        await wait_for(pilot, lambda: not cdr.query_one("#cdr-account", Select).is_blank())
        cdr.action_read()  # the last 30 days: the demo account's web sends
        table = cdr.query_one("#cdr-table", PagedTable)
        await wait_for(pilot, lambda: not cdr.reading and table.row_count == 3)
        kinds = {row.cdr_id: row.kind for row in cdr.rows.values()}
        assert kinds == {"700004": "message", "5001": "campaign", "5002": "campaign"}
        listing = cdr.fetch_id

        table.focus()
        table.move_cursor(row=[r.cdr_id for r in cdr.rows.values()].index("5001"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: cdr.fetch_id != listing and not cdr.reading)
        await wait_for(pilot, lambda: table.row_count == 3 and not cdr.loading)
        assert {row.campaign_id for row in cdr.rows.values()} == {"5001"}
        assert all(row.status_code for row in cdr.rows.values())
        assert "campaign's messages" in _status(screen, "#cdr-status")

        await pilot.press("backspace")
        await wait_for(pilot, lambda: cdr.fetch_id == listing and not cdr.loading)
        await wait_for(pilot, lambda: {r.cdr_id for r in cdr.rows.values()} == set(kinds))
