"""Schedules typed by the operator, in Paris time, shared by the console and the CLI."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from providers.errors import InputError
from tui.schedule import PARIS, parse_schedule


def test_blank_means_now() -> None:
    assert parse_schedule(None) is None
    assert parse_schedule("  ") is None


@pytest.mark.parametrize("fmt", ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"])
def test_a_future_paris_time_is_aware(fmt: str) -> None:
    future = (datetime.now(PARIS) + timedelta(days=2)).replace(second=0, microsecond=0)
    when = parse_schedule(future.strftime(fmt))
    assert when == future and when is not None and when.tzinfo is PARIS


@pytest.mark.parametrize(
    ("value", "reason"),
    [("2020-01-01 10:00:00", "in the past"), ("demain 10h", "is not 'YYYY-MM-DD HH:MM:SS'")],
)
def test_bad_schedules_are_refused_naming_the_problem(value: str, reason: str) -> None:
    with pytest.raises(InputError, match=reason) as info:
        parse_schedule(value)
    assert info.value.field == "schedule"
