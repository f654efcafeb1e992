"""Random and hostile input to every parser of untrusted data: only the documented error escapes.

Callback parsers may raise ``CallbackError`` and nothing else, with a short message; what they
do return obeys the domain's invariants (E.164 numbers, UTC datetimes, printable ids).
``providers.xml.parse`` may raise ``XmlRefused`` and nothing else.
"""

from __future__ import annotations

import contextlib
import json
import urllib.parse
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from xml.sax.saxutils import escape

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from providers import callbacks
from providers.callbacks import inputs
from providers.capitole import callbacks as capitole
from providers.ecampaign import callbacks as ecampaign
from providers.ecampaign.states import delivery_state
from providers.errors import CallbackError, ProviderError
from providers.models import DeliveryEvent, DeliveryState, ImportReport
from providers.voicepartner import callbacks as voicepartner
from providers.xml import XmlRefused
from providers.xml import parse as parse_xml

FUZZ = settings(
    max_examples=200,
    deadline=None,  # the first phone number parse loads metadata
    suppress_health_check=[HealthCheck.too_slow],
)
MAX_MESSAGE = 300

# --------------------------------------------------------------------------- strategies

PLAUSIBLE = [
    "",
    " ",
    "0",
    "4",
    "23",
    "-1",
    "DELIVERED",
    "INVALID_DESTINATION_ADDRESS",
    "delivered",
    "pending",
    "undelivered",
    "VOICE_ANSWERED",
    "33612345678",
    "+33612345678",
    "0612345678",
    "0033612345678",
    "2020-03-10 09:20:10",
    "2024-10-27 02:30:00",
    "2024-07-01T12:00:00+02:00",
    "1720000000",
    "9999-12-31 23:59:59",
    "0001-01-01 00:00:00",
    "STOP",
    "arrêt",
    "\x00",
    "\ud800",
    "\u202e",
    "１２３",
]

values = st.one_of(
    st.text(max_size=80),
    st.sampled_from(PLAUSIBLE),
    st.from_regex(r"[0-9]{1,15}", fullmatch=True),
    st.integers(2040, 2100).map(lambda n: "x" * n),  # around the text limit
)


def fields(*keys: str) -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries({}, optional={key: values for key in keys})


CAPITOLE_KEYS = ("id", "gsm", "status", "network", "date", "num", "message", "token")
VP_KEYS = ("campaign_token", "campaign_id", "delivered_quantity", "total_quantity")

queries = st.one_of(
    fields(*CAPITOLE_KEYS),
    fields(*VP_KEYS),
    st.dictionaries(st.text(max_size=20), st.text(max_size=40), max_size=8),
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | values,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
VP_JSON_KEYS = (
    "campaignId",
    "status",
    "additionnal_status",
    "additional_status",
    "phoneNumber",
    "sendAt",
    "doneAt",
    "duration",
)
vp_bodies = st.one_of(
    st.fixed_dictionaries({}, optional={key: json_values for key in VP_JSON_KEYS}).map(
        lambda d: json.dumps(d).encode()
    ),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=300),
)

XML_TOKENS = [
    "<ecampaign>",
    "</ecampaign>",
    "<msgid>",
    "</msgid>",
    "<state>",
    "</state>",
    "<timestamp>",
    "</timestamp>",
    "<importFromXml>",
    "</importFromXml>",
    "<imported>",
    "</imported>",
    "<errors>",
    "</errors>",
    "<error>",
    "</error>",
    '<?xml version="1.0"?>',
    '<?xml version="1.0" encoding="UTF-16"?>',
    '<?xml version="1.0" encoding="bogus"?>',
    "<!DOCTYPE a [<!ENTITY e 'x'>]>",
    '<!ENTITY e SYSTEM "file:///etc/passwd">',
    "&e;",
    "&amp;",
    "&#0;",
    "&#x1F600;",
    "<![CDATA[",
    "]]>",
    "<!--",
    "-->",
    "<?pi x?>",
    "<a xmlns='urn:x'>",
    "</a>",
    "4",
    "m1",
    "2024-01-15 09:30:00",
    "é",
    "\x00",
    " ",
]
xml_soup = st.lists(st.sampled_from(XML_TOKENS), max_size=20).map("".join)
ec_documents = st.builds(
    lambda m, s, t: (
        f"<ecampaign><msgid>{escape(m)}</msgid><state>{escape(s)}</state>"
        f"<timestamp>{escape(t)}</timestamp></ecampaign>"
    ),
    values,
    values,
    values,
)
import_documents = st.builds(
    lambda s, n, errs: (
        f"<ecampaign><importFromXml><state>{escape(s)}</state><imported>{escape(n)}</imported>"
        "<errors>" + "".join(f"<error>{escape(e)}</error>" for e in errs) + "</errors>"
        "</importFromXml></ecampaign>"
    ),
    values,
    values,
    st.lists(values, max_size=3),
)
xml_inputs = st.one_of(
    ec_documents,
    import_documents,
    xml_soup,
    st.text(max_size=200),
    st.binary(max_size=200),
    ec_documents.map(lambda d: d.encode("utf-16", "surrogatepass")),
    ec_documents.map(lambda d: urlencode({"xml": d}).decode("ascii")),
)


def urlencode(fields: dict[str, Any]) -> bytes:
    """Form-encode anything, lone surrogates included (as the bytes a hostile client may send)."""
    return urllib.parse.urlencode(fields, encoding="utf-8", errors="surrogatepass").encode()


# --------------------------------------------------------------------------- invariants


def check_result(result: object) -> None:
    if isinstance(result, ImportReport):
        assert result.imported is None or result.imported >= 0
        return
    assert isinstance(result, DeliveryEvent)
    assert isinstance(result.state, DeliveryState)
    assert result.number is None or (result.number.startswith("+") and result.number[1:].isdigit())
    if result.occurred_at is not None:
        assert result.occurred_at.utcoffset() == timedelta(0)
    for ident in (result.message_id, result.campaign_id):
        assert ident is None or (ident.isprintable() and 0 < len(ident) <= 128)
    assert result.text is None or len(result.text) <= 2048


def only_callback_error(parse: Callable[..., Any], *args: Any) -> None:
    try:
        result = parse(*args)
    except CallbackError as exc:
        assert len(str(exc)) < MAX_MESSAGE, str(exc)
        return
    for item in result if isinstance(result, list) else [result]:
        check_result(item)


# --------------------------------------------------------------------------- callback parsers


@FUZZ
@given(queries)
def test_capitole_parsers(query: dict[str, str]) -> None:
    only_callback_error(capitole.parse_capitole, query)
    only_callback_error(capitole.parse_capitole_delivery, query)
    only_callback_error(capitole.parse_capitole_reply, query)


@FUZZ
@given(queries)
def test_voicepartner_campaign_parser(query: dict[str, str]) -> None:
    only_callback_error(voicepartner.parse_voicepartner_campaign, query)


@FUZZ
@given(vp_bodies)
def test_voicepartner_tts_parser(body: bytes) -> None:
    only_callback_error(voicepartner.parse_voicepartner_tts, body)


@FUZZ
@given(xml_inputs)
def test_ecampaign_parsers(document: str | bytes) -> None:
    only_callback_error(ecampaign.parse_ecampaign_state, document)
    only_callback_error(ecampaign.parse_ecampaign_import_report, document)
    only_callback_error(ecampaign.parse_ecampaign, document)


@FUZZ
@given(
    st.one_of(st.sampled_from(["capitole", "voicepartner", "ecampaign", "octopush"]), st.text()),
    st.one_of(st.sampled_from(["GET", "POST", "get", "PUT"]), st.text(max_size=10)),
    queries,
    st.one_of(
        st.binary(max_size=300),
        vp_bodies,
        xml_inputs.map(lambda d: urlencode({"xml": d})),
        queries.map(urlencode),
    ),
    st.one_of(
        st.sampled_from(
            [
                "",
                "application/x-www-form-urlencoded",
                "application/json",
                "text/xml",
                "multipart/form-data; boundary=B",
                "multipart/form-data",
                'multipart/form-data; boundary=""',
            ]
        ),
        st.text(max_size=60),
    ),
)
def test_dispatcher(provider: str, method: str, query: Any, body: bytes, content_type: str) -> None:
    only_callback_error(callbacks.parse_callback, provider, method, query, body, content_type)
    only_callback_error(callbacks.parse_callback_items, provider, method, query, body, content_type)


@FUZZ
@given(
    st.sampled_from(["capitole", "voicepartner"]),
    st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200),
        queries.map(urlencode),
        st.lists(
            st.sampled_from(
                [
                    "&",
                    "=",
                    "%",
                    "%E",
                    "%EA",
                    "%C3",
                    "+",
                    "gsm",
                    "num",
                    "message",
                    "33612345678",
                    "STOP",
                ]
            ),
            max_size=20,
        ).map("".join),
    ),
)
def test_dispatcher_raw_query_strings(provider: str, raw: str | bytes) -> None:
    only_callback_error(callbacks.parse_callback, provider, "GET", raw, b"", "")


multipart_bodies = st.lists(
    st.sampled_from(
        [
            b"--B\r\n",
            b"--B--\r\n",
            b'Content-Disposition: form-data; name="xml"\r\n',
            b"Content-Disposition: form-data; name*=utf-8''xml\r\n",
            b"Content-Transfer-Encoding: base64\r\n",
            b"Content-Type: multipart/mixed; boundary=C\r\n",
            b"--C\r\n",
            b"\r\n",
            b"<ecampaign><msgid>m</msgid><state>4</state></ecampaign>",
            b"PGVjYW1wYWlnbi8+",
            b"\xff\x00",
        ]
    ),
    max_size=14,
).map(b"".join)


@FUZZ
@given(multipart_bodies, st.sampled_from(["boundary=B", "boundary=C", "boundary=", ""]))
def test_ecampaign_multipart(body: bytes, boundary: str) -> None:
    only_callback_error(
        callbacks.parse_callback, "ecampaign", "POST", {}, body, f"multipart/form-data; {boundary}"
    )


@FUZZ
@given(
    st.one_of(st.binary(max_size=300), st.text(max_size=300)),
    st.sampled_from([None, "iso-8859-15", "ascii", "no-such-codec"]),
)
def test_parse_form(raw: str | bytes, fallback: str | None) -> None:
    try:
        result = inputs.parse_form(raw, fallback_encoding=fallback)
    except CallbackError as exc:
        assert len(str(exc)) < MAX_MESSAGE
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in result.items())


@FUZZ
@given(st.one_of(values, st.text()), st.one_of(st.none(), st.text(max_size=10)))
def test_delivery_state_never_raises(code: str, channel: str | None) -> None:
    state, description = delivery_state(code, channel)
    assert isinstance(state, DeliveryState)
    assert len(description) < 120


# --------------------------------------------------------------------------- the XML parser


@FUZZ
@given(
    st.one_of(st.binary(max_size=500), xml_soup.map(lambda s: s.encode("utf-8", "surrogatepass")))
)
def test_xml_parse_only_refuses(data: bytes) -> None:
    with contextlib.suppress(XmlRefused):
        parse_xml(data)


@FUZZ
@given(xml_soup.map(lambda s: s.encode("utf-16", "surrogatepass")))
def test_xml_parse_utf16_only_refuses(data: bytes) -> None:
    with contextlib.suppress(XmlRefused):
        parse_xml(data)


def test_xml_parse_str_with_surrogate_is_refused() -> None:
    with pytest.raises(XmlRefused):
        parse_xml("<a>\ud800</a>")


def test_xml_parse_refuses_a_utf16_doctype() -> None:
    document = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>'
    with pytest.raises(XmlRefused):
        parse_xml(document.encode("utf-16"))


# --------------------------------------------------------------------------- provider replies
# The provider clients' own reply readers, fuzzed for the errors their modules document. Their
# engineers test the documented replies; here only "nothing else escapes, no secret leaks".

SECRET = "s3cr3t-Key-42"

capitole_replies = st.lists(
    st.sampled_from(
        [
            *["SENDING_OK", ";", "9542", "AUTH_FAILED", "0611223344_IS_INVALID", "_IS_BLACKLISTED"],
            *["TOO_LONG_SENDER", "NOT_ENOUGH_CREDITS", "1,5", "NaN", "1e999999", "x"],
            *("\n", " "),
        ]
    ),
    max_size=10,
).map("".join)


@FUZZ
@given(
    st.one_of(st.text(max_size=200), capitole_replies),
    st.lists(st.sampled_from(["+33611223344", "+33612345678", "+34622334455"]), unique=True),
)
def test_capitole_send_reply(text: str, recipients: list[str]) -> None:
    from providers.capitole import codes as capitole_codes

    reply = capitole_codes.parse_reply(text)  # a tokenizer: never raises
    with contextlib.suppress(ProviderError):
        capitole_codes.receipt_from_reply(reply, recipients)


octopush_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | values,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["error_code", "successs", "success", "failures", "balance", "cost"])
            | st.sampled_from(["ticket", "sending_date", "recipient", "sms_needed", "FR"])
            | st.text(max_size=5),
            inner,
            max_size=5,
        )
    ),
    max_leaves=15,
)
octopush_xml = st.lists(
    st.sampled_from(
        [
            *[
                "<octopush>",
                "</octopush>",
                "<error_code>",
                "</error_code>",
                "000",
                "<successs>",
                "</successs>",
            ],
            *[
                "<success>",
                "</success>",
                "<recipient>",
                "</recipient>",
                "1.5",
                "+33612345678",
                "NaN",
            ],
            *("<balance type='FR'>", "</balance>", "<cost>", "</cost>"),
        ]
    ),
    max_size=25,
).map(lambda parts: "".join(parts).encode())


@FUZZ
@given(
    st.one_of(st.binary(max_size=300), octopush_json.map(lambda v: json.dumps(v).encode())),
    octopush_xml,
)
def test_octopush_reply(json_body: bytes, xml_body: bytes) -> None:
    from providers.octopush import codes as octopush_codes

    for body, reply_format in ((json_body, "json"), (xml_body, "xml"), (json_body, "xml")):
        with contextlib.suppress(octopush_codes.ReplyUnreadable):
            octopush_codes.parse_reply(body, reply_format)


@FUZZ
@given(
    st.sampled_from([200, 201, 204, 301, 400, 401, 402, 404, 429, 500]),
    st.one_of(st.binary(max_size=200), octopush_json.map(lambda v: json.dumps(v).encode())),
    st.booleans(),
)
def test_voicepartner_reply(status: int, body: bytes, sends: bool) -> None:
    from providers.voicepartner import codes as voicepartner_codes

    response = httpx.Response(status, content=body + SECRET.encode())
    try:
        voicepartner_codes.success_or_raise(response, sends=sends, secret=SECRET)
    except ProviderError as exc:
        assert SECRET not in str(exc)
        assert SECRET not in exc.original


ecampaign_replies = st.lists(
    st.sampled_from(
        [
            *[
                "<ecampaign>",
                "</ecampaign>",
                "<code>",
                "</code>",
                "0",
                "-1",
                "12",
                "<message>",
                "</message>",
                "x",
                "&amp;",
                "é",
            ],
            *(SECRET, "<!DOCTYPE a>", "\x00"),
        ]
    ),
    max_size=20,
).map(lambda parts: "".join(parts).encode())


@FUZZ
@given(
    st.sampled_from([200, 302, 400, 500]),
    st.one_of(st.binary(max_size=200), ecampaign_replies),
    st.booleans(),
)
def test_ecampaign_reply(status: int, body: bytes, sends: bool) -> None:
    from providers.base import AccountSettings
    from providers.ecampaign.core import EcampaignCore

    core = EcampaignCore(
        AccountSettings(name="fuzz", provider="ecampaign", login="user"),
        SECRET,
        transport=httpx.MockTransport(lambda request: httpx.Response(500)),
    )
    try:
        core.read_reply(httpx.Response(status, content=body), sends=sends)
    except ProviderError as exc:
        assert SECRET not in str(exc)
        assert SECRET not in exc.original
