"""The provider layer: one package per provider, and what they share (no textual, no tui).

httpx's package imports its own command-line tool (``httpx._main``) whenever click, rich and
pygments are installed, and they are (Textual brings rich): about a tenth of a second of every
command's start, for a tool this project never runs. Marked absent before httpx is first
imported, httpx defines its stand-in ``main`` instead; nothing else of httpx changes.
"""

import sys

if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
