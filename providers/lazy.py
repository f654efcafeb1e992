"""Names a module gives that are defined in other modules, loaded when first asked for.

A module-level ``__getattr__`` (PEP 562) is called only for a name the module does not have
yet: ``names_from`` makes one that imports the module defining the name, and keeps the value in
the asking module, where it is found directly from then on. The names are also imported under
``TYPE_CHECKING`` in the asking module, for the type checker. Used where a command, or the
console's first screen, would otherwise load modules (and create dataclasses) it never uses.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping


def names_from(module: str, where: Mapping[str, str]) -> Callable[[str], object]:
    """A ``__getattr__`` for ``module``: each name of ``where`` is read from the module
    ``where[name]`` the first time it is asked for; any other name is an ``AttributeError``."""

    def __getattr__(name: str) -> object:
        source = where.get(name)
        if source is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        value: object = getattr(importlib.import_module(source), name)
        setattr(sys.modules[module], name, value)
        return value

    return __getattr__
