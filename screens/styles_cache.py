"""The rules parsed from the console's CSS at start-up, kept from one run to the next.

Textual parses a widget class's CSS the first time it styles one of its widgets: for the first
screen, some thirty blocks of text (Button's alone is 7 KB), about a tenth of the time the
console takes to show it, and the same text parsed the same way every run. As Python keeps the
bytecode of the modules it compiled, the console keeps the rules its start parsed, in the data
directory (``styles.cache``, ``save``), and hands them to the next start's stylesheet (``load``)
before anything is styled: that start parses only what the file does not hold.

A file is used only as it was written: by the same Textual and the same Python, for the same
CSS variables (the theme's colours), which the parsed rules embed. Anything else (another
version, a damaged file, one owned by another user or writable by others) is ignored, and the
start parses as it would without it; the next ``save`` replaces it. A CSS text that changed is
a key the file does not hold: parsed, then saved. The file is read with ``pickle``, so it must be
the console's own: in the data directory (0700), written 0600, and read only when it is owned by
the user and writable by no one else.

The one private name of Textual used is ``Stylesheet._parse_cache``, the stylesheet's own
cache of parsed rules (``tests/unit/test_console_ready_styles_cache.py`` fails if it changes).
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import stat
import sys
from pathlib import Path
from typing import Any

import textual
from textual.css.stylesheet import Stylesheet
from textual.layout import Layout
from textual.layouts.factory import get_layout

from tui.atomic import replaced_atomically

log = logging.getLogger(__name__)

FILE_NAME = "styles.cache"
#: Changed whenever what the file holds changes shape.
FORMAT = 1


def textual_release() -> str:
    """The installed Textual's release, from the name of its metadata directory: asking
    ``textual.__version__`` loads ``importlib.metadata``, about 20 ms of the start."""
    package = Path(textual.__file__).parent
    with os.scandir(package.parent) as entries:
        found = [e.name for e in entries if e.name.startswith("textual-")]
    releases = [name for name in found if name.endswith(".dist-info")]
    # Installed otherwise (from a source tree, twice): ask the slow way.
    return releases[0] if len(releases) == 1 else f"textual-{textual.__version__}"


def stamp(variables: dict[str, str]) -> tuple[object, ...]:
    """What the parsed rules depend on besides the CSS text (which is part of each key)."""
    return (FORMAT, textual_release(), sys.implementation.cache_tag, sorted(variables.items()))


def _own(status: os.stat_result) -> bool:
    """The user's file, writable by no one else. Where files have no owner's id (Windows), the
    data directory is in the user's profile, which its access lists keep to the user."""
    getuid = getattr(os, "getuid", None)
    if getuid is None:
        return True
    return status.st_uid == getuid() and not status.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


class _Pickler(pickle.Pickler):
    """Writes a layout by its name: read back, it is a new one, as the parser makes it (a grid
    or stream layout keeps what it last arranged, which no other start should inherit)."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, Layout):
            return get_layout, (obj.name,)
        return NotImplemented


class StylesCache:
    """The parsed rules of a start (``save``), for the next start's stylesheet (``load``)."""

    def __init__(self, path: Path, variables: dict[str, str]) -> None:
        self.path = path
        self._stamp = stamp(variables)
        #: The keys the file held when it was loaded (and so needs not be written again).
        self._known: frozenset[Any] = frozenset()

    def load(self, stylesheet: Stylesheet) -> int:
        """Give ``stylesheet`` the rules the file holds; how many blocks it held (0 when the
        file is missing or unusable: the stylesheet then parses everything, as without it)."""
        entries = self._read()
        cache = stylesheet._parse_cache
        for key, rules in entries.items():
            cache[key] = rules
        self._known = frozenset(entries)
        return len(entries)

    def save(self, stylesheet: Stylesheet) -> bool:
        """Write the rules ``stylesheet`` parsed, unless the file held them all already.
        True when written; a failure to write is logged and changes nothing else."""
        cache = stylesheet._parse_cache
        keys = list(cache.keys())
        if not keys or self._known.issuperset(keys):
            return False
        entries = {key: cache[key] for key in keys}
        try:
            buffer = io.BytesIO()
            _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump((self._stamp, entries))
            data = buffer.getvalue()
            with replaced_atomically(self.path) as handle:
                handle.write(data)
        except Exception as exc:  # a cache: the console goes on without it
            log.debug("styles not kept for the next start: %s", exc)
            return False
        self._known = frozenset(keys)
        return True

    def _read(self) -> dict[Any, Any]:
        try:
            with self.path.open("rb") as handle:
                if not _own(os.fstat(handle.fileno())):
                    log.debug("styles cache ignored: not the user's own file")
                    return {}
                data = handle.read()
        except OSError:
            return {}
        try:
            written, entries = pickle.loads(data)
        except Exception as exc:  # damaged, or from a version that no longer loads
            log.debug("styles cache ignored: %s", exc)
            return {}
        if written != self._stamp or not isinstance(entries, dict):
            return {}
        return entries
