"""``python -m tui.cli``: the same entry point as the ``porte-voix`` script."""

import sys

from tui.cli.main import entry

sys.exit(entry())
