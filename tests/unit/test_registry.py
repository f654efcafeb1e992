"""Every provider package has the same anatomy, and its ProviderInfo says everything about it."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from pathlib import Path

import pytest

from providers.base import (
    PROVIDER_KINDS,
    AccountSettings,
    CallbackRequest,
    Capability,
    create_provider,
    provider_info,
)
from providers.errors import CallbackError

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
    provider = importlib.import_module(f"providers.{kind}.provider")
    assert info.kind == codes.KIND == kind
    # The factory builds the package's provider class, whose kind and capabilities are the
    # INFO's; the heavy modules state what INFO says through the very same objects.
    made = create_provider(AccountSettings("a", kind, "login"), "secret")
    try:
        assert type(made).__module__ == f"providers.{kind}.provider"
        assert (made.kind, made.capabilities) == (kind, info.capabilities)
        assert type(made) is getattr(
            importlib.import_module(f"providers.{kind}"), type(made).__name__
        )
    finally:
        asyncio.run(made.aclose())
    assert provider.CAPABILITIES is info.capabilities
    assert info.text_profile is rules.TEXT_PROFILE and info.text_profile.key == kind
    assert info.text_profile.sms == bool(info.capabilities & Capability.SMS)
    # Voice modes are offered exactly where voice messages are sent.
    assert bool(info.voice_modes) == bool(info.capabilities & Capability.VOICE)
    assert bool(info.voice_help) == bool(info.voice_modes)
    if info.callback_option is not None:
        assert info.option(info.callback_option) is not None


@pytest.mark.parametrize("kind", PROVIDER_KINDS)
def test_provider_info_hands_over_to_the_package_s_own_functions(kind: str) -> None:
    """INFO's functions are stand-ins that load their module when first called: each gives
    what the package's own function gives."""
    info = provider_info(kind)
    callbacks = importlib.import_module(f"providers.{kind}.callbacks")
    codes = importlib.import_module(f"providers.{kind}.codes")
    for code in ("0", "1", "4", "12", "100", "DELIVERED", "?"):
        assert info.describe_refusal(code) == codes.describe_refusal(code)
        own = (
            getattr(callbacks, "describe_delivery", None)
            or importlib.import_module(f"providers.{kind}.states").describe_delivery
        )
        assert info.describe_delivery(code) == own(code)
    request = CallbackRequest("GET", {}, b"", "", "")
    assert _outcome(info.parse_callback, request) == _outcome(callbacks.parse_callback, request)
    if info.check_tts is not None:
        rules = importlib.import_module(f"providers.{kind}.rules")
        spoken = "Bonjour, votre colis arrive demain matin. " * 6
        assert info.check_tts(spoken) == rules.tts_check(spoken)


def _outcome(parse: Callable[[CallbackRequest], object], request: CallbackRequest) -> str:
    try:
        return repr(parse(request))
    except CallbackError as exc:
        return f"CallbackError: {exc}"


def test_a_provider_package_offers_its_classes_only_by_their_names() -> None:
    import providers.ecampaign

    assert providers.ecampaign.HlrResult.__module__ == "providers.ecampaign.hlr"
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        providers.ecampaign.Nothing  # type: ignore[attr-defined]  # noqa: B018
