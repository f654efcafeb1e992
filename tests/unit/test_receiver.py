"""The delivery-report receiver: verify the token, persist before acknowledging, refuse garbage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from providers.models import Route, SendReceipt, SendStatus, SmsMessage
from tui.outbox.store import Store, new_reference
from tui.receiver import Receiver, serve

REFERENCE_NUMBER = "+33611223344"


@pytest.fixture
async def receiver(tmp_path: Path) -> AsyncIterator[tuple[Receiver, str]]:
    store = Store(tmp_path / "outbox.db")
    receiver = Receiver(store)
    runner, port = await serve(receiver.build_app())
    try:
        yield receiver, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
        store.close()


def _accepted_send(store: Store) -> str:
    message = SmsMessage("Bonjour", (REFERENCE_NUMBER,), route=Route.NOTIFICATION)
    reference = new_reference()
    store.begin_send(
        "shop",
        "capitole",
        "sms",
        message,
        message.recipients,
        reference=reference,
        campaign_id=reference,
    )
    store.mark_batch_sending(reference, 0, message.recipients)
    receipt = SendReceipt("capitole", SendStatus.ACCEPTED, (), reference=reference)
    store.record_batch_result(reference, receipt, batch=0)
    store.finish_send(reference, "accepted")
    return reference


async def test_a_delivery_report_is_stored_before_the_answer(
    receiver: tuple[Receiver, str],
) -> None:
    rx, base = receiver
    token = rx.register("shop", "capitole")
    reference = _accepted_send(rx.store)
    query = {
        "id": reference,
        "gsm": "33611223344",
        "status": "DELIVERED",
        "network": "Orange",
        "date": "2026-11-22 10:00:00",
    }
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{base}/capitole/shop/{token}", params=query)
    assert response.status_code == 200
    rows = rx.store.recipients(reference)
    assert [str(row.delivery_state) for row in rows] == ["delivered"]
    events = rx.store.events_since(0)
    assert len(events) == 1 and events[0].matched_reference == reference
    raw = rx.store.event_raw(events[0].id) or b""
    assert token.encode() not in raw and b"<token>" in raw


@pytest.mark.parametrize(
    "path", ["/capitole/shop/wrong", "/octopush/shop/{token}", "/capitole/x/{token}"]
)
async def test_a_wrong_token_provider_or_account_is_not_found(
    receiver: tuple[Receiver, str], path: str
) -> None:
    rx, base = receiver
    token = rx.register("shop", "capitole")
    async with httpx.AsyncClient() as client:
        response = await client.get(base + path.format(token=token), params={"num": "1"})
    assert response.status_code == 404
    assert rx.store.events_since(0) == []


@pytest.mark.parametrize(
    ("provider", "params", "body"),
    [
        ("capitole", {"gsm": "not a number", "status": "DELIVERED"}, b""),
        (
            "ecampaign",
            {},
            b"xml=%3C%21DOCTYPE+a+%5B%3C%21ENTITY+e+%22x%22%3E%5D%3E%3Ca%3E%26e%3B%3C%2Fa%3E",
        ),
        ("voicepartner", {}, b"{not json"),
    ],
)
async def test_garbage_gets_a_400_and_changes_nothing(
    receiver: tuple[Receiver, str], provider: str, params: dict[str, str], body: bytes
) -> None:
    rx, base = receiver
    token = rx.register("acct", provider)
    headers = {
        "ecampaign": "application/x-www-form-urlencoded",
        "voicepartner": "application/json",
    }.get(provider, "text/plain")
    async with httpx.AsyncClient() as client:
        response = await client.request(
            "POST" if body else "GET",
            f"{base}/{provider}/acct/{token}",
            params=params,
            content=body or None,
            headers={"Content-Type": headers},
        )
    assert response.status_code == 400
    assert rx.store.events_since(0) == []
    assert rx.refused == 1


async def test_a_duplicate_report_is_acknowledged_and_kept_once(
    receiver: tuple[Receiver, str],
) -> None:
    rx, base = receiver
    token = rx.register("shop", "capitole")
    query = {"num": "33611223344", "message": "STOP"}
    async with httpx.AsyncClient() as client:
        for _ in range(2):
            response = await client.get(f"{base}/capitole/shop/{token}", params=query)
            assert response.status_code == 200
    assert len(rx.store.events_since(0)) == 1
