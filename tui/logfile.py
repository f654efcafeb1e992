"""The log file: the console owns the terminal, so diagnostics go to a file in the data directory.

Nothing logged anywhere in porte-voix carries a secret: provider errors are built without URLs
or credentials, and httpx's request logging (whose URLs can hold an API key) is kept quiet.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

LOG_NAME = "porte-voix.log"
LEVEL_ENV = "PORTE_VOIX_LOG_LEVEL"
MAX_BYTES = 1_000_000
BACKUPS = 3


class LogFile(logging.Handler):
    """The rotating log file (``logging.handlers.RotatingFileHandler``), opened with the first
    record: most commands log nothing, and that module would cost each of them its imports
    (pickle, queues: a few milliseconds of every start-up)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._file: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self._file is None:
            from logging.handlers import RotatingFileHandler

            self._file = RotatingFileHandler(
                self.path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
            )
            self._file.setFormatter(self.formatter)
        self._file.emit(record)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        super().close()


def configure(data_dir: Path) -> Path:
    """Send every log record of INFO and above (or ``PORTE_VOIX_LOG_LEVEL``) to the log file."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = data_dir / LOG_NAME
    # Made now (its mode set below), not with the first record: an unwritable file fails here.
    with open(path, "a", encoding="utf-8"):
        pass
    handler = LogFile(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for previous in [h for h in root.handlers if getattr(h, "porte_voix", False)]:
        root.removeHandler(previous)  # called again in one process (tests): one file at a time
        previous.close()
    handler.porte_voix = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(os.environ.get(LEVEL_ENV, "INFO").upper())
    # httpx logs each request's URL at INFO; VoicePartner and eCampaign HLR URLs hold secrets.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    os.chmod(path, 0o600)
    return path
