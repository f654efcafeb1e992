"""Octopush (historic API): every documented reply and code, in JSON and XML."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from providers.base import AccountSettings
from providers.errors import AuthenticationError, OutcomeUnknownError, ProviderError
from providers.models import SendStatus, SmsMessage
from providers.octopush.codes import MEANINGS, RETRYABLE, ReplyUnreadable, parse_json, parse_xml
from providers.octopush.provider import OctopushProvider

LOGIN = "ops@example.fr"
SECRET = "s3cr3t-KEY"

# The spec's JSON sample with its typographic quotes straightened (nothing else changed).
SPEC_JSON = (
    b'{"error_code":"000","cost":0.055,"balance":6.93,"ticket":"api110000000021",'
    b'"sending_date":1501503703,"number_of_sendings":1,"currency_code":"\\u20ac",'
    b'"failures":[],"successs":{"recipient":33601010101,"country_code":"FR","cost":0.550,'
    b'"sms_needed":1}}'
)
# The spec's XML sample made well-formed (its "< success>" tags carry stray spaces), with the
# <failures> list of the provider's XML return-codes page.
SPEC_XML = """<?xml version="1.0" encoding="UTF-8"?>
<octopush>
<error_code>000</error_code>
<cost>0.55</cost>
<balance>6.93</balance>
<ticket>api110000000021</ticket>
<sending_date>1455975613</sending_date>
<number_of_sendings>1</number_of_sendings>
<currency_code>€</currency_code>
<successs>
<success>
<recipient>+33601010101</recipient>
<country_code>FR</country_code>
<cost>0.055</cost>
</success>
</successs>
<failures>
<failure>
<error_code>150</error_code>
<recipient>+33611223344</recipient>
</failure>
</failures>
</octopush>""".encode()


def provider_answering(
    body: bytes, reply_format: str = "json", status: int = 200
) -> OctopushProvider:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body)

    settings = AccountSettings("main", "octopush", LOGIN, {"reply_format": reply_format})
    return OctopushProvider(settings, SECRET, httpx.MockTransport(answer))


def message(*recipients: str) -> SmsMessage:
    return SmsMessage(text="Bonjour", recipients=recipients or ("+33601010101",))


def error_reply(code: str, reply_format: str) -> bytes:
    if reply_format == "json":
        return f'{{"error_code":"{code}"}}'.encode()
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        f"<octopush><error_code>{code}</error_code></octopush>"
    ).encode()


# --------------------------------------------------------------------------- success replies


async def test_spec_json_sample_becomes_a_receipt() -> None:
    receipt = await provider_answering(SPEC_JSON).send_sms(message())
    assert receipt.status is SendStatus.ACCEPTED
    assert receipt.reference == "api110000000021"
    assert receipt.cost == Decimal("0.055")
    assert receipt.balance == Decimal("6.93")
    assert receipt.currency == "EUR"
    [result] = receipt.recipients
    assert result.number == "+33601010101"  # the bare 33601010101 of the reply
    assert result.status is SendStatus.ACCEPTED
    assert result.cost == Decimal("0.550")


async def test_spec_xml_sample_with_a_failure() -> None:
    provider = provider_answering(SPEC_XML, "xml")
    receipt = await provider.send_sms(message("+33601010101", "+33611223344"))
    assert receipt.status is SendStatus.ACCEPTED
    assert receipt.reference == "api110000000021"
    assert (receipt.cost, receipt.balance, receipt.currency) == (
        Decimal("0.55"),
        Decimal("6.93"),
        "EUR",
    )
    accepted, rejected = receipt.recipients
    assert (accepted.number, accepted.status, accepted.cost) == (
        "+33601010101",
        SendStatus.ACCEPTED,
        Decimal("0.055"),
    )
    assert (rejected.number, rejected.status) == ("+33611223344", SendStatus.REJECTED)
    assert rejected.error == "150: no country matches this number's prefix"


def test_xml_fields_are_all_read() -> None:
    reply = parse_xml(SPEC_XML)
    assert reply.ok
    assert reply.sending_date == 1455975613
    assert reply.number_of_sendings == 1
    assert reply.currency_code == "€"
    assert [s.country_code for s in reply.successes] == ["FR"]
    assert [(f.recipient, f.error_code) for f in reply.failures] == [("+33611223344", "150")]


@pytest.mark.parametrize("container", ["successs", "successes"])
def test_xml_success_list_spellings(container: str) -> None:
    body = (
        f"<octopush><error_code>000</error_code><{container}><success>"
        "<recipient>0033601010101</recipient><sms_needed>2</sms_needed></success>"
        f"</{container}></octopush>"
    ).encode()
    [success] = parse_xml(body).successes
    assert (success.recipient, success.sms_needed) == ("+33601010101", 2)


def test_xml_unwrapped_success() -> None:
    body = (
        b"<octopush><error_code>000</error_code>"
        b"<success><recipient>+33601010101</recipient></success></octopush>"
    )
    assert [s.recipient for s in parse_xml(body).successes] == ["+33601010101"]


def test_json_variants() -> None:
    reply = parse_json(
        b'{"error_code":0,"successes":[{"recipient":"+33601010101","cost":"0.055"}],'
        b'"failures":{"failure":[{"recipient":"33611223344","error_code":151}]}}'
    )
    assert reply.error_code == "000"
    assert [(s.recipient, s.cost) for s in reply.successes] == [("+33601010101", Decimal("0.055"))]
    assert [(f.recipient, f.error_code) for f in reply.failures] == [("+33611223344", "151")]
    assert parse_json(b'\xef\xbb\xbf{"error_code":"101"}').error_code == "101"


async def test_every_recipient_failing_rejects_the_send() -> None:
    body = b'{"error_code":"000","failures":[{"recipient":"+33601010101","error_code":"152"}]}'
    receipt = await provider_answering(body).send_sms(message())
    assert receipt.status is SendStatus.REJECTED
    assert receipt.recipients[0].error == (
        "152: low-cost SMS cannot be sent to this country; use premium SMS"
    )


async def test_unknown_failure_numbers_are_shown_not_hidden() -> None:
    # The reply lists a number we did not send and not ours: ours is not confirmed.
    body = b'{"error_code":"000","failures":[{"recipient":"+334","error_code":"150"}]}'
    receipt = await provider_answering(body).send_sms(message())
    assert [(r.number, r.status) for r in receipt.recipients] == [
        ("+33601010101", SendStatus.UNKNOWN),
        ("+334", SendStatus.REJECTED),
    ]


async def test_a_failure_written_nationally_is_matched_to_its_recipient() -> None:
    body = b'{"error_code":"000","failures":[{"recipient":"0601010101","error_code":"150"}]}'
    receipt = await provider_answering(body).send_sms(message())
    assert [(r.number, r.status) for r in receipt.recipients] == [
        ("+33601010101", SendStatus.REJECTED)
    ]


async def test_simulation_reply_is_a_dry_run() -> None:
    receipt = await provider_answering(SPEC_JSON).send_sms(message(), dry_run=True)
    assert receipt.status is SendStatus.DRY_RUN
    assert receipt.cost == Decimal("0.055")
    assert [r.status for r in receipt.recipients] == [SendStatus.DRY_RUN]


# --------------------------------------------------------------------------- balance


@pytest.mark.parametrize(
    ("body", "reply_format"),
    [
        (b'{"error_code":"000","balance":{"FR":"1251.80","XXX":"1829.40"}}', "json"),
        (
            b'<?xml version="1.0" encoding="UTF-8"?><octopush><error_code>000</error_code>'
            b'<balance type="FR">1251.80</balance><balance type="XXX">1829.40</balance>'
            b"</octopush>",
            "xml",
        ),
    ],
)
async def test_balance_lines_per_type(body: bytes, reply_format: str) -> None:
    balance = await provider_answering(body, reply_format).balance()
    assert [(line.route_id, line.amount, line.unit) for line in balance.lines] == [
        ("FR", Decimal("1251.80"), "SMS"),
        ("XXX", Decimal("1829.40"), "SMS"),
    ]
    assert balance.lines[0].label == "Premium SMS, France (FR)"


async def test_balance_refusals_and_empty_replies() -> None:
    with pytest.raises(AuthenticationError):
        await provider_answering(b'{"error_code":"101"}').balance()
    with pytest.raises(ProviderError) as caught:
        await provider_answering(b'{"error_code":"000"}').balance()
    assert caught.value.code == "BAD_REPLY"


# --------------------------------------------------------------------------- error codes


def test_every_documented_code_has_an_english_meaning() -> None:
    documented = {
        "000",
        *(str(code) for code in range(100, 134)),
        *(str(code) for code in range(150, 154)),
        *(str(code) for code in range(201, 211)),
        *(str(code) for code in range(300, 309)),
        "500",
        "501",
    }
    assert documented <= set(MEANINGS)
    assert all(MEANINGS[code] for code in documented)


ERROR_CODES = sorted(set(MEANINGS) - {"000"})


@pytest.mark.parametrize("reply_format", ["json", "xml"])
@pytest.mark.parametrize("code", ERROR_CODES)
async def test_each_error_code_raises_with_its_meaning(code: str, reply_format: str) -> None:
    provider = provider_answering(error_reply(code, reply_format), reply_format)
    with pytest.raises(ProviderError) as caught:
        await provider.send_sms(message())
    error = caught.value
    assert not isinstance(error, OutcomeUnknownError)
    assert (error.provider, error.code, error.meaning) == ("octopush", code, MEANINGS[code])
    assert isinstance(error, AuthenticationError) is (code in {"101", "108", "109"})
    assert error.retryable is (code in RETRYABLE)
    assert error.original == error_reply(code, reply_format).decode()


def test_congested_route_is_retryable_and_auth_is_not() -> None:
    assert "153" in RETRYABLE
    assert "101" not in RETRYABLE and "120" not in RETRYABLE


async def test_duplicate_request_id_says_nothing_was_sent_again() -> None:
    with pytest.raises(ProviderError) as caught:
        await provider_answering(b'{"error_code":"120"}').send_sms(message())
    assert caught.value.code == "120"
    assert "did NOT send it again" in str(caught.value)


async def test_undocumented_code_and_balance_on_error() -> None:
    with pytest.raises(ProviderError) as caught:
        await provider_answering(b'{"error_code":"999","balance":1.5}').send_sms(message())
    assert caught.value.meaning == "undocumented Octopush code 999"
    assert caught.value.balance == "1.5"


# --------------------------------------------------------------------------- unreadable replies


UNREADABLE = [
    b"",
    b"<html><body>Maintenance</body></html>",
    b'{"cost":0.05}',
    b'{"error_code":"OK"}',
    b"[1, 2]",
]


@pytest.mark.parametrize("body", UNREADABLE)
async def test_unreadable_send_reply_is_an_unknown_outcome(body: bytes) -> None:
    with pytest.raises(OutcomeUnknownError) as caught:
        await provider_answering(body).send_sms(message())
    assert "may have been sent" in caught.value.meaning


@pytest.mark.parametrize("body", [b"<octopus><error_code>000</error_code></octopus>", b"<a"])
async def test_unreadable_xml_send_reply_is_an_unknown_outcome(body: bytes) -> None:
    with pytest.raises(OutcomeUnknownError):
        await provider_answering(body, "xml").send_sms(message())


async def test_unreadable_simulation_or_balance_reply_is_a_plain_error() -> None:
    for call in (
        provider_answering(b"oops").send_sms(message(), dry_run=True),
        provider_answering(b"oops").balance(),
    ):
        with pytest.raises(ProviderError) as caught:
            await call
        assert not isinstance(caught.value, OutcomeUnknownError)
        assert caught.value.code == "BAD_REPLY"


def test_parse_errors_are_reply_unreadable() -> None:
    with pytest.raises(ReplyUnreadable):
        parse_json(b"\xff\xfe")
    with pytest.raises(ReplyUnreadable):
        parse_xml(b'<!DOCTYPE x [<!ENTITY a "b">]><octopush/>')


async def test_server_error_during_send_is_an_unknown_outcome() -> None:
    with pytest.raises(OutcomeUnknownError):
        await provider_answering(b"Internal error", status=502).send_sms(message())


async def test_client_error_means_nothing_was_sent() -> None:
    with pytest.raises(ProviderError) as caught:
        await provider_answering(b"Not found", status=404).send_sms(message())
    assert not isinstance(caught.value, OutcomeUnknownError)
    assert caught.value.code == "HTTP 404"


def timing_out(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


async def test_timeout_after_sending_is_an_unknown_outcome() -> None:
    settings = AccountSettings("main", "octopush", LOGIN)
    provider = OctopushProvider(settings, SECRET, httpx.MockTransport(timing_out))
    with pytest.raises(OutcomeUnknownError) as caught:
        await provider.send_sms(message())
    assert caught.value.retryable is False
    with pytest.raises(ProviderError) as balance_error:
        await provider.balance()
    assert balance_error.value.code == "NO_ANSWER"


# --------------------------------------------------------------------------- secrets


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"error_code":"101","debug":"api_key=s3cr3t-KEY"}', 200),
        (b"<html>api_key=s3cr3t-KEY</html>", 200),
        (b"bad key s3cr3t-KEY", 404),
    ],
)
async def test_secret_never_reaches_error_texts(body: bytes, status: int) -> None:
    with pytest.raises(ProviderError) as caught:
        await provider_answering(body, status=status).send_sms(message())
    error = caught.value
    for text in (str(error), error.meaning, error.original, repr(error)):
        assert SECRET not in text
    assert "***" in error.original
