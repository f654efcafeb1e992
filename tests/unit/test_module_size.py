"""Modules stay small: a reader should hold one in mind, so none in the packages passes 400 lines.

A module that grows past the limit is split by responsibility (as tui/ was into outbox, sending,
accounts and cli), not granted an exception here.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("providers", "tui", "screens")
LIMIT = 400


def _line_count(path: Path) -> int:
    with path.open("rb") as file:
        return sum(1 for _ in file)


def test_no_module_passes_the_limit() -> None:
    modules = [path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))]
    assert len(modules) > 50, "the packages were not found"  # else the test would pass on nothing
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in modules
        if (lines := _line_count(path)) > LIMIT
    }
    listing = "".join(f"\n  {path}: {lines}" for path, lines in too_long.items())
    assert not too_long, f"over {LIMIT} lines, split by responsibility:{listing}"
