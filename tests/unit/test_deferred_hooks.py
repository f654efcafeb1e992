"""Every hook a provider's INFO names by path (``providers.base.deferred_*``) resolves to the
function or class of that provider: a misspelled path would otherwise fail only on first use."""

from __future__ import annotations

import sys

import pytest

from providers.base import PROVIDER_KINDS, AccountSettings, provider_info

KINDS = list(PROVIDER_KINDS)


@pytest.mark.parametrize("kind", KINDS)
async def test_each_hook_loads_its_providers_own_code(kind: str) -> None:
    info = provider_info(kind)
    assert info.describe_delivery("1")  # a meaning, or "undocumented code"
    assert info.describe_refusal("1")
    if info.check_tts is not None:
        assert info.check_tts("Bonjour").seconds > 0
    provider = info.factory(AccountSettings("acct", kind, "login", {}), "secret", None)
    assert provider.kind == kind
    assert f"providers.{kind}.provider" in sys.modules
    await provider.aclose()


def test_a_missing_attribute_of_a_provider_package_says_so() -> None:
    import providers.octopush as package

    with pytest.raises(AttributeError, match="has no attribute 'Nothing'"):
        _ = package.Nothing  # type: ignore[attr-defined]
