"""Octopush's reply path, made cheaper per batch (issue 13), says exactly what it said before.

The references below are the straightforward readings the fast ones replaced (one function call
per number, a reply's excerpt computed whether or not an error needs it): the fast readings are
compared with them on generated replies, the written form of every amount included.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from providers import redact
from providers.base import AccountSettings
from providers.errors import AlreadySentError, AuthenticationError, InputError, ProviderError
from providers.models import RecipientResult, SendStatus, SmsMessage
from providers.octopush import provider as octopush_provider
from providers.octopush.codes import (
    Failure,
    Reply,
    Success,
    _int,
    _text,
    parse_json,
    recipient_e164,
)
from providers.octopush.provider import OctopushProvider
from providers.phone import normalise

SECRET = "s3cr3t-KEY"

# --------------------------------------------------------------------------- references


def reference_successes(body: bytes) -> tuple[Success, ...]:
    """The successes as one call per number read them, every amount read where it stands."""
    from providers.decimals import to_decimal
    from providers.octopush.codes import _first, _json_items

    data = json.loads(body.decode("utf-8-sig"), parse_float=Decimal)
    return tuple(
        Success(
            recipient=recipient_e164(item["recipient"]),
            country_code=_text(item.get("country_code")),
            cost=to_decimal(item.get("cost")),
            sms_needed=_int(item.get("sms_needed")),
        )
        for item in _json_items(_first(data, ("successs", "successes", "success")))
        if isinstance(item, dict) and "recipient" in item
    )


def _same_number(number: str, sent: Collection[str]) -> str:
    if number in sent:
        return number
    try:
        return normalise(number)
    except InputError:
        return number


def reference_results(
    reply: Reply, recipients: tuple[str, ...], *, dry_run: bool
) -> tuple[SendStatus, list[RecipientResult]]:
    """The receipt's status and results as a dictionary per list and a lookup per number built
    them."""
    sent = frozenset(recipients)
    failures = {_same_number(f.recipient, sent): f for f in reply.failures}
    successes = {_same_number(s.recipient, sent): s for s in reply.successes}
    listed = bool(failures or successes)
    ok_status = SendStatus.DRY_RUN if dry_run else SendStatus.ACCEPTED
    results: list[RecipientResult] = []
    for number in recipients:
        failure = failures.pop(number, None)
        if failure is not None:
            results.append(octopush_provider._rejected(number, failure.error_code))
            continue
        success = successes.get(number)
        if success is None and listed and not dry_run:
            results.append(
                RecipientResult(
                    number,
                    SendStatus.UNKNOWN,
                    error="the provider's reply does not list this number; check its history",
                )
            )
            continue
        results.append(RecipientResult(number, ok_status, cost=success.cost if success else None))
    results.extend(octopush_provider._rejected(n, f.error_code) for n, f in failures.items())
    if dry_run:
        status = SendStatus.DRY_RUN
    elif any(result.status is SendStatus.ACCEPTED for result in results):
        status = SendStatus.ACCEPTED
    else:
        status = SendStatus.REJECTED
    return status, results


# --------------------------------------------------------------------------- generated replies

#: JSON texts of per-number values, equal amounts written differently among them.
amount_texts = st.sampled_from(
    ["0.05", "0.050", "5E-2", "0.035", "1", "1.0", "1.00", "true", "false", "null", '"FR"', '"1"',
     '" 0,05 "', "[1]", '{"a": 1}', "-0", "0", "1e99999", '"x"', "33"]
)  # fmt: skip
recipient_texts = st.sampled_from(
    ["33611223344", "33622334455", '"+33611223344"', '"0033622334455"', '"0611223344"',
     '" 33 6 33 44 55 66 "', "-33611223344", "0", '"abc"', "true", "3.3e10"]
)  # fmt: skip


@st.composite
def success_items(draw: st.DrawFn) -> str:
    parts = [f'"recipient": {draw(recipient_texts)}'] if draw(st.booleans()) or True else []
    for key in ("country_code", "cost", "sms_needed"):
        if draw(st.integers(0, 4)):
            parts.append(f'"{key}": {draw(amount_texts)}')
    if not draw(st.integers(0, 9)):
        return draw(st.sampled_from(["1", '"x"', "[]", '{"cost": 0.05}']))  # not a success
    return "{" + ", ".join(parts) + "}"


@settings(max_examples=300, deadline=None)
@given(st.lists(success_items(), max_size=12), st.sampled_from(["successs", "successes"]))
def test_successes_are_read_as_one_call_per_number_read_them(items: list[str], key: str) -> None:
    body = f'{{"error_code": "000", "{key}": [{", ".join(items)}]}}'.encode()
    fast = parse_json(body).successes
    # repr: Decimal("0.050") == Decimal("0.05"), and the writing must be the one received.
    assert repr(fast) == repr(reference_successes(body))


def test_equal_costs_written_differently_keep_their_own_writing() -> None:
    body = (
        b'{"error_code": "000", "successs": [{"recipient": 33611223344, "cost": 0.050},'
        b'{"recipient": 33622334455, "cost": 0.05}, {"recipient": 33633445566, "cost": 0.050},'
        b'{"recipient": 33644556677, "sms_needed": true}, {"recipient": 1, "sms_needed": 1}]}'
    )
    successes = parse_json(body).successes
    assert [str(s.cost) for s in successes] == ["0.050", "0.05", "0.050", "None", "None"]
    assert [s.sms_needed for s in successes] == [None, None, None, None, 1]
    assert [s.recipient for s in successes][-1] == "+1"


numbers_sent = ("+33611223344", "+33622334455", "+33633445566", "+33644556677")
writings = st.sampled_from(
    [*numbers_sent, "0611223344", "0622334455", "+33699887766", "0033611223344", "junk", ""]
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.tuples(writings, st.sampled_from([None, Decimal("0.05"), Decimal("0.050")]))),
    st.lists(st.tuples(writings, st.sampled_from([None, "101", "150", "x"]))),
    st.lists(st.sampled_from(numbers_sent), unique=True, min_size=1),
    st.booleans(),
)
def test_a_receipt_is_what_a_lookup_per_number_made(
    successes: list[tuple[str, Decimal | None]],
    failures: list[tuple[str, str | None]],
    recipients: list[str],
    dry_run: bool,
) -> None:
    reply = Reply(
        "000",
        successes=tuple(Success(n, cost=c) for n, c in successes),
        failures=tuple(Failure(n, code) for n, code in failures),
    )
    prepared = octopush_provider._Prepared((), tuple(recipients), None)
    receipt = octopush_provider._receipt(reply, prepared, dry_run=dry_run)
    status, results = reference_results(reply, tuple(recipients), dry_run=dry_run)
    assert receipt.status is status
    assert repr(receipt.recipients) == repr(tuple(results))


# --------------------------------------------------------------------------- the provider


class Replier:
    def __init__(self, body: bytes, status: int = 200) -> None:
        self.body, self.status = body, status
        self.bodies: list[bytes] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(request.content)
        return httpx.Response(self.status, content=self.body)


def make(replier: Replier) -> OctopushProvider:
    settings = AccountSettings("main", "octopush", "ops@example.fr", {"sms_type": "XXX"})
    return OctopushProvider(settings, SECRET, httpx.MockTransport(replier))


def message(**fields: Any) -> SmsMessage:
    return SmsMessage("Bonjour", ("+33611223344", "+33622334455"), **fields)


@pytest.mark.parametrize("validated", [False, True])
@pytest.mark.parametrize("dry_run", [False, True])
async def test_the_body_is_the_same_whether_validation_built_it_or_not(
    validated: bool, dry_run: bool
) -> None:
    replier = Replier(b'{"error_code": "000"}')
    provider = make(replier)
    sent = message(request_id="b1")
    if validated:
        provider.validate_sms(sent)
    await provider.send_sms(sent, dry_run=dry_run)
    assert replier.bodies == [
        b"user_login=ops%40example.fr&api_key=s3cr3t-KEY"
        b"&sms_recipients=%2B33611223344%2C%2B33622334455&sms_text=Bonjour&sms_type=XXX"
        b"&sms_mode=1&request_id=b1" + (b"&request_mode=simu" if dry_run else b"")
    ]
    await provider.aclose()


async def test_an_accepted_reply_is_never_excerpted(monkeypatch: pytest.MonkeyPatch) -> None:
    excerpted: list[bytes | str] = []

    def counted(raw: bytes | str, secret: str, limit: int = 300) -> str:
        excerpted.append(raw)
        return redact.excerpt(raw, secret, limit)

    monkeypatch.setattr(octopush_provider, "excerpt", counted)
    provider = make(Replier(b'{"error_code": "000", "successs": [{"recipient": 33611223344}]}'))
    receipt = await provider.send_sms(message())
    assert receipt.status is SendStatus.ACCEPTED and excerpted == []
    await provider.aclose()
    refusing = make(Replier(b'{"error_code": "104"}'))  # the same path, an error: excerpted
    with pytest.raises(ProviderError, match="not enough credit"):
        await refusing.send_sms(message())
    assert excerpted == [b'{"error_code": "104"}']
    await refusing.aclose()


@pytest.mark.parametrize(
    ("body", "status", "error", "code"),
    [
        (b'{"error_code": "101", "echo": "api_key=s3cr3t-KEY, s3cr3t-key"}', 200,
         AuthenticationError, "101"),
        (b'{"error_code": "120", "echo": "s3cr3t-KEY"}', 200, AlreadySentError, "120"),
        (b"<html>s3cr3t-KEY not found</html>", 404, None, "HTTP 404"),
        (b"<html>s3cr3t-KEY broken", 200, None, "BAD_REPLY"),
    ],
)  # fmt: skip
async def test_an_error_carries_the_reply_scrubbed(
    body: bytes, status: int, error: type[Exception] | None, code: str
) -> None:
    from providers.errors import OutcomeUnknownError

    provider = make(Replier(body, status))
    dry_run = code == "BAD_REPLY"  # a simulation's unreadable reply is a plain error
    with pytest.raises(ProviderError) as caught:
        await provider.send_sms(message(request_id="b7"), dry_run=dry_run)
    raised = caught.value
    assert error is None or isinstance(raised, error)
    assert not isinstance(raised, OutcomeUnknownError)
    assert raised.code == code
    assert "s3cr3t" not in raised.original.lower() and "***" in raised.original
    if isinstance(raised, AlreadySentError):
        assert raised.request_id == "b7"
    await provider.aclose()


async def test_a_key_that_cannot_be_encoded_fails_the_send_as_it_did_validated_or_not() -> None:
    failures = []
    for validated in (False, True):
        replier = Replier(b'{"error_code": "000"}')
        settings_ = AccountSettings("main", "octopush", "ops@example.fr", {"sms_type": "XXX"})
        provider = OctopushProvider(settings_, "k\udcffey-long", httpx.MockTransport(replier))
        sent = message()
        if validated:
            provider.validate_sms(sent)  # the key is not the message's: its check passes
        with pytest.raises(ProviderError) as caught:
            await provider.send_sms(sent)
        failures.append((type(caught.value), caught.value.code, caught.value.meaning))
        assert replier.bodies == []
        await provider.aclose()
    assert failures[0] == failures[1]
