"""Adding an import's rows: every row ends imported, rejected, unknown or not attempted."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, cast

import pytest

from providers.errors import OutcomeUnknownError, ProviderError
from providers.models import MemberValue
from tui.groups.csv_members import ImportPlan, ReadyRow, Rejected
from tui.groups.importer import ImportProgress, line_ranges, run_import
from tui.groups.service import GroupService


class FakeGroups:
    """addMember only: answers per line (the row's ``nom`` value is its line number)."""

    def __init__(self, failures: dict[int, Exception] | None = None, delay: float = 0) -> None:
        self.failures = failures or {}
        self.delay = delay
        self.added: list[int] = []

    async def add_member(self, group_id: str, values: Sequence[MemberValue]) -> str:
        line = int(values[0].value)
        await asyncio.sleep(self.delay)
        if line in self.failures:
            raise self.failures[line]
        self.added.append(line)
        return str(1000 + line)


def plan(lines: range, rejected: Sequence[Rejected] = ()) -> ImportPlan:
    ready = [ReadyRow(line, (MemberValue("nom", str(line)),)) for line in lines]
    return ImportPlan({"nom": "nom"}, ready, list(rejected))


def service(fake: FakeGroups) -> GroupService:
    return cast(GroupService, fake)


def refused(code: str) -> ProviderError:
    return ProviderError("ecampaign", code, "duplicate detected" if code == "24" else "x")


def test_line_ranges() -> None:
    assert line_ranges([5, 2, 3, 4, 9, 11, 12]) == "2-5, 9, 11-12"
    assert line_ranges([]) == ""


async def test_rows_refused_by_the_provider_are_reported_and_the_rest_goes_in() -> None:
    fake = FakeGroups({4: refused("24"), 7: refused("23")})
    seen: list[ImportProgress] = []
    report = await run_import(
        service(fake), "7", plan(range(2, 12), [Rejected(12, "mobile: bad")]), progress=seen.append
    )
    assert report.imported_lines == [2, 3, 5, 6, 8, 9, 10, 11]
    assert sorted((r.line, "24" in r.reason) for r in report.rejected) == [
        (4, True),
        (7, False),
        (12, False),
    ]
    assert report.stopped is None and not report.complete
    assert seen[-1] == ImportProgress(10, 10, 8, 2)
    assert report.as_json() == {
        "imported": 8,
        "rejected": [r.as_dict() for r in sorted(report.rejected, key=lambda r: r.line)],
    }


async def test_an_error_not_about_the_row_stops_and_says_which_rows_went_in() -> None:
    fake = FakeGroups({6: ProviderError("ecampaign", "27", "group not found")})
    report = await run_import(service(fake), "7", plan(range(2, 20)), concurrency=1)
    assert report.imported_lines == [2, 3, 4, 5]
    assert report.not_attempted == list(range(6, 20))
    assert report.stopped is not None and "27" in report.stopped
    payload = report.as_json()
    assert payload["imported_lines"] == "2-5"
    assert payload["not_attempted_lines"] == "6-19"
    assert "Lines imported: 2-5" in report.summary()


async def test_an_unknown_outcome_stops_and_names_the_row() -> None:
    fake = FakeGroups({3: OutcomeUnknownError("ecampaign", "no answer")})
    report = await run_import(service(fake), "7", plan(range(2, 6)), concurrency=1)
    assert (report.imported_lines, report.unknown, report.not_attempted) == ([2], [3], [4, 5])
    assert "before importing them again" in report.summary()


async def test_cancel_waits_for_the_requests_out_and_sends_no_more() -> None:
    fake = FakeGroups(delay=0.01)
    cancel = asyncio.Event()

    def stop_after_ten(progress: ImportProgress) -> None:
        if progress.done == 10:
            cancel.set()

    report = await run_import(
        service(fake), "7", plan(range(2, 102)), progress=stop_after_ten, cancel=cancel
    )
    assert report.stopped == "cancelled"
    assert sorted(fake.added) == report.imported_lines
    assert 10 <= report.imported < 20  # the requests out when it was cancelled
    assert report.imported + len(report.not_attempted) == 100
    assert report.unknown == []


async def test_cancelled_from_outside_the_rows_out_are_unknown() -> None:
    fake = FakeGroups(delay=10)
    task = asyncio.create_task(run_import(service(fake), "7", plan(range(2, 12)), concurrency=2))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert fake.added == []


async def test_a_finished_import_is_complete() -> None:
    report = await run_import(service(FakeGroups()), "7", plan(range(2, 5)))
    assert report.complete and report.summary() == "3 imported, 0 rejected."
    assert cast(Any, report.as_json()) == {"imported": 3, "rejected": []}
