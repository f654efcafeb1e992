"""`porte-voix … | head`: a reader that leaves early is not a failure of the command."""

from __future__ import annotations

import os
import sys

import pytest

from tui.cli.main import main


def test_a_reader_gone_early_ends_the_command_quietly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader (`head`) has already gone
    with capsys.disabled():
        stdout = os.fdopen(write_end, "w", buffering=1)  # line-buffered: each line is written
        monkeypatch.setattr(sys, "stdout", stdout)
        code = main(["sms-count", "hello", "--json"])
        monkeypatch.undo()
        stdout.close()
    assert code == 0
