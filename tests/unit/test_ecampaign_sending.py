"""eCampaign sendSMS / sendVoice / sendMail / sendFAX: exact requests, validation, receipts."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from providers.ecampaign import EcampaignRecipientResult
from providers.errors import InputError, OutcomeUnknownError, ProviderError
from providers.models import (
    FaxMessage,
    FilterCriterion,
    GroupTarget,
    MailMessage,
    Route,
    SendStatus,
    SmsMessage,
    VmsType,
    VoiceMessage,
)
from tests.unit.test_ecampaign_support import Recorder, assert_post, form_xml, make, reply

WINTER = datetime(2099, 1, 15, 10, 30, tzinfo=UTC)  # 11:30 in Paris
SUMMER = datetime(2099, 7, 1, 8, 0, tzinfo=UTC)  # 10:00 in Paris
PHONE = "<phone><code>33</code><number>612345678</number></phone>"
OK_ONE = reply(
    '<recipients><destination mail="" code="33" number="612345678"><state>OK</state>'
    "<msgid>MSG-1</msgid><credits>1</credits></destination></recipients>"
)


def sms(text: str = "Bonjour", *recipients: str, **fields: Any) -> SmsMessage:
    return SmsMessage(text=text, recipients=recipients or ("+33612345678",), **fields)


# --------------------------------------------------------------------------- exact requests


async def test_sms_minimal() -> None:
    recorder = Recorder(OK_ONE)
    await make(recorder).send_sms(sms())
    assert_post(
        recorder.only,
        "/sendSMS",
        f"<sendSMS><route>12</route><message>Bonjour</message><recipients>{PHONE}"
        "</recipients></sendSMS>",
    )


async def test_sms_every_element_in_document_order() -> None:
    recorder = Recorder(OK_ONE)
    group = GroupTarget(
        "7",
        fields=("mobile", "fixe"),
        global_operator="and",
        criteria=(
            FilterCriterion("ville", "=", "Paris"),
            FilterCriterion("email", "notnull"),
            FilterCriterion("nom", "LIKE", '<O\'Brien & "Co">'),
        ),
    )
    message = sms(
        "Bonjour",
        "+33612345678",
        "+34612345678",
        sender="Boutique",
        caller_id="+33612345678",
        template_id="42",
        schedule=WINTER,
        group=group,
    )
    await make(recorder).send_sms(message)
    assert_post(
        recorder.only,
        "/sendSMS",
        "<sendSMS><route>12</route><senderID>Boutique</senderID>"
        "<callerID>33612345678</callerID><templateID>42</templateID>"
        "<message>Bonjour</message><sendDate>2099-01-15 11:30:00</sendDate>"
        "<recipients><groupID>7</groupID>"
        "<groupFields><field>mobile</field><field>fixe</field></groupFields>"
        "<groupFilter><globalOperator>AND</globalOperator>"
        "<criteria><field>ville</field><operator>=</operator><value>Paris</value></criteria>"
        "<criteria><field>email</field><operator>NOTNULL</operator></criteria>"
        "<criteria><field>nom</field><operator>LIKE</operator>"
        '<value>&lt;O\'Brien &amp; "Co"&gt;</value></criteria>'
        "</groupFilter>"
        f"{PHONE}<phone><code>34</code><number>612345678</number></phone>"
        "</recipients></sendSMS>",
    )


async def test_sms_account_defaults_for_sender_and_caller() -> None:
    recorder = Recorder(OK_ONE)
    await make(recorder, sender="MaBoutique", caller_id="33198765432").send_sms(sms())
    assert b"<senderID>MaBoutique</senderID><callerID>33198765432</callerID>" in form_xml(
        recorder.only
    )


async def test_sms_message_fields_override_account_defaults() -> None:
    recorder = Recorder(OK_ONE)
    provider = make(recorder, sender="MaBoutique", caller_id="33198765432")
    await provider.send_sms(sms(sender="Promo", caller_id="0612345678"))
    assert b"<senderID>Promo</senderID><callerID>33612345678</callerID>" in form_xml(recorder.only)


async def test_sms_text_escaped_and_utf8() -> None:
    recorder = Recorder(OK_ONE)
    await make(recorder).send_sms(sms('Prix < 5 € & "promo" l\'été, ça va ?'))
    assert_post(
        recorder.only,
        "/sendSMS",
        "<sendSMS><route>12</route>"
        '<message>Prix &lt; 5 € &amp; "promo" l\'été, ça va ?</message>'
        f"<recipients>{PHONE}</recipients></sendSMS>",
    )
    # UTF-8 bytes, percent-encoded: é = C3 A9, € = E2 82 AC, ç = C3 A7; & < " encoded too.
    content = recorder.only.content
    assert b"Prix+%26lt%3B+5+%E2%82%AC+%26amp%3B+%22promo%22+l%27%C3%A9t%C3%A9" in content
    assert b"%C3%A7a+va+%3F" in content


async def test_sms_with_template_and_no_text() -> None:
    recorder = Recorder(OK_ONE)
    await make(recorder).send_sms(sms("", template_id="42"))
    assert_post(
        recorder.only,
        "/sendSMS",
        f"<sendSMS><route>12</route><templateID>42</templateID><recipients>{PHONE}"
        "</recipients></sendSMS>",
    )


async def test_voice_request() -> None:
    recorder = Recorder(OK_ONE)
    message = VoiceMessage(
        recipients=("+33612345678", "+33198765432"),
        sender="+33198765432",
        template_id="55",
        schedule=SUMMER,
    )
    await make(recorder, voice_route="31").send_voice(message)
    assert_post(
        recorder.only,
        "/sendVoice",
        "<sendVoice><route>31</route><templateID>55</templateID>"
        "<callerID>33198765432</callerID><sendDate>2099-07-01 10:00:00</sendDate>"
        f"<recipients>{PHONE}<phone><code>33</code><number>198765432</number></phone>"
        "</recipients></sendVoice>",
    )


async def test_voice_to_a_group_with_route_default() -> None:
    recorder = Recorder(reply())
    message = VoiceMessage(template_id="55", group=GroupTarget("9", fields=("mobile",)))
    await make(recorder).send_voice(message)
    assert_post(
        recorder.only,
        "/sendVoice",
        "<sendVoice><route>12</route><templateID>55</templateID><recipients>"
        "<groupID>9</groupID><groupFields><field>mobile</field></groupFields>"
        "</recipients></sendVoice>",
    )


async def test_mail_request() -> None:
    recorder = Recorder(reply())
    message = MailMessage(
        recipients=("jean@example.fr", "Zoé@exemple.fr"),
        subject="Soldes d'été",
        message="<p>Bonjour & bienvenue</p>",
        template_id="8",
        reply_to="contact@example.fr",
        schedule=WINTER,
    )
    await make(recorder, mail_route="40").send_mail(message)
    assert_post(
        recorder.only,
        "/sendMail",
        "<sendMail><route>40</route><templateID>8</templateID>"
        "<sendDate>2099-01-15 11:30:00</sendDate><replyTo>contact@example.fr</replyTo>"
        "<subject>Soldes d'été</subject>"
        "<message>&lt;p&gt;Bonjour &amp; bienvenue&lt;/p&gt;</message>"
        "<recipients><mail><mail>jean@example.fr</mail></mail>"
        "<mail><mail>Zoé@exemple.fr</mail></mail></recipients></sendMail>",
    )


async def test_fax_request() -> None:
    recorder = Recorder(reply())
    message = FaxMessage(
        filename="devis 2030.pdf",
        recipients=("+33198765432",),
        caller_id="33198765400",
        schedule=WINTER,
    )
    await make(recorder, fax_route="50").send_fax(message)
    assert_post(
        recorder.only,
        "/sendFAX",
        "<sendFAX><route>50</route><filename>devis 2030.pdf</filename>"
        "<sendDate>2099-01-15 11:30:00</sendDate><callerID>33198765400</callerID>"
        "<recipients><phone><code>33</code><number>198765432</number></phone>"
        "</recipients></sendFAX>",
    )


async def test_mail_and_fax_routes_default_to_route() -> None:
    recorder = Recorder(reply())
    provider = make(recorder, route="77")
    await provider.send_mail(MailMessage(recipients=("a@example.fr",), message="x"))
    await provider.send_fax(FaxMessage("f.pdf", recipients=("+33198765432",)))
    assert all(b"<route>77</route>" in form_xml(request) for request in recorder.requests)


# --------------------------------------------------------------------------- receipts


async def test_receipt_per_destination() -> None:
    answer = reply(
        "<recipients>"
        '<destination mail="" code="33" number="612345678"><state>OK</state>'
        "<msgid>MSG-1</msgid><credits>1</credits><memberID>901</memberID></destination>"
        '<destination mail="" code="34" number="612345678"><state>OK</state>'
        "<msgid>MSG-2</msgid><credits>2.5</credits></destination>"
        '<destination mail="" code="33" number="698765432"><state>KO</state></destination>'
        "</recipients>"
    )
    receipt = await make(Recorder(answer)).send_sms(
        sms("Bonjour", "+33612345678", "+34612345678", "+33698765432")
    )
    assert receipt.provider == "ecampaign"
    assert receipt.status is SendStatus.ACCEPTED
    first, second, third = receipt.recipients
    assert first == EcampaignRecipientResult(
        "+33612345678", SendStatus.ACCEPTED, "MSG-1", None, Decimal(1), member_id="901"
    )
    assert (second.number, second.status, second.message_id, second.cost) == (
        "+34612345678",
        SendStatus.ACCEPTED,
        "MSG-2",
        Decimal("2.5"),
    )
    assert (third.number, third.status, third.message_id) == (
        "+33698765432",
        SendStatus.REJECTED,
        None,
    )
    assert third.error is not None and "KO" in third.error
    assert receipt.cost == Decimal("3.5")
    assert receipt.currency == "credits"
    assert receipt.warnings == ("1 recipient(s) refused by eCampaign",)


async def test_mail_receipt_matches_addresses() -> None:
    answer = reply(
        '<recipients><destination mail="JEAN@example.fr" code="" number="">'
        "<state>OK</state><msgid>M-9</msgid><credits>1</credits></destination></recipients>"
    )
    receipt = await make(Recorder(answer)).send_mail(
        MailMessage(recipients=("jean@example.fr",), message="x")
    )
    assert receipt.recipients[0].number == "jean@example.fr"
    assert receipt.recipients[0].message_id == "M-9"


async def test_group_send_receipt_carries_member_ids() -> None:
    answer = reply(
        '<recipients><destination code="33" number="611223344"><state>OK</state>'
        "<msgid>G-1</msgid><credits>1</credits><memberID>55</memberID></destination>"
        "</recipients>"
    )
    receipt = await make(Recorder(answer)).send_sms(SmsMessage(text="Hi", group=GroupTarget("7")))
    (result,) = receipt.recipients
    assert isinstance(result, EcampaignRecipientResult)
    assert (result.number, result.member_id) == ("+33611223344", "55")


async def test_all_destinations_ko_is_a_rejected_receipt() -> None:
    answer = reply(
        '<recipients><destination code="33" number="612345678"><state>KO</state>'
        "</destination></recipients>"
    )
    receipt = await make(Recorder(answer)).send_sms(sms())
    assert receipt.status is SendStatus.REJECTED


async def test_success_without_details_accepts_everyone() -> None:
    receipt = await make(Recorder(reply())).send_sms(sms("Hi", "+33612345678", "+33698765432"))
    assert receipt.status is SendStatus.ACCEPTED
    assert [r.status for r in receipt.recipients] == [SendStatus.ACCEPTED] * 2
    assert receipt.cost is None


async def test_recipient_missing_from_the_reply_is_unknown() -> None:
    receipt = await make(Recorder(OK_ONE)).send_sms(sms("Hi", "+33612345678", "+33698765432"))
    assert [(r.number, r.status) for r in receipt.recipients] == [
        ("+33612345678", SendStatus.ACCEPTED),
        ("+33698765432", SendStatus.UNKNOWN),
    ]


async def test_code_12_with_some_sent_is_a_receipt_with_a_warning() -> None:
    answer = reply(
        "<recipients>"
        '<destination code="33" number="612345678"><state>OK</state><msgid>A</msgid>'
        "</destination>"
        '<destination code="33" number="698765432"><state>KO</state></destination>'
        "</recipients>",
        code=12,
        message="Erreurs durant l'envoi",
    )
    receipt = await make(Recorder(answer)).send_sms(sms("Hi", "+33612345678", "+33698765432"))
    assert receipt.status is SendStatus.ACCEPTED
    assert [r.status for r in receipt.recipients] == [SendStatus.ACCEPTED, SendStatus.REJECTED]
    assert receipt.warnings[0].startswith("eCampaign code 12: errors occurred during the send")
    assert "Erreurs durant l'envoi" in receipt.warnings[0]


async def test_code_12_without_details_is_an_unknown_outcome() -> None:
    with pytest.raises(OutcomeUnknownError) as caught:
        await make(Recorder(reply(code=12, message="Erreurs"))).send_sms(sms())
    assert "code 12" in caught.value.meaning
    assert "CDR" in caught.value.meaning


async def test_code_12_with_every_destination_ko_is_a_refusal() -> None:
    answer = reply(
        '<recipients><destination code="33" number="612345678"><state>KO</state>'
        "</destination></recipients>",
        code=12,
    )
    with pytest.raises(ProviderError) as caught:
        await make(Recorder(answer)).send_sms(sms())
    assert type(caught.value) is ProviderError
    assert caught.value.code == "12"


async def test_code_11_not_enough_credit() -> None:
    with pytest.raises(ProviderError) as caught:
        await make(Recorder(reply(code=11, message="Crédit insuffisant"))).send_sms(sms())
    assert (caught.value.code, caught.value.original) == ("11", "Crédit insuffisant")


# --------------------------------------------------------------------------- dry run


async def test_dry_run_validates_and_sends_nothing() -> None:
    recorder = Recorder()
    provider = make(recorder)
    receipt = await provider.send_sms(sms("Hi", "+33612345678"), dry_run=True)
    assert receipt.status is SendStatus.DRY_RUN
    assert [(r.number, r.status) for r in receipt.recipients] == [
        ("+33612345678", SendStatus.DRY_RUN)
    ]
    voice = await provider.send_voice(
        VoiceMessage(("+33612345678",), template_id="5"), dry_run=True
    )
    assert voice.status is SendStatus.DRY_RUN
    with pytest.raises(InputError):
        await provider.send_sms(sms("Hi", "0612345678"), dry_run=True)
    assert recorder.requests == []


# --------------------------------------------------------------------------- local validation

INVALID_SMS: list[tuple[dict[str, Any], str, str]] = [
    ({"text": ""}, "text", "empty"),
    ({"text": "Bip\x07"}, "text", "U+0007"),
    ({"recipients": ()}, "recipient", "no recipient"),
    ({"recipients": ("0612345678",)}, "recipient", "E.164"),
    ({"recipients": ("+33612345678", "+33612345678")}, "recipient", "twice"),
    ({"recipients": ("+3361234",)}, "recipient", ""),
    ({"sender": "TrèsLongNom"}, "sender", "1 to 11"),
    ({"sender": "Ma Boutique"}, "sender", "no spaces"),
    ({"sender": "Boutique2030"}, "sender", "1 to 11"),
    ({"caller_id": "12"}, "caller_id", ""),
    ({"template_id": "abc"}, "template_id", "numeric"),
    ({"schedule": datetime(2030, 1, 1, 10, 0)}, "schedule", "time zone"),
    ({"schedule": datetime(2020, 1, 1, tzinfo=UTC)}, "schedule", "past"),
    ({"schedule": datetime(2099, 10, 25, 0, 30, tzinfo=UTC)}, "schedule", "twice"),
    ({"campaign_id": "C1"}, "campaign_id", "not used"),
    ({"request_id": "r-1"}, "request_id", "not used"),
    ({"group": GroupTarget("7a")}, "group", "numeric"),
    (
        {"group": GroupTarget("7", criteria=(FilterCriterion("ville", "CONTAINS", "x"),))},
        "group filter",
        "NOTLIKE",
    ),
    (
        {"group": GroupTarget("7", criteria=(FilterCriterion("ville", "="),))},
        "group filter",
        "needs a value",
    ),
    (
        {
            "group": GroupTarget(
                "7", criteria=(FilterCriterion("a", "=", "1"), FilterCriterion("b", "=", "2"))
            )
        },
        "group filter",
        "AND or OR",
    ),
    (
        {"group": GroupTarget("7", global_operator="XOR", criteria=())},
        "group filter",
        "AND or OR",
    ),
]


@pytest.mark.parametrize(("fields", "field", "words"), INVALID_SMS)
async def test_invalid_sms_sends_nothing(fields: dict[str, Any], field: str, words: str) -> None:
    recorder = Recorder()
    provider = make(recorder)
    values: dict[str, Any] = {"text": "Bonjour", "recipients": ("+33612345678",), **fields}
    message = SmsMessage(**values)
    with pytest.raises(InputError) as caught:
        provider.validate_sms(message)
    assert caught.value.field == field
    assert words in caught.value.message
    with pytest.raises(InputError):
        await provider.send_sms(message)
    assert recorder.requests == []


@pytest.mark.parametrize("route", ["", "  ", "abc", "12/../x"])
async def test_route_option_is_required_and_numeric(route: str) -> None:
    recorder = Recorder()
    provider = make(recorder, route=route)
    with pytest.raises(InputError) as caught:
        await provider.send_sms(sms())
    assert caught.value.field == "route"
    assert recorder.requests == []


async def test_marketing_route_and_length_limits_come_from_the_text_rules() -> None:
    provider = make(Recorder())
    provider.validate_sms(sms("a" * 1530, route=Route.MARKETING))
    with pytest.raises(InputError) as caught:
        provider.validate_sms(sms("a" * 1531))
    assert caught.value.field == "text"


INVALID_VOICE: list[tuple[dict[str, Any], str]] = [
    ({"template_id": None}, "template_id"),
    ({"tts": "Bonjour"}, "tts"),
    ({"voice_msg": "msg1"}, "voice_msg"),
    ({"vms_type": VmsType.DD}, "vms_type"),
    ({"audio_token": "tok"}, "audio_token"),
    ({"notify_url": "http://x/cb"}, "notify_url"),
    ({"campaign_id": "1"}, "campaign_id"),
    ({"sender": "abc"}, "sender"),
    ({"recipients": ()}, "recipient"),
]


@pytest.mark.parametrize(("fields", "field"), INVALID_VOICE)
def test_invalid_voice(fields: dict[str, Any], field: str) -> None:
    values: dict[str, Any] = {"recipients": ("+33612345678",), "template_id": "5", **fields}
    with pytest.raises(InputError) as caught:
        make(Recorder()).validate_voice(VoiceMessage(**values))
    assert caught.value.field == field


INVALID_MAIL: list[tuple[dict[str, Any], str]] = [
    ({"recipients": ("not-an-address",)}, "recipient"),
    ({"recipients": ("a@example.fr", "A@example.fr")}, "recipient"),
    ({"message": None}, "message"),
    ({"reply_to": "nobody"}, "reply_to"),
    ({"subject": "Bad\x00"}, "subject"),
    ({"recipients": ()}, "recipient"),
]


@pytest.mark.parametrize(("fields", "field"), INVALID_MAIL)
def test_invalid_mail(fields: dict[str, Any], field: str) -> None:
    values: dict[str, Any] = {"recipients": ("a@example.fr",), "message": "Hello", **fields}
    with pytest.raises(InputError) as caught:
        make(Recorder()).validate_mail(MailMessage(**values))
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"filename": " "}, "filename"),
        ({"caller_id": "x"}, "caller_id"),
        ({"recipients": ()}, "recipient"),
    ],
)
def test_invalid_fax(fields: dict[str, Any], field: str) -> None:
    values: dict[str, Any] = {"filename": "a.pdf", "recipients": ("+33198765432",), **fields}
    with pytest.raises(InputError) as caught:
        make(Recorder()).validate_fax(FaxMessage(**values))
    assert caught.value.field == field
