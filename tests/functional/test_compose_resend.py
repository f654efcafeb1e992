"""Compose SMS after an unknown outcome: shown, never resent blindly, resent knowingly."""

from __future__ import annotations

import pytest
from textual.widgets import Button, TextArea

from providers.sandbox.common import CallbackSettings, Faults, SandboxBase
from screens.compose.sms import ComposeSmsScreen
from screens.dialogs.common import ConfirmDialog
from screens.widgets.recipients import RecipientsField
from tests.functional.compose_helpers import confirm, fill, last_send
from tests.functional.conftest import click, sandbox_requests, wait_for, wait_for_screen
from tui.app import PorteVoixApp


def no_delivery_reports(sandbox: SandboxBase) -> None:
    """A delivery report would settle the unknown outcome (``test_compose_settled``): none
    comes in time here."""
    sandbox.callbacks = CallbackSettings(sandbox.callbacks.url, delay=3600)


async def test_unknown_outcome_is_shown_and_never_resent(
    demo_app: PorteVoixApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTE_VOIX_HTTP_TIMEOUT", "0.5")
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        cluster = demo_app.session.cluster
        assert cluster is not None
        cluster.sandboxes["capitole_sms"].faults = Faults(hang_seconds=2.0, count=1)
        no_delivery_reports(cluster.sandboxes["capitole_sms"])
        await fill(demo_app, pilot, "0611223344", "Bonjour")
        await confirm(demo_app, pilot)
        await wait_for(
            pilot, lambda: (s := last_send(demo_app)) is not None and s.state != "sending"
        )
        assert last_send(demo_app).state == "unknown"
        await pilot.pause(2.5)  # the hung request completes on the sandbox side meanwhile
        assert sandbox_requests(demo_app, "capitole_sms") == 1
        assert demo_app.screen.query_one("#resend", Button).display
        status = str(demo_app.screen.query_one("#send-status").render())
        assert "unknown" in status.lower() and "Nothing was resent" in status
        # Resending asks again, saying it may duplicate; declining sends nothing.
        await pilot.press("ctrl+r")
        await wait_for_screen(pilot, ConfirmDialog)
        assert "twice" in str(demo_app.screen.query_one(".warning").render())
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert sandbox_requests(demo_app, "capitole_sms") == 1
        assert len(demo_app.session.store.list_sends(limit=10)) == 1


async def test_after_an_unknown_batch_only_the_never_sent_can_be_resent(
    demo_app: PorteVoixApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTE_VOIX_HTTP_TIMEOUT", "0.5")
    numbers = [f"06 14 {i // 100:02d} {i % 100:02d} 33" for i in range(1_000)]  # two requests
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        cluster = demo_app.session.cluster
        assert cluster is not None
        cluster.sandboxes["capitole_sms"].faults = Faults(hang_seconds=2.0, count=1)
        no_delivery_reports(cluster.sandboxes["capitole_sms"])
        field = demo_app.screen.query_one(RecipientsField)
        field.set_numbers(numbers)
        await wait_for(pilot, lambda: len(field.parsed.valid) == 1_000, what="validation")
        demo_app.screen.query_one("#sms-text", TextArea).load_text("Soldes")
        await confirm(demo_app, pilot)
        await wait_for(
            pilot, lambda: (s := last_send(demo_app)) is not None and s.state != "sending"
        )
        first = last_send(demo_app)
        assert (first.state, first.unknown, first.cancelled) == ("unknown", 500, 500)
        await pilot.pause(2.5)  # the hung request completes on the sandbox side meanwhile
        assert sandbox_requests(demo_app, "capitole_sms") == 1
        await pilot.press("ctrl+r")
        await wait_for_screen(pilot, ConfirmDialog)
        dialog = demo_app.screen
        assert isinstance(dialog, ConfirmDialog)
        summary = dict(dialog.lines)
        assert summary["Recipients"] == "1000 not known to be accepted"
        assert summary["Never sent"].startswith("500 never requested or refused")
        await click(pilot, "#resend-unsent")
        store = demo_app.session.store
        await wait_for(
            pilot,
            lambda: (
                (s := last_send(demo_app)) is not None
                and s.reference != first.reference
                and s.state != "sending"
            ),
            what="the resend",
        )
        again = last_send(demo_app)
        assert (again.state, again.accepted, again.resend_of) == ("accepted", 500, first.reference)
        resent = {r.number for r in store.recipients(again.reference, limit=1_000)}
        never_sent = {
            r.number
            for r in store.recipients(first.reference, limit=1_000)
            if r.state == "cancelled"
        }
        assert resent == never_sent and len(resent) == 500
        assert sandbox_requests(demo_app, "capitole_sms") == 2
