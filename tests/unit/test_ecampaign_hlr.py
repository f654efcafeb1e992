"""eCampaign numberInfo/HLRlookup: the GET query and never a password in an error."""

from __future__ import annotations

import urllib.parse

import httpx
import pytest

from providers.ecampaign.hlr import HlrResult
from providers.errors import AuthenticationError, InputError, ProviderError
from tests.unit.test_ecampaign_support import BASE, SECRET, USER, Recorder, make, reply

FULL = reply(
    "<hlr><number>33612345678</number><status_code>0</status_code>"
    "<status_msg>DELIVERED</status_msg><error_code>0</error_code>"
    "<error_permanent>false</error_permanent><error_msg>No error</error_msg>"
    "<imsi>208150000000000</imsi><net_mcc>208</net_mcc><net_mnc>15</net_mnc>"
    "<ported>true</ported><net_orig>Orange</net_orig><net_orig_prefix>20801</net_orig_prefix>"
    "<net_orig_country>33</net_orig_country><net_port>Free Mobile</net_port>"
    "<net_port_prefix>20815</net_port_prefix><net_port_country>33</net_port_country></hlr>"
)


async def test_hlr_request_is_a_get_with_the_documented_query() -> None:
    recorder = Recorder(FULL)
    await make(recorder).hlr_lookup("06 12 34 56 78")
    request = recorder.only
    assert request.method == "GET"
    assert request.content == b""
    url = str(request.url)
    assert url.split("?")[0] == BASE + "/numberInfo/HLRlookup"
    assert urllib.parse.parse_qsl(request.url.query.decode(), strict_parsing=True) == [
        ("user", USER),
        ("pass", SECRET),
        ("code", "33"),
        ("number", "612345678"),
    ]


async def test_hlr_password_is_url_encoded_and_never_hashed() -> None:
    recorder = Recorder(FULL)
    await make(recorder, secret="p&ss=w rd+é", md5="true").hlr_lookup("+33612345678")
    assert recorder.only.url.query == (
        b"user=demo-user&pass=p%26ss%3Dw+rd%2B%C3%A9&code=33&number=612345678"
    )


async def test_hlr_reply() -> None:
    result = await make(Recorder(FULL)).hlr_lookup("+33612345678")
    assert result == HlrResult(
        number="+33612345678",
        status_code="0",
        status="delivered (the other details are available)",
        status_msg="DELIVERED",
        error_code="0",
        error="valid number",
        error_permanent=False,
        error_msg="No error",
        imsi="208150000000000",
        mcc="208",
        mnc="15",
        ported=True,
        original_network="Orange",
        original_prefix="20801",
        original_country="33",
        ported_network="Free Mobile",
        ported_prefix="20815",
        ported_country="33",
    )


STATUS = [
    ("0", "delivered (the other details are available)"),
    ("1", "accepted"),
    ("2", "being processed"),
    ("3", "could not be delivered"),
    ("4", "expired"),
    ("5", "rejected"),
    ("99", "unknown error"),
    ("42", "undocumented HLR status code 42"),
]
ERRORS = [
    ("0", "valid number"),
    ("1", "number not allocated"),
    ("2", "subscriber absent (out of coverage, for example) or details unavailable"),
    ("3", "roaming not allowed"),
    ("4", "restricted number"),
    ("5", "unknown permanent error"),
    ("6", "unknown temporary error"),
    ("7", "blacklisted phone"),
    ("99", "unknown error"),
    ("8", "undocumented HLR error code 8"),
]


@pytest.mark.parametrize(("code", "meaning"), STATUS)
async def test_hlr_status_codes(code: str, meaning: str) -> None:
    answer = reply(f"<hlr><number>33612345678</number><status_code>{code}</status_code></hlr>")
    result = await make(Recorder(answer)).hlr_lookup("+33612345678")
    assert (result.status_code, result.status, result.error_code, result.error) == (
        code,
        meaning,
        None,
        None,
    )


@pytest.mark.parametrize(("code", "meaning"), ERRORS)
async def test_hlr_error_codes(code: str, meaning: str) -> None:
    answer = reply(
        "<hlr><number>33612345678</number><status_code>3</status_code>"
        f"<error_code>{code}</error_code><error_permanent>true</error_permanent></hlr>"
    )
    result = await make(Recorder(answer)).hlr_lookup("+33612345678")
    assert (result.error_code, result.error, result.error_permanent) == (code, meaning, True)


def _timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout(f"timed out on {request.url}", request=request)


def _connect(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError(f"cannot reach {request.url}", request=request)


FAILURES = [
    reply(code=3, message="Identifiants invalides"),
    reply(code=1, message=f"Requête invalide pour pass={SECRET}"),
    reply(),  # no <hlr>
    b"<html>oops</html>",
    b'<!DOCTYPE x [<!ENTITY e "e">]><ecampaign/>',
    httpx.Response(500, content=b"Internal error"),
    httpx.Response(404, content=b"Not found"),
    _timeout,
    _connect,
]


@pytest.mark.parametrize("answer", FAILURES)
async def test_hlr_errors_never_show_the_password_or_url(answer: object) -> None:
    with pytest.raises(ProviderError) as caught:
        await make(Recorder(answer), secret="Tr3s-S3cret!").hlr_lookup(  # type: ignore[arg-type]
            "+33612345678"
        )
    error = caught.value
    shown = " ".join([str(error), repr(error), error.meaning, error.original, str(error.args)])
    assert "Tr3s-S3cret!" not in shown
    assert "HLRlookup" not in shown
    assert error.__cause__ is None


async def test_hlr_bad_credentials() -> None:
    with pytest.raises(AuthenticationError):
        await make(Recorder(reply(code=3))).hlr_lookup("+33612345678")


async def test_hlr_invalid_number_sends_nothing() -> None:
    recorder = Recorder()
    with pytest.raises(InputError) as caught:
        await make(recorder).hlr_lookup("12")
    assert caught.value.field == "number"
    assert recorder.requests == []
