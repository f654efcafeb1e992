"""A STOP reply puts its number on the opt-out list, in the commit that stores the reply.

The receiver's writer calls ``record_stop`` for every event it stores (``StoredHook``), inside
the transaction: the reply and the opt-out are on disk together, or neither is (and the provider,
answered 500, sends the reply again). A number that cannot be read is logged and left out: the
reply itself is stored all the same, for the operator to see.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime

from providers.errors import InputError
from providers.models import DeliveryEvent, EventKind
from tui.outbox import optout
from tui.outbox.sql import clean_number

log = logging.getLogger(__name__)


def record_stop(
    conn: sqlite3.Connection, account: str | None, event: DeliveryEvent, now: datetime
) -> None:
    if event.kind is not EventKind.STOP or not event.number:
        return
    try:
        number = optout.normalised(clean_number(event.number) or "")
    except InputError:
        log.warning("%s: a STOP reply from a number that cannot be read; not listed", account)
        return
    text = " ".join((event.text or "").split())
    optout.ensure_table(conn)
    optout.add_numbers(
        conn,
        [number],
        optout.OptOutSource.STOP,
        now,
        account=account,
        note=f"reply: {text}" if text else "STOP reply",
    )
