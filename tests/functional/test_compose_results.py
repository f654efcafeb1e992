"""What a send's result says (issue 9, items 3, 4, 5, 7, 8 and 14): campaign totals, group
sends, what to expect from each provider's reports, codes with their meaning, costs with their
unit, a resend offered only where it can help, and the result in view after a send at 80×24."""

from __future__ import annotations

import re
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input, Select, Static, TextArea

from providers.models import FilterCriterion, GroupTarget
from screens.compose.common import ComposeScreen
from screens.compose.sms import ComposeSmsScreen
from screens.compose.vms import ComposeVmsScreen
from screens.dialogs.common import ConfirmDialog
from screens.widgets.recipients import RecipientsField
from screens.widgets.send_panel import SendPanel
from tests.functional.compose_helpers import last_send
from tests.functional.conftest import click, wait_for, wait_for_screen
from tui.app import PorteVoixApp


def text(screen: ComposeScreen[Any], selector: str) -> str:
    return str(screen.query_one(SendPanel).query_one(selector, Static).render())


async def choose(app: PorteVoixApp, pilot: Pilot[Any], account: str) -> ComposeScreen[Any]:
    screen = app.screen
    assert isinstance(screen, ComposeScreen)
    screen.query_one("#account", Select).value = account  # as the operator does
    # The operator's choice is handled (fields shown or hidden) when it is the console's.
    await wait_for(pilot, lambda: app.current_account == account, what=account)
    return screen


async def send(app: PorteVoixApp, pilot: Pilot[Any]) -> ConfirmDialog:
    """ctrl+g, Send; returns the confirmation as it was, once the send has ended."""
    await pilot.press("ctrl+g")
    await wait_for_screen(pilot, ConfirmDialog, timeout=30)
    dialog = app.screen
    assert isinstance(dialog, ConfirmDialog)
    await click(pilot, "#send")
    await wait_for(
        pilot, lambda: (s := last_send(app)) is not None and s.state != "sending", what="send"
    )
    return dialog


async def voice(app: PorteVoixApp, pilot: Pilot[Any], account: str) -> ComposeScreen[Any]:
    await wait_for_screen(pilot, ComposeSmsScreen)
    await pilot.press("f2")
    await wait_for_screen(pilot, ComposeVmsScreen)
    return await choose(app, pilot, account)


async def test_a_voicemail_drop_shows_its_campaign_totals(demo_app: PorteVoixApp) -> None:
    """VoicePartner reports a voicemail drop as totals: they were stored, never shown."""
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await voice(demo_app, pilot, "demo-voicepartner")
        await pilot.press("ctrl+o")
        audio = screen.query_one("#audio", Select)
        await wait_for(pilot, lambda: audio._options[1:] != [], what="audio list")
        audio.value = "aud-promo"
        screen.query_one(RecipientsField).set_numbers(["06 11 22 33 44"])
        await send(demo_app, pilot)
        await wait_for(pilot, lambda: "1 of 1 voicemails delivered" in text(screen, "#send-status"))
        assert "whole campaign" in text(screen, "#send-status")
        table = screen.query_one("#results", DataTable)
        await wait_for(pilot, lambda: str(table.get_row_at(0)[2]).startswith("delivered"))


async def test_a_group_send_shows_its_members_totals_as_their_reports_arrive(
    demo_app: PorteVoixApp,
) -> None:
    """An eCampaign group send read "accepted 0" over an empty table, and its members' reports
    were never counted: the reply lists the members, and their reports update the totals."""
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        screen = await choose(demo_app, pilot, "demo-ecampaign")
        criteria = (FilterCriterion("ville", "=", "Paris"),)
        screen.preset_group("demo-ecampaign", GroupTarget("1", ("mobile",), "AND", criteria))
        screen.query_one("#sms-text", TextArea).load_text("Bonjour")
        dialog = await send(demo_app, pilot)
        assert ("Recipients", "the members of Group #1, field mobile, where ville = Paris") in (
            dialog.lines
        )
        status = text(screen, "#send-status")
        assert "group send: Group #1" in status and "accepted 0" not in status
        assert re.search(r"cost \d+ credits", status), status
        assert not screen.query_one("#results", DataTable).display
        assert "members are counted above" in text(screen, "#results-note")
        members = re.search(r"members: (\d+) sent to", status)
        assert members is not None and int(members[1]) > 0, status
        reference = last_send(demo_app).reference  # type: ignore[union-attr]
        totals = demo_app.session.store.group_totals(reference)
        assert totals is not None and totals.members == int(members[1])
        # The sandbox's states reach the console (its getCDR poll, in the demo): the totals
        # shown follow, with no key pressed, until every member has a final state.
        await wait_for(
            pilot,
            lambda: "no final report yet 0" in text(screen, "#send-status"),
            what="every member's final state",
            timeout=30,
        )
        totals = demo_app.session.store.group_totals(reference)
        assert totals is not None and totals.delivered + totals.failed == totals.members
        status = text(screen, "#send-status")
        assert f"delivered {totals.delivered} · failed {totals.failed}" in status


async def test_octopush_says_its_sends_get_no_delivery_reports(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        screen = await choose(demo_app, pilot, "demo-octopush")
        screen.query_one(RecipientsField).set_numbers(["06 11 22 33 44"])
        screen.query_one("#sms-text", TextArea).load_text("Bonjour")
        dialog = await send(demo_app, pilot)
        # The confirmation names the sender and quotes the text (item 7).
        labels = dict(dialog.lines)
        assert labels["Text"] == "Bonjour" and "Sender" in labels
        assert "no delivery reports" in text(screen, "#results-note")
        # A cost says its unit (item 7).
        assert re.search(r"cost [\d.]+ €", text(screen, "#send-status"))


async def test_a_definite_refusal_offers_no_resend(demo_app: PorteVoixApp) -> None:
    """INVALID_VOICE_MSG can only be refused again: no "Resend knowingly", and ctrl+r says
    why. The result is in view at 80×24, the refusal written out whole under the table."""
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await voice(demo_app, pilot, "demo-capitole")
        screen.query_one("#content-kind", Select).value = "voice_msg"
        screen.query_one("#voice-msg", Input).value = "Promo été"
        screen.query_one("#sender", Input).value = "01 23 45 67 89"
        screen.query_one(RecipientsField).set_numbers(["06 11 22 33 44"])
        await send(demo_app, pilot)
        assert last_send(demo_app).state == "rejected"
        table = screen.query_one("#results", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1, what="the result")
        assert not screen.query_one("#resend", Button).display
        # In view: from the status line to the row detail under the table (item 4).
        detail = screen.query_one("#row-detail", Static)
        await wait_for(
            pilot,
            lambda: (
                screen.query_one("#send-status").region.y >= 1
                and detail.region.bottom <= 23
                and "INVALID_VOICE_MSG: the voice message" in str(detail.render())
            ),
            what="the result in view",
        )
        assert demo_app.focused is table
        await pilot.press("ctrl+r")
        await wait_for(
            pilot,
            lambda: any("refused again" in n.message for n in demo_app._notifications),
            what="why there is no resend",
        )
        assert not isinstance(demo_app.screen, ConfirmDialog)
