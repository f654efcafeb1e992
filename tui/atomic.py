"""Files written whole or not at all, readable by their owner only.

Settings (``config.toml``, ``listen.toml``), a downloaded recording and eCampaign's import files
are all written the same way: into a new file beside the target (``mkstemp``: mode 0600), which
replaces the target in one rename once complete, and is removed if writing fails. A reader (the
daemon serving an import file, a second porte-voix loading its settings) never sees half a file,
and nothing is ever readable by others, even for an instant.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def replaced_atomically(path: Path, *, prefix: str = ".part-") -> Iterator[BinaryIO]:
    """A binary file to write ``path``'s new content into; it becomes ``path`` when the block
    ends, or is removed when the block raises (``path`` is then left as it was)."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
