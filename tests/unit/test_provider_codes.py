"""Every provider's delivery and refusal codes have an English meaning, through ProviderInfo."""

from __future__ import annotations

import pytest

from providers.base import PROVIDER_KINDS, provider_info
from providers.capitole.codes import CODES
from providers.ecampaign.codes import RETURN_CODES
from providers.ecampaign.states import STATE_CODES
from providers.octopush.codes import MEANINGS


@pytest.mark.parametrize(
    ("kind", "code", "meaning"),
    [
        ("ecampaign", "4", "4: message delivered to the recipient"),
        ("ecampaign", "8", "8: delivery impossible"),
        ("ecampaign", "13", "13: answering machine: message recorded"),
        ("capitole", "DELIVERED", "DELIVERED: delivery receipt from the operator"),
        (
            "capitole",
            "INVALID_DESTINATION_ADDRESS",
            "INVALID_DESTINATION_ADDRESS: permanent operator error: invalid destination number",
        ),
        ("voicepartner", "delivered/VOICE_ANSWERED", "delivered/VOICE_ANSWERED: call answered"),
        (
            "voicepartner",
            "undelivered/VOICE_NOT_ANSWERED",
            "undelivered/VOICE_NOT_ANSWERED: call not answered",
        ),
        ("voicepartner", "pending", "pending: call pending"),
        ("voicepartner", "3/5", "3/5: 3 of 5 voicemails delivered"),
    ],
)
def test_delivery_codes(kind: str, code: str, meaning: str) -> None:
    assert provider_info(kind).describe_code(code) == meaning


@pytest.mark.parametrize(
    ("kind", "code", "words"),
    [
        ("ecampaign", "11", "not enough credit"),
        ("capitole", "NOT_ENOUGH_CREDITS", "not enough credits"),
        ("capitole", "IS_BLACKLISTED", "blacklist"),
        ("capitole", "_IS_INVALID", "the number is invalid"),
        ("capitole", "0611223344_IS_BLACKLISTED", "blacklist"),
        ("octopush", "120", "did NOT send it again"),
        ("octopush", "104", "not enough credit"),
        ("voicepartner", "402", "not enough credit"),
        ("voicepartner", "HTTP 401", "API key was refused"),
    ],
)
def test_refusal_codes(kind: str, code: str, words: str) -> None:
    described = provider_info(kind).describe_code(code, refusal=True)
    assert described.startswith(f"{code}: ") and words in described


def test_the_same_number_means_different_things_in_delivery_and_refusal() -> None:
    info = provider_info("ecampaign")
    assert info.describe_code("4") == "4: message delivered to the recipient"
    assert info.describe_code("4", refusal=True) == "4: " + RETURN_CODES[4]


@pytest.mark.parametrize("kind", PROVIDER_KINDS)
@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("UNKNOWN", "may or may not have been processed"),
        ("BAD_REPLY", "could not be read"),
        ("RATE_LIMITED", "rate limit"),
        ("HTTP 503", "server failed"),
        ("HTTP 429", "too many requests"),
    ],
)
def test_codes_of_our_own_read_the_same_for_every_provider(
    kind: str, code: str, words: str
) -> None:
    assert words in provider_info(kind).describe_code(code, refusal=True)


@pytest.mark.parametrize("kind", PROVIDER_KINDS)
@pytest.mark.parametrize("code", ["", "  ", "zz\x1b]0;x\x07", "9" * 40, "-", "12/", "/"])
def test_describing_never_raises(kind: str, code: str) -> None:
    info = provider_info(kind)
    for refusal in (False, True):
        described = info.describe_code(code, refusal=refusal)
        assert described == "" if not code.strip() else described.startswith(code.strip())


def test_every_documented_code_has_its_own_meaning() -> None:
    ecampaign, capitole, octopush = (
        provider_info(k) for k in ("ecampaign", "capitole", "octopush")
    )
    for number, (_, description, _) in STATE_CODES.items():
        assert ecampaign.describe_code(str(number)) == f"{number}: {description}"
    for name, info in CODES.items():
        assert capitole.describe_code(name, refusal=True) == f"{name}: {info.meaning}"
    for code, meaning in MEANINGS.items():
        assert octopush.describe_code(code, refusal=True) == f"{code}: {meaning}"


def test_octopush_says_it_sends_no_delivery_reports() -> None:
    assert "no delivery reports" in provider_info("octopush").describe_code("DELIVERED")
