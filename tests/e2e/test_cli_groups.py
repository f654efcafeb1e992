"""``porte-voix groups …`` end to end, against the eCampaign sandbox over loopback HTTP.

The demo account holds "Clients Paris" (group 1, five members, ``mobile`` refusing duplicates),
"Prospects Lyon" (2), a group of another account (3) and "Abonnés newsletter" (4, 50,000
members).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from providers.sandbox.ecampaign import EcampaignSandbox
from tests.e2e.conftest import Cli, Result, assert_nothing_sent, requests_to

ECA = "demo-ecampaign"


@pytest.fixture
def cli(porte_voix: Cli) -> Cli:
    porte_voix.add_account("ecampaign")
    return porte_voix


def sandbox(cli: Cli) -> EcampaignSandbox:
    found = cli.cluster.sandboxes["ecampaign"]
    assert isinstance(found, EcampaignSandbox)
    return found


def groups(cli: Cli, *args: str) -> Result:
    return cli.run("groups", *args, "--account", ECA)


def ok_json(result: Result) -> Any:
    assert result.code == 0, result.output
    return result.json


def refused_with(result: Result, provider_code: str) -> str:
    """Exit 1 and the provider's code in the --json error; returns the message."""
    assert result.code == 1, result.output
    error = result.json["error"]
    assert provider_code in (error.get("provider_code"), error["code"]), error
    message: str = error["message"]
    return message


def paths(cli: Cli, part: str) -> list[str]:
    return [r.path for r in requests_to(cli.cluster, "ecampaign") if part in r.path]


# --------------------------------------------------------------------------- reading


def test_list_shows_the_accounts_groups(cli: Cli) -> None:
    payload = ok_json(groups(cli, "list", "--json"))
    assert [(g["id"], g["name"]) for g in payload["groups"]] == [
        ("1", "Clients Paris"),
        ("2", "Prospects Lyon"),
        ("4", "Abonnés newsletter"),
    ]
    lyon = payload["groups"][1]
    assert (lyon["locked_structure"], lyon["locked_content"]) == (True, False)
    text = groups(cli, "list", "--search", "lyon")
    assert text.code == 0
    assert "Prospects Lyon" in text.stdout and "Paris" not in text.stdout
    assert "structure" in text.stdout


def test_show_gives_the_fields_with_their_types_by_id_or_name(cli: Cli) -> None:
    by_id = ok_json(groups(cli, "show", "1", "--json"))
    by_name = ok_json(groups(cli, "show", "clients paris", "--json"))
    assert by_id == by_name
    assert by_id["fields"][:3] == [
        {"name": "nom", "type": "custom"},
        {"name": "prenom", "type": "custom"},
        {"name": "mobile", "type": "mobile"},
    ]
    text = groups(cli, "show", "2")
    assert "mobile number" in text.stdout and "fax" in text.stdout


def test_an_unknown_group_is_the_providers_27(cli: Cli) -> None:
    assert "group not found" in refused_with(groups(cli, "show", "99", "--json"), "27")
    message = refused_with(groups(cli, "members", "Nulle part", "--json"), "27")
    assert "Nulle part" in message
    # A group of another account is the provider's 21.
    refused_with(groups(cli, "show", "3", "--json"), "21")


def test_members_all_searched_or_as_csv(cli: Cli) -> None:
    everyone = ok_json(groups(cli, "members", "1", "--json"))
    assert everyone["count"] == 5 and everyone["fields"][2] == "mobile"
    in_paris = ok_json(groups(cli, "members", "1", "--where", "ville=Paris", "--json"))
    assert sorted(m["values"]["prenom"] for m in in_paris["members"]) == ["Claire", "Inès"]
    # A phone number is searched in the form the provider stores it.
    found = ok_json(groups(cli, "members", "1", "--where", "mobile=06 12 34 56 02", "--json"))
    assert [m["values"]["nom"] for m in found["members"]] == ["Bernard"]
    nobody = ok_json(groups(cli, "members", "1", "--where", "ville=Brest", "--json"))
    assert (nobody["count"], nobody["members"]) == (0, [])
    table = groups(cli, "members", "Clients Paris", "--csv")
    assert table.stdout.splitlines()[0] == "id,nom,prenom,mobile,fixe,email,ville"
    assert len(table.stdout.splitlines()) == 6


def test_the_big_groups_members(cli: Cli) -> None:
    lyon = ok_json(groups(cli, "members", "4", "--where", "ville=Lyon", "--json"))
    members = sandbox(cli).state.groups[4].members.values()
    assert lyon["count"] == sum(m.values["ville"] == "Lyon" for m in members) > 1000
    assert ok_json(groups(cli, "members", "4", "--json"))["count"] == 50_000


def test_a_search_on_a_field_the_group_lacks_sends_nothing(cli: Cli) -> None:
    result = groups(cli, "members", "1", "--where", "pays=FR", "--json")
    assert result.code == 2
    assert "its fields: nom, prenom" in result.json["error"]["message"]
    assert paths(cli, "getMember") == []


def test_an_account_without_groups(porte_voix: Cli) -> None:
    porte_voix.add_account("octopush")
    result = porte_voix.run("groups", "list", "--account", "demo-octopush", "--json")
    assert result.code == 2 and result.json["error"]["code"] == "unsupported"
    assert_nothing_sent(porte_voix)


def test_outside_text_is_shown_visibly(cli: Cli) -> None:
    sandbox(cli).state.groups[2].name = "\x9b2J[b]Lyon[/b]"
    text = groups(cli, "list")
    assert "\x9b" not in text.stdout and "\\x9b2J[b]Lyon[/b]" in text.stdout
    payload = ok_json(groups(cli, "list", "--json"))
    assert payload["groups"][1]["name"] == "\x9b2J[b]Lyon[/b]"  # JSON keeps it, escaped


# --------------------------------------------------------------------------- changing


def test_create_rename_lock_and_unlock(cli: Cli) -> None:
    created = ok_json(
        groups(
            cli,
            "create",
            "Clients Lille",
            "--field",
            "mobile:mobile:unique",
            "--field",
            "ville:custom",
            "--lock-content",
            "--json",
        )
    )
    group_id = created["id"]
    assert created["fields"][0] == {"name": "mobile", "type": "mobile", "unique": True}
    shown = ok_json(groups(cli, "show", group_id, "--json"))
    assert (shown["name"], shown["locked_content"]) == ("Clients Lille", True)
    assert [f["name"] for f in shown["fields"]] == ["mobile", "ville"]
    assert sandbox(cli).state.groups[int(group_id)].fields[0].unique

    renamed = ok_json(groups(cli, "rename", "Clients Lille", "Clients Lille Nord", "--json"))
    assert renamed["name"] == "Clients Lille Nord"
    locked = ok_json(groups(cli, "lock", group_id, "--structure", "--json"))
    assert (locked["locked_structure"], locked["locked_content"]) == (True, True)
    unlocked = ok_json(groups(cli, "lock", group_id, "--off", "--json"))
    assert (unlocked["locked_structure"], unlocked["locked_content"]) == (False, False)


@pytest.mark.parametrize(
    "spec", ["mobile", "tel:phone", "id:custom", "a:custom:twice"], ids=lambda s: s
)
def test_a_bad_field_is_refused_before_anything_is_sent(cli: Cli, spec: str) -> None:
    result = groups(cli, "create", "G", "--field", spec, "--json")
    assert result.code == 2 and result.json["error"]["code"].startswith("invalid_"), result.output
    assert paths(cli, "addGroup") == []


def test_add_member_normalises_the_number_first(cli: Cli) -> None:
    added = ok_json(
        groups(
            cli,
            "add-member",
            "1",
            "--set",
            "nom=Roux",
            "--set",
            "mobile=+33 6 98 76 54 32",
            "--json",
        )
    )
    member = sandbox(cli).state.groups[1].members[int(added["member_id"])]
    assert (member.values["mobile"], member.codes["mobile"]) == ("698765432", "33")
    bad = groups(cli, "add-member", "1", "--set", "mobile=01 45 00 00 00", "--json")
    assert bad.code == 2 and "landline" in bad.json["error"]["message"]
    duplicate = groups(cli, "add-member", "1", "--set", "mobile=0612345601", "--json")
    refused_with(duplicate, "24")
    assert len(paths(cli, "addMember")) == 2  # the landline never left


def test_delete_and_empty_ask_without_yes(cli: Cli) -> None:
    refused = groups(cli, "delete", "1", "--json")
    assert refused.code == 2 and refused.json["error"]["code"] == "confirmation_required"
    assert paths(cli, "delGroup") == [] and 1 in sandbox(cli).state.groups
    emptied = ok_json(groups(cli, "empty", "Clients Paris", "--yes", "--json"))
    assert emptied == {"emptied": {"id": "1", "name": "Clients Paris"}}
    assert ok_json(groups(cli, "members", "1", "--json"))["count"] == 0
    deleted = ok_json(groups(cli, "delete", "1", "--yes", "--json"))
    assert deleted["deleted"]["id"] == "1"
    refused_with(groups(cli, "show", "1", "--json"), "27")


def test_delete_on_a_terminal_names_the_group_and_its_member_count(cli: Cli) -> None:
    args = ["groups", "delete", "Prospects Lyon", "--account", ECA]
    declined = cli.on_a_terminal(args, b"n\n")
    assert declined.code == 2
    assert "Delete the group 'Prospects Lyon' (#2) and its 2 member(s)?" in declined.stderr
    assert 2 in sandbox(cli).state.groups
    accepted = cli.on_a_terminal(args, b"y\n")
    assert accepted.code == 0, accepted.output
    assert 2 not in sandbox(cli).state.groups


# --------------------------------------------------------------------------- import


def write_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "clients.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_reports_every_rejected_row_with_its_line(cli: Cli, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "Nom;Portable;Ville\n"
        "Roux;06 98 76 54 01;Paris\n"  # 2
        "Faure;12;Paris\n"  # 3: not a number
        "Blanc;06 12 34 56 01;Paris\n"  # 4: already in the group (anti-duplicate)
        "Noir;+33 6 98 76 54 02;Lyon\n",  # 5
    )
    result = groups(
        cli, "import", "1", "--file", str(path), "--map", "Portable=mobile", "--yes", "--json"
    )
    assert result.code == 1, result.output  # not every row went in
    payload = result.json
    assert payload["imported"] == 2
    assert [r["line"] for r in payload["rejected"]] == [3, 4]
    assert set(payload) == {"imported", "rejected"}
    assert payload["rejected"][0]["reason"].startswith("mobile: ")
    assert "24" in payload["rejected"][1]["reason"]
    members = sandbox(cli).state.groups[1].members.values()
    assert {"698765401", "698765402"} <= {m.values.get("mobile") for m in members}


def test_import_needs_yes_without_a_terminal_and_a_mapped_column(cli: Cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "nom,mobile\nRoux,0698765401\n")
    refused = groups(cli, "import", "1", "--file", str(path), "--json")
    assert refused.code == 2 and refused.json["error"]["code"] == "confirmation_required"
    unmapped = write_csv(tmp_path, "who,phone\nRoux,0698765401\n")
    nothing = groups(cli, "import", "1", "--file", str(unmapped), "--yes", "--json")
    assert nothing.code == 2 and "no column feeds" in nothing.json["error"]["message"]
    missing = groups(cli, "import", "1", "--file", str(tmp_path / "no.csv"), "--yes", "--json")
    assert missing.code == 2 and missing.json["error"]["code"] == "invalid_file"
    assert paths(cli, "addMember") == []


def test_an_import_with_no_good_row_sends_nothing(cli: Cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "nom,mobile\nRoux,12\nFaure,0145000000\n")
    result = groups(cli, "import", "1", "--file", str(path), "--yes", "--json")
    assert result.code == 2
    assert result.json["imported"] == 0 and [r["line"] for r in result.json["rejected"]] == [2, 3]
    assert paths(cli, "addMember") == []
