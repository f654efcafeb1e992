"""Octopush code 120: a request_id already used means "already sent", not a failure."""

from __future__ import annotations

import httpx
import pytest

from providers.base import AccountSettings
from providers.errors import AlreadySentError, OutcomeUnknownError, ProviderError
from providers.models import SmsMessage
from providers.octopush.provider import OctopushProvider

LOGIN = "ops@example.fr"
SECRET = "s3cr3t-KEY"


def provider(body: bytes, reply_format: str = "json") -> OctopushProvider:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body)

    settings = AccountSettings("main", "octopush", LOGIN, {"reply_format": reply_format})
    return OctopushProvider(settings, SECRET, httpx.MockTransport(answer))


def message() -> SmsMessage:
    return SmsMessage("Bonjour", ("+33611223344",), request_id="pv20250310batch1")


@pytest.mark.parametrize(
    ("body", "reply_format"),
    [
        (b'{"error_code":"120"}', "json"),
        (b'{"error_code":120}', "json"),
        (b"<octopush><error_code>120</error_code></octopush>", "xml"),
    ],
)
async def test_duplicate_request_id_is_already_sent(body: bytes, reply_format: str) -> None:
    with pytest.raises(AlreadySentError) as caught:
        await provider(body, reply_format).send_sms(message())
    error = caught.value
    assert isinstance(error, ProviderError) and not isinstance(error, OutcomeUnknownError)
    assert (error.provider, error.code, error.request_id) == ("octopush", "120", "pv20250310batch1")
    assert not error.retryable
    assert "did NOT send it again" in error.meaning


async def test_other_refusals_are_not_already_sent() -> None:
    with pytest.raises(ProviderError) as caught:
        await provider(b'{"error_code":"104"}').send_sms(message())
    assert not isinstance(caught.value, AlreadySentError)


async def test_a_simulation_with_a_used_request_id_is_already_sent_too() -> None:
    with pytest.raises(AlreadySentError):
        await provider(b'{"error_code":"120"}').send_sms(message(), dry_run=True)
