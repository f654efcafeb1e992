"""The import-linter contracts in pyproject.toml bite: each one breaks on the import it forbids.

`make lint` runs them on the real tree, where they pass; passing proves nothing if a contract
was written so loosely (a wrong name, a wide ignore) that nothing could break it. Here a copy of
the tree gets one forbidden import per contract, and every contract must report it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

#: file to add -> (its content, the line lint-imports must print)
PROBES = {
    "providers/probe_ui.py": ("import textual\n", "providers.probe_ui -> textual"),
    "tui/outbox/probe_ui.py": ("import textual.widgets\n", "tui.outbox.probe_ui -> textual"),
    "tui/sending/probe_screen.py": (
        "import screens.base\n",
        "tui.sending.probe_screen -> screens.base",
    ),
    "tui/probe_console.py": ("from tui import app\n", "tui.probe_console -> tui.app"),
    "screens/probe_circle.py": ("import tui.app\n", "screens.probe_circle -> tui.app"),
    "providers/capitole/probe_other.py": (
        "from providers.octopush import rules\n",
        "providers.capitole.probe_other -> providers.octopush.rules",
    ),
    "providers/sandbox/probe_rule.py": (
        "from providers.capitole import rules\n",
        "providers.sandbox.probe_rule -> providers.capitole.rules",
    ),
}


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    # PYTHONPATH first: the editable install would otherwise resolve the packages to the
    # real tree, and the probes would never be seen.
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-logo", "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_contract_breaks_on_the_import_it_forbids(tmp_path: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__")
    for package in ("providers", "tui", "screens"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    for path, (content, _line) in PROBES.items():
        (tmp_path / path).write_text(content)

    result = _lint_imports(tmp_path)

    assert result.returncode != 0, result.stdout
    assert " KEPT" not in result.stdout, result.stdout
    for _content, line in PROBES.values():
        assert line in result.stdout, f"{line!r} not reported:\n{result.stdout}"
