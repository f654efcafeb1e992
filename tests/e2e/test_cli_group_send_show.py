"""``porte-voix sends show`` of an eCampaign group send: the members the provider sent to and
what became of them (issue 9, item 3), beside the numbers typed in."""

from __future__ import annotations

from providers.ecampaign.receipt import EcampaignRecipientResult
from providers.models import (
    DeliveryEvent,
    DeliveryState,
    EventKind,
    GroupTarget,
    SendReceipt,
    SendStatus,
    SmsMessage,
)
from tests.e2e.conftest import Cli
from tui.outbox.journal import SendJournal
from tui.outbox.store import SendState, Store

MEMBERS = ("+33622334455", "+33633445566", "+33644556677")


def group_send(store: Store) -> str:
    message = SmsMessage("Soldes", (), group=GroupTarget("42"))
    journal = SendJournal.begin(store, "shop", "ecampaign", message)
    journal.leaving(0, (), request_id=None)
    results = tuple(
        EcampaignRecipientResult(number, status, f"m{index}", member_id=str(100 + index))
        for index, (number, status) in enumerate(
            zip(
                MEMBERS,
                (SendStatus.ACCEPTED, SendStatus.ACCEPTED, SendStatus.REJECTED),
                strict=True,
            )
        )
    )
    journal.result(0, SendReceipt("ecampaign", SendStatus.ACCEPTED, results))
    journal.finish(SendState.ACCEPTED)
    store.record_event(
        DeliveryEvent("ecampaign", EventKind.DELIVERY, DeliveryState.DELIVERED, "4", "m0"), b"r"
    )
    return journal.reference


def test_sends_show_counts_a_group_sends_members(porte_voix: Cli) -> None:
    with Store(porte_voix.db_path) as store:
        reference = group_send(store)
    shown = porte_voix.run("sends", "show", reference, "--json")
    assert shown.code == 0, shown.output
    assert shown.json["recipients"] == []
    assert shown.json["group_members"] == {
        "members": 3, "accepted": 2, "rejected": 1, "unknown": 0,
        "delivered": 1, "failed": 0, "waiting": 1,
    }  # fmt: skip
    text = porte_voix.run("sends", "show", reference).stdout
    assert "group members: 3 sent to (1 refused, 0 unknown): delivered 1, failed 0" in text
    assert "no final report yet 1" in text


def test_a_send_without_a_group_says_so(porte_voix: Cli) -> None:
    with Store(porte_voix.db_path) as store:
        reference = store.begin_send("shop", "ecampaign", "sms", SmsMessage("x", ("+33611223344",)))
    shown = porte_voix.run("sends", "show", reference, "--json")
    assert shown.code == 0, shown.output
    assert shown.json["group_members"] is None
