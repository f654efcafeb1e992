"""The provider layer stands alone: importing it must not import the UI."""

from __future__ import annotations

import subprocess
import sys


def test_importing_providers_imports_no_textual() -> None:
    code = (
        "import sys, providers, providers.base, providers.models, providers.text, "
        "providers.phone, providers.callbacks, providers.sandbox\n"
        "from providers.base import PROVIDER_KINDS, provider_info\n"
        "for kind in PROVIDER_KINDS: provider_info(kind)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'tui', 'screens'))\n"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""
