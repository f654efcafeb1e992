"""``porte-voix send``: what the command line is given, checked before any request.

Local validation (text, sender, campaign id, numbers, schedule) refuses with exit code 2 and sends
nothing; recipients come from ``--to`` typed every way or from a CSV file with a header.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import (
    CASES,
    Case,
    Cli,
    assert_error_json,
    assert_nothing_sent,
    cases,
    requests_to,
    sent_text,
)

NUMBER = "0612345678"
CAPITOLE_SMS = next(case for case in CASES if case.id == "capitole-sms")
VOICEPARTNER_TTS = next(case for case in CASES if case.id == "voicepartner-tts")


# --------------------------------------------------------------------------- local validation


def _refused_locally(cli: Cli, args: list[str], code: str, *named: str) -> None:
    result = cli.run(*args, "--yes", "--json")
    assert result.code == 2, result.output
    message = assert_error_json(result, code)
    for fragment in named:
        assert fragment in message, message
    assert_nothing_sent(cli)


@pytest.mark.parametrize(
    ("options", "code", "named"),
    [
        pytest.param(["--text", "Promo 😀 ce soir"], "invalid_text", ["😀", "U+1F600"], id="emoji"),
        pytest.param(["--text", "C’est l’été"], "invalid_text", ["’"], id="typographic-quote"),
        pytest.param(["--text", "a" * 161], "invalid_text", ["161"], id="too-long"),
        pytest.param(
            ["--text", "Bonjour", "--sender", "PORTEVOIX2025"],
            "invalid_sender",
            ["11"],
            id="sender",
        ),
        pytest.param(
            ["--text", "Bonjour", "--campaign-id", "promo-hiver"],
            "invalid_campaign_id",
            ["'-'"],
            id="campaign-id-dash",
        ),
    ],
)
def test_capitole_sms_is_checked_before_any_request(
    porte_voix: Cli, accounts: dict[str, str], options: list[str], code: str, named: list[str]
) -> None:
    args = ["send", "sms", "--account", "demo-capitole", "--to", NUMBER, *options]
    _refused_locally(porte_voix, args, code, *named)


@pytest.mark.parametrize(
    ("options", "code", "named"),
    [
        pytest.param(
            ["--to", "0145000001", "--sender", "0145000000", "--type", "DD"],
            "invalid_recipient",
            ["01 45 00 00 01", "mobile"],
            id="landline-for-DD",
        ),
        pytest.param(
            ["--to", NUMBER, "--sender", "0699999999"], "invalid_sender", ["landline"], id="sender"
        ),
    ],
)
def test_capitole_vms_is_checked_before_any_request(
    porte_voix: Cli, accounts: dict[str, str], options: list[str], code: str, named: list[str]
) -> None:
    args = ["send", "vms", "--account", "demo-capitole", "--voice-msg", "Promo hiver", *options]
    _refused_locally(porte_voix, args, code, *named)


@pytest.mark.parametrize("case", cases())
def test_an_invalid_number_is_named(porte_voix: Cli, accounts: dict[str, str], case: Case) -> None:
    args = case.send_args(NUMBER, "06123")
    _refused_locally(porte_voix, args, "invalid_recipient", "'06123'")


@pytest.mark.parametrize("case", cases())
def test_a_past_schedule_is_refused(porte_voix: Cli, accounts: dict[str, str], case: Case) -> None:
    args = case.send_args(NUMBER, extra=["--schedule", "2020-01-01 10:00:00"])
    _refused_locally(porte_voix, args, "invalid_schedule", "2020-01-01 10:00:00", "past")


# --------------------------------------------------------------------------- recipients


@pytest.mark.parametrize(
    ("case", "mode"),
    [
        pytest.param(VOICEPARTNER_TTS, "--dry-run", id="dry-run"),
        pytest.param(CAPITOLE_SMS, "--yes", id="send"),
    ],
)
def test_numbers_from_a_csv_file_with_a_header(
    porte_voix: Cli, accounts: dict[str, str], tmp_path: Path, case: Case, mode: str
) -> None:
    listing = tmp_path / "clients.csv"
    listing.write_text(
        "nom;prénom;mobile\nMartin;Claire;06 12 34 56 01\nPetit;Léa;+33612345602\n"
        "Martin;Claire;0612345601\n",
        encoding="utf-8",
    )
    args = ["send", case.kind, "--account", case.account, "--to-file", str(listing), *case.content]

    result = porte_voix.run(*args, mode, "--json")

    assert result.code == 0, result.output
    numbers = [r["number"] for r in result.json["recipients"]]
    assert numbers == ["+33612345601", "+33612345602"]  # normalised, the duplicate dropped
    if mode == "--yes":
        (request,) = requests_to(porte_voix.cluster, case.provider)
        sent = sent_text(case, request.body)
        assert "0612345601" in sent and "0612345602" in sent


def test_a_csv_without_a_number_column_is_refused(
    porte_voix: Cli, accounts: dict[str, str], tmp_path: Path
) -> None:
    listing = tmp_path / "clients.csv"
    listing.write_text("nom,ville\nMartin,Paris\n", encoding="utf-8")
    args = ["send", "sms", "--account", "demo-capitole", "--to-file", str(listing), "--text", "x"]
    _refused_locally(porte_voix, args, "invalid_file", "nom", "ville")


def test_numbers_typed_every_way_become_e164(porte_voix: Cli, accounts: dict[str, str]) -> None:
    numbers = ["06 12 34 56 01", "+33612345602,0033 6 12 34 56 03", "06.12.34.56.01"]
    args = [arg for number in numbers for arg in ("--to", number)]
    result = porte_voix.run(
        "send", "vms", "--account", "demo-voicepartner", *args, "--audio", "aud-promo",
        "--dry-run", "--json",
    )  # fmt: skip

    assert result.code == 0, result.output
    assert [r["number"] for r in result.json["recipients"]] == [
        "+33612345601",
        "+33612345602",
        "+33612345603",
    ]
    assert "1 duplicate" in result.stderr
