"""Files written whole or not at all, owner-only (``tui.atomic``)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tui.atomic import replaced_atomically


def test_the_new_content_replaces_the_file_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "config.toml"
    target.write_text("old", encoding="utf-8")
    with replaced_atomically(target, prefix=".config-") as handle:
        handle.write(b"new")
        assert target.read_text(encoding="utf-8") == "old"  # not before the block ends
    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]


def test_a_failed_write_leaves_the_file_as_it_was_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "listen.toml"
    target.write_text("kept", encoding="utf-8")
    with pytest.raises(OSError), replaced_atomically(target) as handle:
        handle.write(b"half")
        raise OSError("disk full")
    assert target.read_text(encoding="utf-8") == "kept"
    assert [p.name for p in tmp_path.iterdir()] == ["listen.toml"]
