"""The log file: the console owns the terminal, so diagnostics go to a file in the data directory.

Nothing logged anywhere in porte-voix carries a secret: provider errors are built without URLs
or credentials, and httpx's request logging (whose URLs can hold an API key) is kept quiet.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

LOG_NAME = "porte-voix.log"
LEVEL_ENV = "PORTE_VOIX_LOG_LEVEL"


def configure(data_dir: Path) -> Path:
    """Send every log record of INFO and above (or ``PORTE_VOIX_LOG_LEVEL``) to the log file."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = data_dir / LOG_NAME
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
    )
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
