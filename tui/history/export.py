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
import io
import json
import operator
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TextIO

from tui.history.words import code_meaning
from tui.outbox.cdr_store import StoredCdr
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


# The CSV export's lines are made by SQLite (one ``printf`` a row, line end included, handed
# over as bytes: one value, no Python object per cell, nothing to decode), so a row costs one
# value to fetch and write: the cells joined by commas, as Python's csv module writes them
# when no cell needs quoting. A batch is checked at once (one ``translate`` in C): once the
# printable ASCII bytes but the quote and the comma are taken out, a plain line leaves its 16
# separators and its line end and nothing else; any other byte (a quote, a comma or a line
# break inside a cell, an accent, a control character) means the csv module would quote the
# cell or ``visible`` would rewrite it. A plain batch is written as it came; otherwise each
# line is, and a line that is not plain is written by Python from its row's columns
# (``records``, ``visible``). Our own columns (references, numbers, states, times) never hold
# any of those.
_CELLS = len(FIELDS)
_LINE_END = "\r\n"  # the csv module's (excel dialect)
_LINE_FORMAT = ",".join(["%s"] * _CELLS) + _LINE_END
#: What a plain line leaves once ``_PLAIN`` is taken out: its separators and its end.
_SKELETON = b"," * (_CELLS - 1) + _LINE_END.encode("ascii")
#: Bytes a cell may hold and still be written as it is: printable ASCII but the quote and
#: the comma.
_PLAIN = bytes(c for c in range(0x20, 0x7F) if c not in b'",')
_FIRST = operator.itemgetter(0)


def _csv_text(value: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([value])
    return buffer.getvalue()


def _csv_select(codes: Iterable[tuple[str, str]]) -> tuple[str, list[object]]:
    """The SELECT list of a CSV line (bytes) and the row's id, and its parameters: the line's
    format, and the codes' meanings, put into words (and quoted where they need it) here, once
    each."""
    by_provider: dict[str, list[str]] = {}
    for provider, code in codes:
        by_provider.setdefault(provider, []).append(code)
    meaning = "''"
    params: list[object] = [_LINE_FORMAT]
    if by_provider:
        branches = []
        for provider, known in by_provider.items():
            whens = " ".join("WHEN ? THEN ?" for _ in known)
            branches.append(f"WHEN ? THEN CASE r.delivery_code {whens} ELSE '' END")
            params.append(provider)
            for code in known:
                params += [code, _csv_text(code_meaning(provider, code))]
        meaning = f"CASE r.provider {' '.join(branches)} ELSE '' END"
    cells = [
        "s.reference", "s.account", "s.provider", "s.channel", "s.campaign_id",
        "s.provider_reference", "r.number", "r.state", "r.delivery_state", "r.delivery_code",
        meaning, "r.error", "s.created_at", "r.delivery_at", "r.updated_at", "r.message_id",
        "iif(s.dry_run, 'True', 'False')",
    ]  # fmt: skip
    return f"CAST(printf(?, {', '.join(cells)}) AS BLOB), r.id", params


def _plain(data: bytes, lines: int) -> bool:
    """Whether ``data`` (``lines`` lines from ``_csv_select``) can be written as it is."""
    return data.translate(None, _PLAIN) == _SKELETON * lines


def _csv(
    reader: HistoryReader,
    flt: HistoryFilter,
    sort: Sort,
    out: TextIO,
    progress: Callable[[int], None] | None,
    cancel: threading.Event | None,
) -> int:
    writer = csv.writer(out)
    writer.writerow(FIELDS)
    binary = getattr(out, "buffer", None)  # plain lines go straight to the bytes
    columns, params = _csv_select(reader.codes())
    written = 0
    for batch in reader.iter_select(columns, flt, sort, prefix_params=params, batch=5000):
        if cancel is not None and cancel.is_set():
            raise ExportCancelled(f"stopped after {written:,} rows")
        data = b"".join(map(_FIRST, batch))
        if _plain(data, len(batch)):
            if binary is not None:
                out.flush()
                binary.write(data)
            else:
                out.write(data.decode("ascii"))
        else:
            plain = [_plain(line, 1) for line, _recipient in batch]
            # Read in the cursor's own snapshot (same connection): every odd row is found.
            odd = reader.rows([row[1] for row, ok in zip(batch, plain, strict=True) if not ok])
            for (line, recipient), ok in zip(batch, plain, strict=True):
                if ok:
                    out.write(line.decode("ascii"))
                else:
                    writer.writerows(next(records([[odd[recipient]]])))
        written += len(batch)
        if progress is not None:
            progress(written)
    return written


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
    if fmt == "csv":
        return _csv(reader, flt, sort, out, progress, cancel)
    dump = json_text or (lambda value: json.dumps(value, ensure_ascii=False))
    written = 0
    out.write('{"filters": ' + dump(_filters(flt)) + ', "sort": ' + dump(sort.value))
    out.write(', "rows": [')
    for batch in records(reader.iter_raw(flt, sort)):
        if cancel is not None and cancel.is_set():
            raise ExportCancelled(f"stopped after {written:,} rows")
        out.write(
            ("" if not written else ", ")
            + ", ".join(dump(dict(zip(FIELDS, row, strict=True))) for row in batch)
        )
        written += len(batch)
        if progress is not None:
            progress(written)
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


#: The fields of an exported getCDR row (``tui.outbox.cdr_store.StoredCdr``).
CDR_FIELDS = (
    "kind",
    "id",
    "campaign_id",
    "channel",
    "date_init",
    "sender",
    "from_api",
    "credits",
    "number",
    "mail_recipient",
    "status_code",
    "state",
    "status_date",
    "status_meaning",
    "content",
    "message_ref",
    "recipients_count",
)


def export_cdr(
    rows: Iterable[StoredCdr],
    out: TextIO,
    fmt: str,
    *,
    progress: Callable[[int], None] | None = None,
    cancel: threading.Event | None = None,
) -> int:
    """getCDR rows as stored by a fetch, as CSV or JSON (``{"rows": [...], "count"}``)."""
    written = 0
    writer = csv.writer(out) if fmt == "csv" else None
    if writer is not None:
        writer.writerow(CDR_FIELDS)
    else:
        out.write('{"rows": [')
    for row in rows:
        if cancel is not None and cancel.is_set():
            raise ExportCancelled(f"stopped after {written:,} rows")
        values = (
            row.kind, row.cdr_id, row.campaign_id or None, row.channel, row.date_init,
            _safe(row.sender), row.from_api, None if row.credits is None else str(row.credits),
            row.number, _safe(row.mail_recipient), row.status_code, row.state, row.status_date,
            _safe(row.status_meaning), _safe(row.content), _safe(row.message_ref),
            row.recipients_count,
        )  # fmt: skip
        if writer is not None:
            writer.writerow(values)
        else:
            text = json.dumps(dict(zip(CDR_FIELDS, values, strict=True)), ensure_ascii=False)
            out.write(("" if not written else ", ") + text)
        written += 1
        if progress is not None and not written % 2000:
            progress(written)
    if writer is None:
        out.write('], "count": ' + str(written) + "}\n")
    if progress is not None:
        progress(written)
    return written
