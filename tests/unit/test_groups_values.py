"""What an operator writes for a group: field specs, values in the provider's form, searches."""

from __future__ import annotations

import pytest

from providers.errors import InputError
from providers.models import Group, GroupField, MemberValue
from tui.groups.values import (
    check_new_fields,
    field_named,
    member_value,
    member_values,
    parse_assignment,
    parse_field_spec,
    phone_fields,
    search_value,
)

GROUP = Group(
    "7",
    "Clients",
    fields=(
        GroupField("nom", "custom"),
        GroupField("mobile", "mobile"),
        GroupField("fixe", "fixe"),
        GroupField("email", "mail"),
        GroupField("rdv", "planif"),
    ),
)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("mobile:mobile:unique", GroupField("mobile", "mobile", True)),
        (" ville : custom ", GroupField("ville", "custom", None)),
        ("Date RDV:PLANIF", GroupField("Date RDV", "planif", None)),
    ],
)
def test_field_specs(spec: str, expected: GroupField) -> None:
    assert parse_field_spec(spec) == expected


@pytest.mark.parametrize(
    "spec", ["mobile", "mobile:phone", "a:custom:twice", ":custom", "id:custom", "a/b:custom"]
)
def test_bad_field_specs(spec: str) -> None:
    with pytest.raises(InputError):
        parse_field_spec(spec)


def test_a_field_given_twice_is_refused() -> None:
    with pytest.raises(InputError, match="twice"):
        check_new_fields([GroupField("Ville", "custom")], existing=["ville"])


def test_assignments_keep_what_follows_the_first_equals_sign() -> None:
    assert parse_assignment("note=a=b") == ("note", "a=b")
    with pytest.raises(InputError, match="FIELD=VALUE"):
        parse_assignment("note")


def test_fields_are_found_ignoring_case_and_listed_when_missing() -> None:
    assert field_named(GROUP, "MOBILE").name == "mobile"
    with pytest.raises(InputError, match="its fields: nom, mobile"):
        field_named(GROUP, "ville")


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("mobile", "06 12 34 56 78", MemberValue("mobile", "612345678", "33")),
        ("mobile", "+34 612 34 56 78", MemberValue("mobile", "612345678", "34")),
        ("fixe", "01 45 00 00 02", MemberValue("fixe", "145000002", "33")),
        ("email", " lea@example.fr ", MemberValue("email", "lea@example.fr")),
        ("rdv", "2030-01-31 10:00:00", MemberValue("rdv", "2030-01-31 10:00:00")),
        ("nom", "  ", MemberValue("nom", "")),
    ],
)
def test_values_in_the_providers_form(name: str, raw: str, expected: MemberValue) -> None:
    assert member_value(field_named(GROUP, name), raw) == expected


@pytest.mark.parametrize(
    ("name", "raw", "reason"),
    [
        ("mobile", "01 45 00 00 02", "landline"),
        ("mobile", "08 11 22 33 44", "cannot receive SMS"),
        ("mobile", "12", "wrong length|not a phone"),
        ("fixe", "06 12 ab", "cannot hold"),
        ("email", "lea.example.fr", "e-mail"),
        ("rdv", "31/01/2030", "date"),
        ("nom", "x" * 256, "255"),
        ("nom", "a\x00b", "U\\+0000"),
    ],
)
def test_bad_values_say_why(name: str, raw: str, reason: str) -> None:
    with pytest.raises(InputError, match=reason) as caught:
        member_value(field_named(GROUP, name), raw)
    assert caught.value.field == name


def test_a_new_member_needs_a_value_and_drops_empty_ones() -> None:
    values = member_values(GROUP, {"nom": "Zoé", "email": ""})
    assert values == (MemberValue("nom", "Zoé"),)
    assert member_values(GROUP, {"nom": "Zoé", "email": ""}, keep_empty=True)[1].value == ""
    with pytest.raises(InputError, match="at least one"):
        member_values(GROUP, {"nom": " "})


def test_searches_use_the_stored_form_and_sms_prefers_mobile_fields() -> None:
    assert search_value(field_named(GROUP, "mobile"), "0612345678") == "612345678"
    assert [f.name for f in phone_fields(GROUP)] == ["mobile", "fixe"]
