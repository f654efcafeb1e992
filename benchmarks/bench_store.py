"""The outbox (``tui.outbox.Store``) under load: a big send, the receiver's writes, history pages.

1. **A send of 10 000 recipients in batches of 500**: ``begin_send``, then per batch
   ``mark_batch_sending`` + ``record_batch_result``, then ``finish_send`` — once with receipts
   that carry no per-number results (CapitoleMobile: ``SENDING_OK;balance``), once with a
   message id per number (Octopush, eCampaign).
2. **record_event**, one call (one committed transaction) per event, as the receiver does:
   events matched by campaign id + number (CapitoleMobile callbacks), by message id, orphans
   (no send to match) and duplicates (ignored).
3. **History pages** on 100 000 sends: ``list_sends`` first page, page at offset 50 000, the same
   rows by keyset (``before=``), filtered pages, and ``count_sends``.

Writes are wall-clock time and include the fsync of every commit (``synchronous=FULL``), so they
depend on the disk under the temporary directory (shown). Run:
``.venv/bin/python benchmarks/bench_store.py`` (or ``make bench``).
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from providers.models import (
    DeliveryEvent,
    DeliveryState,
    EventKind,
    RecipientResult,
    SendReceipt,
    SendStatus,
    SmsMessage,
)
from tui.accounts import config
from tui.outbox.store import SendState, Store

RECIPIENTS = 10_000
BATCH = 500
SENDS = 100_000
API_SENDS = 1_000  # history sends written through the Store API; the rest are bulk-loaded
PAGE = 50
TEXT = "Bonjour, votre rendez-vous du 12/06 à 14h30 est confirmé. Répondez STOP pour arrêter."


def numbers(count: int, start: int = 0) -> list[str]:
    return [f"+3361{i:07d}" for i in range(start, start + count)]


def filesystem(path: Path) -> str:
    """The file system type holding ``path`` (Linux), to read the fsync figures by."""
    try:
        mounts = [line.split() for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return "unknown"
    best = ("", "unknown")
    resolved = str(path.resolve())
    for fields in mounts:
        point = fields[1]
        inside = resolved == point or resolved.startswith(point.rstrip("/") + "/")
        if inside and len(point) > len(best[0]):
            best = (point, fields[2])
    return best[1]


# --------------------------------------------------------------------------- 1. a big send


def big_send(store: Store, with_ids: bool) -> tuple[str, dict[str, float]]:
    recipients = numbers(RECIPIENTS)
    message = SmsMessage(TEXT, tuple(recipients))
    times: dict[str, float] = {}
    start, cpu = time.perf_counter(), time.process_time()
    reference = store.begin_send("bench", "capitole", "sms", message, recipients)
    times["begin"] = time.perf_counter() - start
    mark = record = 0.0
    for batch, first in enumerate(range(0, RECIPIENTS, BATCH)):
        chunk = recipients[first : first + BATCH]
        results: tuple[RecipientResult, ...] = ()
        if with_ids:
            results = tuple(
                RecipientResult(n, SendStatus.ACCEPTED, message_id=f"M{batch}-{i}")
                for i, n in enumerate(chunk)
            )
        receipt = SendReceipt(
            "capitole", SendStatus.ACCEPTED, results, balance=Decimal(10**6 - first)
        )
        t0 = time.perf_counter()
        store.mark_batch_sending(reference, batch, chunk)
        t1 = time.perf_counter()
        store.record_batch_result(reference, receipt, batch=batch)
        t2 = time.perf_counter()
        mark += t1 - t0
        record += t2 - t1
    t0 = time.perf_counter()
    store.finish_send(reference, SendState.ACCEPTED)
    times["finish"] = time.perf_counter() - t0
    times["mark"], times["record"] = mark, record
    times["total"] = time.perf_counter() - start
    times["cpu"] = time.process_time() - cpu
    row = store.get_send(reference)
    if row is None or row.accepted != RECIPIENTS:
        raise SystemExit(f"big send: expected {RECIPIENTS} accepted, got {row}")
    return reference, times


def report_sends(store: Store) -> dict[str, str]:
    batches = RECIPIENTS // BATCH
    print(f"1. one send of {RECIPIENTS} recipients, {batches} batches of {BATCH} (wall time)")
    head = (
        f"{'receipts':<23} | {'begin ms':>8} {'mark ms/b':>9} {'record ms/b':>11} "
        f"{'finish ms':>9} | {'total s':>7} {'recip/s':>8} | {'cpu s':>5}"
    )
    print(head)
    print("-" * len(head))
    references = {}
    for label, with_ids in (("no per-number result", False), ("a message id per number", True)):
        reference, t = big_send(store, with_ids)
        references[label] = reference
        print(
            f"{label:<23} | {t['begin'] * 1e3:>8.1f} {t['mark'] * 1e3 / batches:>9.2f} "
            f"{t['record'] * 1e3 / batches:>11.2f} {t['finish'] * 1e3:>9.1f} | "
            f"{t['total']:>7.3f} {RECIPIENTS / t['total']:>8.0f} | {t['cpu']:>5.2f}"
        )
    print()
    return references


# --------------------------------------------------------------------------- 2. record_event


def timed_events(store: Store, events: list[DeliveryEvent]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (wall minus waiting for the disk, roughly), events stored."""
    stored = 0
    start, cpu = time.perf_counter(), time.process_time()
    for event in events:
        raw = f"GET /capitole/bench/<token>?id={event.campaign_id}&gsm={event.number}"
        stored += store.record_event(event, raw, account="bench")
    return time.perf_counter() - start, time.process_time() - cpu, stored


def report_events(store: Store, by_campaign: str, by_id: str) -> None:
    count = 2_000
    now = datetime.now(UTC)
    campaign = [
        DeliveryEvent(
            "capitole",
            EventKind.DELIVERY,
            DeliveryState.DELIVERED,
            "DELIVERED",
            campaign_id=by_campaign,
            number=n.lstrip("+"),
            occurred_at=now,
        )
        for n in numbers(count)
    ]
    ids = [
        DeliveryEvent(
            "capitole",
            EventKind.DELIVERY,
            DeliveryState.DELIVERED,
            "DELIVERED",
            message_id=f"M{i // BATCH}-{i % BATCH}",
            number=n.lstrip("+"),
            occurred_at=now,
        )
        for i, n in enumerate(numbers(count))
    ]
    orphans = [
        DeliveryEvent(
            "capitole",
            EventKind.DELIVERY,
            DeliveryState.DELIVERED,
            "DELIVERED",
            campaign_id="NOSUCHSEND",
            number=n.lstrip("+"),
            occurred_at=now,
        )
        for n in numbers(count // 2, start=500_000)
    ]
    print("2. record_event, one committed transaction per event (as the receiver does)")
    head = (
        f"{'events':<34} | {'count':>6} {'stored':>6} | {'ms/event':>8} {'events/s':>8} | "
        f"{'cpu ms/ev':>9}"
    )
    print(head)
    print("-" * len(head))
    rows = (
        ("matched by campaign id + number", campaign),
        ("matched by message id", ids),
        ("orphans (no send matches)", orphans),
        ("duplicates of the first kind", campaign[: count // 2]),
    )
    for label, events in rows:
        spent, cpu, stored = timed_events(store, events)
        print(
            f"{label:<34} | {len(events):>6} {stored:>6} | {spent * 1e3 / len(events):>8.3f} "
            f"{len(events) / spent:>8.0f} | {cpu * 1e3 / len(events):>9.3f}"
        )
    with store._read() as conn:
        delivered = conn.execute(
            "SELECT count(*) FROM send_recipients WHERE delivery_state = 'delivered'"
        ).fetchone()[0]
    print("ms/event: wall time, with each commit's fsync; cpu ms/ev: this process's CPU time")
    print(f"recipients now marked delivered: {delivered} (expected {2 * count})")
    print()


# --------------------------------------------------------------------------- 3. history pages


def populate_history(path: Path) -> tuple[float, float]:
    """``API_SENDS`` sends through the Store API (full lifecycle), the rest bulk-loaded.

    Returns (seconds per send through the API, seconds for the bulk load). Four commits per
    send, each fsynced, make 100 000 sends through the API take minutes: the bulk load copies
    the rows the API wrote (same columns, same message JSON) with fresh references.
    """
    states = [SendState.ACCEPTED, SendState.PARTIAL, SendState.UNKNOWN, SendState.REJECTED]
    with Store(path) as store:
        start = time.perf_counter()
        for i in range(API_SENDS):
            number = f"+3362{i:07d}"
            message = SmsMessage(f"{TEXT} ({i})", (number,))
            reference = store.begin_send(f"acct{i % 3}", "capitole", "sms", message)
            store.mark_batch_sending(reference, 0, [number])
            store.record_batch_result(reference, SendReceipt("capitole", SendStatus.ACCEPTED))
            store.finish_send(reference, states[i % 4])
        per_send = (time.perf_counter() - start) / API_SENDS
    start = time.perf_counter()
    conn = sqlite3.connect(path)
    try:
        template = conn.execute(
            "SELECT created_at, message_json FROM sends ORDER BY id LIMIT 1"
        ).fetchone()
        with conn:
            conn.executemany(
                """INSERT INTO sends (reference, created_at, updated_at, account, provider,
                       channel, message_json, summary, state, recipients_total, accepted)
                   VALUES (?, ?, ?, ?, 'capitole', 'sms', ?, ?, ?, 1, 1)""",
                (
                    (
                        f"PB{i:08d}",
                        template[0],
                        template[0],
                        f"acct{i % 3}",
                        template[1],
                        f"{TEXT} ({i})",
                        states[i % 4].value,
                    )
                    for i in range(API_SENDS, SENDS)
                ),
            )
            conn.executemany(
                """INSERT INTO send_recipients (reference, position, provider, number, state,
                       updated_at) VALUES (?, 0, 'capitole', ?, 'accepted', ?)""",
                ((f"PB{i:08d}", f"+3362{i:07d}", template[0]) for i in range(API_SENDS, SENDS)),
            )
    finally:
        conn.close()
    return per_send, time.perf_counter() - start


def best_ms(fn: Callable[[], object], rounds: int = 15) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best * 1e3


def report_pages(path: Path) -> None:
    per_send, bulk = populate_history(path)
    print(f"3. history pages of {PAGE} on {SENDS} sends (wall time, best of 15)")
    print(
        f"   populated: {API_SENDS} sends through the Store API ({per_send * 1e3:.2f} ms each, "
        f"so {per_send * SENDS / 60:.1f} min for all {SENDS}), {SENDS - API_SENDS} bulk-loaded "
        f"with executemany in {bulk:.1f} s"
    )
    with Store(path) as store:
        total = store.count_sends()
        if total != SENDS:
            raise SystemExit(f"history: expected {SENDS} sends, found {total}")
        middle = store.list_sends(limit=1, offset=SENDS // 2 - 1)[0].reference
        first = best_ms(lambda: store.list_sends(limit=PAGE))
        rows = [
            ("first page", first),
            ("offset 50 000", best_ms(lambda: store.list_sends(limit=PAGE, offset=SENDS // 2))),
            ("keyset before= (same rows)", best_ms(lambda: store.list_sends(PAGE, before=middle))),
            (
                "state+account, first page",
                best_ms(lambda: store.list_sends(PAGE, state="unknown", account="acct1")),
            ),
            (
                "state+account, offset 5 000",
                best_ms(lambda: store.list_sends(PAGE, 5_000, state="unknown", account="acct1")),
            ),
            ("search by number", best_ms(lambda: store.list_sends(PAGE, search="06 20 05 00 00"))),
            ("search by text (LIKE)", best_ms(lambda: store.list_sends(PAGE, search="(54321)"))),
            ("count_sends()", best_ms(lambda: store.count_sends())),
        ]
        same = store.list_sends(limit=PAGE, offset=SENDS // 2)
        keyset = store.list_sends(PAGE, before=middle)
        if [s.reference for s in same] != [s.reference for s in keyset]:
            raise SystemExit("keyset page and offset page differ")
        plan = " | ".join(store.explain_list_sends())
        search_plan = " | ".join(store.explain_list_sends(search="06 20 05 00 00"))
    head = f"{'query':<28} | {'ms':>7} {'x first':>8}"
    print(head)
    print("-" * len(head))
    for label, ms in rows:
        print(f"{label:<28} | {ms:>7.2f} {ms / first:>8.1f}")
    print(f"plan (no filter): {plan}")
    print(f"plan (search by number): {search_plan}")


def main() -> None:
    path = config.data_dir() / "porte-voix.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    print(
        f"outbox benchmarks; temporary database on {filesystem(path.parent)}, sqlite "
        f"{sqlite3.sqlite_version}"
    )
    print()
    with Store(path) as store:
        references = report_sends(store)
        report_events(
            store, references["no per-number result"], references["a message id per number"]
        )
    history = path.with_name("history.db")
    report_pages(history)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="pv-bench-") as home:
        os.environ["PORTE_VOIX_HOME"] = home
        main()
