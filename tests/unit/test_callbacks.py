"""Every documented callback parsed exactly; garbage and hostile inputs refused."""

from __future__ import annotations

import json
import urllib.parse
from datetime import UTC, datetime
from typing import Any

import pytest
from multidict import MultiDict

from providers.callbacks import parse_callback, parse_callback_items
from providers.callbacks.inputs import is_stop_message, parse_form
from providers.capitole.callbacks import (
    parse_capitole,
    parse_capitole_delivery,
    parse_capitole_reply,
)
from providers.ecampaign.callbacks import parse_ecampaign_import_report, parse_ecampaign_state
from providers.errors import CallbackError
from providers.models import DeliveryEvent, DeliveryState, EventKind, ImportReport
from providers.voicepartner.callbacks import parse_voicepartner_campaign, parse_voicepartner_tts

FORM = "application/x-www-form-urlencoded"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def form(**fields: str) -> bytes:
    return urllib.parse.urlencode(fields).encode("ascii")


def vp_json(**fields: Any) -> bytes:
    base: dict[str, Any] = {
        "campaignId": "65f1c0ffee",
        "status": "delivered",
        "additionnal_status": "VOICE_ANSWERED",
        "phoneNumber": "0611223344",
        "sendAt": "2024-07-01 14:00:00",
        "doneAt": "2024-07-01 14:00:31",
        "duration": 31,
    }
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not ...}).encode()


def ec_state(
    msgid: str = "A1b2C3", state: str = "4", timestamp: str = "2024-01-15 09:30:00"
) -> str:
    return (
        '<?xml version="1.0"?>\n<ecampaign>\n'
        f"  <msgid>{msgid}</msgid>\n  <state>{state}</state>\n"
        f"  <timestamp>{timestamp}</timestamp>\n</ecampaign>"
    )


# --------------------------------------------------------------------------- CapitoleMobile


def test_capitole_documented_delivery_report() -> None:
    query = parse_form(
        "id=123456&gsm=33612345678&status=DELIVERED&network=Orange&date=2020-03-10%2009:20:10"
    )
    assert parse_capitole(query) == DeliveryEvent(
        provider="capitole",
        kind=EventKind.DELIVERY,
        state=DeliveryState.DELIVERED,
        provider_code="DELIVERED",
        campaign_id="123456",
        number="+33612345678",
        occurred_at=utc(2020, 3, 10, 8, 20, 10),  # CET, UTC+1
        network="Orange",
        description="delivery receipt from the operator",
    )


def test_capitole_invalid_destination_is_failed_and_summer_time_is_utc_plus_2() -> None:
    # +33 7 00 00 00 00 is not an allocated range: the report about it must not be lost.
    event = parse_capitole_delivery(
        {
            "id": "camp42",
            "gsm": "33700000000",
            "status": "INVALID_DESTINATION_ADDRESS",
            "network": "SFR",
            "date": "2024-07-14 12:00:00",
        }
    )
    assert event.state is DeliveryState.FAILED
    assert event.provider_code == "INVALID_DESTINATION_ADDRESS"
    assert event.description == "permanent operator error: invalid destination number"
    assert event.number == "+33700000000"
    assert event.occurred_at == utc(2024, 7, 14, 10, 0, 0)


def test_capitole_ambiguous_autumn_hour_takes_the_summer_occurrence() -> None:
    event = parse_capitole_delivery(
        {"gsm": "33612345678", "status": "DELIVERED", "date": "2024-10-27 02:30:00"}
    )
    assert event.occurred_at == utc(2024, 10, 27, 0, 30, 0)


def test_capitole_optional_fields_absent() -> None:
    event = parse_capitole_delivery({"gsm": "33612345678", "status": "DELIVERED"})
    assert (event.campaign_id, event.network, event.occurred_at) == (None, None, None)
    empty = parse_capitole_delivery(
        {"id": "", "gsm": "33612345678", "status": "DELIVERED", "network": "", "date": ""}
    )
    assert (empty.campaign_id, empty.network, empty.occurred_at) == (None, None, None)


def test_capitole_foreign_and_plus_numbers() -> None:
    event = parse_capitole_delivery({"gsm": "34622334455", "status": "DELIVERED"})
    assert event.number == "+34622334455"
    assert parse_capitole_delivery({"gsm": "+33612345678", "status": "DELIVERED"}).number == (
        "+33612345678"
    )


def test_capitole_undocumented_status_is_kept_as_unknown() -> None:
    event = parse_capitole_delivery({"gsm": "33612345678", "status": "EXPIRED"})
    assert event.state is DeliveryState.UNKNOWN
    assert event.provider_code == "EXPIRED"
    assert event.description == "status EXPIRED is not documented"


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"gsm": "33612345678"}, "status: missing"),
        ({"status": "DELIVERED"}, "gsm: missing"),
        ({"gsm": "336", "status": "DELIVERED"}, "gsm:"),
        ({"gsm": "hello", "status": "DELIVERED"}, "gsm:"),
        ({"gsm": "33612345678", "status": "DELIVERED OK"}, "status:"),
        ({"gsm": "33612345678", "status": "DELIVERED", "date": "10/03/2020"}, "date:"),
        ({"gsm": "33612345678", "status": "DELIVERED", "date": "2020-02-30 10:00:00"}, "date:"),
        ({"gsm": "33612345678", "status": "DELIVERED", "date": "1999-12-31 23:00:00"}, "date:"),
        ({"gsm": "33612345678", "status": "DELIVERED", "id": "a\x00b"}, "id:"),
        ({"gsm": "33612345678", "status": "DELIVERED", "id": "x" * 129}, "id:"),
        ({"gsm": "33612345678", "status": "DELIVERED", "network": "Or\nange"}, "network:"),
        ({"gsm": "33612345678", "status": "DELIVERED", "network": "O" * 65}, "network:"),
    ],
)
def test_capitole_delivery_garbage_refused(query: dict[str, str], words: str) -> None:
    with pytest.raises(CallbackError, match=words):
        parse_capitole_delivery(query)


def test_capitole_documented_reply() -> None:
    query = parse_form("num=33610203040&message=Hello+World")
    assert parse_capitole(query) == DeliveryEvent(
        provider="capitole",
        kind=EventKind.REPLY,
        state=DeliveryState.REPLY,
        number="+33610203040",
        text="Hello World",
        description="direct reply",
    )


def test_capitole_stop_reply() -> None:
    event = parse_capitole_reply({"num": "33610203040", "message": "STOP 36180"})
    assert (event.kind, event.state, event.text) == (
        EventKind.STOP,
        DeliveryState.STOP,
        "STOP 36180",
    )
    assert event.description == "the recipient opted out (STOP)"


def test_capitole_reply_keeps_line_breaks_and_accents() -> None:
    event = parse_capitole_reply({"num": "33610203040", "message": "Oui,\nà demain ! 😀"})
    assert event.text == "Oui,\nà demain ! 😀"
    assert event.kind is EventKind.REPLY


def test_capitole_empty_reply_is_a_reply() -> None:
    assert parse_capitole_reply({"num": "33610203040", "message": ""}).text == ""


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"message": "hi"}, "num: missing"),
        ({"num": "33610203040"}, "message: missing"),
        ({"num": "33610203040", "message": "x" * 2049}, "2049 characters exceed"),
        ({"num": "33610203040", "message": "a\x00b"}, "control character"),
        ({"num": "33610203040", "message": "a\x1bb"}, "control character"),
        ({"num": "33610203040", "message": "a\udcffb"}, "surrogate"),
    ],
)
def test_capitole_reply_garbage_refused(query: dict[str, str], words: str) -> None:
    with pytest.raises(CallbackError, match=words):
        parse_capitole_reply(query)


def test_capitole_reply_at_the_size_limit_is_accepted() -> None:
    assert parse_capitole_reply({"num": "33610203040", "message": "x" * 2048}).text == "x" * 2048


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "stop",
        " Stop. ",
        "Stop!",
        "STOP 36180",
        "STOP36180",
        "stop au 36180",
        "«STOP»",
        "ARRET",
        "Arrêt",
        "arrêter",
        "Arrêtez",
        "Désabonner",
        "désabonnement",
        "Désinscription",
        "unsubscribe",
        "Stoppez",
        "Stop svp",
        "Merci de ne plus m'écrire. STOP",
        "ＳＴＯＰ",  # full-width letters, as some phones send them
    ],
)
def test_stop_detected(text: str) -> None:
    assert is_stop_message(text)


@pytest.mark.parametrize(
    "text",
    ["Hello World", "stp", "Stp rappelez-moi", "Oui", "service non-stop", "stopover", "", "36180"],
)
def test_not_stop(text: str) -> None:
    assert not is_stop_message(text)


def test_capitole_chooses_by_keys() -> None:
    with pytest.raises(CallbackError, match="both"):
        parse_capitole({"gsm": "33612345678", "status": "DELIVERED", "message": "x"})
    with pytest.raises(CallbackError, match="neither"):
        parse_capitole({"token": "abc"})


# --------------------------------------------------------------------------- query decoding


def test_parse_form_latin9_fallback_for_capitole() -> None:
    raw = b"num=33610203040&message=arr%EAt+%A4"
    with pytest.raises(CallbackError, match="message: not UTF-8"):
        parse_form(raw)
    # A4 is the euro sign in Latin-9 (it would be a currency sign in Latin-1).
    assert parse_form(raw, fallback_encoding="iso-8859-15")["message"] == "arrêt €"
    assert parse_form(b"message=arr%C3%AAt", fallback_encoding="iso-8859-15") == {
        "message": "arrêt"
    }


def test_parse_form_refuses_repeats_and_floods() -> None:
    with pytest.raises(CallbackError, match="status: field repeated"):
        parse_form("status=DELIVERED&status=INVALID_DESTINATION_ADDRESS")
    with pytest.raises(CallbackError, match="101 fields"):
        parse_form("&".join(f"k{i}=v" for i in range(101)))
    with pytest.raises(CallbackError, match="exceeds the 65536-byte limit"):
        parse_form(b"a=" + b"x" * 65536)
    with pytest.raises(CallbackError, match="field name"):
        parse_form("a%00b=1")


def test_raw_query_strings_are_decoded_per_provider() -> None:
    # What a framework would turn into "ARR\ufffdT": Capitole's Latin-9 is read as such.
    (event,) = parse_callback("capitole", "GET", "num=33610203040&message=ARR%CAT", b"", "")
    assert (event.kind, event.text) == (EventKind.STOP, "ARRÊT")
    (event,) = parse_callback("capitole", "GET", b"num=33610203040&message=Hello+World", b"", "")
    assert event.text == "Hello World"
    with pytest.raises(CallbackError, match="delivered_quantity: not UTF-8"):
        parse_callback("voicepartner", "GET", "campaign_id=c&delivered_quantity=%FF", b"", "")
    with pytest.raises(CallbackError, match="status: field repeated"):
        parse_callback("capitole", "GET", "gsm=33612345678&status=A&status=B", b"", "")


def test_stop_survives_a_utf8_decoder_that_replaced_latin9_bytes() -> None:
    assert is_stop_message("ARR\ufffdT")
    assert is_stop_message("d\ufffdsabonner")
    assert not is_stop_message("Merci \ufffd bient\ufffdt")


def test_repeated_field_in_a_multidict_is_refused() -> None:
    query = MultiDict([("gsm", "33612345678"), ("status", "DELIVERED"), ("status", "EXPIRED")])
    with pytest.raises(CallbackError, match="status: field repeated 2 times"):
        parse_callback("capitole", "GET", query, b"", "")


def test_non_text_query_values_are_refused() -> None:
    with pytest.raises(CallbackError, match="gsm: expected text"):
        parse_capitole_delivery({"gsm": 33612345678, "status": "DELIVERED"})  # type: ignore[dict-item]
    with pytest.raises(CallbackError, match="expected query fields"):
        parse_capitole(["gsm"])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- eCampaign


def test_ecampaign_documented_state_callback() -> None:
    assert parse_ecampaign_state(ec_state()) == DeliveryEvent(
        provider="ecampaign",
        kind=EventKind.DELIVERY,
        state=DeliveryState.DELIVERED,
        provider_code="4",
        message_id="A1b2C3",
        occurred_at=utc(2024, 1, 15, 8, 30, 0),
        description="message delivered to the recipient",
    )


@pytest.mark.parametrize(
    ("code", "state"),
    [
        ("1", DeliveryState.SENT),
        ("7", DeliveryState.QUEUED),
        ("23", DeliveryState.ANSWERED),
        ("13", DeliveryState.VOICEMAIL),
        ("43", DeliveryState.BUSY),
        ("56", DeliveryState.OPENED),
        ("64", DeliveryState.FAILED),
        ("65", DeliveryState.UNKNOWN),
    ],
)
def test_ecampaign_state_codes_reach_the_event(code: str, state: DeliveryState) -> None:
    event = parse_ecampaign_state(ec_state(state=code).encode())
    assert (event.state, event.provider_code) == (state, code)


def test_ecampaign_timestamp_forms() -> None:
    assert parse_ecampaign_state(ec_state(timestamp="1720000000")).occurred_at == (
        datetime.fromtimestamp(1720000000, UTC)
    )
    assert parse_ecampaign_state(ec_state(timestamp="2024-07-01T12:00:00+02:00")).occurred_at == (
        utc(2024, 7, 1, 10, 0, 0)
    )
    assert parse_ecampaign_state(ec_state(timestamp="")).occurred_at is None
    no_timestamp = "<ecampaign><msgid>m1</msgid><state>4</state></ecampaign>"
    assert parse_ecampaign_state(no_timestamp).occurred_at is None


def test_ecampaign_unreadable_timestamp_keeps_the_state() -> None:
    # The timestamp's form is undocumented: losing the state over it would be worse.
    event = parse_ecampaign_state(ec_state(timestamp="lundi 15h"))
    assert event.state is DeliveryState.DELIVERED
    assert event.occurred_at is None
    assert event.description == "message delivered to the recipient (unreadable timestamp)"


def test_ecampaign_declaration_in_other_encoding_is_ignored_for_form_text() -> None:
    doc = ec_state(msgid="é1").replace(
        '<?xml version="1.0"?>', '<?xml version="1.0" encoding="ISO-8859-1"?>'
    )
    body = form(xml=doc)
    (event,) = parse_callback("ecampaign", "POST", {}, body, FORM)
    assert isinstance(event, DeliveryEvent)
    assert event.message_id == "é1"


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ("<ecampaign><state>4</state></ecampaign>", "<msgid> is missing"),
        ("<ecampaign><msgid>m</msgid></ecampaign>", "<state> is missing"),
        ("<ecampaign><msgid> </msgid><state>4</state></ecampaign>", "msgid: missing"),
        ("<ecampaign><msgid>m</msgid><state>OK</state></ecampaign>", "not a numeric state"),
        ("<ecampaign><msgid>m</msgid><state>1234</state></ecampaign>", "not a numeric state"),
        (
            "<ecampaign><msgid>m</msgid><msgid>n</msgid><state>4</state></ecampaign>",
            "<msgid> appears 2 times",
        ),
        ("<other><msgid>m</msgid><state>4</state></other>", "not <ecampaign>"),
        ("<ecampaign><msgid>m\u200bn</msgid><state>4</state></ecampaign>", "invisible"),
        (f"<ecampaign><msgid>{'m' * 129}</msgid><state>4</state></ecampaign>", "exceeds 128"),
        ("<ecampaign><msgid>m</msgid><state>4</state>", "malformed XML"),
        ("", "empty document"),
        ("not xml at all", "malformed XML"),
    ],
)
def test_ecampaign_garbage_refused(document: str, words: str) -> None:
    with pytest.raises(CallbackError, match=words):
        parse_ecampaign_state(document)


XXE = """<?xml version="1.0"?>
<!DOCTYPE ecampaign [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<ecampaign><msgid>&xxe;</msgid><state>4</state></ecampaign>"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<ecampaign><msgid>&lol9;</msgid><state>4</state></ecampaign>"""


@pytest.mark.parametrize("payload", [XXE, BILLION_LAUGHS], ids=["xxe", "billion-laughs"])
def test_hostile_xml_refused(payload: str) -> None:
    with pytest.raises(CallbackError, match="DOCTYPE"):
        parse_ecampaign_state(payload)
    with pytest.raises(CallbackError, match="DOCTYPE"):
        parse_callback("ecampaign", "POST", {}, form(xml=payload), FORM)
    # The same document in UTF-16 would hide "<!DOCTYPE" from a byte-level check.
    with pytest.raises(CallbackError, match="not UTF-8"):
        parse_ecampaign_state(
            payload.replace('"1.0"?>', '"1.0" encoding="UTF-16"?>').encode("utf-16")
        )
    with pytest.raises(CallbackError):
        parse_callback("ecampaign", "POST", {}, payload.encode("utf-16"), "text/xml")


def test_ecampaign_documented_import_report() -> None:
    document = """<?xml version="1.0"?>
<ecampaign>
  <importFromXml>
    <state>OK</state>
    <imported>118</imported>
    <errors>
      <error>Ligne 3 : numéro invalide</error>
      <error>Ligne 9 : doublon</error>
    </errors>
  </importFromXml>
</ecampaign>"""
    assert parse_ecampaign_import_report(document) == ImportReport(
        state="OK", imported=118, errors=("Ligne 3 : numéro invalide", "Ligne 9 : doublon")
    )
    (item,) = parse_callback_items("ecampaign", "POST", {}, form(xml=document), FORM)
    assert item == parse_ecampaign_import_report(document)
    # parse_callback promises delivery events only: a report is refused, not passed through.
    with pytest.raises(CallbackError, match="importMembers report"):
        parse_callback("ecampaign", "POST", {}, form(xml=document), FORM)


def test_ecampaign_import_report_without_errors() -> None:
    document = (
        "<ecampaign><importFromXml><state>1</state><imported>0</imported></importFromXml>"
        "</ecampaign>"
    )
    assert parse_ecampaign_import_report(document) == ImportReport("1", 0, ())


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ("<ecampaign><msgid>m</msgid><state>4</state></ecampaign>", "one <importFromXml>"),
        ("<ecampaign><importFromXml><imported>3</imported></importFromXml></ecampaign>", "<state>"),
        (
            "<ecampaign><importFromXml><state>OK</state><imported>-3</imported></importFromXml></ecampaign>",
            "imported:",
        ),
    ],
)
def test_ecampaign_import_report_garbage_refused(document: str, words: str) -> None:
    with pytest.raises(CallbackError, match=words):
        parse_ecampaign_import_report(document)


def test_ecampaign_body_forms() -> None:
    document = ec_state(msgid="m-1")
    expected = parse_ecampaign_state(document)
    assert parse_callback("ecampaign", "POST", {}, form(xml=document), FORM) == [expected]
    assert parse_callback("ecampaign", "POST", {}, form(xml=document), "") == [expected]
    assert parse_callback(
        "ecampaign", "POST", {}, document.encode(), "text/xml; charset=utf-8"
    ) == [expected]
    multipart = (
        b'--XyZ\r\nContent-Disposition: form-data; name="xml"\r\n\r\n'
        + document.encode()
        + b"\r\n--XyZ--\r\n"
    )
    assert parse_callback(
        "ecampaign", "POST", {}, multipart, "multipart/form-data; boundary=XyZ"
    ) == [expected]
    # The whole form body given to the parser itself is understood too.
    assert parse_ecampaign_state(form(xml=document)) == expected


@pytest.mark.parametrize(
    ("method", "body", "content_type", "words"),
    [
        ("GET", b"", "", "POST"),
        ("POST", form(XML="<ecampaign/>"), FORM, "xml: missing"),
        ("POST", b"xml=%FF", FORM, "not UTF-8"),
        ("POST", b"xml=1&xml=2", FORM, "repeated"),
        ("POST", b"{}", "application/json", "not a form"),
        ("POST", b"--B\r\n\r\nx\r\n--B--", "multipart/form-data; boundary=B", "one 'xml'"),
        ("POST", b"garbage", "multipart/form-data", "multipart"),
    ],
)
def test_ecampaign_bad_requests(method: str, body: bytes, content_type: str, words: str) -> None:
    with pytest.raises(CallbackError, match=words):
        parse_callback("ecampaign", method, {}, body, content_type)


# --------------------------------------------------------------------------- VoicePartner


def test_voicepartner_documented_campaign_callback() -> None:
    query = parse_form(
        "campaign_token=tok123&campaign_id=65f1c0ffee&delivered_quantity=38&total_quantity=40"
    )
    assert parse_voicepartner_campaign(query) == DeliveryEvent(
        provider="voicepartner",
        kind=EventKind.CAMPAIGN,
        state=DeliveryState.SENT,
        provider_code="38/40",
        campaign_id="65f1c0ffee",
        description="38 of 40 voicemails delivered",
        delivered=38,
        total=40,
    )


def test_voicepartner_campaign_complete_is_delivered_and_nothing_is_not_failed() -> None:
    full = {"campaign_id": "c", "delivered_quantity": "40", "total_quantity": "40"}
    assert parse_voicepartner_campaign(full).state is DeliveryState.DELIVERED
    # A first call may report 0 delivered: FAILED would be final and hide later counts.
    none = {"campaign_id": "c", "delivered_quantity": "0", "total_quantity": "40"}
    assert parse_voicepartner_campaign(none).state is DeliveryState.SENT


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"delivered_quantity": "1", "total_quantity": "2"}, "campaign_id: missing"),
        ({"campaign_id": "c", "total_quantity": "2"}, "delivered_quantity: missing"),
        ({"campaign_id": "c", "delivered_quantity": "3", "total_quantity": "2"}, "exceeds"),
        ({"campaign_id": "c", "delivered_quantity": "-1", "total_quantity": "2"}, "whole number"),
        ({"campaign_id": "c", "delivered_quantity": "1.5", "total_quantity": "2"}, "whole number"),
        ({"campaign_id": "c", "delivered_quantity": "1", "total_quantity": "9" * 12}, "whole"),
        ({"campaign_id": "c", "delivered_quantity": "1", "total_quantity": "99999999"}, "large"),
        (
            {"campaign_id": "c\td", "delivered_quantity": "1", "total_quantity": "2"},
            "campaign_id:",
        ),
        (
            {
                "campaign_id": "c",
                "campaign_token": "\x7f",
                "delivered_quantity": "1",
                "total_quantity": "2",
            },
            "campaign_token:",
        ),
    ],
)
def test_voicepartner_campaign_garbage_refused(query: dict[str, str], words: str) -> None:
    with pytest.raises(CallbackError, match=words):
        parse_voicepartner_campaign(query)


def test_voicepartner_documented_tts_callback() -> None:
    assert parse_voicepartner_tts(vp_json()) == DeliveryEvent(
        provider="voicepartner",
        kind=EventKind.DELIVERY,
        state=DeliveryState.ANSWERED,
        provider_code="delivered/VOICE_ANSWERED",
        campaign_id="65f1c0ffee",
        number="+33611223344",
        occurred_at=utc(2024, 7, 1, 12, 0, 31),
        description="call answered; call lasted 31 s",
    )


@pytest.mark.parametrize(
    ("status", "extra", "state"),
    [
        ("pending", None, DeliveryState.QUEUED),
        ("delivered", None, DeliveryState.DELIVERED),
        ("delivered", "VOICE_ANSWERED", DeliveryState.ANSWERED),
        ("delivered", "VOICE_NOT_ANSWERED", DeliveryState.DELIVERED),
        ("undelivered", None, DeliveryState.FAILED),
        ("undelivered", "VOICE_NOT_ANSWERED", DeliveryState.NO_ANSWER),
        ("undelivered", "VOICE_ANSWERED", DeliveryState.FAILED),
        ("cancelled", None, DeliveryState.UNKNOWN),
    ],
)
def test_voicepartner_tts_states(status: str, extra: str | None, state: DeliveryState) -> None:
    event = parse_voicepartner_tts(vp_json(status=status, additionnal_status=extra))
    assert event.state is state
    assert event.provider_code == (f"{status}/{extra}" if extra else status)


def test_voicepartner_pending_has_no_end_yet() -> None:
    event = parse_voicepartner_tts(
        vp_json(status="pending", additionnal_status=None, doneAt=None, duration=None)
    )
    assert event.occurred_at == utc(2024, 7, 1, 12, 0, 0)  # sendAt when not done
    assert event.description == "call pending"


def test_voicepartner_correct_spelling_accepted() -> None:
    body = vp_json(
        additionnal_status=..., additional_status="VOICE_NOT_ANSWERED", status="undelivered"
    )
    assert parse_voicepartner_tts(body).state is DeliveryState.NO_ANSWER
    both = vp_json(additional_status="VOICE_ANSWERED")
    assert parse_voicepartner_tts(both).state is DeliveryState.ANSWERED
    with pytest.raises(CallbackError, match="disagree"):
        parse_voicepartner_tts(vp_json(additional_status="VOICE_NOT_ANSWERED"))


def test_voicepartner_number_and_date_forms() -> None:
    event = parse_voicepartner_tts(
        vp_json(phoneNumber="+33611223344", doneAt="2024-07-01T12:00:31Z", campaignId=4242)
    )
    assert (event.number, event.campaign_id) == ("+33611223344", "4242")
    assert event.occurred_at == utc(2024, 7, 1, 12, 0, 31)
    assert parse_voicepartner_tts(vp_json(phoneNumber="33611223344")).number == "+33611223344"


def test_voicepartner_unreadable_dates_and_durations_are_not_fatal() -> None:
    event = parse_voicepartner_tts(vp_json(doneAt="tout à l'heure", duration="long"))
    assert event.state is DeliveryState.ANSWERED
    assert event.occurred_at == utc(2024, 7, 1, 12, 0, 0)  # sendAt stands in
    assert event.description == "call answered (unreadable timestamp)"
    assert parse_voicepartner_tts(vp_json(duration=12.6)).description == (
        "call answered; call lasted 13 s"
    )
    assert parse_voicepartner_tts(vp_json(duration="0")).description == "call answered"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "not valid JSON"),
        (b"not json", "not valid JSON"),
        (b"[1, 2]", "expected a JSON object"),
        (b'"text"', "expected a JSON object"),
        (b'{"status": NaN}', "NaN is not JSON"),
        (b'{"status": "a", "status": "b"}', "repeated"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[" * 60000, "not valid JSON"),
        (vp_json(campaignId=...), "campaignId is missing"),
        (vp_json(campaignId=["x"]), "campaignId must be a string"),
        (vp_json(status=...), "status is missing"),
        (vp_json(status="deliv ered"), "status:"),
        (vp_json(phoneNumber="06"), "phoneNumber:"),
        (vp_json(phoneNumber=...), "phoneNumber is missing"),
        (vp_json(phoneNumber="06 11 22 33 44 55 66 77 88 99 00 11 22"), "too long"),
        (vp_json(campaignId="x" * 200), "exceeds 128"),
        (vp_json(additionnal_status="VOICE ANSWERED"), "additionnal_status:"),
        (b"{" + b" " * 70000 + b"}", "65536-byte limit"),
    ],
)
def test_voicepartner_tts_garbage_refused(body: bytes, words: str) -> None:
    with pytest.raises(CallbackError, match=words):
        parse_voicepartner_tts(body)


# --------------------------------------------------------------------------- dispatcher


def test_dispatch_by_provider_and_method() -> None:
    capitole = {"gsm": "33612345678", "status": "DELIVERED"}
    assert parse_callback("capitole", "GET", capitole, b"", "") == [
        parse_capitole_delivery(capitole)
    ]
    assert parse_callback(" Capitole ", "get", capitole, b"", "") == [
        parse_capitole_delivery(capitole)
    ]
    campaign = {"campaign_id": "c", "delivered_quantity": "1", "total_quantity": "1"}
    assert parse_callback("voicepartner", "GET", campaign, b"", "") == [
        parse_voicepartner_campaign(campaign)
    ]
    assert parse_callback("voicepartner", "POST", {}, vp_json(), "application/json") == [
        parse_voicepartner_tts(vp_json())
    ]


def test_dispatch_merges_form_posts_with_the_query() -> None:
    body = form(gsm="33612345678", status="DELIVERED")
    (event,) = parse_callback("capitole", "POST", {"token": "t"}, body, FORM)
    assert isinstance(event, DeliveryEvent)
    assert event.number == "+33612345678"
    with pytest.raises(CallbackError, match="both in the URL and the body"):
        parse_callback("capitole", "POST", {"status": "DELIVERED"}, body, FORM)
    vp = form(campaign_id="c", delivered_quantity="2", total_quantity="3")
    (campaign,) = parse_callback("voicepartner", "POST", {}, vp, FORM)
    assert isinstance(campaign, DeliveryEvent)
    assert (campaign.delivered, campaign.total) == (2, 3)


@pytest.mark.parametrize(
    ("provider", "method", "words"),
    [
        ("octopush", "GET", "no callback"),
        ("acme", "GET", "unknown provider"),
        ("capitole", "PUT", "method 'PUT'"),
        ("capitole", "DELETE", "is not used"),
    ],
)
def test_dispatch_refusals(provider: str, method: str, words: str) -> None:
    with pytest.raises(CallbackError, match=words):
        parse_callback(provider, method, {"gsm": "33612345678", "status": "DELIVERED"}, b"", "")


def test_dispatch_refuses_oversize_bodies_and_non_bytes() -> None:
    with pytest.raises(CallbackError, match="65537 bytes exceeds"):
        parse_callback("capitole", "GET", {}, b"x" * 65537, "")
    with pytest.raises(CallbackError, match="body must be bytes"):
        parse_callback("capitole", "GET", {}, "text", "")  # type: ignore[arg-type]


def test_errors_do_not_echo_hostile_input() -> None:
    huge = "A" * 1000 + "<script>" + "B" * 1000
    cases = [
        lambda: parse_capitole_delivery({"gsm": "33612345678", "status": huge}),
        lambda: parse_capitole_delivery({"gsm": huge, "status": "DELIVERED"}),
        lambda: parse_capitole_delivery({"gsm": "33612345678", "status": "X", "date": huge}),
        lambda: parse_ecampaign_state(f"<{huge[:200]}/>"),
        lambda: parse_ecampaign_state(
            f"<ecampaign><msgid>m</msgid><state>{huge}</state></ecampaign>"
        ),
        lambda: parse_voicepartner_tts(json.dumps({huge: 1, huge + "x": huge}).encode() + b"]"),
        lambda: parse_callback(huge, "GET", {}, b"", ""),
        lambda: parse_callback("capitole", huge, {}, b"", ""),
        lambda: parse_callback("ecampaign", "POST", {}, b"", huge),
    ]
    for case in cases:
        with pytest.raises(CallbackError) as info:
            case()
        message = str(info.value)
        assert len(message) < 200, message
        assert "<script>" not in message
