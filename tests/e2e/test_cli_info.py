"""The read-only commands end to end: ``credits``, ``cdr``, ``sms-count``, ``--version``."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from importlib.metadata import version
from typing import Any

import pytest

from tests.e2e.conftest import (
    CASES,
    Cli,
    requests_to,
)

BALANCE_LINE_KEYS = {"label", "amount", "unit", "route_id", "channel", "expires"}
TODAY = date.today()


def lines_of(payload: dict[str, Any]) -> list[tuple[str, Decimal, str, str | None, str | None]]:
    """The balance lines, amounts as numbers (their text form is the provider's)."""
    rows = payload["balance"]
    assert isinstance(rows, list)
    for row in rows:
        assert set(row) == BALANCE_LINE_KEYS, row
    return [
        (r["label"], Decimal(r["amount"]), r["unit"], r["route_id"], (r["channel"] or "").lower())
        for r in rows
    ]


# --------------------------------------------------------------------------- credits


@pytest.mark.parametrize(
    ("provider", "expected", "path"),
    [
        pytest.param(
            "voicepartner",
            [("credit", Decimal("50"), "EUR", None, "")],
            "/v1/me/sandbox-secret",
            id="voicepartner",
        ),
        pytest.param(
            "octopush",
            [  # 100 EUR at 0.055 (premium) and 0.035 (low cost) per SMS
                ("Premium SMS, France (FR)", Decimal("1818.18"), "SMS", "FR", "sms"),
                ("Low-cost SMS, France (XXX)", Decimal("2857.14"), "SMS", "XXX", "sms"),
            ],
            "/api/balance/json",
            id="octopush",
        ),
        pytest.param(
            "ecampaign",
            [
                ("SMS Premium", Decimal(500), "credits", "1", "sms"),
                ("Voice", Decimal(200), "credits", "2", "voice"),
                ("Mail", Decimal(1000), "credits", "3", "mail"),
                ("FAX", Decimal(50), "credits", "4", "fax"),
            ],
            "/manageCredit/getCredit",
            id="ecampaign",
        ),
    ],
)
def test_credits_json(
    porte_voix: Cli, accounts: dict[str, str], provider: str, expected: list[Any], path: str
) -> None:
    result = porte_voix.run("credits", "--account", accounts[provider], "--json")

    assert result.code == 0, result.output
    payload = result.json
    assert set(payload) == {"account", "provider", "balance", "as_of"}
    assert (payload["account"], payload["provider"]) == (accounts[provider], provider)
    assert lines_of(payload) == expected
    assert [r.path for r in requests_to(porte_voix.cluster, provider)] == [path]


def test_credits_follow_the_provider(porte_voix: Cli, accounts: dict[str, str]) -> None:
    porte_voix.cluster.sandboxes["voicepartner"].credit = Decimal("12.34")  # type: ignore[attr-defined]

    result = porte_voix.run("credits", "--account", "demo-voicepartner")

    assert result.code == 0, result.output
    assert "12.34" in result.stdout and "EUR" in result.stdout


def test_credits_after_a_send(porte_voix: Cli, accounts: dict[str, str]) -> None:
    tts = next(case for case in CASES if case.id == "voicepartner-tts")
    assert porte_voix.run(*tts.send_args("0612345678", extra=["--yes"])).code == 0

    result = porte_voix.run("credits", "--account", "demo-voicepartner", "--json")

    assert lines_of(result.json) == [("credit", Decimal("49.85"), "EUR", None, "")]


@pytest.mark.parametrize(
    ("provider", "code"),
    [("voicepartner", "401"), ("octopush", "101"), ("ecampaign", "3")],
)
def test_credits_with_bad_credentials_exit_3(porte_voix: Cli, provider: str, code: str) -> None:
    name = porte_voix.add_account(provider, secret="not-the-secret")

    result = porte_voix.run("credits", "--account", name, "--json")

    assert result.code == 3, result.output
    # A name in "code", the provider's own code in its own field (issue 9, item 11).
    assert result.json["error"]["code"] == "authentication"
    assert result.json["error"]["provider_code"] == code
    assert "not-the-secret" not in result.output


def test_capitole_credits_before_any_send(porte_voix: Cli, accounts: dict[str, str]) -> None:
    """CapitoleMobile has no balance call: its balance is only known from send replies."""
    result = porte_voix.run("credits", "--account", "demo-capitole", "--json")

    assert result.code == 1, result.output
    assert result.json["error"]["code"] == "unsupported"
    assert result.json["error"]["provider_code"] == "UNSUPPORTED"
    assert "first send" in result.json["error"]["message"]
    assert requests_to(porte_voix.cluster, "capitole") == []


def test_capitole_credits_after_a_send(porte_voix: Cli, accounts: dict[str, str]) -> None:
    sms = next(case for case in CASES if case.id == "capitole-sms")
    assert porte_voix.run(*sms.send_args("0612345678", extra=["--yes"])).code == 0

    result = porte_voix.run("credits", "--account", "demo-capitole", "--json")
    text = porte_voix.run("credits", "--account", "demo-capitole")

    assert result.code == 0, result.output
    assert [line[1] for line in lines_of(result.json)] == [Decimal(999)]
    assert result.json["as_of"]
    assert "999" in text.stdout
    assert len(requests_to(porte_voix.cluster, "capitole")) == 1  # credits asked nothing


# --------------------------------------------------------------------------- cdr


def _cdr(cli: Cli, *options: str, start: date | None = None, stop: date | None = None) -> Any:
    start = start or TODAY - timedelta(days=5)
    stop = stop or TODAY + timedelta(days=1)
    return cli.run(
        "cdr", "--account", "demo-ecampaign", "--from", str(start), "--to", str(stop), *options
    )


def test_cdr_json_shows_the_account_history(porte_voix: Cli, accounts: dict[str, str]) -> None:
    """The demo account holds sends made on the web interface in the last days."""
    result = _cdr(porte_voix, "--json")

    assert result.code == 0, result.output
    payload = result.json
    assert set(payload) == {"account", "messages", "campaigns"}
    (message,) = payload["messages"]
    assert (message["number"], message["channel"], message["state"], message["from_api"]) == (
        "+33612345602",
        "sms",
        "delivered",
        False,
    )
    campaigns = {(c["id"], c["channel"], c["recipients_count"]) for c in payload["campaigns"]}
    assert campaigns == {("5001", "sms", 3), ("5002", "mail", 2)}
    only_sms = _cdr(porte_voix, "--json", "--channel", "sms").json
    assert [c["id"] for c in only_sms["campaigns"]] == ["5001"]


def test_cdr_csv(porte_voix: Cli, accounts: dict[str, str]) -> None:
    result = _cdr(porte_voix, "--csv")

    assert result.code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [
        (row["id"], row["number"], row["state"]) for row in rows if row["kind"] == "message"
    ] == [("700004", "+33612345602", "delivered")]
    assert {row["id"] for row in rows if row["kind"] == "campaign"} == {"5001", "5002"}


def test_cdr_after_a_send(porte_voix: Cli, accounts: dict[str, str]) -> None:
    sms = next(case for case in CASES if case.id == "ecampaign-sms")
    sent = porte_voix.run(*sms.send_args("0612345678", extra=["--yes", "--json"]))
    assert sent.code == 0, sent.output
    message_id = sent.json["recipients"][0]["message_id"]

    result = _cdr(porte_voix, "--json")
    as_csv = _cdr(porte_voix, "--csv")

    ours = [m for m in result.json["messages"] if m["from_api"]]
    assert [(m["number"], m["message_ref"], m["channel"]) for m in ours] == [
        ("+33612345678", message_id, "sms")
    ]
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert message_id in [row["message_ref"] for row in rows]


def test_cdr_refusals(porte_voix: Cli, accounts: dict[str, str]) -> None:
    reversed_ = _cdr(porte_voix, "--json", start=TODAY, stop=TODAY - timedelta(days=1))
    assert reversed_.code == 2, reversed_.output
    assert reversed_.json["error"]["code"] == "invalid_date"

    no_cdr = porte_voix.run(
        "cdr", "--account", "demo-capitole", "--from", str(TODAY), "--to", str(TODAY), "--json"
    )
    assert no_cdr.code == 2, no_cdr.output
    assert no_cdr.json["error"]["code"] == "unsupported"
    assert requests_to(porte_voix.cluster, "ecampaign") == []

    # The platform answers 80 to a period over 31 days: the range is split and read on, so a
    # 60-day range succeeds (tests/e2e/test_cli_history.py checks every day comes once).
    long_range = _cdr(porte_voix, "--json", start=TODAY - timedelta(days=60), stop=TODAY)
    assert long_range.code == 0, long_range.output
    assert [m["id"] for m in long_range.json["messages"]] == ["700004"]


# --------------------------------------------------------------------------- sms-count

COUNT_KEYS = {"encoding", "characters", "units", "segments", "unencodable", "max_segments"}


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    [
        pytest.param(
            "Bonjour",
            ["--provider", "octopush"],
            {"encoding": "GSM-7", "characters": 7, "units": 7, "segments": 1, "unencodable": []},
            id="gsm7",
        ),
        pytest.param(
            "Été : 10 € {promo}",  # € { } are GSM-7 extension characters: two septets each
            ["--provider", "ecampaign"],
            {"encoding": "GSM-7", "characters": 18, "units": 21, "segments": 1, "unencodable": []},
            id="gsm7-extension",
        ),
        pytest.param(
            "a" * 161,
            ["--provider", "ecampaign"],
            {"encoding": "GSM-7", "characters": 161, "units": 161, "segments": 2},
            id="gsm7-two-segments",
        ),
        pytest.param(
            "Bonjour ’ 😀",  # the emoji is two UTF-16 code units
            ["--provider", "octopush"],
            {"encoding": "UCS-2", "characters": 11, "units": 12, "segments": 1, "unencodable": []},
            id="ucs2",
        ),
        pytest.param(
            "Bonjour ’ 😀",
            ["--provider", "capitole"],
            {"encoding": "UCS-2", "unencodable": ["’", "😀"], "max_segments": 1},
            id="capitole-unencodable",
        ),
        pytest.param(
            "Bonjour",  # + " STOP au 36XXX", 14 characters the platform appends
            ["--provider", "capitole", "--route", "marketing"],
            {"encoding": "GSM-7", "characters": 21, "units": 21, "segments": 1},
            id="capitole-marketing-stop",
        ),
        pytest.param(
            "Bonjour",
            ["--account", "demo-capitole", "--route", "marketing"],
            {"characters": 21, "max_segments": 1},
            id="capitole-by-account",
        ),
        pytest.param(
            "a" * 161,
            ["--provider", "capitole", "--long"],
            {"segments": 2, "max_segments": 4},
            id="capitole-long",
        ),
    ],
)
def test_sms_count_json(
    porte_voix: Cli,
    accounts: dict[str, str],
    text: str,
    options: list[str],
    expected: dict[str, Any],
) -> None:
    result = porte_voix.run("sms-count", text, *options, "--json")

    assert result.code == 0, result.output
    payload = result.json
    assert COUNT_KEYS <= set(payload) <= COUNT_KEYS | {"stop_mention"}, payload
    assert {key: payload[key] for key in expected} == expected
    assert all(sandbox.requests == [] for sandbox in porte_voix.cluster.sandboxes.values())


def test_sms_count_notification_route_adds_no_stop_mention(porte_voix: Cli) -> None:
    notification = porte_voix.run("sms-count", "Bonjour", "--provider", "capitole", "--json")

    assert notification.code == 0, notification.output
    assert (notification.json["characters"], notification.json["units"]) == (7, 7)
    assert notification.json.get("stop_mention") is None


def test_sms_count_text_output_names_what_cannot_be_sent(porte_voix: Cli) -> None:
    result = porte_voix.run("sms-count", "C’est l’été 😀", "--provider", "capitole")

    assert result.code == 0, result.output
    assert "UCS-2" in result.stdout
    assert "’" in result.stdout and "😀" in result.stdout


# --------------------------------------------------------------------------- --version


def test_version(porte_voix: Cli) -> None:
    in_process = porte_voix.run("--version")
    real = porte_voix.subprocess("--version")

    expected = f"porte-voix {version('porte-voix')}\n"
    assert (in_process.code, in_process.stdout) == (0, expected)
    assert (real.code, real.stdout) == (0, expected)
