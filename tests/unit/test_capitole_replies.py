"""CapitoleMobile client: every reply code, balances, unknown outcomes, dry runs (no network)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from providers.capitole.codes import CODES, Severity, parse_reply
from providers.errors import AuthenticationError, InputError, OutcomeUnknownError, ProviderError
from providers.models import SendReceipt, SendStatus, SmsMessage, VoiceMessage
from tests.unit.test_capitole import (
    LANDLINE,
    MOBILE,
    MOBILE_2,
    SECRET,
    SPANISH,
    TTS,
    Recorder,
    sent_xml,
)

SMS = SmsMessage("Bonjour", (MOBILE,))
SMS_3 = SmsMessage("Bonjour", (MOBILE, MOBILE_2, SPANISH), campaign_id="C1")
VMS = VoiceMessage((MOBILE,), sender=LANDLINE, tts=TTS)

SMS_CODES = {
    "SENDING_OK",
    "AUTH_FAILED",
    "NO_RECIPIENT",
    "NOT_ENOUGH_CREDITS",
    "EMPTY_MESSAGE",
    "TOO_LONG_MESSAGE",
    "_IS_BLACKLISTED",
    "_IS_INVALID",
    "TOO_LONG_SENDER",
}
VMS_CODES = {
    "SENDING_OK",
    "AUTH_FAILED",
    "NO_RECIPIENT",
    "NOT_ENOUGH_CREDITS",
    "INVALID_SENDER",
    "INVALID_VOICE_MSG",
    "VOICE_MSG_NOT_RECORDED",
    "INVALID_RECIPIENT",
    "_IS_BLACKLISTED",
}


def test_every_documented_code_is_known() -> None:
    assert set(CODES) == SMS_CODES | VMS_CODES


async def send(reply: str | httpx.Response, message: SmsMessage = SMS) -> SendReceipt:
    recorder = Recorder(reply if isinstance(reply, str) else (lambda _request: reply))
    return await recorder.provider().send_sms(message)


# --------------------------------------------------------------------------- success


@pytest.mark.parametrize(
    ("reply", "balance"),
    [
        ("SENDING_OK;9542", Decimal(9542)),
        ("SENDING_OK;9542.50\n", Decimal("9542.50")),
        ("SENDING_OK;9542,5", Decimal("9542.5")),
        ("sending_ok ; 12", Decimal(12)),
        ("SENDING_OK", None),
    ],
)
async def test_sending_ok(reply: str, balance: Decimal | None) -> None:
    recorder = Recorder(reply)
    provider = recorder.provider()
    receipt = await provider.send_sms(SMS_3)
    assert receipt.status is SendStatus.ACCEPTED
    assert receipt.balance == balance
    assert receipt.reference == "C1"
    assert receipt.warnings == ()
    assert [(r.number, r.status) for r in receipt.recipients] == [
        (MOBILE, SendStatus.ACCEPTED),
        (MOBILE_2, SendStatus.ACCEPTED),
        (SPANISH, SendStatus.ACCEPTED),
    ]
    if balance is None:
        assert provider.last_balance is None
    else:
        assert provider.last_balance is not None
        assert provider.last_balance.amount == balance
        assert provider.last_balance.as_of.tzinfo is not None


@pytest.mark.parametrize("reply", ["TOO_LONG_SENDER;9541", "TOO_LONG_SENDER\nSENDING_OK;9541"])
async def test_too_long_sender_is_a_warning(reply: str) -> None:
    receipt = await send(reply)
    assert receipt.status is SendStatus.ACCEPTED
    assert receipt.balance == Decimal(9541)
    (warning,) = receipt.warnings
    assert warning.startswith("TOO_LONG_SENDER: ") and "short code" in warning


@pytest.mark.parametrize(
    "reply",
    [
        "0622334455_IS_BLACKLISTED\n34622334455_IS_INVALID\nSENDING_OK;9540",
        "0622334455_IS_BLACKLISTED;34622334455_IS_INVALID;SENDING_OK;9540",
        "33622334455_IS_BLACKLISTED +34622334455_IS_INVALID SENDING_OK;9540",
    ],
)
async def test_per_number_codes_reject_those_recipients(reply: str) -> None:
    receipt = await send(reply, SMS_3)
    assert receipt.status is SendStatus.ACCEPTED
    assert receipt.balance == Decimal(9540)
    by_number = {r.number: r for r in receipt.recipients}
    assert by_number[MOBILE].status is SendStatus.ACCEPTED
    assert by_number[MOBILE_2].status is SendStatus.REJECTED
    assert by_number[MOBILE_2].error is not None and "blacklist" in by_number[MOBILE_2].error
    assert by_number[SPANISH].status is SendStatus.REJECTED
    assert by_number[SPANISH].error == "IS_INVALID: the number is invalid"
    assert receipt.warnings == ()


async def test_bare_per_number_code_with_one_recipient_is_that_recipient() -> None:
    receipt = await send("_IS_INVALID\nSENDING_OK;10")
    assert receipt.status is SendStatus.REJECTED
    assert receipt.recipients[0].status is SendStatus.REJECTED


async def test_bare_per_number_code_with_several_recipients_is_a_warning() -> None:
    receipt = await send("_IS_BLACKLISTED\nSENDING_OK;10", SMS_3)
    assert receipt.status is SendStatus.ACCEPTED
    assert all(r.status is SendStatus.ACCEPTED for r in receipt.recipients)
    assert receipt.warnings == (
        "_IS_BLACKLISTED: the number is on the account's blacklist (it answered STOP); "
        "the provider did not say which",
    )


async def test_extra_parts_beside_sending_ok_become_warnings() -> None:
    receipt = await send("0699999999_IS_INVALID\nINVALID_RECIPIENT\nSENDING_OK;5 hmm")
    assert receipt.status is SendStatus.ACCEPTED
    assert receipt.warnings == (
        "INVALID_RECIPIENT: a recipient number is invalid",
        "0699999999_IS_INVALID: the number is invalid (not in this request)",
        "unrecognised part of the reply: 'hmm'",
    )


# --------------------------------------------------------------------------- refusals

ERROR_CODES = sorted(c for c, info in CODES.items() if info.severity is Severity.ERROR)


@pytest.mark.parametrize("code", ERROR_CODES)
async def test_every_error_code_raises_with_its_meaning_and_balance(code: str) -> None:
    with pytest.raises(ProviderError) as caught:
        await send(f"{code};321")
    error = caught.value
    assert error.code == code
    assert error.meaning == CODES[code].meaning
    assert error.original == f"{code};321"
    assert error.balance == "321"
    assert not error.retryable
    assert isinstance(error, AuthenticationError) == (code == "AUTH_FAILED")
    assert SECRET not in str(error)


async def test_error_code_without_balance() -> None:
    recorder = Recorder("AUTH_FAILED")
    provider = recorder.provider()
    with pytest.raises(AuthenticationError) as caught:
        await provider.send_sms(SMS)
    assert caught.value.balance is None
    assert provider.last_balance is None


async def test_error_balance_updates_last_balance() -> None:
    recorder = Recorder("NOT_ENOUGH_CREDITS;3")
    provider = recorder.provider()
    with pytest.raises(ProviderError):
        await provider.send_sms(SMS)
    assert provider.last_balance is not None and provider.last_balance.amount == Decimal(3)


async def test_voice_error_codes_from_the_voice_url() -> None:
    recorder = Recorder("INVALID_VOICE_MSG;80")
    with pytest.raises(ProviderError) as caught:
        await recorder.provider().send_voice(VMS)
    assert caught.value.code == "INVALID_VOICE_MSG"
    assert "recorded message" in caught.value.meaning


@pytest.mark.parametrize("reply", ["0611223344_IS_BLACKLISTED;50", "_IS_BLACKLISTED;50"])
async def test_every_recipient_refused_is_a_provider_error(reply: str) -> None:
    with pytest.raises(ProviderError) as caught:
        await send(reply)
    assert caught.value.code == "_IS_BLACKLISTED"
    assert "06 11 22 33 44" in caught.value.meaning
    assert caught.value.balance == "50"
    assert not isinstance(caught.value, OutcomeUnknownError)


async def test_refused_numbers_without_confirmation_leave_the_outcome_unknown() -> None:
    with pytest.raises(OutcomeUnknownError) as caught:
        await send("0611223344_IS_INVALID;50", SMS_3)
    assert "without confirming" in caught.value.meaning


async def test_error_code_lists_the_refused_numbers_too() -> None:
    with pytest.raises(ProviderError) as caught:
        await send("0611223344_IS_INVALID\nNOT_ENOUGH_CREDITS;2", SMS_3)
    assert caught.value.code == "NOT_ENOUGH_CREDITS"
    assert "06 11 22 33 44: IS_INVALID" in caught.value.meaning


# --------------------------------------------------------------------------- unknown outcomes


@pytest.mark.parametrize("reply", ["", "   \n", "<html><body>Maintenance</body></html>", "9542"])
async def test_unreadable_reply_to_a_send_is_an_unknown_outcome(reply: str) -> None:
    with pytest.raises(OutcomeUnknownError) as caught:
        await send(reply)
    assert caught.value.code == "UNKNOWN"
    assert caught.value.original == reply
    assert not caught.value.retryable


async def test_timeout_after_sending_is_an_unknown_outcome() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    recorder = Recorder(hang)
    with pytest.raises(OutcomeUnknownError) as caught:
        await recorder.provider().send_sms(SMS)
    assert len(recorder.requests) == 1  # never retried
    assert SECRET not in str(caught.value)


async def test_server_error_is_an_unknown_outcome() -> None:
    with pytest.raises(OutcomeUnknownError):
        await send(httpx.Response(502, text="Bad gateway"))


async def test_connection_refused_is_retried_then_reported_as_not_sent() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    recorder = Recorder(refuse)
    with pytest.raises(ProviderError) as caught:
        await recorder.provider().send_sms(SMS)
    assert caught.value.code == "CONNECTION_FAILED" and caught.value.retryable
    assert len(recorder.requests) == 3


@pytest.mark.parametrize("status", [301, 403, 404])
async def test_redirects_and_client_errors_mean_nothing_was_sent(status: int) -> None:
    with pytest.raises(ProviderError) as caught:
        await send(httpx.Response(status, text="<html>Not here</html>"))
    assert caught.value.code == f"HTTP {status}"
    assert not isinstance(caught.value, OutcomeUnknownError)


async def test_a_code_wins_over_the_http_status() -> None:
    with pytest.raises(AuthenticationError):
        await send(httpx.Response(401, text="AUTH_FAILED"))


# --------------------------------------------------------------------------- balance


async def test_balance_is_unsupported_but_remembers_the_last_one() -> None:
    recorder = Recorder("SENDING_OK;9542")
    provider = recorder.provider()
    with pytest.raises(ProviderError) as caught:
        await provider.balance()
    assert caught.value.code == "UNSUPPORTED" and caught.value.balance is None
    await provider.send_sms(SMS)
    with pytest.raises(ProviderError) as caught:
        await provider.balance()
    assert caught.value.balance == "9542"
    assert "last seen: 9542" in caught.value.meaning
    assert len(recorder.requests) == 1  # balance() itself never calls out
    assert provider.last_balance is not None
    assert (datetime.now(UTC) - provider.last_balance.as_of).total_seconds() < 60


def test_parse_reply_keeps_the_last_balance_and_the_unknown_parts() -> None:
    reply = parse_reply("0611223344_IS_INVALID;12\nSENDING_OK;11\r\n")
    assert reply.codes == ("SENDING_OK",)
    assert [(n.code, n.number) for n in reply.numbers] == [("_IS_INVALID", "0611223344")]
    assert reply.balance == Decimal(11)
    assert reply.clean and reply.sent
    garbage = parse_reply("Fatal error: x")
    assert garbage.unknown == ("Fatal", "error:", "x") and not garbage.clean


# --------------------------------------------------------------------------- dry runs


def echo_of(request: httpx.Request, *, mangle: bool = False) -> httpx.Response:
    """What the test URL answers: the IP, then the XML field as received."""
    xml = sent_xml(request)
    if mangle:  # a server reading the bytes as UTF-8 (with replacement)
        xml = xml.decode("utf-8", errors="replace").encode("iso-8859-15", errors="replace")
    return httpx.Response(
        200,
        content=b"IP: 203.0.113.7\n" + xml,
        headers={"Content-Type": "text/plain; charset=ISO-8859-15"},
    )


async def test_sms_dry_run_posts_the_same_body_to_xml_test() -> None:
    recorder = Recorder(echo_of)
    provider = recorder.provider()
    message = SmsMessage("Prix 5 € & œuvre", (MOBILE, MOBILE_2), campaign_id="C1")
    receipt = await provider.send_sms(message, dry_run=True)
    live = Recorder()
    await live.provider().send_sms(message)
    (request,) = recorder.requests
    assert str(request.url) == "https://sms.capitolemobile.com/api/sendsms/xml_test"
    assert request.content == live.requests[0].content
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert receipt.status is SendStatus.DRY_RUN
    assert [r.status for r in receipt.recipients] == [SendStatus.DRY_RUN] * 2
    assert receipt.reference == "C1"
    assert receipt.warnings == ()
    assert receipt.echo is not None
    assert receipt.echo.startswith("IP: 203.0.113.7\n<?xml")
    assert "<text>Prix 5 € &amp; œuvre</text>" in receipt.echo
    assert "<password>***</password>" in receipt.echo
    assert SECRET not in repr(receipt) and "s3cr&amp;t" not in repr(receipt)


async def test_dry_run_warns_when_the_echo_differs() -> None:
    recorder = Recorder(lambda request: echo_of(request, mangle=True))
    receipt = await recorder.provider().send_sms(SmsMessage("Café", (MOBILE,)), dry_run=True)
    assert receipt.status is SendStatus.DRY_RUN
    (warning,) = receipt.warnings
    assert warning.startswith("the provider received <text> as 'Caf") and "encoding" in warning


@pytest.mark.parametrize(
    ("echo", "expected"),
    [
        ("IP: 1.2.3.4", "no readable XML"),
        ("IP: 1.2.3.4\n<SMS><message></SMS>", "malformed"),
        ("IP: 1.2.3.4\n<SMS><message><text>Bonjour</text></message></SMS>", "structure"),
    ],
)
async def test_dry_run_warns_when_the_echo_is_unreadable(echo: str, expected: str) -> None:
    receipt = await Recorder(echo).provider().send_sms(SMS, dry_run=True)
    assert receipt.status is SendStatus.DRY_RUN
    assert expected in receipt.warnings[0]


async def test_dry_run_echo_never_keeps_the_password_in_any_form() -> None:
    secret = "Tr0ub4dor&3"
    echo = (
        "IP: 1.2.3.4\n&lt;password&gt;Tr0ub4dor&amp;amp;3&lt;/password&gt; raw Tr0ub4dor&3 "
        "encoded Tr0ub4dor%263 escaped Tr0ub4dor&amp;3"
    )
    receipt = await Recorder(echo).provider(secret=secret).send_sms(SMS, dry_run=True)
    assert receipt.echo is not None
    assert "Tr0ub4dor" not in receipt.echo
    assert "&lt;password&gt;***&lt;/password&gt;" in receipt.echo


async def test_voice_dry_run_goes_to_the_inferred_voice_test_url() -> None:
    recorder = Recorder(echo_of)
    receipt = await recorder.provider().send_voice(VMS, dry_run=True)
    assert str(recorder.requests[0].url) == "https://vocal.capitolemobile.com/api/sendvms/xml_test"
    assert receipt.status is SendStatus.DRY_RUN and receipt.warnings == ()


async def test_dry_run_test_urls_are_options() -> None:
    recorder = Recorder(echo_of)
    provider = recorder.provider(
        sms_url="http://127.0.0.1:9/s", sms_test_url="http://127.0.0.1:9/t", vms_url="http://x/v"
    )
    await provider.send_sms(SMS, dry_run=True)
    await provider.send_voice(VMS, dry_run=True)
    assert [str(r.url) for r in recorder.requests] == ["http://127.0.0.1:9/t", "http://x/v_test"]


async def test_a_test_url_equal_to_the_sending_url_is_refused() -> None:
    recorder = Recorder()
    provider = recorder.provider(
        sms_url="http://127.0.0.1:9/s", sms_test_url="http://127.0.0.1:9/s"
    )
    with pytest.raises(InputError) as caught:
        await provider.send_sms(SMS, dry_run=True)
    assert caught.value.field == "sms_test_url"
    assert recorder.requests == []


async def test_dry_run_that_answers_an_error_code_raises() -> None:
    with pytest.raises(AuthenticationError):
        await Recorder("AUTH_FAILED").provider().send_sms(SMS, dry_run=True)


async def test_dry_run_that_answers_sending_ok_says_it_may_have_sent() -> None:
    receipt = await Recorder("SENDING_OK;10").provider().send_sms(SMS, dry_run=True)
    assert receipt.status is SendStatus.ACCEPTED
    assert "may have been sent" in receipt.warnings[0]


async def test_dry_run_timeout_is_not_an_unknown_outcome() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(ProviderError) as caught:
        await Recorder(hang).provider().send_sms(SMS, dry_run=True)
    assert not isinstance(caught.value, OutcomeUnknownError)
    assert caught.value.retryable
