"""providers.lazy.names_from: a module's names defined elsewhere, loaded when first asked for."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from providers.lazy import names_from


@pytest.fixture
def modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[types.ModuleType]:
    """A module ``asking`` that names ``Thing`` from ``defining``, neither loaded yet."""
    (tmp_path / "lazy_defining.py").write_text("class Thing:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    asking = types.ModuleType("lazy_asking")
    asking.__getattr__ = names_from("lazy_asking", {"Thing": "lazy_defining"})  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "lazy_asking", asking)
    yield asking
    sys.modules.pop("lazy_defining", None)


def test_a_name_is_loaded_when_first_asked_for_and_kept(modules: types.ModuleType) -> None:
    assert "lazy_defining" not in sys.modules
    thing = modules.Thing
    assert thing is sys.modules["lazy_defining"].Thing
    # Kept in the asking module: found directly from now on, without __getattr__.
    assert vars(modules)["Thing"] is thing


def test_another_name_is_an_attribute_error_and_loads_nothing(modules: types.ModuleType) -> None:
    with pytest.raises(AttributeError, match="module 'lazy_asking' has no attribute 'Other'"):
        _ = modules.Other
    assert "lazy_defining" not in sys.modules
    assert not hasattr(modules, "Other")
