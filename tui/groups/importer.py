"""Add the checked rows of an import, a few requests at a time, and say what went in.

eCampaign adds members one request at a time (``addMember``; its own bulk import, which fetches
an XML file from a public URL, is ``provider_import``). Every row ends in
exactly one of four lists: imported, rejected (by the checks or by the provider, with the
reason), unknown (the request left and no readable answer came: look in the group before
importing it again), or not attempted (the import stopped first). Nothing is half-imported
silently: a stopped import says why, and which lines went in.

Cancelling stops taking new rows; requests already out are waited for, so that their rows are
known imported or refused rather than unknown. A provider error that is not about the row
(login refused, group gone, connection lost) stops the import the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from providers.errors import InputError, OutcomeUnknownError, ProviderError
from tui.errors import describe
from tui.groups.csv_members import ImportPlan, ReadyRow, Rejected
from tui.groups.service import GroupService

#: Codes about the row itself (malformed data, duplicate): the import goes on without it.
ROW_REFUSALS = frozenset({"23", "24"})
#: Requests in flight at once: enough to hide the round trip, few enough to be polite.
CONCURRENCY = 4


@dataclass(frozen=True)
class ImportProgress:
    done: int  # rows with an outcome
    total: int  # rows to send
    imported: int
    refused: int  # by the provider, so far


@dataclass
class ImportReport:
    imported_lines: list[int] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)
    not_attempted: list[int] = field(default_factory=list)
    #: Why the import ended early (cancelled, or the error that stopped it); None: it finished.
    stopped: str | None = None

    @property
    def imported(self) -> int:
        return len(self.imported_lines)

    @property
    def complete(self) -> bool:
        """Every row went in."""
        return not (self.rejected or self.unknown or self.not_attempted or self.stopped)

    def as_json(self) -> dict[str, object]:
        payload: dict[str, object] = {
            "imported": self.imported,
            "rejected": [r.as_dict() for r in sorted(self.rejected, key=lambda r: r.line)],
        }
        if self.stopped is not None or self.unknown:
            payload["stopped"] = self.stopped
            payload["imported_lines"] = line_ranges(self.imported_lines)
            payload["unknown_lines"] = line_ranges(self.unknown)
            payload["not_attempted_lines"] = line_ranges(self.not_attempted)
        return payload

    def summary(self) -> str:
        """One paragraph for a person."""
        words = [f"{self.imported:,} imported", f"{len(self.rejected):,} rejected"]
        if self.unknown:
            words.append(f"{len(self.unknown):,} unknown (lines {line_ranges(self.unknown)})")
        text = ", ".join(words) + "."
        if self.stopped:
            text += f" Stopped: {self.stopped}."
            went_in = line_ranges(self.imported_lines) or "none"
            text += f" Lines imported: {went_in}."
            if self.not_attempted:
                text += f" Not sent: lines {line_ranges(self.not_attempted)}."
        if self.unknown:
            text += " Look for the unknown lines in the group before importing them again."
        return text


def line_ranges(lines: Iterable[int]) -> str:
    """``2-40, 42, 44-50``: lines as runs."""
    runs: list[list[int]] = []
    for line in sorted(set(lines)):
        if runs and line == runs[-1][1] + 1:
            runs[-1][1] = line
        else:
            runs.append([line, line])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


async def run_import(
    service: GroupService,
    group_id: str,
    plan: ImportPlan,
    *,
    progress: Callable[[ImportProgress], None] | None = None,
    cancel: asyncio.Event | None = None,
    concurrency: int = CONCURRENCY,
) -> ImportReport:
    """Send the plan's ready rows; the plan's rejected rows are in the report too."""
    report = ImportReport(rejected=list(plan.rejected))
    pending = iter(plan.ready)
    total = len(plan.ready)
    refused = 0
    in_flight: set[int] = set()
    cancel = cancel or asyncio.Event()

    def next_row() -> ReadyRow | None:
        if cancel.is_set() or report.stopped is not None:
            return None
        return next(pending, None)

    async def worker() -> None:
        nonlocal refused
        while (row := next_row()) is not None:
            in_flight.add(row.line)
            try:
                await service.add_member(group_id, row.values)
            except OutcomeUnknownError as exc:
                report.unknown.append(row.line)
                report.stopped = report.stopped or describe(exc).message
            except InputError as exc:
                report.rejected.append(Rejected(row.line, describe(exc).message))
            except ProviderError as exc:
                if exc.code in ROW_REFUSALS:
                    refused += 1
                    report.rejected.append(Rejected(row.line, describe(exc).message))
                else:  # not about this row: it did not go in, and neither will the next
                    report.not_attempted.append(row.line)
                    report.stopped = report.stopped or describe(exc).message
            else:
                report.imported_lines.append(row.line)
            in_flight.discard(row.line)
            if progress is not None:
                done = report.imported + refused + len(report.unknown)
                progress(ImportProgress(done, total, report.imported, refused))

    try:
        await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    except asyncio.CancelledError:
        # Cancelled from outside mid-request: whatever was out is unknown. Said, then raised.
        report.stopped = report.stopped or "interrupted"
        report.unknown.extend(in_flight)
        _account_for_every_row(report, plan)
        raise
    _account_for_every_row(report, plan)
    if cancel.is_set() and report.stopped is None and report.not_attempted:
        report.stopped = "cancelled"
    return report


def _account_for_every_row(report: ImportReport, plan: ImportPlan) -> None:
    """Rows without an outcome: unknown if they were out, not attempted otherwise."""
    settled = set(report.imported_lines) | set(report.unknown) | set(report.not_attempted)
    settled |= {r.line for r in report.rejected}
    missing = [row.line for row in plan.ready if row.line not in settled]
    report.not_attempted.extend(missing)
    report.not_attempted.sort()
    report.imported_lines.sort()
    report.unknown.sort()
