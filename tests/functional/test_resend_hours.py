"""The French sending hours in the console beyond a new send (issue 10), with the rules' clock
standing at a chosen moment (``tui.compliance.hours.clock``):

* a knowing resend (ctrl+r) of a marketing SMS on a Sunday at 23:00 gets the hours dialog of a
  new send; Escape resends nothing, ``s`` schedules the resend at Monday 08:00, which its
  confirmation names and the outbox keeps;
* the dialog offers a schedule only where the provider can schedule the message: a
  CapitoleMobile voice message (its API has no date) must wait, and can only be cancelled; a
  VoicePartner one can be scheduled.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import holidays
import pytest
from textual.widgets import Button, Checkbox, Input, Select

from providers.sandbox.common import Faults
from screens.compose.sms import ComposeSmsScreen
from screens.compose.vms import ComposeVmsScreen
from screens.dialogs.common import ConfirmDialog
from screens.dialogs.compliance import HoursDialog
from screens.widgets.recipients import RecipientsField
from tests.functional.compose_helpers import confirm, fill, last_send
from tests.functional.conftest import click, sandbox_requests, wait_for, wait_for_screen
from tests.functional.test_compose_resend import no_delivery_reports
from tui.app import PorteVoixApp
from tui.compliance import hours
from tui.compliance.hours import PARIS


def _sunday_night() -> datetime:
    """A coming Sunday at 23:00 (Paris) whose Monday is no public holiday."""
    day = datetime.now(PARIS).date() + timedelta(days=2)
    france = holidays.country_holidays("FR")
    while day.weekday() != 6 or (day + timedelta(days=1)) in france:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 23, tzinfo=PARIS)


def _stand_at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr(hours, "clock", lambda: moment)


def _lines(app: PorteVoixApp) -> dict[str, str]:
    dialog = app.screen
    assert isinstance(dialog, ConfirmDialog)
    return dict(dialog.lines)


async def test_a_marketing_resend_on_a_sunday_night_is_scheduled_at_monday_8(
    demo_app: PorteVoixApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    sunday = _sunday_night()
    monday_8 = sunday + timedelta(hours=9)
    _stand_at(monkeypatch, sunday + timedelta(hours=11))  # Monday 10:00: the send may go
    monkeypatch.setenv("PORTE_VOIX_HTTP_TIMEOUT", "0.5")
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        cluster = demo_app.session.cluster
        assert cluster is not None
        cluster.sandboxes["capitole_sms"].faults = Faults(hang_seconds=1.0, count=1)
        no_delivery_reports(cluster.sandboxes["capitole_sms"])
        await fill(demo_app, pilot, "06 11 22 33 44", "Soldes d'hiver")
        demo_app.screen.query_one("#route", Select).value = "marketing"
        await confirm(demo_app, pilot)
        await wait_for(
            pilot, lambda: (s := last_send(demo_app)) is not None and s.state != "sending"
        )
        first = last_send(demo_app)
        assert first.state == "unknown"
        await pilot.pause(1.2)  # the hung request completes on the sandbox side meanwhile
        requests = sandbox_requests(demo_app, "capitole_sms")

        _stand_at(monkeypatch, sunday)
        await pilot.press("ctrl+r")
        await wait_for_screen(pilot, HoursDialog)
        lines = _lines(demo_app)
        assert lines["Rule"].startswith("commercial SMS") and "is a Sunday" in lines["Why not"]
        assert lines["Next allowed"] == f"{monday_8:%Y-%m-%d %H:%M} (Paris)"
        await pilot.press("escape")  # nothing resent
        await wait_for_screen(pilot, ComposeSmsScreen)
        await pilot.pause(0.2)
        assert last_send(demo_app).reference == first.reference

        await pilot.press("ctrl+r")
        await wait_for_screen(pilot, HoursDialog)
        await pilot.press("s")
        await wait_for(
            pilot,
            lambda: (
                isinstance(demo_app.screen, ConfirmDialog)
                and not isinstance(demo_app.screen, HoursDialog)
            ),
            what="the resend confirmation",
        )
        assert _lines(demo_app)["When"].startswith(f"{monday_8:%Y-%m-%d %H:%M} (Paris)")
        await click(pilot, "#resend")
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
        assert (again.state, again.resend_of) == ("accepted", first.reference)
        stored = demo_app.session.store.message_of(again.reference)
        assert stored.schedule == monday_8
        assert sandbox_requests(demo_app, "capitole_sms") == requests + 1


async def _promotional_voice(app: PorteVoixApp, pilot, account: str, kind: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("f2")
    await wait_for_screen(pilot, ComposeVmsScreen)
    screen = app.screen
    app.current_account = account
    await wait_for(pilot, lambda: screen.query_one("#account", Select).value == account)
    screen.query_one(RecipientsField).set_numbers(["06 11 22 33 44"])
    screen.query_one("#content-kind", Select).value = kind
    await pilot.pause()
    if kind == "voice_msg":
        screen.query_one("#voice-msg", Input).value = "promo-hiver"
        screen.query_one("#sender", Input).value = "01 23 45 67 89"  # Capitole needs a caller
    else:
        words = "Bonjour, profitez de nos soldes d'hiver dans votre magasin dès demain matin."
        screen.query_one("#tts").load_text(" ".join([words] * 3))  # type: ignore[attr-defined]
    screen.query_one("#promotional", Checkbox).value = True
    await pilot.pause(0.4)  # the recipients' validation is debounced
    await pilot.press("ctrl+g")
    await wait_for_screen(pilot, HoursDialog)


async def test_a_voice_message_the_provider_cannot_schedule_must_wait(
    demo_app: PorteVoixApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    sunday = _sunday_night()
    monday_10 = f"{sunday + timedelta(hours=11):%Y-%m-%d %H:%M}"
    _stand_at(monkeypatch, sunday)
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await _promotional_voice(demo_app, pilot, "demo-capitole", "voice_msg")
        dialog = demo_app.screen
        assert isinstance(dialog, HoursDialog)
        assert _lines(demo_app)["Next allowed"] == f"{monday_10} (Paris)"
        assert not dialog.query("#schedule-allowed")
        assert [b.id for b in dialog.query(Button)] == ["cancel"]
        assert dialog.warning == (
            "This provider cannot schedule this message: it must wait until "
            f"{monday_10} (Paris) to be sent. It can only be cancelled now."
        )
        await pilot.press("s")  # nothing to schedule: the dialog stays
        await pilot.pause(0.2)
        assert demo_app.screen is dialog
        await pilot.press("escape")
        await wait_for_screen(pilot, ComposeVmsScreen)
        assert last_send(demo_app) is None
        assert sandbox_requests(demo_app, "capitole_vms") == 0


async def test_a_voice_message_the_provider_can_schedule_is_offered_its_time(
    demo_app: PorteVoixApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    sunday = _sunday_night()
    monday_10 = f"{sunday + timedelta(hours=11):%Y-%m-%d %H:%M}"
    _stand_at(monkeypatch, sunday)
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await _promotional_voice(demo_app, pilot, "demo-voicepartner", "tts")
        dialog = demo_app.screen
        assert isinstance(dialog, HoursDialog)
        button = dialog.query_one("#schedule-allowed", Button)
        assert str(button.label) == f"Schedule at {monday_10} (s)"
        assert "cannot schedule" not in str(dialog.warning)
        await pilot.press("s")
        await wait_for(
            pilot,
            lambda: (
                isinstance(demo_app.screen, ConfirmDialog)
                and not isinstance(demo_app.screen, HoursDialog)
            ),
            what="the send confirmation",
        )
        assert _lines(demo_app)["When"] == f"{monday_10} (Paris)"
