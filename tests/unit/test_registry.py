"""Every provider package has the same anatomy, and its ProviderInfo says everything about it."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest

from providers.base import PROVIDER_KINDS, Capability, provider_info

PROVIDERS = Path(__file__).resolve().parents[2] / "providers"
ANATOMY = ("__init__.py", "provider.py", "codes.py", "rules.py", "callbacks.py")


@pytest.mark.parametrize("kind", PROVIDER_KINDS)
def test_each_provider_is_one_folder_with_the_same_files(kind: str) -> None:
    folder = PROVIDERS / kind
    assert sorted(name for name in ANATOMY if not (folder / name).is_file()) == []


@pytest.mark.parametrize("kind", PROVIDER_KINDS)
def test_provider_info_names_the_package_s_own_parts(kind: str) -> None:
    info = provider_info(kind)
    codes = importlib.import_module(f"providers.{kind}.codes")
    rules = importlib.import_module(f"providers.{kind}.rules")
    assert info.kind == codes.KIND == kind
    # The factory is the provider class itself, whose kind and capabilities are the INFO's.
    assert isinstance(info.factory, type)
    factory: Any = info.factory
    assert factory.__module__ == f"providers.{kind}.provider"
    assert (factory.kind, factory.capabilities) == (kind, info.capabilities)
    assert info.text_profile is rules.TEXT_PROFILE and info.text_profile.key == kind
    assert info.text_profile.sms == bool(info.capabilities & Capability.SMS)
    assert info.parse_callback.__module__ == f"providers.{kind}.callbacks"
    # Voice modes are offered exactly where voice messages are sent.
    assert bool(info.voice_modes) == bool(info.capabilities & Capability.VOICE)
    assert bool(info.voice_help) == bool(info.voice_modes)
    if info.callback_option is not None:
        assert info.option(info.callback_option) is not None
