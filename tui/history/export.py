"""History exports, streamed from the database: any number of rows in bounded memory.

One cursor (``HistoryReader.iter_raw``) hands over a few thousand rows at a time; each batch is
turned into output rows by SQLite's own columns plus two of ours (the code's meaning, outside
text made visible where it holds a control character) and written at once. Nothing is built
for the whole export, so a million rows take the memory of a batch.

The CSV and JSON rows carry the same fields, in ``FIELDS``' order: our reference, the account,
the provider, the channel, campaign ids, the number in E.164, the outcome (what the provider
answered to the request), the delivery state and the provider's code with its meaning, the
error of a refused recipient, and the times (sent, state reported, last change), all UTC.
"""

from __future__ import annotations

import csv
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TextIO

from tui.history.words import code_meaning
from tui.outbox.history import HistoryFilter, HistoryReader, Sort

FIELDS = (
    "reference",
    "account",
    "provider",
    "channel",
    "campaign_id",
    "provider_reference",
    "number",
    "outcome",
    "state",
    "provider_code",
    "meaning",
    "error",
    "sent_at",
    "state_at",
    "updated_at",
    "message_id",
    "dry_run",
)
#: Columns of ``HistoryReader.iter_raw`` rows (``tui.outbox.history._SELECT``) that came from a
#: provider or a person, made visible when they hold a control character.
_REFERENCE, _ACCOUNT, _PROVIDER, _CHANNEL, _CAMPAIGN, _PROVIDER_REF, _SENT, _DRY = range(8)
_NUMBER, _OUTCOME, _ERROR, _STATE, _CODE, _STATE_AT, _UPDATED, _MESSAGE = range(8, 16)


class ExportCancelled(Exception):
    """The operator stopped the export; the rows written so far stay in the file."""


def _safe(text: str | None) -> str | None:
    if text is None or text.isprintable():
        return text
    from tui.errors import visible

    return visible(text)


def records(batches: Iterable[list[Any]]) -> Iterator[list[tuple[Any, ...]]]:
    """Output rows (``FIELDS``' order), a batch at a time."""
    for batch in batches:
        yield [
            (
                row[_REFERENCE],
                row[_ACCOUNT],
                row[_PROVIDER],
                row[_CHANNEL],
                _safe(row[_CAMPAIGN]),
                _safe(row[_PROVIDER_REF]),
                row[_NUMBER],
                row[_OUTCOME],
                row[_STATE],
                _safe(row[_CODE]),
                code_meaning(row[_PROVIDER], row[_CODE]) or None,
                _safe(row[_ERROR]),
                row[_SENT],
                row[_STATE_AT],
                row[_UPDATED],
                _safe(row[_MESSAGE]),
                bool(row[_DRY]),
            )
            for row in batch
        ]


def export(
    reader: HistoryReader,
    flt: HistoryFilter,
    sort: Sort,
    out: TextIO,
    fmt: str,
    *,
    progress: Callable[[int], None] | None = None,
    cancel: threading.Event | None = None,
    json_text: Callable[[Any], str] | None = None,
) -> int:
    """Write every row ``flt`` keeps to ``out`` as CSV (a header line, then one line a row) or
    JSON (one object: ``{"filters", "rows": [...], "count"}``); return how many rows.

    ``json_text`` renders a JSON value (the CLI's escapes every non-printable character).
    """
    dump = json_text or (lambda value: json.dumps(value, ensure_ascii=False))
    written = 0
    writer = csv.writer(out) if fmt == "csv" else None
    if writer is not None:
        writer.writerow(FIELDS)
    else:
        out.write('{"filters": ' + dump(_filters(flt)) + ', "sort": ' + dump(sort.value))
        out.write(', "rows": [')
    for batch in records(reader.iter_raw(flt, sort)):
        if cancel is not None and cancel.is_set():
            raise ExportCancelled(f"stopped after {written:,} rows")
        if writer is not None:
            writer.writerows(batch)
        else:
            out.write(
                ("" if not written else ", ")
                + ", ".join(dump(dict(zip(FIELDS, row, strict=True))) for row in batch)
            )
        written += len(batch)
        if progress is not None:
            progress(written)
    if writer is None:
        out.write('], "count": ' + str(written) + "}\n")
    return written


def _filters(flt: HistoryFilter) -> dict[str, str | None]:
    return {
        "account": flt.account,
        "provider": flt.provider,
        "from": None if flt.start is None else flt.start.isoformat(),
        "to": None if flt.stop is None else flt.stop.isoformat(),
        "status": flt.status,
        "number": flt.number,
        "campaign": flt.campaign,
    }
