"""What a CLI user met in the eCampaign management commands (issue 10, review findings), end to
end against the sandbox: ``--account`` left out, table headers and aligned columns, times that
say their zone, ``optout import``'s repeats and first line, ``blacklist remove`` of a number not
on the list, and ``hlr`` of numbers that are not mobiles.

The demo eCampaign account's SMS blacklist holds +33612345699; its HLR answers any number.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import Cli, assert_error_json, assert_nothing_sent, requests_to

ECAMPAIGN = "demo-ecampaign"
PARIS = ZoneInfo("Europe/Paris")
#: The longest account name the tables must keep aligned (names are at most 40; 32 is the cap).
LONG_ACCOUNT = "a" * 30 + "-x"


@pytest.fixture
def cli(porte_voix: Cli) -> Cli:
    return porte_voix


def ecampaign_paths(cli: Cli) -> list[str]:
    return [request.path for request in requests_to(cli.cluster, "ecampaign")]


# --------------------------------------------------------------------------- 1. --account


ACCOUNTLESS = [
    pytest.param(["templates", "list"], id="templates-list"),
    pytest.param(["templates", "show", "1"], id="templates-show"),
    pytest.param(["blacklist", "list", "--channel", "sms"], id="blacklist-list"),
    pytest.param(["replies"], id="replies"),
    pytest.param(["hlr", "0612345678"], id="hlr"),
    pytest.param(["optout", "sync"], id="optout-sync"),
]


@pytest.mark.parametrize("command", ACCOUNTLESS)
def test_the_only_ecampaign_account_is_used_without_account(cli: Cli, command: list[str]) -> None:
    # The default account (the first added) is a CapitoleMobile one: the eCampaign one is the
    # only account these commands can use.
    cli.add_account("capitole")
    cli.add_account("ecampaign")
    default = [a for a in cli.run("accounts", "list", "--json").json["accounts"] if a["default"]]
    assert [a["name"] for a in default] == ["demo-capitole"]
    result = cli.run(*command, "--json")
    assert result.code == 0, result.output
    assert result.json["account"] == ECAMPAIGN
    assert ecampaign_paths(cli), "the eCampaign sandbox was asked"


def test_the_default_account_is_used_when_it_is_an_ecampaign_one(cli: Cli) -> None:
    cli.add_account("ecampaign")  # the first added: the default
    cli.add_account("ecampaign", name="second-ecampaign")
    result = cli.run("templates", "list", "--json")
    assert result.code == 0, result.output
    assert result.json["account"] == ECAMPAIGN
    # --account works exactly as before, whatever the default.
    named = cli.run("templates", "list", "--account", "second-ecampaign", "--json")
    assert named.code == 0 and named.json["account"] == "second-ecampaign"


def test_two_ecampaign_accounts_and_another_default_are_refused(cli: Cli) -> None:
    cli.add_account("capitole")
    cli.add_account("ecampaign")
    cli.add_account("ecampaign", name="second-ecampaign")
    result = cli.run("templates", "list", "--json")
    assert result.code == 2
    message = assert_error_json(result, "account_required")
    assert "demo-ecampaign" in message and "second-ecampaign" in message
    assert "--account NAME" in message and "demo-capitole" in message
    human = cli.run("blacklist", "remove", "0612345699", "--channel", "sms", "--yes")
    assert human.code == 2
    assert "demo-ecampaign, second-ecampaign" in human.stderr
    assert_nothing_sent(cli)


def test_without_any_ecampaign_account_it_is_a_configuration_problem(cli: Cli) -> None:
    cli.add_account("octopush")
    result = cli.run("replies", "--json")
    assert result.code == 3
    message = assert_error_json(result, "configuration")
    assert "no eCampaign (Prosoluce) account" in message and "--provider ecampaign" in message
    assert_nothing_sent(cli)


def test_an_explicit_account_without_the_service_is_still_refused_as_before(cli: Cli) -> None:
    cli.add_account("octopush")
    cli.add_account("ecampaign")
    result = cli.run("templates", "list", "--account", "demo-octopush", "--json")
    assert result.code == 2
    assert result.json["error"]["code"] == "unsupported"


# --------------------------------------------------------------------------- 2-3. tables, zones


def _column_starts(header: str, names: list[str]) -> list[int]:
    return [header.index(name) for name in names]


def test_templates_list_and_show_have_headings_and_say_paris(cli: Cli) -> None:
    cli.add_account("ecampaign")
    header, *rows = cli.run("templates", "list").stdout.splitlines()
    assert header.split() == ["ID", "TYPE", "UPDATED", "(Paris)", "NAME"]
    name_at = header.index("NAME")
    assert [row[name_at:] for row in rows][:2] == ["Rappel rendez-vous", "Annonce vocale"]
    shown = cli.run("templates", "show", "1").stdout
    assert "Created (Paris)" in shown and "Updated (Paris)" in shown
    # --json keeps the dates as eCampaign gives them.
    listed = cli.run("templates", "list", "--json").json["templates"][0]
    assert listed["updated"] in rows[0]


def test_blacklist_and_replies_have_headings(cli: Cli) -> None:
    cli.add_account("ecampaign")
    header, row = cli.run("blacklist", "list", "--channel", "sms").stdout.splitlines()
    assert header.split() == ["DATE", "(Paris)", "NUMBER/ADDRESS", "REASON"]
    assert row[header.index("NUMBER/ADDRESS") :].startswith("+33612345699")
    assert row[header.index("REASON") :] == "STOP SMS"
    header, *rows = cli.run("replies").stdout.splitlines()
    assert header.split() == ["DATE", "(Paris)", "NUMBER", "STOP", "MESSAGE"]
    assert [row[header.index("MESSAGE") :] for row in rows] == ["STOP", "OK merci, à demain"]


def test_optout_list_has_headings_aligned_columns_and_paris_time(cli: Cli) -> None:
    cli.add_account("ecampaign", name=LONG_ACCOUNT)
    assert cli.run("optout", "sync", "--json").code == 0  # +33612345699, from LONG_ACCOUNT
    assert cli.run("optout", "add", "0611223344", "--note", "par téléphone").code == 0
    header, *rows = cli.run("optout", "list").stdout.splitlines()
    names = ["NUMBER", "SOURCE", "ADDED (Paris)", "ACCOUNT", "NOTE"]
    starts = _column_starts(header, names)
    assert starts == sorted(starts)
    assert len(rows) == 2
    by_number = {row[: starts[1]].strip(): row for row in rows}
    synced, manual = by_number["+33612345699"], by_number["+33611223344"]
    assert synced[starts[3] : starts[4]].strip() == LONG_ACCOUNT
    assert manual[starts[4] :] == "par téléphone"
    assert manual[starts[3] : starts[4]].strip() == ""
    # The time shown is the JSON's instant (UTC, with its offset) in Paris time.
    entries = cli.run("optout", "list", "--json").json["entries"]
    added = {e["number"]: datetime.fromisoformat(e["added_at"]) for e in entries}
    for number, row in (("+33612345699", synced), ("+33611223344", manual)):
        assert added[number].utcoffset() is not None
        paris = f"{added[number].astimezone(PARIS):%Y-%m-%d %H:%M}"
        assert row[starts[2] : starts[3]].strip() == paris
    assert "UTC" not in header + "".join(rows)


# --------------------------------------------------------------------------- 4. optout import


def test_import_counts_a_repeated_number_as_duplicate(cli: Cli, tmp_path: Path) -> None:
    plain = tmp_path / "stops.txt"
    plain.write_text("0611223344\n06 11 22 33 44\n0698765432\n+33611223344\n", encoding="utf-8")
    result = cli.run("optout", "import", str(plain), "--json")
    assert result.code == 0, result.output
    payload = result.json
    assert (payload["added"], payload["already"], payload["duplicate"]) == (2, 0, 2)
    assert payload["rejected"] == []
    text = cli.run("optout", "import", str(plain))
    assert text.code == 0
    assert "0 number(s) added, 2 already listed, 2 repeated in the file" in text.stdout


def test_a_first_line_that_is_no_header_is_row_one(cli: Cli, tmp_path: Path) -> None:
    # A letter O typed for a zero: not a number, and no header either (it holds digits).
    plain = tmp_path / "typo.txt"
    plain.write_text("O611223344\n0698765432\n", encoding="utf-8")
    result = cli.run("optout", "import", str(plain), "--json")
    assert result.code == 1, result.output  # some lines did not go in
    assert result.json["added"] == 1
    assert [(r["line"], r["value"]) for r in result.json["rejected"]] == [(1, "O611223344")]

    csv = tmp_path / "no-header.csv"
    csv.write_text("Martin;06 11 22 33 4\nDurand;0698765433\n", encoding="utf-8")
    result = cli.run("optout", "import", str(csv), "--json")
    assert result.code == 1, result.output
    assert result.json["added"] == 1
    [rejected] = result.json["rejected"]
    assert (rejected["line"], rejected["value"]) == (1, "06 11 22 33 4")


def test_real_headers_are_still_headers(cli: Cli, tmp_path: Path) -> None:
    for name, content in (
        ("plain.txt", "mobile\n0611223344\n"),
        ("named.csv", "nom;téléphone\nMartin;0611223345\n"),
        ("digits.csv", "mobile;note 2\n0611223346;x\n"),  # names the number column
    ):
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        result = cli.run("optout", "import", str(path), "--json")
        assert result.code == 0, (name, result.output)
        assert (result.json["added"], result.json["rejected"]) == (1, []), name


# --------------------------------------------------------------------------- 5. blacklist remove


def test_removing_a_number_not_on_the_blacklist_says_so(cli: Cli) -> None:
    cli.add_account("ecampaign")
    result = cli.run("blacklist", "remove", "06 99 99 99 99", "--channel", "sms", "--yes", "--json")
    assert result.code == 1
    error = result.json["error"]
    assert (error["code"], error["provider_code"]) == ("provider", "22")
    assert error["message"].startswith("+33699999999 is not on the SMS blacklist")
    assert "(eCampaign code 22)" in error["message"]
    assert "member not found" not in error["message"]


def test_a_removed_number_is_named_in_e164(cli: Cli) -> None:
    cli.add_account("ecampaign")
    result = cli.run("blacklist", "remove", "06 12 34 56 99", "--channel", "sms", "--yes", "--json")
    assert result.code == 0, result.output
    assert result.json["recipient"] == "+33612345699"
    assert result.json["account"] == ECAMPAIGN


# --------------------------------------------------------------------------- 6. hlr


@pytest.mark.parametrize(
    ("number", "said"),
    [
        pytest.param("0899123456", "service number", id="premium-rate"),
        pytest.param("0810123456", "service number", id="shared-cost"),
        pytest.param("0145000000", "landline", id="landline"),
        pytest.param("0912345678", "VoIP", id="voip"),
    ],
)
def test_hlr_refuses_numbers_that_are_not_mobiles(cli: Cli, number: str, said: str) -> None:
    cli.add_account("ecampaign")
    result = cli.run("hlr", number, "--json")
    assert result.code == 2
    message = assert_error_json(result, "invalid_recipient")
    assert said in message and "mobile" in message
    assert_nothing_sent(cli)


def test_hlr_still_looks_a_mobile_up_and_refuses_garbage_as_before(cli: Cli) -> None:
    cli.add_account("ecampaign")
    mobile = cli.run("hlr", "+33 6 12 34 56 78", "--json")
    assert mobile.code == 0, mobile.output
    assert mobile.json["number"] == "+33612345678"
    garbage = cli.run("hlr", "12", "--json")
    assert garbage.code == 2
    assert_error_json(garbage, "invalid_number")
    assert ecampaign_paths(cli) == ["/numberInfo/HLRlookup"]
