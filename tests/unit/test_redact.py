"""The provider boundary: secrets scrubbed from every error, garbled replies contained."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from providers.base import AccountSettings, create_provider
from providers.errors import InputError, OutcomeUnknownError, ProviderError
from providers.models import RecipientResult, SendReceipt, SendStatus, SmsMessage
from providers.redact import guard_provider, scrub

SECRET = "p@ss w0rd&1"


@pytest.mark.parametrize(
    "echoed",
    [
        SECRET,
        "p%40ss+w0rd%261",
        "p%40ss%20w0rd%261",
        "p@ss w0rd&amp;1",
        hashlib.md5(SECRET.encode()).hexdigest(),
    ],
)
def test_scrub_removes_every_form_of_the_secret(echoed: str) -> None:
    assert echoed not in scrub(f"<password>{echoed}</password>", SECRET)
    assert SECRET not in scrub(f"error near {echoed}!", SECRET)


SETTINGS = {
    "capitole": AccountSettings(
        "c", "capitole", "user", {"sms_url": "https://sms.test/api/sendsms/xml"}
    ),
    "octopush": AccountSettings(
        "o", "octopush", "me@example.org", {"base_url": "https://oc.test/api"}
    ),
    "ecampaign": AccountSettings(
        "e", "ecampaign", "user", {"base_url": "https://ec.test", "route": "1"}
    ),
}


def _echoing_500(request: httpx.Request) -> httpx.Response:
    return httpx.Response(500, content=b"proxy error for body: " + request.content)


@pytest.mark.parametrize("kind", sorted(SETTINGS))
async def test_a_5xx_page_echoing_the_request_never_leaks_the_secret(kind: str) -> None:
    provider = create_provider(SETTINGS[kind], SECRET, httpx.MockTransport(_echoing_500))
    with pytest.raises(OutcomeUnknownError) as info:
        await provider.send_sms(SmsMessage("Bonjour", ("+33611223344",)))
    text = f"{info.value} {info.value.meaning} {info.value.original}"
    for form in (SECRET, "p%40ss+w0rd%261", "p%40ss%20w0rd%261"):
        assert form not in text
    await provider.aclose()


async def test_a_garbled_reply_becomes_a_provider_error_not_a_crash() -> None:
    def nested(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"[" * 100_000)

    settings = AccountSettings(
        "o", "octopush", "me@example.org", {"base_url": "https://oc.test/api"}
    )
    provider = create_provider(settings, SECRET, httpx.MockTransport(nested))
    with pytest.raises(ProviderError):
        await provider.balance()
    with pytest.raises(OutcomeUnknownError):
        await provider.send_sms(SmsMessage("Bonjour", ("+33611223344",)))
    await provider.aclose()


async def test_local_validation_errors_pass_through_unchanged() -> None:
    provider = create_provider(SETTINGS["capitole"], SECRET, httpx.MockTransport(_echoing_500))
    with pytest.raises(InputError):
        await provider.send_sms(SmsMessage("emoji 🙂", ("+33611223344",)))
    await provider.aclose()


async def test_a_returned_receipt_never_carries_the_secret() -> None:
    """Warnings, per-recipient errors and echoes are shown, journalled and printed in --json."""

    @guard_provider
    class Echoing:
        kind = "fake"
        _secret = SECRET

        async def send_sms(self, message: SmsMessage) -> SendReceipt:
            return SendReceipt(
                "fake",
                SendStatus.ACCEPTED,
                (
                    RecipientResult("+33611223344", SendStatus.REJECTED, error=f"bad {SECRET}"),
                    RecipientResult("+33622334455", SendStatus.ACCEPTED),
                ),
                warnings=("sender shortened", "login=user&pass=p%40ss+w0rd%261"),
                echo=f"<password>{SECRET}</password>",
            )

    receipt = await Echoing().send_sms(SmsMessage("Bonjour", ("+33611223344",)))
    texts = [*receipt.warnings, receipt.echo or "", *(r.error or "" for r in receipt.recipients)]
    assert not any(form in text for text in texts for form in (SECRET, "p%40ss+w0rd%261"))
    assert receipt.warnings[0] == "sender shortened"
    assert receipt.recipients[0].error == "bad ***" and receipt.recipients[1].error is None
