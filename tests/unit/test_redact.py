"""The provider boundary: secrets scrubbed from every error, garbled replies contained."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest

from providers.base import AccountSettings, create_provider
from providers.errors import InputError, OutcomeUnknownError, ProviderError
from providers.models import RecipientResult, SendReceipt, SendStatus, SmsMessage
from providers.redact import excerpt, guard_provider, scrub

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


# --------------------------------------------------------------------------- scrub first, then cut


def test_excerpt_scrubs_before_it_cuts() -> None:
    reply = ("x" * 295 + SECRET + " and more").encode()
    assert excerpt(reply, SECRET) == "x" * 295 + "***" + " a"
    # Cutting first would have kept "p@ss " (the head of the secret), which no scrub can find.
    assert SECRET[:5] not in excerpt(reply, SECRET)
    assert excerpt(reply, SECRET, limit=10) == "x" * 10
    assert excerpt("é" * 400, SECRET) == "é" * 300  # characters, not bytes, are counted


def test_excerpt_reads_no_more_of_a_huge_reply_than_the_cut_needs() -> None:
    class Counting(bytes):
        largest = 0

        def __getitem__(self, key: Any) -> Any:
            if isinstance(key, slice):
                Counting.largest = max(Counting.largest, len(range(*key.indices(len(self)))))
            return super().__getitem__(key)

    reply = Counting(SECRET.encode() * 200_000)  # every secret scrubbed: the window must grow
    assert excerpt(reply, SECRET) == "***" * 100
    assert Counting.largest < 4_000


def test_scrub_blanks_the_named_elements_whatever_they_hold() -> None:
    echo = "<login>u</login><password>abc</password>&lt;PASSWORD&gt;x&lt;/PASSWORD&gt;"
    assert scrub(echo, "abc", elements=("password",)) == (
        "<login>u</login><password>***</password>&lt;PASSWORD&gt;***&lt;/PASSWORD&gt;"
    )


#: A reply that cannot be read, echoing the secret across the place where the excerpt is cut.
STRADDLING = {
    # kind: (excerpt length, HTTP status of the reply)
    "ecampaign": (300, 200),
    "voicepartner": (300, 404),
    "octopush": (500, 404),
    "capitole": (500, 200),
}


@pytest.mark.parametrize("kind", sorted(STRADDLING))
async def test_a_secret_straddling_the_cut_of_a_reply_excerpt_leaves_no_part(kind: str) -> None:
    limit, status = STRADDLING[kind]
    body = ("x" * (limit - 5) + SECRET + " end of the page").encode()
    settings = {
        **SETTINGS,
        "voicepartner": AccountSettings(
            "v", "voicepartner", "", {"base_url": "https://vp.test/v1"}
        ),
    }[kind]
    transport = httpx.MockTransport(lambda _request: httpx.Response(status, content=body))
    provider = create_provider(settings, SECRET, transport)
    with pytest.raises(ProviderError) as info:
        if kind == "capitole":  # no balance call: a send's unreadable reply
            await provider.send_sms(SmsMessage("Bonjour", ("+33611223344",)))
        else:
            await provider.balance()
    await provider.aclose()
    error = info.value
    assert error.original.startswith("x" * (limit - 5))
    assert len(error.original) <= limit
    for text in (str(error), error.meaning, error.original):
        assert SECRET[:5] not in text


async def test_streams_are_guarded_step_by_step() -> None:
    @guard_provider
    class Streaming:
        kind = "demo"
        _secret = "s3cret-value"

        async def iter_rows(self, failure: BaseException) -> Any:
            yield 1
            yield 2
            raise failure

    seen: list[int] = []
    with pytest.raises(ProviderError) as garbled:
        async for row in Streaming().iter_rows(ValueError("bad number")):
            seen.append(row)
    assert seen == [1, 2]
    assert (garbled.value.code, garbled.value.retryable) == ("BAD_REPLY", True)

    refusal = ProviderError("demo", "82", "refused", "echo: s3cret-value")
    with pytest.raises(ProviderError) as refused:
        async for _ in Streaming().iter_rows(refusal):
            pass
    assert "s3cret-value" not in refused.value.original

    with pytest.raises(InputError):
        async for _ in Streaming().iter_rows(InputError("channel", "unknown")):
            pass
