"""``porte-voix send`` at scale (issue 13): numbers parsed once as they are read, the report
written as it is read from the outbox, the same bytes as before; and the CLI notes that came
with it: the provider's default voice type, a misconfigured account exits 3, the lines of a
file's bad numbers named.
"""

from __future__ import annotations

import json
import traceback
from pathlib import Path

import phonenumbers
import pytest

from providers import phone_fr
from providers.sandbox.capitole import form_field
from tests.e2e.conftest import Cli, assert_error_json, assert_nothing_sent, requests_to
from tui.cli.support import json_text


def numbers_file(path: Path, count: int) -> Path:
    path.write_text("".join(f"06{10_000_000 + i:08d}\n" for i in range(count)), encoding="utf-8")
    return path


def test_a_file_of_numbers_is_parsed_once_and_the_report_is_the_same_json(
    porte_voix: Cli, accounts: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listing = numbers_file(tmp_path / "numbers.txt", 1_200)
    reads: list[str] = []
    original_read = phone_fr.read
    monkeypatch.setattr(phone_fr, "read", lambda raw: reads.append(raw) or original_read(raw))
    parses: list[str] = []
    original_parse = phonenumbers.parse

    def parse(*args: object, **kwargs: object) -> object:
        stack = "".join(traceback.format_stack())
        if "providers/sandbox" not in stack:  # the sandbox, in this process, reads them too
            parses.append(stack)
        return original_parse(*args, **kwargs)

    monkeypatch.setattr(phonenumbers, "parse", parse)

    result = porte_voix.run(
        "send", "sms", "--account", "demo-octopush", "--to-file", str(listing),
        "--text", "Bonjour", "--yes", "--json",
    )  # fmt: skip

    assert result.code == 0, result.output
    assert len(reads) == 1_200  # each number read once, at the edge
    assert parses == []  # and never by the general parser (nor by a provider's rules)
    payload = result.json
    assert len(payload["recipients"]) == 1_200
    assert {r["status"] for r in payload["recipients"]} == {"accepted"}
    # Written as it was read from the outbox, it is exactly what one json.dumps gives.
    assert result.stdout == json_text(payload) + "\n"
    assert len(requests_to(porte_voix.cluster, "octopush")) == 3  # batches of 500


def test_the_report_without_json_lists_every_number(
    porte_voix: Cli, accounts: dict[str, str], tmp_path: Path
) -> None:
    listing = numbers_file(tmp_path / "numbers.txt", 3)
    result = porte_voix.run(
        "send", "sms", "--account", "demo-capitole", "--to-file", str(listing),
        "--text", "Bonjour", "--yes",
    )  # fmt: skip
    assert result.code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("accepted: reference PV")
    assert [line.split()[0] for line in lines[1:4]] == [
        "+33610000000",
        "+33610000001",
        "+33610000002",
    ]


def test_bad_numbers_in_a_file_are_named_with_their_lines(
    porte_voix: Cli, accounts: dict[str, str], tmp_path: Path
) -> None:
    listing = tmp_path / "clients.csv"
    listing.write_text(
        "nom;mobile\nMartin;0612345601\nPetit;06123\nDurand;0612345603\nRoux;abc\n",
        encoding="utf-8",
    )
    result = porte_voix.run(
        "send", "sms", "--account", "demo-capitole", "--to-file", str(listing),
        "--text", "Bonjour", "--yes", "--json",
    )  # fmt: skip
    assert result.code == 2, result.output
    message = assert_error_json(result, "invalid_file")
    assert "2 invalid number(s) in the column 'mobile'" in message
    assert "line 3: '06123' has the wrong length" in message
    assert "line 5: 'abc'" in message
    assert_nothing_sent(porte_voix)


def test_many_bad_numbers_are_counted_beyond_the_first_ten(
    porte_voix: Cli, accounts: dict[str, str], tmp_path: Path
) -> None:
    listing = tmp_path / "numbers.txt"
    listing.write_text("0612345601\n" + "06123\n" * 25, encoding="utf-8")
    result = porte_voix.run(
        "send", "sms", "--account", "demo-capitole", "--to-file", str(listing),
        "--text", "Bonjour", "--yes", "--json",
    )  # fmt: skip
    assert result.code == 2, result.output
    message = assert_error_json(result, "invalid_file")
    assert message.startswith("25 invalid number(s)")
    assert "line 11:" in message and "line 12:" not in message
    assert message.endswith("(and 15 more)")


def test_capitole_voice_goes_as_ad_by_default_as_in_the_console(
    porte_voix: Cli, accounts: dict[str, str]
) -> None:
    """AD reaches landlines: without --type, a landline is called, as the help says."""
    result = porte_voix.run(
        "send", "vms", "--account", "demo-capitole", "--voice-msg", "Promo hiver",
        "--sender", "0145000000", "--to", "0145000001", "--yes", "--json",
    )  # fmt: skip
    assert result.code == 0, result.output
    (request,) = requests_to(porte_voix.cluster, "capitole")
    xml = form_field(request.body, b"XML")
    assert xml is not None and b"<type>AD</type>" in xml


def test_a_send_to_a_malformed_url_exits_3(porte_voix: Cli, accounts: dict[str, str]) -> None:
    """The account's setting is the problem (BAD_URL, a configuration error), not the message:
    exit 3, as for a refused password, and the report still says what became of the send."""
    path = porte_voix.home / "config.toml"
    text = path.read_text(encoding="utf-8")
    import tomllib

    url = tomllib.loads(text)["accounts"]["demo-octopush"]["options"]["base_url"]
    path.write_text(text.replace(url, "http://[::1/api"), encoding="utf-8")

    result = porte_voix.run(
        "send", "sms", "--account", "demo-octopush", "--to", "0612345601",
        "--text", "Bonjour", "--yes", "--json",
    )  # fmt: skip

    assert result.code == 3, result.output
    assert result.json["state"] == "rejected"
    assert [r["number"] for r in result.json["recipients"]] == ["+33612345601"]
    assert "BAD_URL" in json.dumps(result.json["recipients"][0]["error"])
    assert requests_to(porte_voix.cluster, "octopush") == []
