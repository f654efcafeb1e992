"""The Blacklists, Replies and Number look-up tabs of F4, driven with Pilot against the demo's
eCampaign sandbox; and the tabs themselves (keys, palette, an account without the services)."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import DataTable, Input, Select, Static, TabbedContent

from providers.sandbox.ecampaign.state import BlacklistEntry, InboundSms, utcnow
from screens.compose.sms import ComposeSmsScreen
from screens.dialogs.common import ConfirmDialog
from screens.feedback.blacklist import BlacklistPane
from screens.feedback.lookup import LookupPane
from screens.feedback.replies import RepliesPane
from screens.templates.screen import TemplatesScreen
from tests.functional.conftest import click, wait_for, wait_for_screen
from tests.functional.templates_helpers import (
    ACCOUNT,
    assert_buttons_on_screen,
    ecampaign_paths,
    ecampaign_state,
    open_templates,
    rows,
    shown,
    status_of,
)
from tests.hostile import raw_controls
from tui.app import PorteVoixApp

HOSTILE = "\x9b2J\x7f\u202e[red]x[/red]"
SHOWN = "\\x9b2J\\x7f\\u202e[red]x[/red]"


async def test_keys_switch_tabs_from_the_table_and_from_a_field(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_templates(pilot)
        tabs = screen.query_one(TabbedContent)
        await pilot.press("4")
        assert tabs.active == "tab-lookup"
        assert screen.focused is screen.query_one("#lookup-number", Input)
        await pilot.press("1")  # typed into the number field, not a tab key there
        assert tabs.active == "tab-lookup"
        await pilot.press("ctrl+pageup")
        assert tabs.active == "tab-replies"
        await pilot.press("ctrl+pagedown", "ctrl+pagedown")
        assert tabs.active == "tab-templates"
        titles = [title for title, _help, _run in screen.palette_commands()]
        assert "Blacklists (opt-outs) (2)" in titles and "New template (n)" in titles


async def test_blacklist_per_channel_with_search(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_templates(pilot)
        await pilot.press("2")
        pane = screen.query_one(BlacklistPane)
        table = pane.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 1, what="the SMS blacklist")
        assert rows(table)[0][1:] == ["+33612345699", "STOP SMS"]
        pane.query_one("#blacklist-channel", Select).value = "mail"
        await wait_for(
            pilot,
            lambda: table.row_count == 1 and "example.fr" in rows(table)[0][1],
            what="the e-mail blacklist",
        )
        pane.query_one("#blacklist-search", Input).value = "nobody"
        await wait_for(pilot, lambda: table.row_count == 0, what="the search applied")
        assert "0 of 1" in status_of(pane)
        assert "/manageFeedback/mail/getBlacklist" in ecampaign_paths(demo_app)


async def test_remove_a_blacklist_entry_after_confirmation(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_templates(pilot)
        await pilot.press("2")
        pane = screen.query_one(BlacklistPane)
        table = pane.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 1, what="the SMS blacklist")
        await pilot.press("delete")
        await wait_for_screen(pilot, ConfirmDialog)
        assert_buttons_on_screen(pilot)
        assert "+33612345699" in shown(demo_app.screen.query_one(".dialog-title"))
        await pilot.press("escape")  # no: nothing is sent
        await wait_for_screen(pilot, TemplatesScreen)
        assert not any("delBlacklistMember" in p for p in ecampaign_paths(demo_app))
        await pilot.press("delete")
        await wait_for_screen(pilot, ConfirmDialog)
        await click(pilot, "#remove")
        await wait_for(pilot, lambda: table.row_count == 0, what="the list reloaded")
        assert any("off the SMS blacklist" in n.message for n in demo_app._notifications)
        assert "Nobody is on the SMS blacklist" in status_of(pane)
        assert not [e for e in ecampaign_state(demo_app).blacklist if e.channel == "sms"]


async def test_replies_mark_stop(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_templates(pilot)
        await pilot.press("3")
        pane = screen.query_one(RepliesPane)
        table = pane.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 2, what="the replies")
        assert [row[1:] for row in rows(table)] == [
            ["+33612345699", "STOP", "STOP"],
            ["+33612345601", "", "OK merci, à demain"],
        ]
        assert "1 STOP" in status_of(pane)
        pane.query_one("#replies-search", Input).value = "stop"
        await wait_for(pilot, lambda: table.row_count == 1, what="the STOP replies only")


async def test_outside_text_in_lists_is_shown_as_text(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        state = ecampaign_state(demo_app)
        when = utcnow() - timedelta(hours=1)
        state.blacklist.append(BlacklistEntry("sms", when, "33", "612345688", reason=HOSTILE))
        state.responses.append(InboundSms(when, "33", "612345602", f"non {HOSTILE}\nmerci"))
        screen = await open_templates(pilot)
        await pilot.press("2")
        blacklist = screen.query_one(BlacklistPane).query_one(DataTable)
        await wait_for(pilot, lambda: blacklist.row_count == 2, what="the blacklist")
        assert rows(blacklist)[1][2] == SHOWN
        await pilot.press("3")
        replies = screen.query_one(RepliesPane).query_one(DataTable)
        await wait_for(pilot, lambda: replies.row_count == 3, what="the replies")
        message = rows(replies)[2][3]
        assert message == f"non {SHOWN} merci" and raw_controls(message) == []


async def test_number_look_up(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_templates(pilot)
        await pilot.press("4")
        pane = screen.query_one(LookupPane)
        assert ecampaign_paths(demo_app) == ["/manageTemplate/list"]  # nothing asked yet
        await pilot.press(*"06 12 34 56 79", "enter")
        await wait_for(pilot, lambda: "knows this number" in status_of(pane), what="the answer")
        result = shown(pane.query_one("#lookup-rows", Static))
        assert "0: valid number" in result and "Bouygues Telecom (MCC 208 MNC" in result
        assert "Ported" in result and "FR (+33)" in result
        assert_buttons_on_screen(pilot)

        pane.query_one("#lookup-number", Input).value = "0612345600"
        await click(pilot, "#lookup")
        await wait_for(pilot, lambda: "reports a problem" in status_of(pane), what="the answer")
        result = shown(pane.query_one("#lookup-rows", Static))
        assert "1: number not allocated (permanent)" in result


async def test_an_invalid_number_is_refused_before_any_request(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_templates(pilot)
        await pilot.press("4")
        pane = screen.query_one(LookupPane)
        await pilot.press("1", "2", "enter")
        await wait_for(pilot, lambda: "not looked up" in status_of(pane), what="the refusal")
        assert not any("HLR" in path for path in ecampaign_paths(demo_app))


async def test_without_an_ecampaign_account_each_tab_says_so(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        del demo_app.session.accounts[ACCOUNT]
        await pilot.press("f4")
        await wait_for_screen(pilot, TemplatesScreen)
        screen = demo_app.screen
        assert isinstance(screen, TemplatesScreen)
        for key, pane_type in (("1", None), ("2", BlacklistPane), ("4", LookupPane)):
            await pilot.press(key)
            await pilot.pause()
            pane = screen.query_one(pane_type) if pane_type else screen.active_pane()
            assert pane is not None
            assert "eCampaign services" in status_of(pane), key
        assert demo_app.session.cluster is not None
        assert demo_app.session.cluster.sandboxes["ecampaign"].requests == []
