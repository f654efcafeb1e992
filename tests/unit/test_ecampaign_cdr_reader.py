"""getCDR replies read as they arrive (providers.ecampaign.cdr, providers.xml.XmlStream): both
reply shapes whatever the chunking, every delivery status with its meaning, the return codes,
hostile and broken documents, and a tree that never grows with the reply."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from providers.ecampaign import cdr
from providers.ecampaign.cdr import CdrReader, CdrRow
from providers.ecampaign.core import e164_or_raw
from providers.ecampaign.states import STATE_CODES, channel_group, delivery_state
from providers.models import CdrCampaign, CdrRecord, DeliveryState
from providers.xml import MAX_PROLOG_BYTES, XmlRefused, XmlStream
from tests.unit.test_ecampaign_support import reply
from tests.unit.test_ecampaign_tracking import CAMPAIGN_SHAPE, LIST_SHAPE

CHUNKINGS = (1, 7, 64, 4096, 10**9)


def read(data: bytes, size: int = 4096, channel: str | None = None, **kw: int) -> list[CdrRow]:
    reader = CdrReader(channel, **kw)
    rows: list[CdrRow] = []
    for start in range(0, len(data), size):
        rows += reader.feed(data[start : start + size])
    return rows + reader.close()


def one_message(inner: str, attrs: str = ' id="1"') -> bytes:
    return reply(f"<getCDR><message{attrs}>{inner}</message></getCDR>")


# -- both shapes ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", CHUNKINGS)
def test_list_shape_whatever_the_chunks(size: int) -> None:
    sms, campaign, mail = read(LIST_SHAPE, size)
    assert sms == CdrRecord(
        id="1001",
        channel="sms",
        date_init="2016-05-02 10:00:00",
        sender="Boutique",
        from_api=True,
        credits=Decimal(1),
        message_ref="ABC123",
        number="+33612345678",
        status_code="4",
        state=DeliveryState.DELIVERED,
        status_date="2016-05-02 10:00:09",
        content="Bonjour & merci",
        status_meaning="message delivered to the recipient",
    )
    assert campaign == CdrCampaign(
        id="2002",
        channel="voice",  # spelled Channel, as in the document's sample
        recipients_count=250,
        date_init="2016-05-03 09:00:00",
        sender="0170000000",
        from_api=False,
        credits=Decimal("312.5"),
        group_id="7",
        template_id="55",
    )
    assert isinstance(mail, CdrRecord)
    assert (mail.channel, mail.mail_recipient, mail.number, mail.state) == (
        "mail",
        "jean@example.fr",
        None,
        DeliveryState.CLICKED,
    )


@pytest.mark.parametrize("size", CHUNKINGS)
def test_campaign_shape_whatever_the_chunks(size: int) -> None:
    first, second = read(CAMPAIGN_SHAPE, size, channel="voice")
    assert isinstance(first, CdrRecord) and isinstance(second, CdrRecord)
    assert (first.id, first.channel, first.group_member_id, first.message_ref) == (
        "3001",
        "voice",  # no channel attribute in this shape: the channel asked for stands in
        "501",
        "V-1",
    )
    assert (first.status_code, first.state, first.status_meaning) == (
        "13",
        DeliveryState.VOICEMAIL,
        "answering machine: message recorded",
    )
    assert (second.number, second.state, second.status_meaning) == (
        "+33198765432",
        DeliveryState.BUSY,
        "line busy",
    )


def test_a_record_is_the_dataclass_made_the_ordinary_way() -> None:
    (made,) = read(CAMPAIGN_SHAPE)[:1]
    assert isinstance(made, CdrRecord)
    fields = {field.name for field in dataclasses.fields(CdrRecord)}
    assert set(vars(made)) == fields
    ordinary = CdrRecord(**{name: getattr(made, name) for name in fields})
    assert made == ordinary and hash(made) == hash(ordinary)
    assert dataclasses.asdict(made) == dataclasses.asdict(ordinary)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.id = "2"  # type: ignore[misc]


def test_blank_fields_and_odd_spacing() -> None:
    (row,) = read(
        one_message(
            "<date_init>  2016-05-02 10:00:00 </date_init><sender/><credits> </credits>"
            "<status_id></status_id><phone_code>33</phone_code><phone_number>612345678"
            "</phone_number><status_id>4</status_id>",
            attrs=' id=" 9 " channel="  " Channel="fax"',
        )
    )
    assert isinstance(row, CdrRecord)
    assert (row.id, row.channel, row.date_init, row.sender, row.credits) == (
        "9",
        "fax",
        "2016-05-02 10:00:00",
        None,
        None,
    )
    # No state yet (a scheduled message): the first status_id counts, as findtext read it.
    assert (row.status_code, row.state, row.status_meaning) == (None, DeliveryState.UNKNOWN, None)


# -- statuses ---------------------------------------------------------------------------------

CHANNEL_OF_GROUP = {"all": "sms", "sms": "sms", "voice": "voice", "mail": "mail", "fax": "fax"}


def test_every_status_code_of_the_annex_with_its_meaning() -> None:
    messages = "".join(
        f'<message id="{code}" channel="{CHANNEL_OF_GROUP[group]}">'
        f"<status_id>{code}</status_id></message>"
        for code, (_, _, group) in STATE_CODES.items()
    )
    rows = read(reply(f"<getCDR>{messages}</getCDR>"), size=100)
    assert len(rows) == len(STATE_CODES)
    for row in rows:
        assert isinstance(row, CdrRecord)
        state, meaning, group = STATE_CODES[int(row.id)]
        assert (row.status_code, row.state, row.status_meaning) == (row.id, state, meaning)
        assert channel_group(row.channel) == (group if group != "all" else "sms")


@pytest.mark.parametrize(
    ("status", "channel", "state", "meaning"),
    [
        ("99", "sms", DeliveryState.UNKNOWN, "unknown state code 99"),
        ("x4", "sms", DeliveryState.UNKNOWN, "unknown state code 'x4'"),
        ("4", "vsms", DeliveryState.DELIVERED, "message delivered to the recipient"),
        (
            "13",
            "sms",
            DeliveryState.VOICEMAIL,
            "answering machine: message recorded (code documented for calls, not sms)",
        ),
    ],
)
def test_unknown_and_mismatched_statuses_are_kept(
    status: str, channel: str, state: DeliveryState, meaning: str
) -> None:
    (row,) = read(one_message(f"<status_id>{status}</status_id>", f' id="1" channel="{channel}"'))
    assert isinstance(row, CdrRecord)
    assert (row.status_code, row.state, row.status_meaning) == (status, state, meaning)
    assert (state, meaning) == delivery_state(status, channel)


# -- return codes -----------------------------------------------------------------------------


@pytest.mark.parametrize("code", [80, 81, 82, 3])
def test_a_refusal_gives_its_code_and_no_row(code: int) -> None:
    reader = CdrReader()
    data = reply('<getCDR><message id="1"/></getCDR>', code=code, message="Refusé")
    assert reader.feed(data) == [] and reader.close() == []
    assert (reader.code, reader.message) == (code, "Refusé")


def test_the_code_is_known_before_the_rows_arrive() -> None:
    reader = CdrReader()
    assert reader.feed(b"<ecampaign><code>0</code><message>OK</message><getCDR>") == []
    assert reader.code == 0
    assert len(reader.feed(b'<message id="1"/><message id="2"/><campaign id="3"/>')) == 3
    assert reader.feed(b"</getCDR></ecampaign>") == []
    assert reader.close() == [] and reader.rows_read == 3


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'<ecampaign><getCDR><message id="1"/></getCDR><code>0</code></ecampaign>', "before"),
        (b"<ecampaign><message>OK</message></ecampaign>", "no eCampaign return code"),
        (b"<ecampaign><code>zero</code></ecampaign>", "no eCampaign return code"),
        (b"<ecampaign><code>\xc2\xb2</code></ecampaign>", "no eCampaign return code"),
        (b"<other><code>0</code></other>", "not an eCampaign reply"),
        (b"", "empty document"),
        (b"  \n ", "empty document"),
        (b"<ecampaign><code>0</code><getCDR><message id='1'>", "malformed"),
        (b"<ecampaign><code>0</code></ecampaign><ecampaign/>", "malformed"),
        (b"garbage", "malformed"),
    ],
)
def test_broken_replies_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(XmlRefused, match=reason):
        read(data, size=5)


# -- hostile documents ------------------------------------------------------------------------

LAUGHS = (
    '<?xml version="1.0" encoding="{encoding}"?>'
    '<!DOCTYPE ecampaign [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    '<ecampaign><code>0</code><getCDR><message id="1"><content>&c;</content></message>'
    "</getCDR></ecampaign>"
)
EXTERNAL = (
    '<?xml version="1.0"?><!DOCTYPE ecampaign [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<ecampaign><code>0</code><getCDR><message id="1"><content>&x;</content></message>'
    "</getCDR></ecampaign>"
)


@pytest.mark.parametrize(
    "data",
    [
        LAUGHS.format(encoding="UTF-8").encode("utf-8"),
        LAUGHS.format(encoding="UTF-16").encode("utf-16"),
        LAUGHS.format(encoding="UTF-16").encode("utf-16-be"),
        EXTERNAL.encode(),
        b'<!doctype ecampaign SYSTEM "http://127.0.0.1:9/x.dtd"><ecampaign><code>0</code>'
        b"</ecampaign>",
        b"<?xml version='1.0'?><!-- a -->\n<!DOCTYPE ecampaign><ecampaign><code>0</code>"
        b"</ecampaign>",
    ],
)
@pytest.mark.parametrize("size", [1, 13, 10**6])
def test_doctype_and_entities_are_refused_in_any_encoding(data: bytes, size: int) -> None:
    with pytest.raises(XmlRefused, match="DOCTYPE"):
        read(data, size=size)


def test_undeclared_entities_are_malformed() -> None:
    with pytest.raises(XmlRefused, match="malformed"):
        read(one_message("<content>&x;</content>"))


def test_larger_than_the_cap_is_refused_while_reading() -> None:
    data = reply(
        "<getCDR>" + '<message id="1"><content>abc</content></message>' * 1000 + "</getCDR>"
    )
    reader = CdrReader(max_bytes=len(data) - 1)
    with pytest.raises(XmlRefused, match=f"larger than {len(data) - 1} bytes"):
        for start in range(0, len(data), 1000):
            reader.feed(data[start : start + 1000])
    assert len(read(data, max_bytes=len(data))) == 1000
    assert cdr.MAX_CDR_BYTES >= 500 * 1000 * 1000  # a busy year, not the 5 MB of small replies


def test_a_prolog_without_a_root_element_is_bounded() -> None:
    stream = XmlStream(("code",), max_bytes=10**9)
    with pytest.raises(XmlRefused, match="no root element"):
        for _ in range(MAX_PROLOG_BYTES // 1000 + 2):
            stream.feed(b"<!--" + b"x" * 990 + b"-->")


def test_comments_and_processing_instructions_go_by() -> None:
    rows = read(
        b"<?xml version='1.0'?><!-- hello --><ecampaign><?pi x?><code>0</code><getCDR>"
        b'<message id="1"><!-- c --><status_id>4<!-- d --></status_id><?p?></message>'
        b"</getCDR></ecampaign>",
        size=3,
    )
    assert [(r.id, getattr(r, "status_code", None)) for r in rows] == [("1", "4")]


# -- memory -----------------------------------------------------------------------------------


def test_the_tree_does_not_grow_with_the_reply() -> None:
    row = (
        '<message id="{}" channel="sms"><date_init>2016-05-02 10:00:00</date_init>'
        "<phone_code>33</phone_code><phone_number>612345678</phone_number>"
        "<status_id>4</status_id><content>Bonjour</content></message>\n"
    )
    data = reply("<getCDR>" + "".join(row.format(i) for i in range(20_000)) + "</getCDR>")
    reader = CdrReader()
    count = 0
    for start in range(0, len(data), 8192):
        count += len(reader.feed(data[start : start + 8192]))
    count += len(reader.close())
    assert count == reader.rows_read == 20_000
    root = reader._xml.root
    assert root is not None
    listing = root.find("getCDR")
    assert listing is not None and len(listing) <= 1  # every row read was freed
    assert sum(1 for _ in root.iter()) < 20  # what is left: the envelope and the last row


# -- numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "number"),
    [
        ("33", n)
        for n in (
            "612345678",
            "712345678",
            "198765432",
            "912345678",
            "899123456",
            "100000000",
            "999999999",
            "0612345678",
            "61234567",
            "6123456789",
            "61234567x",
            "６12345678",
        )
    ]
    + [("32", "470123456"), ("39", "0612345678"), ("1", "2125550123"), ("", "612345678")]
    + [("33", "")],
)
def test_the_french_shortcut_gives_what_the_number_library_gives(code: str, number: str) -> None:
    assert cdr._number(code or None, number or None) == e164_or_raw(code or None, number or None)


def test_the_french_shortcut_over_every_leading_digit() -> None:
    for lead in "123456789":
        for rest in ("00000000", "12345678", "99999999", "40506070"):
            number = lead + rest
            assert cdr._number("33", number) == e164_or_raw("33", number)
