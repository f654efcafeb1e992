"""``history``, ``cdr`` over long ranges, and ``credits`` for every account, end to end against
the sandboxes (issue 11), plus balances kept per account and channel (issue 9, item 2)."""

from __future__ import annotations

import csv
import io
import itertools
import urllib.parse
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from lxml import etree

from tests.e2e.conftest import CASES, Cli, requests_to

TODAY = date.today()
HISTORY_FIELDS = [
    "reference", "account", "provider", "channel", "campaign_id", "provider_reference",
    "number", "outcome", "state", "provider_code", "meaning", "error", "sent_at", "state_at",
    "updated_at", "message_id", "dry_run",
]  # fmt: skip
ACCOUNT_KEYS = {"account", "provider", "balances", "seen_at", "error"}


def _send(cli: Cli, case_id: str, *numbers: str) -> dict[str, Any]:
    case = next(case for case in CASES if case.id == case_id)
    result = cli.run(*case.send_args(*numbers, extra=["--yes", "--json"]))
    assert result.code in (0, 1), result.output
    payload: dict[str, Any] = result.json
    return payload


# --------------------------------------------------------------------------- history


def test_history_lists_every_recipient_with_filters(porte_voix: Cli, accounts: Any) -> None:
    first = _send(porte_voix, "capitole-sms", "0612345678", "0612345600")
    second = _send(porte_voix, "octopush-sms", "0698765432")

    everything = porte_voix.run("history", "--json")
    capitole = porte_voix.run("history", "--account", "demo-capitole", "--json")
    one = porte_voix.run("history", "--number", "06 98 76 54 32", "--json")
    by_send = porte_voix.run("history", "--campaign", first["reference"], "--json")
    as_csv = porte_voix.run("history", "--provider", "octopush", "--csv")
    human = porte_voix.run("history")

    assert everything.code == 0, everything.output
    rows = everything.json["rows"]
    assert everything.json["count"] == 3 and len(rows) == 3
    assert set(rows[0]) == set(HISTORY_FIELDS)
    # Newest first: the Octopush send, then the Capitole one's recipients (last given first).
    assert [(r["reference"], r["number"]) for r in rows] == [
        (second["reference"], "+33698765432"),
        (first["reference"], "+33612345600"),
        (first["reference"], "+33612345678"),
    ]
    assert {r["outcome"] for r in rows} == {"accepted"}
    assert {r["account"] for r in capitole.json["rows"]} == {"demo-capitole"}
    assert [r["number"] for r in one.json["rows"]] == ["+33698765432"]
    assert len(by_send.json["rows"]) == 2
    assert next(csv.reader(io.StringIO(as_csv.stdout))) == HISTORY_FIELDS
    assert [row["number"] for row in csv.DictReader(io.StringIO(as_csv.stdout))] == ["+33698765432"]
    assert human.stdout.splitlines()[0].startswith("SENT (UTC)")
    assert first["reference"] in human.stdout


def test_history_status_and_refusals(porte_voix: Cli, accounts: Any) -> None:
    _send(porte_voix, "capitole-sms", "0612345678")

    none = porte_voix.run("history", "--status", "rejected", "--json")
    accepted = porte_voix.run("history", "--status", "accepted", "--json")
    wrong_status = porte_voix.run("history", "--status", "sunny", "--json")
    wrong_day = porte_voix.run("history", "--from", "yesterday", "--json")
    wrong_number = porte_voix.run("history", "--number", "12", "--json")
    future = porte_voix.run("history", "--from", str(TODAY + timedelta(days=2)), "--json")

    assert none.json["rows"] == [] and len(accepted.json["rows"]) == 1
    for refused, code in (
        (wrong_status, "invalid_status"),
        (wrong_day, "invalid_date"),
        (wrong_number, "invalid_number"),
    ):
        assert refused.code == 2, refused.output
        assert refused.json["error"]["code"] == code
    assert future.json["rows"] == []


def test_history_shows_delivery_codes_with_their_meaning(porte_voix: Cli, accounts: Any) -> None:
    """A delivery report stored for a recipient shows its state, code and meaning."""
    sent = _send(porte_voix, "ecampaign-sms", "0612345678")
    with __import__("sqlite3").connect(porte_voix.db_path) as conn:
        conn.execute(
            "UPDATE send_recipients SET delivery_state = 'failed', delivery_code = '8' "
            "WHERE reference = ?",
            (sent["reference"],),
        )

    rows = porte_voix.run("history", "--status", "undelivered", "--json").json["rows"]

    assert [(r["state"], r["provider_code"]) for r in rows] == [("failed", "8")]
    assert rows[0]["meaning"].startswith("8: ")


# --------------------------------------------------------------------------- cdr


def _periods(cli: Cli) -> list[tuple[date, date]]:
    """The getCDR periods the sandbox was asked for, in order."""
    periods = []
    for request in requests_to(cli.cluster, "ecampaign"):
        form = urllib.parse.parse_qs(request.body.decode("ascii"))
        query = etree.fromstring(form["xml"][0].encode()).find("tracking/getCDR")
        assert query is not None
        first = date.fromisoformat(query.findtext("startdate") or "")
        periods.append((first, date.fromisoformat(query.findtext("stopdate") or "")))
    return periods


def test_cdr_over_three_months_reads_every_day_once(porte_voix: Cli, accounts: Any) -> None:
    """The sandbox answers 80 beyond 31 days: the CLI splits and reads on, day after day."""
    start, stop = TODAY - timedelta(days=91), TODAY + timedelta(days=1)

    result = porte_voix.run(
        "cdr", "--account", "demo-ecampaign", "--from", str(start), "--to", str(stop), "--json"
    )

    assert result.code == 0, result.output
    assert [m["id"] for m in result.json["messages"]] == ["700004"]
    assert sorted(c["id"] for c in result.json["campaigns"]) == ["5001", "5002"]
    accepted = [p for p in _periods(porte_voix) if (p[1] - p[0]).days <= 31]
    assert len(accepted) < len(_periods(porte_voix))  # some were refused with 80, then split
    assert accepted[0][0] == start and accepted[-1][1] == stop
    assert all(b[0] == a[1] + timedelta(days=1) for a, b in itertools.pairwise(accepted))


def test_cdr_campaign_drill_down_streams_csv(porte_voix: Cli, accounts: Any) -> None:
    """A generated campaign of 5,000 messages, each status with its meaning."""
    result = porte_voix.run(
        "cdr", "--account", "demo-ecampaign", "--from", str(TODAY), "--to", str(TODAY),
        "--campaign", "9000005000", "--channel", "sms", "--csv",
    )  # fmt: skip

    assert result.code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 5000 and {row["kind"] for row in rows} == {"message"}
    assert {row["status_code"] for row in rows} == {"1", "2", "4", "8", "9"}
    assert all(row["status_meaning"] for row in rows)
    human = porte_voix.run(
        "cdr", "--account", "demo-ecampaign", "--from", str(TODAY), "--to", str(TODAY),
        "--campaign", "9000000003", "--channel", "sms",
    )  # fmt: skip
    assert human.stdout.splitlines()[0].split() == [
        "MESSAGE", "CHANNEL", "RECIPIENT", "STATE", "DATE", "STATUS"
    ]  # fmt: skip
    assert "4: " in human.stdout


def test_cdr_options_reach_the_request(porte_voix: Cli, accounts: Any) -> None:
    result = porte_voix.run(
        "cdr", "--account", "demo-ecampaign", "--from", str(TODAY), "--to", str(TODAY),
        "--campaigns-only", "--api-only", "--content", "--json",
    )  # fmt: skip

    assert result.code == 0, result.output
    (request,) = requests_to(porte_voix.cluster, "ecampaign")
    body = urllib.parse.unquote_plus(request.body.decode("ascii"))
    for element in ("<campaignonly>", "<apionly>", "<showcontent>"):
        assert element in body


# --------------------------------------------------------------------------- credits


def test_credits_without_account_lists_every_account(porte_voix: Cli, accounts: Any) -> None:
    porte_voix.add_account("octopush", name="broken-octo", secret="not-the-secret")

    result = porte_voix.run("credits", "--json")

    assert result.code == 1, result.output  # one account failed
    listed = {entry["account"]: entry for entry in result.json["accounts"]}
    assert set(listed) == {*accounts.values(), "broken-octo"}
    for entry in listed.values():
        assert set(entry) == ACCOUNT_KEYS
    ecampaign = listed["demo-ecampaign"]
    assert ecampaign["error"] is None and ecampaign["seen_at"]
    assert [(b["label"], b["channel"], b["route_id"]) for b in ecampaign["balances"]] == [
        ("SMS Premium", "sms", "1"),
        ("Voice", "voice", "2"),
        ("Mail", "mail", "3"),
        ("FAX", "fax", "4"),
    ]
    assert listed["broken-octo"]["error"]["code"] == "authentication"
    assert listed["broken-octo"]["error"]["provider_code"] == "101"
    capitole = listed["demo-capitole"]
    assert capitole["balances"] == [] and capitole["error"]["code"] == "unsupported"
    assert "no balance endpoint" in capitole["error"]["message"]
    assert "not-the-secret" not in result.output


def test_capitole_balances_are_kept_per_channel(porte_voix: Cli, accounts: Any) -> None:
    """Issue 9, item 2: a voice send's balance is the voice platform's, never the SMS one."""
    porte_voix.cluster.sandboxes["capitole_vms"].balance = Decimal(500)  # type: ignore[attr-defined]
    _send(porte_voix, "capitole-sms", "0612345678")  # SMS: 1000 -> 999
    _send(porte_voix, "capitole-vms", "0612345678")  # voice: 500 -> 499

    single = porte_voix.run("credits", "--account", "demo-capitole", "--json")
    every = porte_voix.run("credits", "--json")
    human = porte_voix.run("credits", "--account", "demo-capitole")

    assert single.code == 0, single.output
    assert [(r["channel"], Decimal(r["amount"])) for r in single.json["balance"]] == [
        ("sms", Decimal(999)),
        ("voice", Decimal(499)),
    ]
    (capitole,) = [e for e in every.json["accounts"] if e["account"] == "demo-capitole"]
    assert capitole["error"] is None
    assert {(b["channel"], b["source"]) for b in capitole["balances"]} == {
        ("sms", "send reply"),
        ("voice", "send reply"),
    }
    assert "no balance endpoint" in human.stdout


def test_an_account_check_keeps_the_balances_it_read(porte_voix: Cli, accounts: Any) -> None:
    from tui.outbox.store import Store

    assert porte_voix.run("accounts", "check", "demo-ecampaign").code == 0
    with Store(porte_voix.db_path) as store:
        lines = store.balances("demo-ecampaign")
    assert [(line.route, line.amount) for line in lines] == [
        ("1", 500), ("2", 200), ("3", 1000), ("4", 50)
    ]  # fmt: skip


def test_a_closed_pipe_ends_history_and_cdr_quietly(porte_voix: Cli, accounts: Any) -> None:
    """``porte-voix cdr … | head``: the reader goes, the command stops, no traceback."""
    import os
    import subprocess
    import sys

    from tests.e2e.conftest import ROOT
    from tests.functional.history_helpers import seed

    _send(porte_voix, "capitole-sms", "0612345678")
    seed(porte_voix.db_path, 100, 100)  # 10,000 rows: more than a pipe holds
    commands = [
        ["history", "--csv"],
        ["cdr", "--account", "demo-ecampaign", "--from", str(TODAY), "--to", str(TODAY),
         "--campaign", "9000200000", "--channel", "sms", "--csv"],
    ]  # fmt: skip
    for args in commands:
        child = subprocess.Popen(
            [sys.executable, "-m", "tui.cli", *args],
            cwd=ROOT,
            env={**os.environ, **porte_voix.env()},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert child.stdout is not None and child.stderr is not None
        assert child.stdout.readline().startswith(b"reference" if args[0] == "history" else b"kind")
        child.stdout.close()
        errors = child.stderr.read().decode()
        assert child.wait(timeout=60) == 0, errors
        assert "Traceback" not in errors and "BrokenPipe" not in errors
