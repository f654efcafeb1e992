"""The demo's big group (50,000 members) on the Groups screen: keys are answered while its
members load, and pages turn afterwards (Pilot, demo console, 80×24).

Responsiveness is judged by the order of events (each key's effect seen while the members are
still loading), never by a stopwatch: a loaded CI machine makes timings meaningless. The
benchmarks measure time."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from providers.sandbox.common import Faults
from providers.sandbox.ecampaign.demo import BIG_GROUP_SIZE
from screens.groups.members_table import PAGE_SIZE, MembersTable
from tests.functional.conftest import wait_for
from tests.functional.groups_helpers import (
    member_rows,
    members_loaded,
    open_group,
    open_groups,
    text_of,
)
from tui.app import PorteVoixApp

BIG = "4"


def send_key(app: PorteVoixApp, key: str, char: str) -> None:
    """A key as the terminal driver delivers it, without waiting for anything."""
    event = events.Key(key, char)
    event.set_sender(app)
    driver = app._driver
    assert driver is not None
    driver.send_message(event)


async def test_keys_are_answered_while_the_pages_load(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await open_groups(pilot)
        # The group's request and its members' first one each answer a second late: the load
        # lasts long enough to type during it on any machine (the demo's own sandbox alone
        # can now answer 50,000 members before a key is read).
        cluster = demo_app.session.cluster
        assert cluster is not None
        cluster.sandboxes["ecampaign"].faults = Faults(hang_seconds=1.0, count=2)
        detail = await open_group(pilot, BIG, loaded=False)
        await wait_for(pilot, lambda: detail.fetching, what="the members' load to start")
        assert "Loading the members" in text_of(detail, "#members-pager")
        search = detail.query_one("#member-search", Input)
        # Typed as a person types (Pilot's press waits for an idle loop, which a loading
        # console is not): each key sent, then its effect waited for.
        send_key(demo_app, "slash", "/")
        await wait_for(pilot, lambda: search.has_focus, what="the search box")
        assert detail.fetching  # answered during the load
        while_loading = 0
        for key, char in [(c, c) for c in "ville"] + [("equals_sign", "=")]:
            send_key(demo_app, key, char)
            expected = len(search.value) + 1

            def typed(n: int = expected) -> bool:
                return len(search.value) == n

            await wait_for(pilot, typed, what=key)
            while_loading += detail.fetching
        await pilot.press(*"Lyon")
        assert search.value == "ville=Lyon"
        assert while_loading >= 1, while_loading  # keys took effect during the load
        await members_loaded(pilot, detail)
        pager = text_of(detail, "#members-pager")
        assert pager == f"Members 1–{PAGE_SIZE} of {BIG_GROUP_SIZE:,} · page 1/500"
        table = detail.query_one(MembersTable)
        assert table.row_count == PAGE_SIZE  # a page in the widget, never the group

        # Pages turn: twenty of them, then the cursor runs past a page's edge.
        table.focus()
        await pilot.press(*"n" * 20)
        await wait_for(pilot, lambda: table.page_index == 20, what="page 21")
        assert member_rows(detail)[0][0] == str(int(member_rows(detail)[-1][0]) - PAGE_SIZE + 1)
        await pilot.press("p")
        await wait_for(pilot, lambda: table.page_index == 19, what="page 20")
        assert table.cursor_row == PAGE_SIZE - 1  # arriving from below, on the last row
        await pilot.press("down")
        await wait_for(pilot, lambda: table.page_index == 20, what="down past the edge")
        assert table.cursor_row == 0
        assert "page 21/500" in text_of(detail, "#members-pager")

        # The search typed during the load runs at the provider.
        search.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: "search: ville=Lyon" in text_of(detail, "#members-pager"))
        assert all(row[-1] == "Lyon" for row in member_rows(detail))
