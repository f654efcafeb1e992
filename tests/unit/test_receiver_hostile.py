"""The receiver against what a stranger (or a broken provider) may send: oversized bodies and
URLs, XXE, a write that fails, dates in the future, a reverse proxy's prefix; and a STOP joining
the opt-out list in the commit that stores it."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import httpx
import pytest

from providers.models import DeliveryEvent
from tui.listen.stops import record_stop
from tui.outbox.optout import OptOuts
from tui.outbox.store import Store
from tui.outbox.tracking import Callback, StoredHook
from tui.receiver import MAX_BODY, Receiver, serve

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
XXE = (
    '<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    "<ecampaign><msgid>&x;</msgid><state>4</state></ecampaign>"
)


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[Receiver, str]]:
    store = Store(tmp_path / "outbox.db")
    receiver = Receiver(store, on_stored=record_stop)
    runner, port = await serve(receiver.build_app())
    try:
        yield receiver, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
        store.close()


def events(store: Store) -> list[sqlite3.Row]:
    with sqlite3.connect(store.path) as conn:
        conn.row_factory = sqlite3.Row
        return list(conn.execute("SELECT * FROM events ORDER BY id"))


async def test_bodies_over_the_limit_get_413_with_or_without_a_length(
    served: tuple[Receiver, str],
) -> None:
    rx, base = served
    token = rx.register("acct", "ecampaign")
    big = b"xml=" + b"a" * (MAX_BODY + 10)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 4096):
            yield big[start : start + 4096]

    async with httpx.AsyncClient() as client:
        url = f"{base}/ecampaign/acct/{token}"
        declared = await client.post(url, content=big, headers=FORM)
        streamed = await client.post(url, content=chunks(), headers=FORM)
    assert declared.status_code == 413 and streamed.status_code == 413
    assert events(rx.store) == [] and rx.refused == 2


async def test_xxe_and_garbage_get_400_and_nothing_is_stored(
    served: tuple[Receiver, str], tmp_path: Path
) -> None:
    rx, base = served
    token = rx.register("acct", "ecampaign")
    async with httpx.AsyncClient() as client:
        url = f"{base}/ecampaign/acct/{token}"
        xxe = await client.post(url, data={"xml": XXE})
        billion = await client.post(
            url,
            data={"xml": '<!DOCTYPE l [<!ENTITY a "aaaa">]><ecampaign>&a;&a;</ecampaign>'},
        )
        junk = await client.post(url, content=b"\x00\xff garbage", headers=FORM)
        put = await client.put(url, content=b"xml=<ecampaign/>", headers=FORM)
    assert [r.status_code for r in (xxe, billion, junk, put)] == [400, 400, 400, 400]
    assert b"root:" not in xxe.content
    assert events(rx.store) == []


async def test_a_url_over_8_kb_is_refused_in_one_log_line_without_the_token(
    served: tuple[Receiver, str], caplog: pytest.LogCaptureFixture
) -> None:
    rx, base = served
    token = rx.register("shop", "capitole")
    caplog.set_level(logging.DEBUG)
    # The test's own client logs the URLs it requests at INFO; porte-voix's log file keeps
    # httpx at WARNING (tui.logfile), as here: what is checked is the receiver's side.
    caplog.set_level(logging.WARNING, logger="httpx")
    async with httpx.AsyncClient() as client:
        long_url = await client.get(f"{base}/capitole/shop/{token}?gsm=" + "3" * 9000)
        long_header = await client.get(
            f"{base}/capitole/shop/{token}?gsm=33611223344", headers={"X-Pad": "p" * 9000}
        )
    assert long_url.status_code == 400 and long_header.status_code == 400
    assert events(rx.store) == []
    mine = [r for r in caplog.records if r.name.startswith(("tui.", "aiohttp"))]
    assert mine, "the refusal is logged"
    assert all(record.exc_info is None for record in mine)  # no traceback
    assert all(token not in record.getMessage() for record in caplog.records)


async def test_a_failed_write_answers_500_so_the_provider_retries(
    served: tuple[Receiver, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rx, base = served
    token = rx.register("shop", "capitole")

    def full_disk(
        callbacks: Sequence[Callback], on_stored: StoredHook | None = None
    ) -> list[list[DeliveryEvent]]:
        raise sqlite3.OperationalError("database or disk is full")

    query = {"id": "PVX", "gsm": "33611223344", "status": "DELIVERED"}
    async with httpx.AsyncClient() as client:
        url = f"{base}/capitole/shop/{token}"
        with monkeypatch.context() as patch:
            patch.setattr(rx.store, "record_batch", full_disk)
            refused = await client.get(url, params=query)
        retried = await client.get(url, params=query)
    assert refused.status_code == 500 and retried.status_code == 200
    assert len(events(rx.store)) == 1


async def test_a_stop_reply_joins_the_opt_out_list_with_its_event(
    served: tuple[Receiver, str],
) -> None:
    rx, base = served
    token = rx.register("shop", "capitole")
    async with httpx.AsyncClient() as client:
        url = f"{base}/capitole/shop/{token}"
        for _ in range(2):  # a repeated STOP changes nothing more
            response = await client.get(url, params={"num": "33611223344", "message": "STOP"})
            assert response.status_code == 200
        reply = await client.get(url, params={"num": "33622334455", "message": "Oui merci"})
        assert reply.status_code == 200
    stop = OptOuts(rx.store).get("+33611223344")
    assert stop is not None and str(stop.source) == "stop" and stop.account == "shop"
    assert "+33622334455" not in OptOuts(rx.store)
    assert [row["kind"] for row in events(rx.store)] == ["stop", "reply"]


async def test_a_future_date_repeated_is_stored_once(served: tuple[Receiver, str]) -> None:
    rx, base = served
    token = rx.register("shop", "capitole")
    future = "2031-01-01 10:00:00"
    query = {"id": "PVX", "gsm": "33611223344", "status": "DELIVERED", "date": future}
    async with httpx.AsyncClient() as client:
        for _ in range(3):
            response = await client.get(f"{base}/capitole/shop/{token}", params=query)
            assert response.status_code == 200
    (row,) = events(rx.store)
    assert row["occurred_at"] < "2031"  # dated by its arrival, the provider's date noted
    assert "2031-01-01" in row["description"]


async def test_a_reverse_proxy_prefix_is_accepted(served: tuple[Receiver, str]) -> None:
    rx, base = served
    token = rx.register("shop", "capitole")
    query = {"id": "PVX", "gsm": "33611223344", "status": "DELIVERED"}
    async with httpx.AsyncClient() as client:
        ok = await client.get(f"{base}/pv/callbacks/capitole/shop/{token}", params=query)
        wrong = await client.get(f"{base}/pv/callbacks/capitole/shop/x{token}", params=query)
    assert ok.status_code == 200 and wrong.status_code == 404
    (row,) = events(rx.store)
    assert token.encode() not in bytes(row["raw"])
