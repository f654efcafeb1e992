"""The console and unfinished sends (issue 8, items 1 and 2): a send recovered at start-up is
announced and opened, a send repeating an unfinished one asks first, and delivery reports settle
an unknown outcome so that nothing is offered for resend."""

from __future__ import annotations

import pytest
from textual.widgets import Button

from providers.models import SmsMessage
from providers.sandbox.common import Faults
from screens.compose.sms import ComposeSmsScreen
from screens.dialogs.common import ConfirmDialog
from tests.functional.compose_helpers import confirm, fill, last_send
from tests.functional.conftest import click, sandbox_requests, wait_for, wait_for_screen
from tests.functional.test_compose_resend import no_delivery_reports
from tui.app import PorteVoixApp
from tui.session import Session

NUMBERS = ("+33611223344", "+33622334455", "+33633445566")


def crashed_demo_send(session: Session) -> str:
    """A send in the demo's journal whose process died while its first batch was out (as
    after a SIGKILL), recovered as a start-up would recover it.

    The demo's journal is fresh each run: the crash is staged in it before the app starts."""
    store = session.store
    message = SmsMessage("Rappel : réunion demain", NUMBERS)
    reference = store.begin_send("demo-capitole", "capitole", "sms", message)
    store.mark_batch_sending(reference, 0, NUMBERS[:2])
    store._conn.execute("UPDATE sends SET owner = 'gone@boot:1:dead'")
    session.recovered = store.recover_interrupted_sends()
    return reference


async def test_a_send_recovered_at_start_up_is_announced_and_opened() -> None:
    session = Session.open(demo=True)
    reference = crashed_demo_send(session)
    app = PorteVoixApp(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        compose = app.screen
        assert isinstance(compose, ComposeSmsScreen)
        await wait_for(pilot, lambda: compose.last_reference == reference, what="send opened")
        notes = [(n.title, n.message) for n in app._notifications]
        assert any(
            "recovered" in title and reference in message and "ctrl+r" in message
            for title, message in notes
        ), notes
        status = str(compose.query_one("#send-status").render())
        assert reference in status and "UNKNOWN" in status
        assert compose.query_one("#resend", Button).display
        # ctrl+r reaches it, though this session never sent it.
        await pilot.press("ctrl+r")
        await wait_for_screen(pilot, ConfirmDialog)
        assert app.screen.title_text == f"Resend {reference}?"


async def test_a_send_repeating_an_unfinished_one_asks_first(
    demo_app: PorteVoixApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTE_VOIX_HTTP_TIMEOUT", "0.5")
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        cluster = demo_app.session.cluster
        assert cluster is not None
        sandbox = cluster.sandboxes["capitole_sms"]
        sandbox.faults = Faults(hang_seconds=1.0, count=1)
        no_delivery_reports(sandbox)
        await fill(demo_app, pilot, "0611223344", "Bonjour")
        await confirm(demo_app, pilot)
        await wait_for(
            pilot, lambda: (s := last_send(demo_app)) is not None and s.state != "sending"
        )
        first = last_send(demo_app)
        assert first.state == "unknown"
        await pilot.pause(1.2)  # the hung request is processed on the sandbox side

        await confirm(demo_app, pilot)  # the same message again
        await wait_for_screen(pilot, ConfirmDialog)
        dialog = demo_app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert first.reference in dialog.title_text
        assert dict(dialog.lines)["In common"].startswith("1 of these numbers")
        await click(pilot, "#show-earlier")
        await pilot.pause(0.3)
        assert len(demo_app.session.store.list_sends(limit=5)) == 1  # nothing sent
        assert sandbox_requests(demo_app, "capitole_sms") == 1

        await confirm(demo_app, pilot)
        await wait_for_screen(pilot, ConfirmDialog)
        await click(pilot, "#send-again")  # the operator says so
        await wait_for(pilot, lambda: len(demo_app.session.store.list_sends(limit=5)) == 2)
        await wait_for(pilot, lambda: last_send(demo_app).state == "accepted")
        assert sandbox_requests(demo_app, "capitole_sms") == 2


async def test_delivery_reports_settle_an_unknown_send(
    demo_app: PorteVoixApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTE_VOIX_HTTP_TIMEOUT", "0.5")
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        cluster = demo_app.session.cluster
        assert cluster is not None
        cluster.sandboxes["capitole_sms"].faults = Faults(hang_seconds=1.0, count=1)
        await fill(demo_app, pilot, "0611223344 0622334455", "Bonjour")
        await confirm(demo_app, pilot)
        await wait_for(
            pilot, lambda: (s := last_send(demo_app)) is not None and s.state != "sending"
        )
        sent = last_send(demo_app)
        assert (sent.state, sent.unknown) == ("unknown", 2)
        # The hung request is processed after all, and both numbers get "delivered" reports.
        store = demo_app.session.store
        await wait_for(
            pilot,
            lambda: (
                [r.delivery_state for r in store.recipients(sent.reference)]
                == ["delivered", "delivered"]
            ),
            what="delivery reports",
        )
        rows = store.recipients(sent.reference)
        assert [r.state for r in rows] == ["accepted", "accepted"]
        settled = store.get_send(sent.reference)
        assert settled is not None and (settled.state, settled.unknown) == ("accepted", 0)
        compose = demo_app.screen
        await wait_for(  # the result shown follows
            pilot,
            lambda: "ACCEPTED" in str(compose.query_one("#send-status").render()),
            what="the settled state shown",
        )
        assert not compose.query_one("#resend", Button).display
        await pilot.press("ctrl+r")  # nothing is offered for resend
        await pilot.pause(0.3)
        assert not isinstance(demo_app.screen, ConfirmDialog)
        assert sandbox_requests(demo_app, "capitole_sms") == 1
