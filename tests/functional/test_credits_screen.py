"""Credits (F5) in Pilot: every account at once, a failure on its own row, CapitoleMobile's
balances per channel as last seen in a send reply, thresholds flagged in the header, the
history drawn (issue 11; issue 9, item 2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from textual.widgets import DataTable, Input, Sparkline

from providers.models import Balance, BalanceLine
from providers.sandbox.common import Faults
from screens.compose.sms import ComposeSmsScreen
from screens.compose.vms import ComposeVmsScreen
from screens.credits.screen import CreditsScreen
from screens.credits.threshold import ThresholdDialog
from tests.functional.conftest import wait_for, wait_for_screen
from tui.app import PorteVoixApp


def _rows(screen: CreditsScreen) -> dict[str, list[str]]:
    table = screen.query_one("#credits-table", DataTable)
    return {
        str(key.value): [str(cell) for cell in table.get_row(key)]
        for key in (table.coordinate_to_cell_key((i, 0)).row_key for i in range(table.row_count))
    }


async def _open_credits(pilot: Any) -> CreditsScreen:
    await wait_for(pilot, lambda: pilot.app.screen.is_mounted)
    await pilot.press("f5")
    await wait_for_screen(pilot, CreditsScreen)
    screen = pilot.app.screen
    assert isinstance(screen, CreditsScreen)
    await wait_for(pilot, lambda: not screen.asking, what="every account's answer")
    return screen


def _bar(app: PorteVoixApp) -> str:
    return str(app.screen.query_one("#account-bar").render())


async def test_every_account_at_once_each_failure_on_its_row(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        cluster = demo_app.session.cluster
        assert cluster is not None
        cluster.sandboxes["octopush"].faults = Faults(status=500, count=-1)
        screen = await _open_credits(pilot)
        rows = _rows(screen)

        assert rows["demo-ecampaign|sms|1"][:3] == ["demo-ecampaign", "SMS Premium", "500 credits"]
        assert [k for k in rows if k.startswith("demo-ecampaign|")] == [
            "demo-ecampaign|sms|1",
            "demo-ecampaign|voice|2",
            "demo-ecampaign|mail|3",
            "demo-ecampaign|fax|4",
        ]
        assert rows["demo-voicepartner||"][2] == "50.0 EUR"
        assert rows["demo-octopush|!error"][1] == "FAILED"
        assert "demo-capitole|!note" in rows
        # Each provider was asked once, at the same time; CapitoleMobile not at all.
        assert not [r for r in cluster.sandboxes["capitole_sms"].requests]

        screen.query_one("#credits-table", DataTable).move_cursor(row=0)
        await pilot.pause()
        detail = str(screen.query_one("#credits-detail").render())
        assert "no balance endpoint" in detail and "send reply" in detail


async def test_capitole_balances_per_channel_and_a_low_threshold(demo_app: PorteVoixApp) -> None:
    """A voice send's reply is the voice balance: the SMS header keeps the SMS one."""
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        store = demo_app.session.store
        for channel, amount in (("sms", "994"), ("voice", "999")):
            reference = store.begin_send("demo-capitole", "capitole", channel, _message(channel))
            store.mark_batch_sending(reference, 0, ["+33611223344"])
            store.record_batch_result(reference, _receipt(amount))
        demo_app.balance_changed()
        await wait_for(pilot, lambda: "SMS 994 credits" in _bar(demo_app))
        await pilot.press("f2")
        await wait_for_screen(pilot, ComposeVmsScreen)
        await wait_for(pilot, lambda: "voice 999 credits" in _bar(demo_app))

        screen = await _open_credits(pilot)
        keys = list(_rows(screen))
        assert {"demo-capitole|sms|", "demo-capitole|voice|"} <= set(keys)
        table = screen.query_one("#credits-table", DataTable)
        table.move_cursor(row=keys.index("demo-capitole|sms|"))
        table.focus()
        await pilot.press("t")
        await wait_for_screen(pilot, ThresholdDialog)
        value = pilot.app.screen.query_one("#threshold-value", Input)
        value.value = "1000"
        await pilot.press("enter")
        await wait_for_screen(pilot, CreditsScreen)
        await wait_for(pilot, lambda: "LOW" in _rows(screen)["demo-capitole|sms|"][5])
        assert "LOW SMS 994 credits" in _bar(demo_app)
        await pilot.press("f2")
        await wait_for_screen(pilot, ComposeVmsScreen)
        await wait_for(pilot, lambda: "voice 999 credits" in _bar(demo_app))
        assert "LOW" not in _bar(demo_app)  # the threshold is the SMS balance's


async def test_the_history_of_a_balance_is_drawn(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        store = demo_app.session.store
        start = datetime.now(UTC) - timedelta(days=6)
        for day, amount in enumerate((90, 80, 75, 60, 52, 40)):
            line = BalanceLine("credit", Decimal(amount), "EUR")
            store.record_balance(
                "demo-voicepartner",
                "voicepartner",
                Balance("voicepartner", (line,), as_of=start + timedelta(days=day)),
            )
        screen = await _open_credits(pilot)
        keys = list(_rows(screen))
        screen.query_one("#credits-table", DataTable).move_cursor(
            row=keys.index("demo-voicepartner||")
        )
        spark = screen.query_one(Sparkline)
        await wait_for(pilot, lambda: spark.display and len(spark.data or []) == 7)
        assert list(spark.data or [])[:6] == [90, 80, 75, 60, 52, 40]
        assert "7 figures since" in str(screen.query_one("#credits-detail").render())


def _message(channel: str) -> Any:
    from providers.models import SmsMessage, VoiceMessage

    if channel == "sms":
        return SmsMessage("x", ("+33611223344",))
    return VoiceMessage(("+33611223344",), tts="x")


def _receipt(balance: str) -> Any:
    from providers.models import RecipientResult, SendReceipt, SendStatus

    return SendReceipt(
        "capitole",
        SendStatus.ACCEPTED,
        (RecipientResult("+33611223344", SendStatus.ACCEPTED),),
        balance=Decimal(balance),
    )


async def test_an_account_check_keeps_the_balances_it_read(demo_app: PorteVoixApp) -> None:
    """Issue 9, item 2: after checking the eCampaign account, the header shows its route's
    balance (it said "balance unknown")."""
    from screens.accounts.screen import AccountsScreen

    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        demo_app.current_account = "demo-ecampaign"
        await pilot.press("f8")
        await wait_for_screen(pilot, AccountsScreen)
        assert "balance unknown" in _bar(demo_app)
        table = demo_app.screen.query_one("#accounts-table", DataTable)
        names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        table.move_cursor(row=next(i for i, n in enumerate(names) if "demo-ecampaign" in n))
        table.focus()
        await pilot.press("c")
        await wait_for(pilot, lambda: "SMS Premium 500 credits" in _bar(demo_app))
