"""The provider layer: one package per provider, and what they share (no textual, no tui).

httpx's package imports its own command-line tool (``httpx._main``) whenever click, rich and
pygments are installed, and they are (Textual brings rich): about a tenth of a second of every
command's start, for a tool this project never runs. Marked absent before httpx is first
imported, httpx defines its stand-in ``main`` instead; nothing else of httpx changes.
"""

import sys
from importlib.util import find_spec

if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

# httpcore asks which async library runs (``import sniffio``) each time it makes a lock, once a
# request or more. anyio no longer installs sniffio, and each failed import searches every
# folder of sys.path again: about 70 µs, four times a batch. Marked absent when it is not
# installed, the import fails at once, the same way (httpcore then assumes asyncio, as before).
if find_spec("sniffio") is None:
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]
