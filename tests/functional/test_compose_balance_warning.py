"""The low-balance warning in the confirmation of a send (issue 11): a stored balance that is, or
that this send would take, below its threshold is named above the buttons, in the warning's
style; none known, no line. It warns, it never refuses: the send goes when confirmed. An
eCampaign account's warning is about the route it sends through, not another route's."""

from __future__ import annotations

from decimal import Decimal

from textual.widgets import Checkbox, Static

from providers.models import Balance, BalanceLine
from screens.compose.sms import ComposeSmsScreen
from screens.dialogs.common import ConfirmDialog
from tests.functional.compose_helpers import fill, last_send
from tests.functional.conftest import click, wait_for, wait_for_screen
from tui.app import PorteVoixApp

SAFE = "Sending spends money and cannot be undone."
#: Two SMS parts (186 GSM-7 characters: a long SMS).
TWO_PARTS = "Votre commande est disponible. " * 6


def _warning(app: PorteVoixApp) -> str | None:
    """The confirmation's low-balance line, checked in sight; None when it has none."""
    dialog = app.screen
    assert isinstance(dialog, ConfirmDialog)
    assert dialog.warning == SAFE  # the usual warning stays, whatever the balance
    shown = dialog.query("#balance-warning").results(Static)
    line = next(shown, None)
    if line is None:
        return None
    assert line.region.area > 0 and dialog.region.contains_region(line.region)  # in sight
    return str(line.render())


def _capitole_sms(app: PorteVoixApp, amount: int) -> None:
    """The SMS balance of demo-capitole, counted in SMS: one per part."""
    line = BalanceLine("SMS", Decimal(amount), "SMS", None, "sms")
    app.session.store.record_balance("demo-capitole", "capitole", Balance("capitole", (line,)))


async def test_a_send_that_takes_the_balance_below_its_threshold_warns_then_goes(
    demo_app: PorteVoixApp,
) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        assert demo_app.current_account == "demo-capitole"
        store = demo_app.session.store
        # Nothing known about the balance: no warning at all.
        await fill(demo_app, pilot, "06 11 22 33 44", "Bonjour")
        await pilot.press("ctrl+g")
        await wait_for_screen(pilot, ConfirmDialog)
        assert _warning(demo_app) is None
        await pilot.press("escape")
        await wait_for_screen(pilot, ComposeSmsScreen)

        _capitole_sms(demo_app, 105)
        store.set_threshold("demo-capitole", Decimal(100), channel="sms")
        # 1 recipient × 1 part leaves 104: above the threshold, nothing said.
        await pilot.press("ctrl+g")
        await wait_for_screen(pilot, ConfirmDialog)
        assert _warning(demo_app) is None
        await pilot.press("escape")
        await wait_for_screen(pilot, ComposeSmsScreen)

        # 3 recipients × 2 parts = 6 SMS: 99 left, below 100.
        await fill(demo_app, pilot, "06 11 22 33 44\n06 22 33 44 55\n06 33 44 55 66", TWO_PARTS)
        demo_app.screen.query_one("#long", Checkbox).value = True
        await pilot.press("ctrl+g")
        await wait_for_screen(pilot, ConfirmDialog)
        warning = _warning(demo_app)
        assert warning is not None
        assert warning.startswith("Low balance: demo-capitole's SMS balance would fall to about")
        assert "99.00 SMS, below its low-balance threshold of 100" in " ".join(warning.split())
        await click(pilot, "#send")  # a warning, not a refusal
        await wait_for(
            pilot, lambda: (s := last_send(demo_app)) is not None and s.state != "sending"
        )
        send = last_send(demo_app)
        assert (send.state, send.accepted) == ("accepted", 3)


async def test_the_warning_is_about_the_route_the_account_sends_through(
    demo_app: PorteVoixApp,
) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        demo_app.current_account = "demo-ecampaign"  # sends SMS through route 1
        await wait_for(pilot, lambda: demo_app.screen.account is not None)  # type: ignore[attr-defined]
        store = demo_app.session.store
        lines = (
            BalanceLine("SMS Premium", Decimal(500), "credits", "1", "SMS"),
            BalanceLine("SMS Low cost", Decimal(3), "credits", "5", "SMS"),
            BalanceLine("Voice", Decimal(200), "credits", "2", "Voice"),
        )
        store.record_balance("demo-ecampaign", "ecampaign", Balance("ecampaign", lines))
        store.set_threshold("demo-ecampaign", Decimal(10), channel="sms", route="5")
        store.set_threshold("demo-ecampaign", Decimal(10), channel="sms", route="1")
        await fill(demo_app, pilot, "06 11 22 33 44", "Bonjour")
        # Route 5 is low, but this account does not send through it.
        await pilot.press("ctrl+g")
        await wait_for_screen(pilot, ConfirmDialog)
        assert _warning(demo_app) is None
        await pilot.press("escape")
        await wait_for_screen(pilot, ComposeSmsScreen)

        store.set_threshold("demo-ecampaign", Decimal(600), channel="sms", route="1")
        await pilot.press("ctrl+g")
        await wait_for_screen(pilot, ConfirmDialog)
        warning = " ".join(str(_warning(demo_app)).split())
        assert "demo-ecampaign's SMS Premium balance is already below its low-balance" in warning
        assert "threshold of 600: 500 credits" in warning and "Low cost" not in warning
        await pilot.press("escape")
        await wait_for_screen(pilot, ComposeSmsScreen)
        assert last_send(demo_app) is None
