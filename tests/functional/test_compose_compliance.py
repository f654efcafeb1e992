"""The console within the rules: a number opted out through an eCampaign blacklist sync is
left out of a CapitoleMobile send (counted in the confirmation, named in the result); a
promotional SMS outside the French sending hours is refused, and ``s`` schedules it at the
next allowed time."""

from __future__ import annotations

from datetime import datetime, timedelta

from textual.widgets import Checkbox, Input

from screens.compose.sms import ComposeSmsScreen
from screens.dialogs.common import ConfirmDialog
from screens.dialogs.compliance import HoursDialog
from screens.widgets.send_panel import SendPanel
from tests.functional.compose_helpers import fill, last_send
from tests.functional.conftest import click, wait_for, wait_for_screen
from tui.app import PorteVoixApp
from tui.compliance.hours import PARIS
from tui.compliance.sync import sync_blacklist
from tui.outbox.optout import OptOuts

BLACKLISTED = "+33612345699"  # on the eCampaign sandbox's SMS blacklist


def dialog_text(app: PorteVoixApp) -> str:
    """A confirmation's title, summary lines and warning."""
    dialog = app.screen
    assert isinstance(dialog, ConfirmDialog)
    lines = " ".join(f"{label}: {value}" for label, value in dialog.lines)
    return f"{dialog.title_text} {lines} {dialog.warning}"


async def test_an_ecampaign_opt_out_is_left_out_of_a_capitole_send(
    demo_app: PorteVoixApp,
) -> None:
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        session = demo_app.session
        provider = await session.provider("demo-ecampaign")
        report = await sync_blacklist(session.store, provider, "demo-ecampaign")
        assert report.added == (BLACKLISTED,)
        assert demo_app.current_account == "demo-capitole"

        await fill(demo_app, pilot, "06 12 34 56 99\n06 11 22 33 44", "Votre colis arrive.")
        await pilot.press("ctrl+g")
        await wait_for_screen(pilot, ConfirmDialog)
        assert "1 left out (on the opt-out list): +33612345699" in dialog_text(demo_app)
        await click(pilot, "#send")
        await wait_for(
            pilot, lambda: (s := last_send(demo_app)) is not None and s.state != "sending"
        )
        send = last_send(demo_app)
        assert (send.state, send.recipients_total) == ("accepted", 1)
        assert [r.number for r in session.store.recipients(send.reference)] == ["+33611223344"]
        cluster = session.cluster
        assert cluster is not None
        bodies = [r.body for r in cluster.sandboxes["capitole_sms"].requests]
        assert bodies and not any(b"612345699" in body for body in bodies)
        status = demo_app.screen.query_one(SendPanel).query_one("#send-status")
        await wait_for(
            pilot,
            lambda: "1 number(s) left out, on the opt-out list" in str(status.render()),
            what="the opted-out note in the result",
        )
        assert BLACKLISTED in str(status.render())


def _next_sunday() -> datetime:
    day = datetime.now(PARIS).date() + timedelta(days=2)
    while day.weekday() != 6:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 11, tzinfo=PARIS)


async def test_a_promotional_sms_on_a_sunday_is_scheduled_with_one_key(
    demo_app: PorteVoixApp,
) -> None:
    import holidays

    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        screen = demo_app.screen
        await fill(demo_app, pilot, "06 11 22 33 44", "-20% ce week-end !")
        sunday = _next_sunday()
        screen.query_one("#schedule", Input).value = f"{sunday:%Y-%m-%d %H:%M}"
        screen.query_one("#promotional", Checkbox).value = True
        await pilot.press("ctrl+g")
        await wait_for_screen(pilot, HoursDialog)
        text = dialog_text(demo_app)
        assert "is a Sunday" in text and "commercial SMS" in text
        # The next allowed time: Monday 08:00, or later when Monday is a holiday.
        expected = sunday.date() + timedelta(days=1)
        while expected in holidays.country_holidays("FR"):
            expected += timedelta(days=1)
        assert f"{expected:%Y-%m-%d} 08:00 (Paris)" in text
        await pilot.press("s")
        await wait_for_screen(pilot, ConfirmDialog)
        assert not isinstance(demo_app.screen, HoursDialog)
        assert f"{expected:%Y-%m-%d} 08:00 (Paris)" in dialog_text(demo_app)
        await click(pilot, "#send")
        await wait_for(
            pilot, lambda: (s := last_send(demo_app)) is not None and s.state != "sending"
        )
        send = last_send(demo_app)
        assert send.state == "accepted"
        stored = demo_app.session.store.message_of(send.reference)
        assert stored.schedule == datetime(
            expected.year, expected.month, expected.day, 8, tzinfo=PARIS
        )


async def test_escape_sends_nothing_and_all_opted_out_is_refused(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        screen = demo_app.screen
        OptOuts(demo_app.session.store).add("0611223344")
        await fill(demo_app, pilot, "06 11 22 33 44", "Votre code : 1234")
        await pilot.press("ctrl+g")
        await wait_for(
            pilot,
            lambda: any("opt-out list" in str(n.message) for n in demo_app._notifications),
            what="the all-opted-out refusal",
        )
        assert demo_app.screen is screen and last_send(demo_app) is None
        screen.query_one("#promotional", Checkbox).value = True
        screen.query_one("#schedule", Input).value = f"{_next_sunday():%Y-%m-%d %H:%M}"
        await pilot.press("ctrl+g")
        await wait_for_screen(pilot, HoursDialog)
        await pilot.press("escape")
        await wait_for(pilot, lambda: demo_app.screen is screen, what="back to the composer")
        assert last_send(demo_app) is None
