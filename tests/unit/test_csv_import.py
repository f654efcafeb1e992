"""Recipients files: headers detected without losing the first recipient, bad files refused."""

from __future__ import annotations

import pytest

from tui.csv_import import CsvImportError, parse_table


def test_a_header_names_the_columns_and_the_number_column() -> None:
    table = parse_table("prenom;mobile;ville\nAnne;06 11 22 33 44;Paris\n")
    assert table.columns == ("prenom", "mobile", "ville")
    assert table.number_column == "mobile"
    assert table.values("mobile") == ["06 11 22 33 44"]


def test_a_first_line_holding_a_number_is_a_recipient_not_a_header() -> None:
    table = parse_table("Anne;0611223344\nBob;0622334455\n")
    assert table.columns == ("column 1", "column 2")
    assert table.number_column == "column 2"
    assert table.values("column 2") == ["0611223344", "0622334455"]


def test_blank_lines_before_the_header_are_skipped() -> None:
    table = parse_table("\n\nprenom,phone\nAnne,0611223344\n")
    assert table.number_column == "phone" and len(table.rows) == 1


def test_a_plain_list_of_numbers_with_or_without_a_title() -> None:
    assert parse_table("0611223344\n0622334455\n").values("number") == [
        "0611223344",
        "0622334455",
    ]
    assert parse_table("mobile\n0611223344\n").values("number") == ["0611223344"]


@pytest.mark.parametrize(
    "content",
    ['a;b\n"' + "x" * 200_000 + "\n", "nom;nom\nAnne;0611223344\n", ";mobile\nx;0611223344\n"],
)
def test_unreadable_files_are_refused_with_a_reason(content: str) -> None:
    with pytest.raises(CsvImportError):
        parse_table(content)
