"""Octopush (historic API) client against its sandbox, over real loopback HTTP."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
import pytest

from providers.base import AccountSettings
from providers.errors import AuthenticationError, OutcomeUnknownError, ProviderError
from providers.models import Route, SendStatus, SmsMessage
from providers.octopush.codes import parse_json, parse_xml
from providers.octopush.provider import OctopushProvider, sending_timestamp
from providers.sandbox.common import SANDBOX_EMAIL_LOGIN, SANDBOX_SECRET, RunningSandbox
from providers.sandbox.octopush import OctopushSandbox

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
async def running() -> AsyncIterator[RunningSandbox]:
    async with RunningSandbox(OctopushSandbox()) as server:
        yield server


def sandbox_of(server: RunningSandbox) -> OctopushSandbox:
    assert isinstance(server.sandbox, OctopushSandbox)
    return server.sandbox


def client_for(
    server: RunningSandbox, secret: str = SANDBOX_SECRET, **options: str
) -> OctopushProvider:
    settings = AccountSettings(
        "demo", "octopush", SANDBOX_EMAIL_LOGIN, {"base_url": f"{server.base_url}/api", **options}
    )
    return OctopushProvider(settings, secret)


@pytest.mark.parametrize("reply_format", ["json", "xml"])
async def test_send_and_balance_round_trip(running: RunningSandbox, reply_format: str) -> None:
    provider = client_for(running, reply_format=reply_format)
    before = await provider.balance()
    assert [(line.route_id, line.amount) for line in before.lines] == [
        ("FR", Decimal("1818.18")),  # 100 € at 0.055 €
        ("XXX", Decimal("2857.14")),  # 100 € at 0.035 €
    ]
    text = "Rendez-vous confirmé : 12 € à régler"
    receipt = await provider.send_sms(SmsMessage(text, ("+33611223344", "+33622334455")))
    assert receipt.status is SendStatus.ACCEPTED
    assert receipt.reference is not None and re.fullmatch(r"api\d{12,}", receipt.reference)
    assert receipt.cost == Decimal("0.07")
    assert receipt.balance == Decimal("99.93")
    assert receipt.currency == "EUR"
    assert [(r.number, r.status, r.cost) for r in receipt.recipients] == [
        ("+33611223344", SendStatus.ACCEPTED, Decimal("0.035")),
        ("+33622334455", SendStatus.ACCEPTED, Decimal("0.035")),
    ]
    [sent] = sandbox_of(running).sent
    assert sent.text == text  # accents and € intact after the UTF-8 form round trip
    assert sent.recipients == ("+33611223344", "+33622334455")
    after = await provider.balance()
    assert after.lines[1].amount == Decimal("2855.14")
    await provider.aclose()


async def test_premium_with_sender_and_schedule(running: RunningSandbox) -> None:
    provider = client_for(running)
    when = datetime.now(PARIS).replace(microsecond=0) + timedelta(days=2)
    message = SmsMessage(
        "Soldes -30 % STOP au XXXXX",
        ("+33611223344",),
        sender="Boutique",
        route=Route.MARKETING,
        schedule=when,
    )
    receipt = await provider.send_sms(message)
    assert receipt.warnings == ()  # the sandbox echoed our sending_date
    [sent] = sandbox_of(running).sent
    assert (sent.sms_type, sent.sender, sent.sending_date) == (
        "FR",
        "Boutique",
        sending_timestamp(when),
    )


async def test_duplicate_request_id_is_refused_and_not_charged(running: RunningSandbox) -> None:
    provider = client_for(running)
    message = SmsMessage("Code 1234", ("+33611223344",), request_id="out7b1")
    first = await provider.send_sms(message)
    assert first.status is SendStatus.ACCEPTED
    wallet = sandbox_of(running).wallet
    with pytest.raises(ProviderError) as caught:
        await provider.send_sms(message)
    assert caught.value.code == "120"
    assert "did NOT send it again" in caught.value.meaning
    assert sandbox_of(running).wallet == wallet
    assert len(sandbox_of(running).sent) == 1


async def test_simulation_prices_without_spending(running: RunningSandbox) -> None:
    provider = client_for(running, reply_format="xml")
    message = SmsMessage("x" * 200, ("+33611223344",), request_id="sim1")
    receipt = await provider.send_sms(message, dry_run=True)
    assert receipt.status is SendStatus.DRY_RUN
    assert receipt.cost == Decimal("0.07")  # two SMS of 0.035 €
    assert sandbox_of(running).wallet == Decimal("100.00")
    assert sandbox_of(running).sent[0].simulated
    # The simulation did not use up the request id: the real send goes through.
    assert (await provider.send_sms(message)).status is SendStatus.ACCEPTED


async def test_wrong_key_is_an_authentication_error(running: RunningSandbox) -> None:
    provider = client_for(running, secret="not-the-key")
    with pytest.raises(AuthenticationError) as caught:
        await provider.send_sms(SmsMessage("Bonjour", ("+33611223344",)))
    assert caught.value.code == "101"
    assert "not-the-key" not in str(caught.value) + caught.value.original
    with pytest.raises(AuthenticationError):
        await provider.balance()


async def test_not_enough_credit(running: RunningSandbox) -> None:
    sandbox_of(running).wallet = Decimal("0.01")
    with pytest.raises(ProviderError) as caught:
        await client_for(running).send_sms(SmsMessage("Bonjour", ("+33611223344",)))
    assert caught.value.code == "104"


async def test_server_fault_during_send_is_an_unknown_outcome(running: RunningSandbox) -> None:
    sandbox_of(running).faults.status, sandbox_of(running).faults.count = 503, 1
    with pytest.raises(OutcomeUnknownError):
        await client_for(running).send_sms(SmsMessage("Bonjour", ("+33611223344",)))


# --------------------------------------------------------------------------- raw sandbox codes


GOOD = {
    "user_login": SANDBOX_EMAIL_LOGIN,
    "api_key": SANDBOX_SECRET,
    "sms_recipients": "+33611223344",
    "sms_text": "Bonjour",
    "sms_type": "XXX",
}


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"user_login": ""}, "108"),
        ({"api_key": ""}, "109"),
        ({"user_login": "someone@else.test"}, "101"),
        ({"sms_text": ""}, "107"),
        ({"sms_text": "x" * 460}, "102"),
        ({"sms_recipients": ""}, "103"),
        ({"sms_type": "PRO"}, "112"),
        ({"sms_type": "FR", "sms_sender": "Mon Shop", "sms_text": "STOP au XXXXX"}, "106"),
        ({"sms_type": "FR"}, "121"),
        ({"sms_recipients": "+334,12"}, "117"),
        ({"sms_mode": "2"}, "500"),
    ],
)
@pytest.mark.parametrize("reply_format", ["json", "xml"])
async def test_sandbox_codes(
    running: RunningSandbox, changes: dict[str, str], code: str, reply_format: str
) -> None:
    suffix = "/json" if reply_format == "json" else ""
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{running.base_url}/api/sms{suffix}", data={**GOOD, **changes}
        )
    assert response.status_code == 200
    reply = (parse_json if reply_format == "json" else parse_xml)(response.content)
    assert reply.error_code == code
    assert sandbox_of(running).sent == []


async def test_missing_post_is_code_100(running: RunningSandbox) -> None:
    async with httpx.AsyncClient() as client:
        get = await client.get(f"{running.base_url}/api/sms/json")
        empty = await client.post(f"{running.base_url}/api/balance")
    assert json.loads(get.content) == {"error_code": "100"}
    assert parse_xml(empty.content).error_code == "100"


async def test_bad_numbers_are_listed_as_failures(running: RunningSandbox) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{running.base_url}/api/sms", data={**GOOD, "sms_recipients": "+33611223344,+334"}
        )
    reply = parse_xml(response.content)
    assert reply.ok
    assert [s.recipient for s in reply.successes] == ["+33611223344"]
    assert [(f.recipient, f.error_code) for f in reply.failures] == [("+334", "150")]
    # An immediate send is dated "now" on the GMT+1 clock (Unix time + 3600).
    assert reply.sending_date is not None
    assert abs(reply.sending_date - sending_timestamp(datetime.now(UTC))) < 60


async def test_json_reply_follows_the_spec_sample(running: RunningSandbox) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{running.base_url}/api/sms/json", data=GOOD)
    data = json.loads(response.content)
    assert data["error_code"] == "000"
    assert data["currency_code"] == "€"
    assert data["successs"] == [
        {"recipient": 33611223344, "country_code": "FR", "cost": 0.035, "sms_needed": 1}
    ]
    assert data["failures"] == []


async def test_the_specs_curl_example_is_served(running: RunningSandbox) -> None:
    """The spec's example: a GET on ``/api/sms/`` (trailing slash), parameters in the URL,
    the number written ``0033601010101``, a deferred FR send from "Octopush"."""
    query = (
        "user_login=demo%40porte-voix.test&api_key=sandbox-secret&sms_text=un+exemple+de+texte"
        "+STOP+au+XXXXX&sms_recipients=0033601010101&sms_type=FR&sms_sender=Octopush"
        "&sms_mode=2&sending_date=1455975613"
    )
    assert SANDBOX_SECRET == "sandbox-secret" and SANDBOX_EMAIL_LOGIN == "demo@porte-voix.test"
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{running.base_url}/api/sms/?{query}")
        as_json = await client.get(f"{running.base_url}/api/sms/json/?{query}")
    assert response.status_code == 200
    reply = parse_xml(response.content)
    assert reply.error_code == "000"
    assert [s.recipient for s in reply.successes] == ["+33601010101"]
    assert reply.sending_date == 1455975613
    assert parse_json(as_json.content).error_code == "000"
    assert [sent.sender for sent in sandbox_of(running).sent] == ["Octopush", "Octopush"]


async def test_numbers_must_be_international(running: RunningSandbox) -> None:
    """Spec: "Liste des numéros au format international +XXZZZZZ"."""
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{running.base_url}/api/sms",
            data={**GOOD, "sms_recipients": "0611223344,+33611223344,0033622334455"},
        )
    reply = parse_xml(response.content)
    assert [s.recipient for s in reply.successes] == ["+33611223344", "+33622334455"]
    assert [(f.recipient, f.error_code) for f in reply.failures] == [("0611223344", "150")]


async def test_tickets_differ_between_runs() -> None:
    """A ticket of an earlier run would make a new send look like an old one."""
    tickets = []
    for _ in range(2):
        async with RunningSandbox(OctopushSandbox()) as server, httpx.AsyncClient() as client:
            response = await client.post(f"{server.base_url}/api/sms/json", data=GOOD)
            tickets.append(json.loads(response.content)["ticket"])
    assert tickets[0] != tickets[1]
    assert all(re.fullmatch(r"api\d{12,}", ticket) for ticket in tickets)
