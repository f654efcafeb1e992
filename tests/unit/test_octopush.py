"""Octopush (historic API): the exact requests, local validation and sending_date."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from providers.base import AccountSettings, Capability, create_provider, provider_info
from providers.errors import InputError
from providers.models import GroupTarget, Route, SendStatus, SmsMessage, VoiceMessage
from providers.octopush import rules as octopush_rules
from providers.octopush.provider import OctopushProvider, from_sending_timestamp, sending_timestamp

PARIS = ZoneInfo("Europe/Paris")
LOGIN = "ops@example.fr"
SECRET = "s3cr3t-KEY"
FORM = "application/x-www-form-urlencoded"
OK_JSON = (
    b'{"error_code":"000","cost":0.07,"balance":6.93,"ticket":"api110000000021",'
    b'"sending_date":1768046400,"number_of_sendings":2,"currency_code":"\\u20ac",'
    b'"failures":[],"successs":[]}'
)
FAKE_NOW = datetime(2026, 1, 1, tzinfo=UTC)


class Recorder:
    """A MockTransport handler that records requests and answers ``body``."""

    def __init__(self, body: bytes = OK_JSON, status: int = 200) -> None:
        self.body = body
        self.status = status
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status, content=self.body)

    @property
    def only(self) -> httpx.Request:
        assert len(self.requests) == 1
        return self.requests[0]


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(octopush_rules, "now", lambda: FAKE_NOW)


def make(recorder: Recorder, **options: str) -> OctopushProvider:
    settings = AccountSettings("main", "octopush", LOGIN, options)
    return OctopushProvider(settings, SECRET, httpx.MockTransport(recorder))


def sms(text: str = "Bonjour", *recipients: str, **fields: Any) -> SmsMessage:
    return SmsMessage(text=text, recipients=recipients or ("+33611223344",), **fields)


# --------------------------------------------------------------------------- exact requests


async def test_send_posts_exact_utf8_form_body() -> None:
    recorder = Recorder()
    provider = make(recorder)
    message = sms("Réunion à 10h, coût 5 € + TVA", "+33611223344", "+33622334455")
    receipt = await provider.send_sms(message)
    request = recorder.only
    assert request.method == "POST"
    assert str(request.url) == "https://www.octopush-dm.com/api/sms/json"
    assert request.headers["Content-Type"] == FORM
    assert request.content == (
        b"user_login=ops%40example.fr&api_key=s3cr3t-KEY"
        b"&sms_recipients=%2B33611223344%2C%2B33622334455"
        b"&sms_text=R%C3%A9union+%C3%A0+10h%2C+co%C3%BBt+5+%E2%82%AC+%2B+TVA"
        b"&sms_type=XXX&sms_mode=1"
    )
    assert receipt.status is SendStatus.ACCEPTED
    assert receipt.reference == "api110000000021"
    await provider.aclose()


async def test_xml_reply_format_uses_the_bare_endpoint() -> None:
    recorder = Recorder(b"<octopush><error_code>000</error_code><ticket>t1</ticket></octopush>")
    provider = make(recorder, reply_format="xml", base_url="http://127.0.0.1:9/api/")
    receipt = await provider.send_sms(sms())
    assert str(recorder.only.url) == "http://127.0.0.1:9/api/sms"
    assert receipt.reference == "t1"


async def test_premium_send_carries_sender_request_id_and_simulation() -> None:
    recorder = Recorder()
    provider = make(recorder, sms_type="FR")
    message = sms("Promo -20% STOP au XXXXX", sender="Boutique1", request_id="out42b1")
    receipt = await provider.send_sms(message, dry_run=True)
    assert recorder.only.content == (
        b"user_login=ops%40example.fr&api_key=s3cr3t-KEY&sms_recipients=%2B33611223344"
        b"&sms_text=Promo+-20%25+STOP+au+XXXXX&sms_type=FR&sms_sender=Boutique1&sms_mode=1"
        b"&request_id=out42b1&request_mode=simu"
    )
    assert receipt.status is SendStatus.DRY_RUN
    assert all(r.status is SendStatus.DRY_RUN for r in receipt.recipients)


async def test_account_default_sender_is_used_for_world_sms_only() -> None:
    recorder = Recorder()
    await make(recorder, sms_type="WWW", sender="Acme").send_sms(sms())
    assert b"&sms_type=WWW&sms_sender=Acme&sms_mode=1" in recorder.only.content
    low_cost = Recorder()
    await make(low_cost, sender="Acme").send_sms(sms())
    assert b"sms_sender" not in low_cost.only.content


async def test_balance_posts_credentials_only() -> None:
    recorder = Recorder(b'{"error_code":"000","balance":{"FR":"1251.80","XXX":"1829.40"}}')
    balance = await make(recorder).balance()
    request = recorder.only
    assert str(request.url) == "https://www.octopush-dm.com/api/balance/json"
    assert request.headers["Content-Type"] == FORM
    assert request.content == b"user_login=ops%40example.fr&api_key=s3cr3t-KEY"
    assert balance.provider == "octopush"
    assert balance.as_of == FAKE_NOW


# --------------------------------------------------------------------------- route and type


@pytest.mark.parametrize(
    ("option", "route", "expected"),
    [
        ({}, Route.NOTIFICATION, b"sms_type=XXX"),
        ({}, Route.MARKETING, b"sms_type=FR"),
        ({"sms_type": "xxx"}, Route.MARKETING, b"sms_type=XXX"),  # the account option wins
        ({"sms_type": "WWW"}, Route.NOTIFICATION, b"sms_type=WWW"),
    ],
)
async def test_route_maps_to_sms_type_unless_the_account_sets_it(
    option: dict[str, str], route: Route, expected: bytes
) -> None:
    recorder = Recorder()
    await make(recorder, **option).send_sms(sms("Soldes STOP au XXXXX", route=route))
    assert expected in recorder.only.content


async def test_marketing_without_stop_mention_is_refused_locally() -> None:
    recorder = Recorder()
    with pytest.raises(InputError) as caught:
        await make(recorder).send_sms(sms("Soldes ce week-end", route=Route.MARKETING))
    assert caught.value.field == "text"
    assert "STOP au XXXXX" in caught.value.message and "121" in caught.value.message
    assert recorder.requests == []


def test_has_stop_mention() -> None:
    assert octopush_rules.has_stop_mention("Soldes -50% STOP au XXXXX")
    assert octopush_rules.has_stop_mention("Soldes STOP au 36180 merci")
    assert not octopush_rules.has_stop_mention("Soldes stop au XXXXX")
    assert not octopush_rules.has_stop_mention("Soldes STOP au 3618")
    assert not octopush_rules.has_stop_mention("Soldes STOP au 361800")
    assert not octopush_rules.has_stop_mention("Soldes STOP")


def test_stop_mention_with_the_real_short_code_is_accepted() -> None:
    make(Recorder(), sms_type="FR").validate_sms(sms("Soldes STOP au 36105"))


# --------------------------------------------------------------------------- validation


def invalid(provider: OctopushProvider, message: SmsMessage) -> InputError:
    with pytest.raises(InputError) as caught:
        provider.validate_sms(message)
    return caught.value


@pytest.mark.parametrize(
    ("message", "field", "words"),
    [
        (sms(campaign_id="C1"), "campaign_id", "has no campaign id"),
        (sms(template_id="7"), "template_id", "eCampaign"),
        (sms(group=GroupTarget("3")), "group", "eCampaign"),
        (sms(caller_id="0611223344"), "caller_id", "eCampaign"),
        (sms("x" * 460), "text", "459"),
        (sms("   "), "text", "empty"),
        (SmsMessage(text="Bonjour"), "recipient", "no recipient"),
        (sms("Bonjour", "0611223344"), "recipient", "E.164"),
        (sms("Bonjour", "+33142685300"), "recipient", "not a mobile"),
        (sms("Bonjour", "+33611223344", "+33611223344"), "recipient", "twice"),
        (sms(sender="Acme"), "sender", "low-cost SMS (sms_type XXX) cannot carry a sender"),
        (sms(request_id="out-42"), "request_id", "a-z, A-Z and 0-9"),
        (sms(request_id="x" * 65), "request_id", "1 to 64"),
        (sms(schedule=datetime(2026, 1, 10, 12)), "schedule", "no time zone"),
        (sms(schedule=datetime(2025, 12, 31, tzinfo=UTC)), "schedule", "in the past"),
    ],
)
def test_local_validation_names_the_problem(message: SmsMessage, field: str, words: str) -> None:
    error = invalid(make(Recorder()), message)
    assert error.field == field
    assert words in error.message


@pytest.mark.parametrize("sender", ["AB", "ABCDEFGHIJKL", "Mon Shop", "Café", "A&B"])
def test_sender_rule_is_spelled_out(sender: str) -> None:
    error = invalid(make(Recorder(), sms_type="FR"), sms("Hi STOP au XXXXX", sender=sender))
    assert error.field == "sender"
    assert "3 to 11 characters among a-z, A-Z and 0-9" in error.message


def test_bad_default_sender_is_reported_as_the_account_option() -> None:
    error = invalid(make(Recorder(), sms_type="WWW", sender="Trop long pour"), sms())
    assert "default sender" in error.message


def test_459_characters_and_foreign_numbers_pass() -> None:
    make(Recorder()).validate_sms(sms("x" * 459, "+34612345678", "+33752123456"))


def test_empty_login_is_refused() -> None:
    provider = OctopushProvider(AccountSettings("a", "octopush", " "), SECRET)
    assert invalid(provider, sms()).field == "login"


@pytest.mark.parametrize(
    ("options", "field"),
    [({"sms_type": "PREMIUM"}, "sms_type"), ({"reply_format": "csv"}, "reply_format")],
)
def test_bad_account_options_are_refused(options: dict[str, str], field: str) -> None:
    with pytest.raises(InputError) as caught:
        OctopushProvider(AccountSettings("a", "octopush", LOGIN, options), SECRET)
    assert caught.value.field == field


async def test_voice_is_refused() -> None:
    recorder = Recorder()
    provider = make(recorder)
    with pytest.raises(InputError, match="SMS only"):
        await provider.send_voice(VoiceMessage(recipients=("+33611223344",), tts="Bonjour"))
    assert recorder.requests == []


# --------------------------------------------------------------------------- sending_date


def test_winter_paris_noon_is_noon_gmt_plus_one() -> None:
    # 2026-01-10 12:00 in Paris is GMT+1: the wall clock Octopush reads says 12:00, so the
    # number is 2026-01-10 12:00 counted as UTC seconds (the true Unix time is 1768042800).
    assert sending_timestamp(datetime(2026, 1, 10, 12, tzinfo=PARIS)) == 1768046400
    assert sending_timestamp(datetime(2026, 1, 10, 11, tzinfo=UTC)) == 1768046400


def test_summer_paris_noon_is_eleven_gmt_plus_one() -> None:
    # 2026-07-10 12:00 in Paris is GMT+2, i.e. 11:00 GMT+1: the number says 11:00.
    assert sending_timestamp(datetime(2026, 7, 10, 12, tzinfo=PARIS)) == 1783681200


def test_the_hour_repeated_in_october_gives_two_numbers() -> None:
    first = datetime(2026, 10, 25, 2, 30, tzinfo=PARIS, fold=0)  # still GMT+2
    second = datetime(2026, 10, 25, 2, 30, tzinfo=PARIS, fold=1)  # already GMT+1
    assert sending_timestamp(second) - sending_timestamp(first) == 3600


def test_from_sending_timestamp_inverts() -> None:
    assert from_sending_timestamp(1783681200) == datetime(2026, 7, 10, 12, tzinfo=PARIS)
    assert from_sending_timestamp(1768046400).utcoffset() is not None


@pytest.mark.parametrize(
    ("when", "number"),
    [
        (datetime(2026, 1, 10, 12, tzinfo=PARIS), b"1768046400"),
        (datetime(2026, 7, 10, 12, tzinfo=PARIS), b"1783681200"),
    ],
)
async def test_scheduled_send_uses_mode_2(when: datetime, number: bytes) -> None:
    recorder = Recorder()
    await make(recorder).send_sms(sms(schedule=when))
    assert recorder.only.content.endswith(b"&sms_type=XXX&sms_mode=2&sending_date=" + number)


# --------------------------------------------------------------------------- registry


async def test_registry_builds_the_provider_and_repr_hides_the_secret() -> None:
    info = provider_info("octopush")
    assert info.batch_size == 500
    assert info.option("base_url") is not None
    assert info.option("base_url").default == "https://www.octopush-dm.com/api"  # type: ignore[union-attr]
    assert Capability.DRY_RUN in info.capabilities
    assert Capability.CAMPAIGN_ID not in info.capabilities
    provider = create_provider(AccountSettings("main", "octopush", LOGIN), SECRET)
    assert isinstance(provider, OctopushProvider)
    assert SECRET not in repr(provider)
    assert LOGIN in repr(provider)
    await provider.aclose()
