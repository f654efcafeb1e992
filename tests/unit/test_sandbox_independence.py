"""The sandboxes answer from the specs alone: they import none of the client's rules.

A simulator that shares a rule with the client (how a number is read, how a text is counted,
how a timestamp is written, how requests are paced) cannot catch that rule being wrong.
"""

from __future__ import annotations

import ast
from pathlib import Path

import providers.sandbox

SANDBOX_DIR = Path(providers.sandbox.__file__).parent

#: What a sandbox may take from the rest of ``providers``, and why it is not a provider rule.
ALLOWED = {
    # The hardened XML parser and the element builders: parsing infrastructure, no rule.
    "providers.xml",
    # ``AccountSettings``, the record the demo accounts are described in (no behaviour).
    "providers.base",
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # ``from providers import phone`` names the module in the alias.
            if node.module == "providers":
                found.update(f"providers.{alias.name}" for alias in node.names)
    return found


def test_sandbox_modules_import_no_client_rule() -> None:
    offenders: dict[str, set[str]] = {}
    files = sorted(SANDBOX_DIR.rglob("*.py"))
    assert len(files) > 10  # the walk found the package
    for path in files:
        outside = {
            module
            for module in imported_modules(path)
            if (module == "providers" or module.startswith("providers."))
            and not module.startswith("providers.sandbox")
            and module not in ALLOWED
        }
        outside.discard("providers")  # only as ``from providers import x``, listed as x
        if outside:
            offenders[str(path.relative_to(SANDBOX_DIR))] = outside
    assert offenders == {}


def test_the_check_sees_a_client_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "from providers import phone\nfrom providers.text import count_sms\nimport providers.xml\n"
    )
    assert imported_modules(module) == {
        "providers",
        "providers.phone",
        "providers.text",
        "providers.xml",
    }


def test_sandbox_modules_stay_small() -> None:
    """Modules stay under 400 lines (DESIGN.md); the VoicePartner sandbox had grown past it."""
    sizes = {
        str(path.relative_to(SANDBOX_DIR)): len(path.read_text(encoding="utf-8").splitlines())
        for path in SANDBOX_DIR.rglob("*.py")
    }
    assert {name: lines for name, lines in sizes.items() if lines >= 400} == {}
