"""``send --to-file``: every row becomes a recipient or is named with its line, and a file that
is broken or beyond the stated limits is refused before anything is sent (issue 8, items 3, 7).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import tui.csv_import
import tui.csv_lines
from tests.e2e.conftest import Cli, assert_error_json, assert_nothing_sent, requests_to

TEXT = ["--text", "Bonjour"]


def send_file(cli: Cli, path: Path | str, *extra: str) -> list[str]:
    return ["send", "sms", "--account", "demo-capitole", "--to-file", str(path), *TEXT, *extra]


def refused(cli: Cli, path: Path | str, *named: str) -> str:
    result = cli.run(*send_file(cli, path, "--yes", "--json"))
    assert result.code == 2, result.output
    message = assert_error_json(result, "invalid_file")
    for fragment in named:
        assert fragment in message, message
    assert_nothing_sent(cli)
    return message


@pytest.mark.parametrize(
    ("content", "named"),
    [
        pytest.param(
            'nom;mobile\nMartin;0612345601\n"Petit;0612345602\nDurand;0612345603\n',
            ["line 3", "never closed"],
            id="quote-never-closed",
        ),
        pytest.param(
            'nom;mobile\n"Martin;0612345601\nPetit";0612345602\nDurand;0612345603\n',
            ["line 2", "line 3", "close it or remove it"],
            id="quote-swallowing-a-row",
        ),
        pytest.param(
            'nom;mobile\n"Martin"x;0612345601\nPetit;0612345602\n',
            ["line 2", "quote"],
            id="text-after-a-closing-quote",
        ),
        pytest.param(
            "nom;mobile\nMartin;0612345601\nPetit;Léa;0612345602\n",
            ["line 3", "3 cells", "names 2"],
            id="more-cells-than-the-header",
        ),
    ],
)
def test_a_file_whose_quoting_or_columns_are_broken_is_refused_naming_the_line(
    porte_voix: Cli, accounts: dict[str, str], tmp_path: Path, content: str, named: list[str]
) -> None:
    listing = tmp_path / "clients.csv"
    listing.write_text(content, encoding="utf-8")
    refused(porte_voix, listing, *named)


def test_rows_without_a_number_are_named_not_skipped(
    porte_voix: Cli, accounts: dict[str, str], tmp_path: Path
) -> None:
    """Five rows, two without a number: before, exit 0 and three sent without a word."""
    listing = tmp_path / "clients.csv"
    listing.write_text(
        "nom;mobile\nMartin;0612345601\nPetit;\nDurand;0612345603\nRoux; \nBlanc;0612345605\n",
        encoding="utf-8",
    )
    message = refused(porte_voix, listing, "2 row(s)", "line 3", "line 5", "'mobile'")
    assert "line 2" not in message and "line 4" not in message


def test_a_cell_over_two_lines_is_kept_and_every_row_is_sent(
    porte_voix: Cli, accounts: dict[str, str], tmp_path: Path
) -> None:
    """A quoted address on two lines is legitimate CSV: the rows after it are all there."""
    listing = tmp_path / "clients.csv"
    listing.write_text(
        'nom;adresse;mobile\nMartin;"12 rue Haute\n75001 Paris";0612345601\nPetit;;0612345602\n',
        encoding="utf-8",
    )
    result = porte_voix.run(*send_file(porte_voix, listing, "--yes", "--json"))
    assert result.code == 0, result.output
    numbers = [r["number"] for r in result.json["recipients"]]
    assert numbers == ["+33612345601", "+33612345602"]
    assert len(requests_to(porte_voix.cluster, "capitole")) == 1


def test_too_many_rows_is_refused_with_the_limit(
    porte_voix: Cli, accounts: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tui.csv_import, "MAX_ROWS", 3)
    listing = tmp_path / "numbers.txt"
    listing.write_text("".join(f"06123456{i:02}\n" for i in range(4)), encoding="utf-8")
    refused(porte_voix, listing, "more than 3 rows")


def test_a_file_over_the_size_limit_is_refused_unread(
    porte_voix: Cli, accounts: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tui.csv_lines, "MAX_FILE_BYTES", 100)
    listing = tmp_path / "numbers.txt"
    listing.write_text("0612345601\n" * 20, encoding="utf-8")
    refused(porte_voix, listing, "larger than")


def test_the_limits_are_stated_in_the_help(porte_voix: Cli) -> None:
    result = porte_voix.run("send", "sms", "--help")
    assert result.code == 0
    flat = " ".join(result.stdout.split())
    assert "at most 200 MB and 2,000,000 rows" in flat
    assert tui.csv_import.MAX_FILE_BYTES == 200 * 1024 * 1024
    assert tui.csv_import.MAX_ROWS == 2_000_000


def test_dev_zero_is_refused_with_exit_2_not_a_memory_error(
    porte_voix: Cli, accounts: dict[str, str]
) -> None:
    result = porte_voix.subprocess(*send_file(porte_voix, "/dev/zero", "--yes", "--json"))
    assert result.code == 2, result.output
    assert "not a regular file" in assert_error_json(result, "invalid_file")
    assert_nothing_sent(porte_voix)


def test_a_fifo_is_refused_at_once_instead_of_hanging(
    porte_voix: Cli, accounts: dict[str, str], tmp_path: Path
) -> None:
    fifo = tmp_path / "numbers.fifo"
    os.mkfifo(fifo)  # nobody ever writes to it
    result = porte_voix.subprocess(*send_file(porte_voix, fifo, "--yes", "--json"), timeout=20)
    assert result.code == 2, result.output
    assert "not a regular file" in assert_error_json(result, "invalid_file")
    assert_nothing_sent(porte_voix)


def test_a_number_that_cannot_receive_sms_is_named_with_its_line(
    porte_voix: Cli, accounts: dict[str, str], tmp_path: Path
) -> None:
    """A special-rate number in a file was refused by the provider's rules with no line, under
    another code name (invalid_recipients): it is named with its line, as a bad number is."""
    listing = tmp_path / "numbers.txt"
    listing.write_text("0611000011\n0811223344\n", encoding="utf-8")
    refused(porte_voix, listing, "line 2", "cannot receive SMS")


def test_a_typed_number_that_cannot_receive_sms_is_an_invalid_recipient(
    porte_voix: Cli, accounts: dict[str, str]
) -> None:
    args = ["send", "sms", "--account", "demo-octopush", "--to", "0811223344", "--text", "x"]
    result = porte_voix.run(*args, "--yes", "--json")
    assert result.code == 2, result.output
    assert "cannot receive SMS" in assert_error_json(result, "invalid_recipient")
    assert_nothing_sent(porte_voix)
