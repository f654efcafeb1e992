"""eCampaign envelope: registry, login (MD5 option), form encoding, return codes, bad replies."""

from __future__ import annotations

import httpx
import pytest

from providers.base import AccountSettings, Capability, Provider, create_provider, provider_info
from providers.ecampaign import INFO, EcampaignProvider
from providers.ecampaign.codes import RETURN_CODES
from providers.errors import AuthenticationError, InputError, OutcomeUnknownError, ProviderError
from providers.models import SmsMessage
from tests.unit.test_ecampaign_support import (
    BASE,
    SECRET,
    SECRET_MD5,
    USER,
    Recorder,
    assert_post,
    make,
    reply,
)

ANNEX_CODES = {
    *range(0, 5),
    *range(11, 20),
    *range(40, 43),
    *range(21, 30),
    *range(50, 57),
    *range(60, 73),
    31,
    *range(80, 83),
}


def sms() -> SmsMessage:
    return SmsMessage(text="Bonjour", recipients=("+33612345678",))


# --------------------------------------------------------------------------- registry


def test_info_and_registry() -> None:
    assert provider_info("ecampaign") is INFO
    assert INFO.capabilities == (
        Capability.SMS
        | Capability.VOICE
        | Capability.MAIL
        | Capability.FAX
        | Capability.BALANCE
        | Capability.SCHEDULE
        | Capability.GROUPS
        | Capability.TEMPLATES
        | Capability.CDR
        | Capability.BLACKLIST
        | Capability.HLR
    )
    base_url = INFO.option("base_url")
    assert base_url is not None and base_url.default == BASE
    assert {spec.key for spec in INFO.options} == {
        "base_url",
        "route",
        "voice_route",
        "mail_route",
        "fax_route",
        "md5",
        "sender",
        "caller_id",
    }
    assert INFO.batch_size == 500


def test_create_provider_and_repr_hide_the_secret() -> None:
    settings = AccountSettings("main", "ecampaign", USER, {"route": "12"})
    provider = create_provider(settings, SECRET, httpx.MockTransport(Recorder()))
    assert isinstance(provider, EcampaignProvider)
    assert isinstance(provider, Provider)
    assert provider.kind == "ecampaign"
    assert SECRET not in repr(provider)
    assert SECRET not in repr(provider._core)
    assert SECRET not in str(vars(provider))


def test_every_annex_code_has_an_english_meaning() -> None:
    assert set(RETURN_CODES) == ANNEX_CODES
    assert all(RETURN_CODES[code] for code in ANNEX_CODES)


# --------------------------------------------------------------------------- envelope


async def test_plain_login_and_exact_body_bytes() -> None:
    recorder = Recorder(reply("<groups></groups>"))
    await make(recorder).list_groups()
    request = recorder.only
    assert request.method == "POST"
    assert str(request.url) == BASE + "/manageGroup/listGroups"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.content == (
        b"xml=%3C%3Fxml+version%3D%221.0%22+encoding%3D%22UTF-8%22%3F%3E%0A%3Cecampaign%3E"
        b"%3Clogin%3E%3Cuser%3Edemo-user%3C%2Fuser%3E%3Cpassword%3Epa55-word%3C%2Fpassword%3E"
        b"%3C%2Flogin%3E%3CmanageGroup%2F%3E%3C%2Fecampaign%3E"
    )


@pytest.mark.parametrize("flag", ["true", "TRUE", "yes", "1"])
async def test_md5_option_sends_the_hash_and_the_flag(flag: str) -> None:
    recorder = Recorder(reply("<groups/>"))
    await make(recorder, md5=flag).list_groups()
    login = f"<login><user>{USER}</user><password>{SECRET_MD5}</password><md5>true</md5></login>"
    assert_post(recorder.only, "/manageGroup/listGroups", "<manageGroup/>", login=login)
    assert SECRET.encode() not in recorder.only.content


@pytest.mark.parametrize("flag", ["false", "", "0", "no"])
async def test_md5_off_omits_the_element(flag: str) -> None:
    recorder = Recorder(reply("<groups/>"))
    await make(recorder, md5=flag).list_groups()
    assert_post(recorder.only, "/manageGroup/listGroups", "<manageGroup/>")


def test_md5_option_must_be_a_boolean() -> None:
    with pytest.raises(InputError) as caught:
        make(Recorder(), md5="maybe")
    assert caught.value.field == "md5"


async def test_credentials_are_escaped() -> None:
    recorder = Recorder(reply("<groups/>"))
    settings = AccountSettings("main", "ecampaign", "o'neil&co", {})
    provider = EcampaignProvider(settings, 'p<a>"s&s', httpx.MockTransport(recorder))
    await provider.list_groups()
    login = "<login><user>o'neil&amp;co</user><password>p&lt;a&gt;\"s&amp;s</password></login>"
    assert_post(recorder.only, "/manageGroup/listGroups", "<manageGroup/>", login=login)


async def test_base_url_option_and_trailing_slash() -> None:
    recorder = Recorder(reply("<groups/>"))
    await make(recorder, base_url="http://127.0.0.1:8123/").list_groups()
    assert str(recorder.only.url) == "http://127.0.0.1:8123/manageGroup/listGroups"


@pytest.mark.parametrize(
    "url", ["ftp://example.org", "api.ecampaign.prosoluce.fr", "http://h/?a=b"]
)
def test_bad_base_url_refused(url: str) -> None:
    with pytest.raises(InputError) as caught:
        make(Recorder(), base_url=url)
    assert caught.value.field == "base_url"


async def test_missing_login_sends_nothing() -> None:
    recorder = Recorder()
    settings = AccountSettings("main", "ecampaign", "", {"route": "12"})
    provider = EcampaignProvider(settings, SECRET, httpx.MockTransport(recorder))
    with pytest.raises(InputError) as caught:
        await provider.list_groups()
    assert caught.value.field == "login"
    with pytest.raises(InputError):
        await provider.send_sms(sms())
    assert recorder.requests == []


async def test_missing_password_sends_nothing() -> None:
    recorder = Recorder()
    with pytest.raises(InputError) as caught:
        await make(recorder, secret="").balance()
    assert caught.value.field == "password"
    assert recorder.requests == []


# --------------------------------------------------------------------------- return codes


@pytest.mark.parametrize("code", sorted(ANNEX_CODES - {0, 3}))
async def test_every_code_raises_with_meaning_and_original(code: int) -> None:
    recorder = Recorder(reply(code=code, message="Texte d'origine"))
    with pytest.raises(ProviderError) as caught:
        await make(recorder).list_groups()
    error = caught.value
    assert type(error) is ProviderError
    assert error.code == str(code)
    assert error.meaning == RETURN_CODES[code]
    assert error.original == "Texte d'origine"
    assert not error.retryable


# 19 (route and channel do not fit) names the account option to set: test_ecampaign_routes.py.
@pytest.mark.parametrize("code", sorted(ANNEX_CODES - {0, 3, 12, 19}))
async def test_every_code_refuses_a_send(code: int) -> None:
    recorder = Recorder(reply(code=code, message="refus"))
    with pytest.raises(ProviderError) as caught:
        await make(recorder).send_sms(sms())
    assert type(caught.value) is ProviderError
    assert caught.value.code == str(code)
    assert caught.value.meaning == RETURN_CODES[code]


async def test_code_3_is_an_authentication_error() -> None:
    recorder = Recorder(reply(code=3, message="Identifiants invalides"))
    with pytest.raises(AuthenticationError) as caught:
        await make(recorder).list_groups()
    assert caught.value.code == "3"
    assert caught.value.meaning == "invalid user name and/or password"
    with pytest.raises(AuthenticationError):
        await make(Recorder(reply(code=3))).send_sms(sms())


async def test_code_40_explains_both_date_forms() -> None:
    recorder = Recorder(reply(code=40, message="Date invalide"))
    with pytest.raises(ProviderError) as caught:
        await make(recorder).send_sms(sms())
    assert caught.value.code == "40"
    assert "YYYY-MM-DD HH:MM:SS" in caught.value.meaning
    assert "YYYY:MM:DD HH:MM:SS" in caught.value.meaning
    assert "Paris" in caught.value.meaning


async def test_undocumented_code() -> None:
    with pytest.raises(ProviderError) as caught:
        await make(Recorder(reply(code=99, message="?"))).list_groups()
    assert caught.value.code == "99"
    assert "undocumented" in caught.value.meaning


async def test_provider_text_echoing_the_password_is_scrubbed() -> None:
    recorder = Recorder(reply(code=3, message=f"bad password {SECRET}"))
    with pytest.raises(AuthenticationError) as caught:
        await make(recorder).list_groups()
    assert SECRET not in caught.value.original
    assert SECRET not in str(caught.value)


async def test_provider_text_echoing_the_hash_or_the_password_is_scrubbed() -> None:
    recorder = Recorder(reply(code=1, message=f"login {SECRET} / {SECRET_MD5} refused"))
    with pytest.raises(ProviderError) as caught:
        await make(recorder, md5="true").list_groups()
    assert caught.value.original == "login *** / *** refused"


# --------------------------------------------------------------------------- unusable replies

HOSTILE = [
    b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x "boom">]><ecampaign><code>0</code>'
    b"<message>&x;</message></ecampaign>",
    b'<?xml version="1.0"?><!DOCTYPE e SYSTEM "file:///etc/passwd"><ecampaign>'
    b"<code>0</code></ecampaign>",
    b'<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    b"<ecampaign><code>0</code><message>&b;</message></ecampaign>",
]
UNREADABLE = [
    b"",
    b"OK",
    b"<ecampaign><code>0</code>",
    b"<html><body>Maintenance</body></html>",
    b"<ecampaign><message>no code</message></ecampaign>",
    b"<ecampaign><code>zero</code></ecampaign>",
    b"<other><code>0</code></other>",
]


@pytest.mark.parametrize("body", HOSTILE + UNREADABLE)
async def test_unusable_reply_to_a_read_is_a_provider_error(body: bytes) -> None:
    with pytest.raises(ProviderError) as caught:
        await make(Recorder(body)).list_groups()
    assert type(caught.value) is ProviderError
    assert caught.value.code == "BAD_REPLY"
    assert "unreadable reply" in caught.value.meaning


@pytest.mark.parametrize("body", HOSTILE + UNREADABLE)
async def test_unusable_reply_to_a_send_is_an_unknown_outcome(body: bytes) -> None:
    with pytest.raises(OutcomeUnknownError) as caught:
        await make(Recorder(body)).send_sms(sms())
    assert "may have been processed" in caught.value.meaning


async def test_hostile_reply_is_named() -> None:
    with pytest.raises(ProviderError) as caught:
        await make(Recorder(HOSTILE[0])).list_groups()
    assert "DOCTYPE" in caught.value.meaning


async def test_http_5xx() -> None:
    with pytest.raises(ProviderError) as caught:
        await make(Recorder(httpx.Response(503, content=b"busy"))).list_groups()
    assert caught.value.code == "HTTP 503"
    assert caught.value.retryable
    with pytest.raises(OutcomeUnknownError):
        await make(Recorder(httpx.Response(502, content=b"bad gateway"))).send_sms(sms())


async def test_http_404_and_redirect_are_refusals_not_unknown_outcomes() -> None:
    with pytest.raises(ProviderError) as caught:
        await make(Recorder(httpx.Response(404, content=b"<html>Not found</html>"))).send_sms(sms())
    assert type(caught.value) is ProviderError
    assert caught.value.code == "HTTP 404"
    redirect = httpx.Response(301, headers={"Location": "https://elsewhere/"})
    with pytest.raises(ProviderError) as caught:
        await make(Recorder(redirect)).list_groups()
    assert caught.value.code == "HTTP 301"
    assert "base_url" in caught.value.meaning


async def test_error_code_in_a_4xx_reply_is_read() -> None:
    answer = httpx.Response(400, content=reply(code=2, message="XML invalide"))
    with pytest.raises(ProviderError) as caught:
        await make(Recorder(answer)).list_groups()
    assert caught.value.code == "2"
    assert caught.value.original == "XML invalide"


async def test_timeout_on_a_send_is_an_unknown_outcome() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    recorder = Recorder(hang)
    with pytest.raises(OutcomeUnknownError):
        await make(recorder).send_sms(sms())
    assert len(recorder.requests) == 1  # never retried


async def test_aclose() -> None:
    provider = make(Recorder())
    await provider.aclose()
    assert provider._core.client.is_closed
