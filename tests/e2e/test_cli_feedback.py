"""``porte-voix blacklist``, ``replies`` and ``hlr`` end to end, against the eCampaign sandbox.

The demo account's SMS blacklist holds +33612345699 (it answered STOP), the fax one +33145000099,
the e-mail one ancien.client@example.fr; its SMS replies are a STOP and "OK merci, à demain".
The sandbox's HLR answers by the number's last digits (``providers.sandbox.ecampaign``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from providers.sandbox.ecampaign.state import BlacklistEntry, InboundSms, utcnow
from tests.e2e.conftest import Cli, assert_error_json, requests_to
from tests.hostile import raw_controls

ACCOUNT = "demo-ecampaign"
ENTRY_KEYS = {"date", "number", "mail", "reason"}
#: What an XML reply can carry that a terminal obeys: an 8-bit CSI, DEL, a right-to-left override.
HOSTILE = "\x9b2J\x7f\u202e"
SHOWN = "\\x9b2J\\x7f\\u202e"


@pytest.fixture
def cli(porte_voix: Cli) -> Cli:
    porte_voix.add_account("ecampaign")
    return porte_voix


def paths(cli: Cli) -> list[str]:
    return [request.path for request in requests_to(cli.cluster, "ecampaign")]


# --------------------------------------------------------------------------- blacklists


@pytest.mark.parametrize(
    ("channel", "number", "mail"),
    [
        ("sms", "+33612345699", None),
        ("fax", "+33145000099", None),
        ("mail", None, "ancien.client@example.fr"),
    ],
)
def test_blacklist_list_per_channel(
    cli: Cli, channel: str, number: str | None, mail: str | None
) -> None:
    result = cli.run("blacklist", "list", "--account", ACCOUNT, "--channel", channel, "--json")
    assert result.code == 0, result.output
    payload = result.json
    assert (payload["account"], payload["channel"]) == (ACCOUNT, channel)
    [entry] = payload["entries"]
    assert set(entry) == ENTRY_KEYS
    assert (entry["number"], entry["mail"]) == (number, mail)
    assert paths(cli) == [f"/manageFeedback/{channel}/getBlacklist"]


def test_blacklist_search_finds_a_number_as_typed_nationally(cli: Cli) -> None:
    found = cli.run("blacklist", "list", "--account", ACCOUNT, "--channel", "sms", "--search",
                    "06 12 34 56 99")  # fmt: skip
    assert found.code == 0, found.output
    assert "+33612345699" in found.stdout and "STOP SMS" in found.stdout
    none = cli.run(
        "blacklist", "list", "--account", ACCOUNT, "--channel", "sms", "--search", "0700"
    )
    assert none.code == 0 and "no entry on the SMS blacklist matches" in none.stdout


def test_blacklist_remove_needs_yes_without_a_terminal(cli: Cli) -> None:
    result = cli.run(
        "blacklist", "remove", "0612345699", "--account", ACCOUNT, "--channel", "sms", "--json"
    )
    assert result.code == 2
    assert_error_json(result, "confirmation_required")
    assert paths(cli) == []


def test_blacklist_remove_takes_the_number_off(cli: Cli) -> None:
    removed = cli.run(
        "blacklist", "remove", "06 12 34 56 99", "--account", ACCOUNT, "--channel", "sms",
        "--yes", "--json",
    )  # fmt: skip
    assert removed.code == 0, removed.output
    assert removed.json["status"] == "removed"
    listed = cli.run("blacklist", "list", "--account", ACCOUNT, "--channel", "sms", "--json")
    assert listed.json["entries"] == []


def test_blacklist_remove_asks_on_a_terminal(cli: Cli) -> None:
    args = ["blacklist", "remove", "ancien.client@example.fr", "--account", ACCOUNT,
            "--channel", "mail"]  # fmt: skip
    refused = cli.on_a_terminal(args, b"\n")
    assert refused.code == 2
    assert "receive messages again" in refused.stderr
    accepted = cli.on_a_terminal(args, b"oui\n")
    assert accepted.code == 0, accepted.output
    assert "off the e-mail blacklist" in accepted.stdout


def test_blacklist_remove_refuses_an_address_on_the_sms_list(cli: Cli) -> None:
    result = cli.run(
        "blacklist", "remove", "a@example.fr", "--account", ACCOUNT, "--channel", "sms",
        "--yes", "--json",
    )  # fmt: skip
    assert result.code == 2
    assert result.json["error"]["code"] == "invalid_recipient"
    assert paths(cli) == []


def test_blacklist_shows_a_hostile_reason_visibly(cli: Cli) -> None:
    state = cli.cluster.sandboxes["ecampaign"].state  # type: ignore[attr-defined]
    state.blacklist.append(
        BlacklistEntry("sms", utcnow() - timedelta(days=1), "33", "612345688", reason=HOSTILE)
    )
    text = cli.run("blacklist", "list", "--account", ACCOUNT, "--channel", "sms")
    assert text.code == 0, text.output
    assert raw_controls(text.output) == []
    assert SHOWN in text.stdout
    as_json = cli.run("blacklist", "list", "--account", ACCOUNT, "--channel", "sms", "--json")
    assert raw_controls(as_json.output) == []
    assert HOSTILE in [entry["reason"] for entry in as_json.json["entries"]]


# --------------------------------------------------------------------------- replies


def test_replies_mark_the_stop_ones(cli: Cli) -> None:
    result = cli.run("replies", "--account", ACCOUNT, "--channel", "sms", "--json")
    assert result.code == 0, result.output
    replies = result.json["replies"]
    assert [(r["number"], r["message"], r["stop"]) for r in replies] == [
        ("+33612345699", "STOP", True),
        ("+33612345601", "OK merci, à demain", False),
    ]
    assert all(r["date"] for r in replies)

    human = cli.run("replies", "--account", ACCOUNT)  # --channel sms by default
    header, *lines = human.stdout.splitlines()
    assert header.split() == ["DATE", "(Paris)", "NUMBER", "STOP", "MESSAGE"]
    assert "STOP" in lines[0].split("+33612345699", 1)[1]
    assert "STOP" not in lines[1]

    stops = cli.run("replies", "--account", ACCOUNT, "--search", "stop", "--json")
    assert [r["number"] for r in stops.json["replies"]] == ["+33612345699"]


def test_replies_show_a_hostile_message_visibly(cli: Cli) -> None:
    state = cli.cluster.sandboxes["ecampaign"].state  # type: ignore[attr-defined]
    state.responses.append(InboundSms(utcnow(), "33", "612345602", f"Arrêt {HOSTILE}\nmerci"))
    text = cli.run("replies", "--account", ACCOUNT)
    assert raw_controls(text.output) == []
    assert f"Arrêt {SHOWN} merci" in text.stdout  # one line per reply
    as_json = cli.run("replies", "--account", ACCOUNT, "--json")
    assert raw_controls(as_json.output) == []
    last = as_json.json["replies"][-1]
    assert last["message"] == f"Arrêt {HOSTILE}\nmerci" and last["stop"] is True


# --------------------------------------------------------------------------- number look-up


def test_hlr_of_a_ported_mobile(cli: Cli) -> None:
    result = cli.run("hlr", "06 12 34 56 79", "--account", ACCOUNT, "--json")
    assert result.code == 0, result.output
    payload = result.json
    assert payload["number"] == "+33612345679"
    assert (payload["status_code"], payload["error_code"]) == ("0", "0")
    assert payload["ported"] is True and payload["mcc"] == "208"
    assert payload["status"].startswith("delivered") and payload["error"] == "valid number"
    assert [request.method for request in requests_to(cli.cluster, "ecampaign")] == ["GET"]

    human = cli.run("hlr", "0612345679", "--account", ACCOUNT)
    assert "Number state       0: valid number" in human.stdout
    assert "Ported             yes" in human.stdout
    assert "Country            FR (+33)" in human.stdout
    assert "(MCC 208 MNC" in human.stdout


def test_hlr_explains_the_number_state_code(cli: Cli) -> None:
    result = cli.run("hlr", "0612345600", "--account", ACCOUNT)
    assert result.code == 0, result.output
    assert "1: number not allocated (permanent)" in result.stdout
    absent = cli.run("hlr", "0612345602", "--account", ACCOUNT)
    assert "2: subscriber absent" in absent.stdout


def test_hlr_refuses_an_invalid_number_before_any_request(cli: Cli) -> None:
    result = cli.run("hlr", "12", "--account", ACCOUNT, "--json")
    assert result.code == 2
    assert result.json["error"]["code"] == "invalid_number"
    assert paths(cli) == []


def test_hlr_never_prints_the_secret(cli: Cli) -> None:
    # The only GET of the suite carries the password in its query string.
    cli.run("hlr", "0612345679", "--account", ACCOUNT, "--json")
    cli.run("hlr", "12", "--account", ACCOUNT)
    secret = cli.secrets[ACCOUNT]
    assert all(secret not in output for output in cli.outputs)
