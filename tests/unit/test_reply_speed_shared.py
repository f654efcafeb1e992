"""The shared reply path, made cheaper per batch (issue 13), says exactly what it said before:
the scrubber (its forms worked out once per secret, each distinct error text scrubbed once), the
endpoint URL judged once, and CapitoleMobile's and eCampaign's request bodies built when the
message is validated, byte for byte the ones built at the send."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, astuple, dataclass, fields, replace
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from providers.base import AccountSettings
from providers.capitole.provider import CapitoleProvider
from providers.ecampaign.receipt import EcampaignRecipientResult
from providers.errors import InputError, ProviderError
from providers.http import BAD_URL, make_client, request
from providers.models import RecipientResult, SendReceipt, SendStatus, SmsMessage
from providers.redact import MASK, scrub, scrub_receipt, secret_forms
from tests.unit.test_ecampaign_support import Recorder, form_xml, make, reply

# --------------------------------------------------------------------------- the scrubber


def reference_scrub(text: str, secret: str) -> str:
    """Every form, longest first, each followed by its lower case: as it was done per text."""
    for form in sorted(secret_forms(secret), key=len, reverse=True):
        text = text.replace(form, MASK)
        if form.lower() != form:
            text = text.replace(form.lower(), MASK)
    return text


secrets = st.sampled_from(["s3cr3t-KEY", "pa55 w&rd<é>", 'k"e+y/€', "abc", "Ab%Cd"])


def _texts(secret: str) -> st.SearchStrategy[str]:
    forms = sorted(secret_forms(secret)) or [secret]
    pieces = st.one_of(st.sampled_from(forms), st.sampled_from([f.lower() for f in forms]))
    return st.lists(st.one_of(pieces, st.text(max_size=6)), max_size=5).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_receipt_is_scrubbed_as_text_by_text_scrubbing_did(data: st.DataObject) -> None:
    secret = data.draw(secrets)
    texts = _texts(secret)
    errors = data.draw(st.lists(st.one_of(st.none(), st.just(""), texts), max_size=6))
    receipt = SendReceipt(
        "octopush",
        SendStatus.ACCEPTED,
        tuple(
            EcampaignRecipientResult(f"+3361122334{i}", SendStatus.REJECTED, error=e, member_id="m")
            for i, e in enumerate(errors)
        ),
        warnings=tuple(data.draw(st.lists(texts, max_size=2))),
        echo=data.draw(st.one_of(st.none(), texts)),
    )
    scrubbed = scrub_receipt(receipt, secret)
    expected = replace(
        receipt,
        warnings=tuple(reference_scrub(w, secret) for w in receipt.warnings),
        recipients=tuple(
            replace(r, error=reference_scrub(r.error, secret)) if r.error else r
            for r in receipt.recipients
        ),
        echo=None if receipt.echo is None else reference_scrub(receipt.echo, secret),
    )
    assert repr(scrubbed) == repr(expected)
    assert all(type(r) is EcampaignRecipientResult for r in scrubbed.recipients)
    assert scrub(receipt.echo or "", secret) == reference_scrub(receipt.echo or "", secret)


def test_each_secret_is_scrubbed_with_its_own_forms_whatever_was_scrubbed_before() -> None:
    text = "first-secret and second-secret, FIRST-SECRET"
    assert scrub(text, "first-secret") == "*** and second-secret, FIRST-SECRET"
    assert scrub(text, "second-secret") == "first-secret and ***, FIRST-SECRET"
    assert scrub(text, "FIRST-SECRET") == "*** and second-secret, ***"


def test_a_receipt_with_nothing_to_scrub_is_the_same_receipt() -> None:
    results = (RecipientResult("+33611223344", SendStatus.REJECTED, error="150: no country"),)
    receipt = SendReceipt("octopush", SendStatus.REJECTED, results, warnings=("late",))
    assert scrub_receipt(receipt, "s3cr3t-KEY") == receipt


# --------------------------------------------------------------------------- the endpoint URL


async def test_an_unusable_url_is_refused_at_every_request_not_only_the_first() -> None:
    asked: list[httpx.Request] = []

    def answer(sent: httpx.Request) -> httpx.Response:
        asked.append(sent)
        return httpx.Response(200)

    client = make_client(httpx.MockTransport(answer))
    for _ in range(3):
        with pytest.raises(ProviderError) as caught:
            await request(client, "octopush", "POST", "http://127.0.0.1:99999/sms", sends=True)
        assert caught.value.code == BAD_URL and "port 99999" in caught.value.meaning
    response = await request(client, "octopush", "POST", "http://127.0.0.1:8080/sms", sends=True)
    assert response.status_code == 200 and len(asked) == 1
    await client.aclose()


# --------------------------------------------------------------------------- bodies built ahead


class Capitole:
    def __init__(self, answer: bytes = b"SENDING_OK;12") -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, content=self.answer)


@pytest.mark.parametrize("dry_run", [False, True])
async def test_capitole_sends_the_body_validation_built_and_the_same_without_it(
    dry_run: bool,
) -> None:
    answer = b"<SMS><password>x</password></SMS>" if dry_run else b"SENDING_OK;12"
    bodies = []
    for validated in (False, True):
        recorder = Capitole(answer)
        options = {"sms_url": "http://127.0.0.1:1/sendsms/xml"}
        settings_ = AccountSettings("main", "capitole", "user", options)
        provider = CapitoleProvider(settings_, "pa55-word", httpx.MockTransport(recorder))
        message = SmsMessage("Prix : 12 €", ("+33611223344", "+33622334455"))
        if validated:
            provider.validate_sms(message)
        await provider.send_sms(message, dry_run=dry_run)
        [sent] = recorder.requests
        assert str(sent.url).endswith("/sendsms/xml_test" if dry_run else "/sendsms/xml")
        bodies.append(sent.content)
        await provider.aclose()
    assert bodies[0] == bodies[1]
    assert b"%A4" in bodies[0]  # the euro sign in Latin-9, percent-encoded


OK_TWO = reply(
    '<recipients><destination code="33" number="612345678"><state>OK</state>'
    "<msgid>M1</msgid><credits>1</credits></destination>"
    '<destination code="33" number="623456789"><state>KO</state></destination></recipients>'
)


@pytest.mark.parametrize("md5", ["false", "true"])
async def test_ecampaign_sends_the_body_validation_built_and_the_same_without_it(
    md5: str,
) -> None:
    bodies, receipts = [], []
    for validated in (False, True):
        recorder = Recorder(OK_TWO)
        provider = make(recorder, md5=md5, sender="Boutique")
        message = SmsMessage("Prix : 12 € <b>", ("+33612345678", "+33623456789"))
        if validated:
            provider.validate_sms(message)
        receipts.append(await provider.send_sms(message))
        bodies.append(form_xml(recorder.only))
        await provider.aclose()
    assert bodies[0] == bodies[1]
    assert b"<senderID>Boutique</senderID>" in bodies[0] and b"&lt;b&gt;" in bodies[0]
    assert receipts[0] == receipts[1]
    assert [r.status for r in receipts[0].recipients] == [
        SendStatus.ACCEPTED,
        SendStatus.REJECTED,
    ]


@pytest.mark.parametrize(
    ("login", "secret", "field"), [("", "pa55-word", "login"), ("u", "", "password")]
)
async def test_ecampaign_without_credentials_is_refused_by_the_send_as_before(
    login: str, secret: str, field: str
) -> None:
    recorder = Recorder(OK_TWO)
    provider = make(recorder, secret=secret)
    provider._core.user = login  # as an account saved without one
    message = SmsMessage("Bonjour", ("+33612345678",))
    provider.validate_sms(message)  # the message itself is fine: its check passes
    with pytest.raises(InputError) as caught:
        await provider.send_sms(message)
    assert caught.value.field == field
    assert recorder.requests == []
    await provider.aclose()


# --------------------------------------------------------------------------- per-recipient results


@dataclass(frozen=True)
class GeneratedResult:
    """``RecipientResult`` with the ``__init__`` dataclasses writes."""

    number: str
    status: SendStatus
    message_id: str | None = None
    error: str | None = None
    cost: Decimal | None = None


@dataclass(frozen=True)
class GeneratedEcampaignResult(GeneratedResult):
    member_id: str | None = None


CALLS: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
    (("+33612345678", SendStatus.ACCEPTED), {}),
    (("+33612345678", SendStatus.ACCEPTED, "M1", None, Decimal("1.5")), {}),
    (("+33612345678",), {"status": SendStatus.REJECTED, "error": "KO"}),
    ((), {"number": "a@b.fr", "status": SendStatus.UNKNOWN, "cost": Decimal(0)}),
]


@pytest.mark.parametrize(
    ("made_by", "generated_by", "extra"),
    [
        (RecipientResult, GeneratedResult, {}),
        (EcampaignRecipientResult, GeneratedEcampaignResult, {}),
        (EcampaignRecipientResult, GeneratedEcampaignResult, {"member_id": "42"}),
    ],
)
@pytest.mark.parametrize(("args", "kwargs"), CALLS)
def test_a_result_is_the_dataclass_it_was(
    made_by: type[RecipientResult],
    generated_by: type[GeneratedResult],
    extra: dict[str, Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    kwargs = {**kwargs, **extra}
    made = made_by(*args, **kwargs)
    generated = generated_by(*args, **kwargs)
    assert astuple(made) == astuple(generated)
    assert [f.name for f in fields(made)] == [f.name for f in fields(generated)]
    assert repr(made) == repr(generated).replace(generated_by.__name__, made_by.__name__)
    assert hash(made) == hash(made_by(*args, **kwargs))
    assert made == made_by(*astuple(made))
    changed = replace(made, error="scrubbed")
    assert type(changed) is made_by and changed.error == "scrubbed"
    assert astuple(changed)[:3] == astuple(made)[:3] and made.error != "scrubbed"
    with pytest.raises(FrozenInstanceError):
        made.error = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        made_by("+33612345678")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        made_by("+33612345678", SendStatus.ACCEPTED, unknown=1)  # type: ignore[call-arg]
