"""Resend to the undelivered (issue 11) through ``ComposeForm.preset_message``: from History, a
new Compose holds exactly the numbers a send never reached and its message (text and sender),
on the send's account, made the console's current one even when the operator had chosen
another; the send then goes through the opt-out list and the duplicate guard like any other."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select, TextArea

from providers.sandbox.common import Faults
from screens.compose.sms import ComposeSmsScreen
from screens.compose.vms import ComposeVmsScreen
from screens.dialogs.common import ConfirmDialog
from screens.history.resend import open_compose
from screens.history.screen import HistoryScreen
from screens.widgets.recipients import RecipientsField
from tests.functional.compose_helpers import confirm, last_send
from tests.functional.conftest import click, wait_for, wait_for_screen
from tests.functional.test_compose_resend import no_delivery_reports
from tui.app import PorteVoixApp
from tui.outbox.optout import OptOuts

TEXT = "Votre colis arrive demain."


def _dialog(app: PorteVoixApp) -> ConfirmDialog:
    dialog = app.screen
    assert isinstance(dialog, ConfirmDialog)
    return dialog


async def test_history_resend_fills_compose_and_the_rules_apply(
    demo_app: PorteVoixApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTE_VOIX_HTTP_TIMEOUT", "0.5")
    numbers = [f"+3361400{i:04d}" for i in range(1_000)]  # two requests of 500
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        compose = demo_app.screen
        cluster = demo_app.session.cluster
        assert cluster is not None
        cluster.sandboxes["capitole_sms"].faults = Faults(hang_seconds=1.0, count=1)
        no_delivery_reports(cluster.sandboxes["capitole_sms"])
        field = compose.query_one(RecipientsField)
        field.set_numbers(numbers)
        await wait_for(pilot, lambda: len(field.parsed.valid) == 1_000, what="validation")
        compose.query_one("#sms-text", TextArea).load_text(TEXT)
        compose.query_one("#sender", Input).value = "BOUTIQUE"
        await confirm(demo_app, pilot)
        await wait_for(
            pilot, lambda: (s := last_send(demo_app)) is not None and s.state != "sending"
        )
        first = last_send(demo_app)
        assert (first.state, first.unknown, first.cancelled) == ("unknown", 500, 500)
        store = demo_app.session.store
        never_sent = [r.number for r in store.recipients(first.reference, limit=1_000)
                      if r.state == "cancelled"]  # fmt: skip
        assert len(never_sent) == 500
        OptOuts(store).add(never_sent[3])

        # The operator has since moved on: another account, another text.
        demo_app.current_account = "demo-octopush"
        compose.query_one("#sms-text", TextArea).load_text("Autre chose")
        compose.query_one("#sender", Input).value = ""
        await pilot.press("f6")
        await wait_for_screen(pilot, HistoryScreen)
        await wait_for(pilot, lambda: demo_app.screen.query_one("#history-table").row_count > 0)  # type: ignore[attr-defined]
        demo_app.screen.query_one("#history-table").focus()
        await pilot.press("u")
        await wait_for_screen(pilot, ComposeSmsScreen)
        compose = demo_app.screen
        assert demo_app.current_account == "demo-capitole"
        assert compose.query_one("#account", Select).value == "demo-capitole"
        field = compose.query_one(RecipientsField)
        assert field.text.split() == never_sent  # exactly the never sent, in their order
        assert compose.query_one("#sms-text", TextArea).text == TEXT
        assert compose.query_one("#sender", Input).value == "BOUTIQUE"
        await wait_for(pilot, lambda: len(field.parsed.valid) == 500, what="validation")

        await pilot.press("ctrl+g")
        await wait_for_screen(pilot, ConfirmDialog, timeout=60)
        assert dict(_dialog(demo_app).lines)["Opted out"].startswith("1 left out")
        await click(pilot, "#send")
        # The same account and content as the unfinished send, numbers in common: asked again.
        await wait_for(
            pilot,
            lambda: (
                _dialog(demo_app).title_text.startswith(f"{first.reference} is unfinished")
                if isinstance(demo_app.screen, ConfirmDialog)
                else False
            ),
            what="the duplicate guard",
        )
        await click(pilot, "#send-again")
        await wait_for(
            pilot,
            lambda: (
                (s := last_send(demo_app)) is not None
                and s.reference != first.reference
                and s.state != "sending"
            ),
            what="the new send",
        )
        again = last_send(demo_app)
        # (The sandbox refuses the numbers ending in 99 on its own: partial, not accepted.)
        assert (again.state, again.recipients_total) == ("partial", 499)
        assert again.accepted == sum(not n.endswith("99") for n in never_sent) - 1
        sent = [r.number for r in store.recipients(again.reference, limit=1_000)]
        assert sent == [n for n in never_sent if n != never_sent[3]]


async def test_a_voice_send_is_preset_in_compose_voice(demo_app: PorteVoixApp) -> None:
    """A VoicePartner text-to-speech call: kind of message, text and caller come back."""
    from providers.models import VoiceMessage

    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        store = demo_app.session.store
        message = VoiceMessage(
            ("+33611223344", "+33622334455"),
            sender="+33699887766",
            tts="Bonjour, votre rendez-vous est confirmé pour demain à dix heures.",
        )
        reference = store.begin_send("demo-voicepartner", "voicepartner", "voice", message)
        assert await open_compose(demo_app, reference, ["+33622334455"])
        await wait_for_screen(pilot, ComposeVmsScreen)
        compose = demo_app.screen
        assert demo_app.current_account == "demo-voicepartner"
        assert compose.query_one("#content-kind", Select).value == "tts"
        assert compose.query_one("#tts", TextArea).text == message.tts
        assert compose.query_one("#sender", Input).value == "+33699887766"
        assert compose.query_one(RecipientsField).text.split() == ["+33622334455"]
        assert compose.query_one("#tts", TextArea).display
        assert not compose.query_one("#audio-row").display


async def test_an_sms_is_preset_with_its_options(demo_app: PorteVoixApp) -> None:
    """Route, long SMS and a schedule still to come are the message's too; a past one is not
    (every provider would refuse it: the message then goes now)."""
    from datetime import UTC, datetime, timedelta

    from textual.widgets import Checkbox, Collapsible

    from providers.models import Route, SmsMessage
    from tui.compliance.hours import PARIS

    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        demo_app.current_account = "demo-octopush"
        store = demo_app.session.store
        later = (datetime.now(PARIS) + timedelta(days=3)).replace(second=0, microsecond=0)
        message = SmsMessage(
            "Soldes -20 % ce week-end",
            ("+33611223344",),
            sender="BOUTIQUE",
            route=Route.MARKETING,
            long=True,
            schedule=later,
        )
        reference = store.begin_send("demo-capitole", "capitole", "sms", message)
        assert await open_compose(demo_app, reference, ["+33611223344"])
        compose = demo_app.screen
        assert demo_app.current_account == "demo-capitole"
        assert compose.query_one("#route", Select).value == "marketing"
        assert compose.query_one("#long", Checkbox).value
        assert compose.query_one("#schedule", Input).value == f"{later:%Y-%m-%d %H:%M}"
        assert not compose.query_one("#options", Collapsible).collapsed
        built = compose.build_messages()  # type: ignore[attr-defined]
        assert [(m.text, m.sender, m.route, m.long, m.schedule) for m in built] == [
            (message.text, "BOUTIQUE", Route.MARKETING, True, later)
        ]

        past = SmsMessage("Rappel", ("+33622334455",), schedule=datetime(2026, 1, 5, 9, tzinfo=UTC))
        old = store.begin_send("demo-capitole", "capitole", "sms", past)
        assert await open_compose(demo_app, old, ["+33622334455"])
        assert compose.query_one("#schedule", Input).value == ""
        assert compose.query_one("#route", Select).value == "notification"
