"""The log file opens its rotating handler with the first record (issue 13: a command that logs
nothing does not load ``logging.handlers``), and behaves as that handler: one file, made at
configuration with mode 0600, rotated past its size, one handler however often configured."""

from __future__ import annotations

import logging
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui import logfile


@pytest.fixture
def root_handlers() -> Iterator[None]:
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in before]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)


def test_the_file_is_made_private_before_any_record(tmp_path: Path, root_handlers: None) -> None:
    path = logfile.configure(tmp_path / "data")
    assert path == tmp_path / "data" / logfile.LOG_NAME
    assert path.exists() and path.read_text() == ""
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_records_reach_the_file_formatted(tmp_path: Path, root_handlers: None) -> None:
    path = logfile.configure(tmp_path)
    logging.getLogger("tui.test").info("sent %s", "ABC")
    logging.getLogger("httpx").info("GET https://example.invalid/?key=secret")  # kept quiet
    (line,) = path.read_text().splitlines()
    assert line.endswith(" INFO tui.test: sent ABC")


def test_configured_again_one_file_one_handler(tmp_path: Path, root_handlers: None) -> None:
    first = logfile.configure(tmp_path / "a")
    logging.getLogger("tui.test").warning("one")
    second = logfile.configure(tmp_path / "b")
    logging.getLogger("tui.test").warning("two")
    ours = [h for h in logging.getLogger().handlers if getattr(h, "porte_voix", False)]
    assert len(ours) == 1
    assert "one" in first.read_text() and "two" not in first.read_text()
    assert "two" in second.read_text()


def test_the_file_rotates_past_its_size(
    tmp_path: Path, root_handlers: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logfile, "MAX_BYTES", 500)
    path = logfile.configure(tmp_path)
    for n in range(40):
        logging.getLogger("tui.test").info("record %02d %s", n, "x" * 40)
    backups = sorted(p.name for p in tmp_path.iterdir() if p.name != logfile.LOG_NAME)
    assert backups == [f"{logfile.LOG_NAME}.{n}" for n in range(1, logfile.BACKUPS + 1)]
    assert path.stat().st_size <= 500
    assert "record 39" in path.read_text()


def test_the_rotating_handler_loads_with_the_first_record(tmp_path: Path) -> None:
    code = (
        "import logging, sys\n"
        "from pathlib import Path\n"
        "from tui import logfile\n"
        f"logfile.configure(Path({str(tmp_path)!r}))\n"
        "print('logging.handlers' in sys.modules)\n"
        "logging.getLogger('tui.test').warning('first')\n"
        "print('logging.handlers' in sys.modules)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.stdout.split() == ["False", "True"], run.stderr
    assert "first" in (tmp_path / logfile.LOG_NAME).read_text()
