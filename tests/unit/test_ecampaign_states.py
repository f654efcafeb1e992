"""eCampaign annex "États de remise": every code, its normalised state and its wording."""

from __future__ import annotations

import pytest

from providers.ecampaign.states import STATE_CODES, channel_group, delivery_state
from providers.models import FINAL_STATES, DeliveryState

S = DeliveryState

# Every code of the annex, with the state we chose and a part of its description.
ANNEX = [
    ("1", S.SENT, "message handed to the operator"),
    ("2", S.QUEUED, "waiting for delivery on the network"),
    ("3", S.QUEUED, "waiting for delivery on the network"),
    ("4", S.DELIVERED, "delivered to the recipient"),
    ("7", S.QUEUED, "operator unavailable (temporary"),
    ("8", S.FAILED, "delivery impossible"),
    ("9", S.FAILED, "delivery impossible"),
    ("10", S.FAILED, "delivery impossible"),
    ("11", S.ANSWERED, "call answered"),
    ("12", S.ANSWERED, "introduction: no choice made"),
    ("13", S.VOICEMAIL, "answering machine: message recorded"),
    ("14", S.ANSWERED, "started listening to the message"),
    ("15", S.ANSWERED, "message deleted"),
    ("16", S.ANSWERED, "message listened to"),
    ("17", S.ANSWERED, "no answer to the question"),
    *[(str(20 + n), S.ANSWERED, f"call answered; choice {n}") for n in range(10)],
    ("40", S.FAILED, "line out of service"),
    ("41", S.FAILED, "line out of service"),
    ("42", S.NO_ANSWER, "call not answered"),
    ("43", S.BUSY, "line busy"),
    ("44", S.FAILED, "destination network saturated"),
    ("45", S.NO_ANSWER, "answering machine detected; call hung up without leaving"),
    ("46", S.ANSWERED, "a person answered; call hung up"),
    ("50", S.FAILED, "e-mail delivery impossible"),
    ("51", S.QUEUED, "temporary problem"),
    ("52", S.DELIVERED, "automatic reply received"),
    ("53", S.UNSUBSCRIBED, "complaint received"),
    ("54", S.SENT, "e-mail sent"),
    ("55", S.FAILED, "e-mail sending error"),
    ("56", S.OPENED, "delivered and opened"),
    ("57", S.UNSUBSCRIBED, "unsubscription requested"),
    ("58", S.CLICKED, "link clicked"),
    ("59", S.CLICKED, "mirror"),
    ("60", S.FAILED, "fax delivery impossible"),
    ("61", S.FAILED, "fax delivery impossible"),
    ("62", S.BUSY, "fax line busy"),
    ("63", S.NO_ANSWER, "fax not answered"),
    ("64", S.FAILED, "fax delivered only in part, or not at all"),
]


@pytest.mark.parametrize(("code", "state", "words"), ANNEX)
def test_every_annex_code(code: str, state: DeliveryState, words: str) -> None:
    got_state, description = delivery_state(code)
    assert got_state is state
    assert words in description


def test_table_holds_exactly_the_annex_codes() -> None:
    assert sorted(STATE_CODES) == sorted(int(code) for code, _, _ in ANNEX)


def test_choice_23_is_choice_3() -> None:
    assert delivery_state("23") == (S.ANSWERED, "call answered; choice 3")


@pytest.mark.parametrize("code", ["0", "5", "6", "18", "19", "30", "39", "47", "49", "65", "99"])
def test_codes_outside_the_annex_are_unknown(code: str) -> None:
    assert delivery_state(code) == (S.UNKNOWN, f"unknown state code {code}")


@pytest.mark.parametrize("code", ["", "abc", "4a", "-4", "1000", "４", "4.0"])
def test_garbage_codes_are_unknown_without_raising(code: str) -> None:
    state, description = delivery_state(code)
    assert state is S.UNKNOWN
    assert description.startswith("unknown state code")


def test_long_garbage_code_is_not_echoed_whole() -> None:
    state, description = delivery_state("x" * 5000)
    assert state is S.UNKNOWN
    assert len(description) < 60


def test_spaces_and_leading_zeros_are_tolerated() -> None:
    assert delivery_state(" 04 ")[0] is S.DELIVERED


def test_temporary_conditions_are_not_final() -> None:
    # A final state never goes back: a temporary condition mapped to a final state would make
    # the receiver ignore the real outcome reported afterwards.
    for code in ("1", "2", "3", "7", "51", "54"):
        assert delivery_state(code)[0] not in FINAL_STATES, code


def test_outcomes_are_final() -> None:
    for code in ("4", "8", "9", "10", "11", "13", "40", "42", "43", "44", "45", "46", "50"):
        assert delivery_state(code)[0] in FINAL_STATES, code
    for code in ("52", "55", "60", "61", "62", "63"):
        assert delivery_state(code)[0] in FINAL_STATES, code


def test_mail_engagement_follows_delivery_and_is_not_final() -> None:
    for code in ("53", "56", "57", "58", "59"):
        assert delivery_state(code)[0] not in FINAL_STATES, code


def test_channel_matching_the_annex_keeps_the_plain_description() -> None:
    assert delivery_state("11", "voice") == (S.ANSWERED, "call answered")
    assert delivery_state("11", "vsms") == (S.ANSWERED, "call answered")
    assert delivery_state("4", "mail") == (S.DELIVERED, "message delivered to the recipient")
    assert delivery_state("62", "FAX") == (S.BUSY, "fax line busy")


def test_channel_mismatch_is_said_not_hidden() -> None:
    assert delivery_state("11", "sms") == (
        S.ANSWERED,
        "call answered (code documented for calls, not sms)",
    )
    assert delivery_state("58", "voice")[1].endswith("(code documented for e-mail, not voice)")


def test_unknown_channel_is_ignored() -> None:
    assert delivery_state("11", "pigeon") == (S.ANSWERED, "call answered")
    assert channel_group("pigeon") is None
    assert channel_group(None) is None
    assert channel_group(" Voice ") == "voice"
