"""``porte-voix optout`` end to end: the local opt-out list, and the eCampaign blacklist copied
into it from the sandbox (whose demo SMS blacklist holds +33612345699, a STOP)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import Cli, assert_error_json, requests_to

ECAMPAIGN = "demo-ecampaign"
BLACKLISTED = "+33612345699"
ENTRY_KEYS = {"number", "source", "account", "added_at", "note"}


@pytest.fixture
def cli(porte_voix: Cli) -> Cli:
    return porte_voix


def test_add_list_and_add_again(cli: Cli) -> None:
    added = cli.run("optout", "add", "06 11 22 33 44", "--note", "asked by phone", "--json")
    assert added.code == 0, added.output
    assert added.json["number"] == "+33611223344" and added.json["added"] is True
    assert set(added.json["entry"]) == ENTRY_KEYS
    again = cli.run("optout", "add", "+33611223344", "--json")
    assert again.code == 0 and again.json["added"] is False
    assert again.json["entry"]["note"] == "asked by phone"
    listed = cli.run("optout", "list", "--json")
    assert listed.code == 0, listed.output
    assert listed.json["total"] == 1
    [entry] = listed.json["entries"]
    assert (entry["number"], entry["source"], entry["account"]) == ("+33611223344", "manual", None)
    human = cli.run("optout", "list")
    assert human.code == 0 and "+33611223344" in human.stdout and "asked by phone" in human.stdout


def test_add_refuses_an_invalid_number(cli: Cli) -> None:
    result = cli.run("optout", "add", "12", "--json")
    assert result.code == 2
    assert_error_json(result, "invalid_number")
    assert cli.run("optout", "list", "--json").json["total"] == 0


def test_remove_asks_then_takes_off(cli: Cli) -> None:
    cli.run("optout", "add", "0611223344")
    refused = cli.run("optout", "remove", "0611223344", "--json")
    assert refused.code == 2
    assert_error_json(refused, "confirmation_required")
    assert cli.run("optout", "list", "--json").json["total"] == 1
    removed = cli.run("optout", "remove", "0611223344", "--yes", "--json")
    assert removed.code == 0, removed.output
    assert removed.json["removed"] is True and removed.json["number"] == "+33611223344"
    missing = cli.run("optout", "remove", "0611223344", "--yes", "--json")
    assert missing.code == 2
    assert_error_json(missing, "not_listed")


def test_remove_on_a_terminal(cli: Cli) -> None:
    cli.run("optout", "add", "0611223344")
    kept = cli.on_a_terminal(["optout", "remove", "0611223344"], b"n\n")
    assert kept.code == 2 and "Take 0611223344 off the opt-out list?" in kept.stderr
    gone = cli.on_a_terminal(["optout", "remove", "0611223344"], b"y\n")
    assert gone.code == 0, gone.output
    assert cli.run("optout", "list", "--json").json["total"] == 0


def test_import_adds_the_good_rows_and_names_the_bad_ones(cli: Cli, tmp_path: Path) -> None:
    csv = tmp_path / "stops.csv"
    csv.write_text(
        "nom;mobile\nMartin;06 11 22 33 44\nDurand;12\nPetit;+33 6 98 76 54 32\nVide;\n",
        encoding="utf-8",
    )
    result = cli.run("optout", "import", str(csv), "--json")
    assert result.code == 1, result.output  # some lines did not go in
    assert result.json["added"] == 2 and result.json["already"] == 0
    assert [(r["line"], r["value"]) for r in result.json["rejected"]] == [(3, "12"), (5, "")]
    entries = cli.run("optout", "list", "--source", "import", "--json").json["entries"]
    assert {e["number"] for e in entries} == {"+33611223344", "+33698765432"}
    assert {e["note"] for e in entries} == {"from stops.csv"}
    # The same file again: nothing new, the good rows are "already".
    again = cli.run("optout", "import", str(csv), "--json")
    assert again.json["added"] == 0 and again.json["already"] == 2


def test_import_of_only_bad_rows_exits_2(cli: Cli, tmp_path: Path) -> None:
    plain = tmp_path / "numbers.txt"
    plain.write_text("12\n34\n", encoding="utf-8")
    result = cli.run("optout", "import", str(plain))
    assert result.code == 2
    assert "line 1" in result.stderr and "line 2" in result.stderr
    missing = cli.run("optout", "import", str(tmp_path / "none.csv"), "--json")
    assert missing.code == 2
    assert_error_json(missing, "invalid_file")


def test_sync_copies_the_ecampaign_blacklist(cli: Cli) -> None:
    cli.add_account("ecampaign")
    result = cli.run("optout", "sync", "--account", ECAMPAIGN, "--json")
    assert result.code == 0, result.output
    payload = result.json
    assert payload["added"] == [BLACKLISTED] and payload["blacklist_entries"] == 1
    assert payload["no_longer_on_blacklist"] == [] and payload["unusable"] == []
    assert [r.path for r in requests_to(cli.cluster, "ecampaign")] == [
        "/manageFeedback/sms/getBlacklist"
    ]
    [entry] = cli.run("optout", "list", "--account", ECAMPAIGN, "--json").json["entries"]
    assert (entry["number"], entry["source"]) == (BLACKLISTED, "blacklist")
    assert entry["note"].startswith("blacklist")
    # Taken off eCampaign's blacklist: the local list keeps it, and says so.
    removed = cli.run(
        "blacklist", "remove", BLACKLISTED, "--account", ECAMPAIGN, "--channel", "sms", "--yes"
    )
    assert removed.code == 0, removed.output
    again = cli.run("optout", "sync", "--account", ECAMPAIGN)
    assert again.code == 0, again.output
    assert "no longer on it; they stay on the opt-out list" in again.stdout
    assert cli.run("optout", "list", "--json").json["total"] == 1


def test_sync_needs_a_provider_with_a_blacklist(cli: Cli) -> None:
    cli.add_account("capitole")
    result = cli.run("optout", "sync", "--account", "demo-capitole", "--json")
    assert result.code == 2
    assert_error_json(result, "unsupported")
    unknown = cli.run("optout", "sync", "--account", "nobody", "--json")
    assert unknown.code == 3
