"""Compose SMS driven end to end against the sandboxes, as an operator would."""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal

import pytest
from textual.widgets import DataTable, Select, TextArea

from providers.sandbox.common import Faults
from screens.compose.sms import ComposeSmsScreen
from screens.dialogs.common import ConfirmDialog
from screens.messages import DeliveriesStored
from screens.widgets.counter import SegmentCounter
from screens.widgets.recipients import RecipientsField
from screens.widgets.send_panel import SendPanel
from tests.functional.compose_helpers import confirm, fill, last_send, type_into
from tests.functional.conftest import click, sandbox_requests, wait_for, wait_for_screen
from tui.app import PorteVoixApp
from tui.sending import SendProgress


async def test_typing_validates_numbers_and_counts_text(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await type_into(pilot, "#recipients-input", "0611223344, 0611223344 0622334455 abc")
        field = demo_app.screen.query_one(RecipientsField)
        # Typing may pause past the debounce on a busy machine: a part of the text may have
        # been validated first; wait for the whole of it.
        await wait_for(pilot, lambda: field.parsed_current, what="validation of the whole text")
        assert len(field.parsed.valid) == 2
        assert field.parsed.duplicates == 1
        assert [bad.raw for bad in field.parsed.invalid] == ["abc"]
        demo_app.screen.query_one("#sms-text", TextArea).load_text("Prix: 10 €")
        await pilot.pause()
        counter = str(demo_app.screen.query_one(SegmentCounter).render())
        assert "10 chars" in counter and "GSM-7" in counter and "1/1 SMS" in counter


async def test_send_sms_end_to_end_with_delivery_reports(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await fill(demo_app, pilot, "06 11 22 33 44\n06 22 33 44 00", "Votre RDV est confirmé.")
        await confirm(demo_app, pilot)
        await wait_for(
            pilot, lambda: (s := last_send(demo_app)) is not None and s.state != "sending"
        )
        send = last_send(demo_app)
        assert send.state == "accepted" and send.accepted == 2
        assert sandbox_requests(demo_app, "capitole_sms", "/api/sendsms/xml") == 1
        table = demo_app.screen.query_one(SendPanel).query_one(DataTable)
        assert table.row_count == 2
        # The sandbox reports delivery (and failure for numbers ending in 00) through the receiver.
        store = demo_app.session.store

        def delivered() -> bool:
            rows = store.recipients(send.reference)
            return all(row.delivery_state is not None for row in rows)

        table.move_cursor(row=1)  # the operator reads the second result meanwhile
        await wait_for(pilot, delivered, what="delivery reports")
        states = {row.number: str(row.delivery_state) for row in store.recipients(send.reference)}
        assert states == {"+33611223344": "delivered", "+33622334400": "failed"}

        def shown_states() -> list[str]:
            return [str(table.get_row_at(i)[2]).split(" (")[0] for i in range(table.row_count)]

        await wait_for(pilot, lambda: shown_states() == ["delivered", "failed"], what="table")
        # Each state with the provider's code and its meaning (issue 9, item 8).
        for i in range(table.row_count):
            assert re.fullmatch(r"\w+ \(\S+: .{3,}\)", str(table.get_row_at(i)[2]))
        # One more refresh of the table, as the next report would bring; the marker behind it
        # in the screen's queue says it was handled.
        compose = demo_app.screen
        refreshed = asyncio.Event()
        compose.post_message(DeliveriesStored())
        compose.call_later(refreshed.set)
        await wait_for(pilot, refreshed.is_set, what="one more refresh")
        assert table.cursor_row == 1, "a refresh moved the operator's cursor"
        assert "998" in str(demo_app.screen.query_one("#account-bar").render())


async def test_unencodable_character_is_refused_before_any_request(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await fill(demo_app, pilot, "0611223344", "Merci 🙂 à bientôt")
        counter = str(demo_app.screen.query_one(SegmentCounter).render())
        assert "Cannot be sent" in counter and "U+1F642" in counter
        compose = demo_app.screen
        assert isinstance(compose, ComposeSmsScreen)
        await pilot.press("ctrl+g")
        await wait_for(
            pilot,
            lambda: any("Not sent" in n.title for n in demo_app._notifications),
            what="the refusal",
        )
        await wait_for(pilot, lambda: not compose.busy, what="the refused send to end")
        assert not isinstance(demo_app.screen, ConfirmDialog)
        assert last_send(demo_app) is None
        assert sandbox_requests(demo_app, "capitole_sms") == 0
        # The typographic apostrophe has a transliteration: ctrl+t fixes it, the emoji stays named.
        demo_app.screen.query_one("#sms-text", TextArea).load_text("C’est l’heure…")
        await pilot.press("ctrl+t")
        assert demo_app.screen.query_one("#sms-text", TextArea).text == "C'est l'heure..."
        # The refusal's toast does not cover the confirmation of the corrected text.
        assert any("Not sent" in n.title for n in demo_app._notifications)
        await pilot.press("ctrl+g")
        await wait_for_screen(pilot, ConfirmDialog)
        assert not list(demo_app._notifications)


async def test_cancel_in_the_dialog_sends_nothing(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await fill(demo_app, pilot, "0611223344", "Bonjour")
        await pilot.press("ctrl+g")
        await wait_for_screen(pilot, ConfirmDialog)
        assert demo_app.screen.focused is not None and demo_app.screen.focused.id == "cancel"
        await pilot.press("enter")  # Enter by habit lands on Cancel
        await pilot.pause(0.2)
        assert last_send(demo_app) is None
        assert sandbox_requests(demo_app, "capitole_sms") == 0


async def test_dry_run_uses_the_pre_production_echo(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await fill(demo_app, pilot, "0611223344", "Bonjour")
        await confirm(demo_app, pilot, "dry-run")
        await wait_for(
            pilot, lambda: (s := last_send(demo_app)) is not None and s.state != "sending"
        )
        assert last_send(demo_app).state == "dry-run"
        assert sandbox_requests(demo_app, "capitole_sms", "xml_test") == 1
        assert sandbox_requests(demo_app, "capitole_sms", "/api/sendsms/xml") == 1


async def test_the_providers_remarks_are_shown_with_the_result(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        compose = demo_app.screen
        compose.query_one("#account", Select).value = "demo-ecampaign"
        await wait_for(pilot, lambda: getattr(compose.account, "name", "") == "demo-ecampaign")
        await fill(demo_app, pilot, "0611223344", "Bonjour")
        await confirm(demo_app, pilot, "dry-run")
        await wait_for(
            pilot, lambda: (s := last_send(demo_app)) is not None and s.state != "sending"
        )
        assert last_send(demo_app).state == "dry-run"
        status = str(compose.query_one("#send-status").render())
        assert "warning: dry run: checked locally (eCampaign has no test mode)" in status
        assert sandbox_requests(demo_app, "ecampaign") == 0


async def test_ten_thousand_recipients_show_progress(demo_app: PorteVoixApp) -> None:
    numbers = [f"06 12 {i // 100:02d} {i % 100:02d} 11" for i in range(10_000)]
    seen: list[SendProgress] = []
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        cluster = demo_app.session.cluster
        assert cluster is not None
        cluster.sandboxes["capitole_sms"].balance = Decimal(50_000)  # type: ignore[attr-defined]
        cluster.set_callback_url("capitole", None)  # 10 000 delivery reports are not the point here
        panel = demo_app.screen.query_one(SendPanel)
        original = panel.show_progress

        def record(progress: SendProgress) -> None:
            seen.append(progress)
            original(progress)

        panel.show_progress = record  # type: ignore[method-assign]
        field = demo_app.screen.query_one(RecipientsField)
        field.set_numbers(numbers)
        await wait_for(
            pilot, lambda: len(field.parsed.valid) == 10_000, timeout=60, what="validation"
        )
        demo_app.screen.query_one("#sms-text", TextArea).load_text("Soldes")
        await confirm(demo_app, pilot)
        await wait_for(
            pilot,
            lambda: (s := last_send(demo_app)) is not None and s.state != "sending",
            timeout=60,
        )
        send = last_send(demo_app)
        assert send.state == "accepted" and send.accepted == 10_000
        assert sandbox_requests(demo_app, "capitole_sms", "/api/sendsms/xml") == 20
        assert [p.batches_done for p in seen][-1] == 20
        done = [p.done for p in seen]
        assert done == sorted(done) and done[-1] == 10_000
        assert any(0 < p.remaining < 10_000 for p in seen)


async def test_cancelling_stops_between_requests(demo_app: PorteVoixApp) -> None:
    numbers = [f"06 13 {i // 100:02d} {i % 100:02d} 22" for i in range(2_000)]
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        cluster = demo_app.session.cluster
        assert cluster is not None
        # Every request takes a moment, so the operator has time to cancel.
        cluster.sandboxes["capitole_sms"].faults = Faults(hang_seconds=0.3, count=-1)
        field = demo_app.screen.query_one(RecipientsField)
        field.set_numbers(numbers)
        await wait_for(pilot, lambda: len(field.parsed.valid) == 2_000)
        demo_app.screen.query_one("#sms-text", TextArea).load_text("Soldes")
        await confirm(demo_app, pilot)
        await wait_for(pilot, lambda: sandbox_requests(demo_app, "capitole_sms") >= 1)
        await pilot.press("escape")
        await wait_for(
            pilot, lambda: (s := last_send(demo_app)) is not None and s.state != "sending"
        )
        send = last_send(demo_app)
        assert send.state == "cancelled"
        assert 0 < send.accepted < 2_000
        assert send.cancelled == 2_000 - send.accepted
        assert sandbox_requests(demo_app, "capitole_sms") == send.accepted // 500


async def test_the_send_button_starts_one_send(
    demo_app: PorteVoixApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual calls a message handler of every class along the MRO: a composer's button handler
    that also called ``super()`` made one click ask twice ("A send is in progress")."""
    asked: list[object] = []
    monkeypatch.setattr(ComposeSmsScreen, "action_send", lambda self: asked.append(self))
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await click(pilot, "#send")
        await wait_for(pilot, lambda: bool(asked), what="the click")
        await pilot.pause()
        assert len(asked) == 1
