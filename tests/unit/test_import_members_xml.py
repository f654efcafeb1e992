"""The groupMembers file eCampaign's importMembers fetches: exact bytes from a checked plan,
hostile values escaped, field names that cannot be XML elements refused before anything."""

from __future__ import annotations

import pytest

from providers.errors import InputError
from providers.models import Group, GroupField
from providers.xml import parse
from tui.groups.csv_members import parse_csv, plan_import
from tui.groups.xml_import import check_field_names, members_xml, xml_name_problem

GROUP = Group(
    "7",
    "Clients",
    fields=(
        GroupField("mobile", "mobile", True),
        GroupField("nom", "custom"),
        GroupField("rdv", "planif"),
        GroupField("fixe", "fixe"),
    ),
)


def test_phone_text_and_date_fields_as_the_spec_shows_them() -> None:
    plan = plan_import(
        parse_csv(
            "mobile;nom;rdv;fixe\n"
            "06 12 34 56 78;Dupont & fils <SARL>;2026-12-01 10:30:00;01 45 00 00 00\n"
            '+32 470 12 34 56;"O\'Brien ""Jo""";2026-12-02;\n'
            "12;rejeté;;\n"
            "06 98 00 00 01;]]> && é\u00a0€;;\n"
        ),
        GROUP,
        {"mobile": "mobile", "nom": "nom", "rdv": "rdv", "fixe": "fixe"},
    )
    assert [r.line for r in plan.rejected] == [4]  # the same check as member by member
    assert members_xml(plan) == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b"<groupMembers>\n"
        b"<member>"
        b"<mobile><value>612345678</value><indicatif>+33</indicatif></mobile>"
        b"<nom><value>Dupont &amp; fils &lt;SARL&gt;</value></nom>"
        b"<rdv><value>2026-12-01 10:30:00</value></rdv>"
        b"<fixe><value>145000000</value><indicatif>+33</indicatif></fixe>"
        b"</member>\n"
        b"<member>"
        b"<mobile><value>470123456</value><indicatif>+32</indicatif></mobile>"
        b'<nom><value>O\'Brien "Jo"</value></nom>'
        b"<rdv><value>2026-12-02</value></rdv>"
        b"</member>\n"
        b"<member>"
        b"<mobile><value>698000001</value><indicatif>+33</indicatif></mobile>"
        b"<nom><value>]]&gt; &amp;&amp; \xc3\xa9\xc2\xa0\xe2\x82\xac</value></nom>"
        b"</member>\n"
        b"</groupMembers>"
    )


def test_the_file_reads_back_to_the_values_sent() -> None:
    hostile = "<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>&e;"
    plan = plan_import(
        parse_csv(f'mobile;nom\n0612345678;"{hostile}"\n'),
        GROUP,
        {"mobile": "mobile", "nom": "nom"},
    )
    root = parse(members_xml(plan))  # the hardened parser: no DTD got in
    assert root.findtext("member/nom/value") == hostile
    assert root.findtext("member/mobile/indicatif") == "+33"


def test_an_empty_plan_is_an_empty_document() -> None:
    plan = plan_import(parse_csv("mobile\n12\n"), GROUP, {"mobile": "mobile"})
    assert not plan.ready
    assert members_xml(plan).endswith(b"<groupMembers>\n</groupMembers>")


@pytest.mark.parametrize(
    ("name", "refused"),
    [
        ("mobile", False),
        ("_prive", False),
        ("ville-2", False),
        ("prénom", False),
        ("first name", True),
        ("2e_ville", True),
        ("-x", True),
        ("XMLtag", True),
        ("a:b", True),
    ],
)
def test_field_names_that_cannot_be_elements(name: str, refused: bool) -> None:
    assert (xml_name_problem(name) is not None) is refused


def test_bad_field_names_are_all_named_before_anything_is_written() -> None:
    group = Group("7", "G", fields=(GroupField("first name", "custom"), GroupField("2e", "custom")))
    plan = plan_import(
        parse_csv("first name;2e\nJo;x\n"), group, {"first name": "first name", "2e": "2e"}
    )
    with pytest.raises(InputError) as caught:
        members_xml(plan)
    assert "'first name'" in caught.value.message and "'2e'" in caught.value.message
    assert "member by member" in caught.value.message
    with pytest.raises(InputError):
        check_field_names(["ok", "pas ok"])
