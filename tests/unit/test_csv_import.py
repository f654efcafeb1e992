"""Recipients files: headers detected without losing the first recipient, bad files refused,
every row a recipient or named with its line (issue 8, items 3 and 7)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tui.csv_import import MAX_LINE, CsvImportError, Rows, parse_table, read_table


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


# --------------------------------------------------------------------------- nothing dropped


def test_a_quote_never_closed_is_refused_naming_its_line() -> None:
    with pytest.raises(CsvImportError, match="line 3: a quote opened on this line is never"):
        parse_table('nom;mobile\nAnne;0611223344\n"Bob;0622334455\nEve;0633445566\n')


def test_a_stray_quote_taking_in_rows_is_refused() -> None:
    with pytest.raises(CsvImportError, match="line 2: a quote opened on this line runs to line 3"):
        parse_table('nom;mobile\n"Bob;0622334455\nEve";0633445566\n')


def test_a_quoted_line_break_without_the_separator_is_a_cell() -> None:
    table = parse_table('nom;adresse;mobile\nAnne;"1 rue\nParis";0611223344\nBob;;0622\n')
    assert table.rows[0]["adresse"] == "1 rue\nParis"
    assert [table.where(i) for i in range(2)] == ["line 2", "line 4"]


def test_rows_without_a_value_or_a_valid_number_are_named() -> None:
    table = parse_table("nom;mobile\nAnne;0611223344\n\nBob;\nEve;06123\n")
    with pytest.raises(CsvImportError, match=r"1 row\(s\) with nothing in the column 'mobile': "):
        table.values("mobile")
    with pytest.raises(CsvImportError) as caught:
        parse_table("mobile\n0611223344\n06123\n\n0612\n").recipients("number")
    assert "2 invalid number(s)" in str(caught.value)
    assert "line 3: '06123'" in str(caught.value) and "line 5: '0612'" in str(caught.value)


def test_line_endings_and_the_byte_order_mark() -> None:
    assert parse_table("\ufeffmobile\r0611223344\r0622334455\r").values("number") == [
        "0611223344",
        "0622334455",
    ]
    crlf = parse_table("nom;mobile\r\nAnne;0611223344\r\n")
    assert crlf.values("mobile") == ["0611223344"] and crlf.where(0) == "line 2"


def test_read_table_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    with pytest.raises(CsvImportError, match="not a regular file"):
        read_table(tmp_path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(CsvImportError, match="not a regular file"):
        read_table(fifo)  # returns at once: opened without waiting for a writer


def test_read_table_names_a_line_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("nom;mobile\nAnne;0611223344\nHélène;0622334455\n".encode("latin-1"))
    with pytest.raises(CsvImportError, match=r"not UTF-8 text \(line 3\)"):
        read_table(path)


def test_a_line_too_long_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("0611223344\n" + "9" * (MAX_LINE + 1) + "\n", encoding="utf-8")
    with pytest.raises(CsvImportError, match="line 2 is longer than"):
        read_table(path)


def test_rows_are_kept_as_tuples_and_read_as_dicts(tmp_path: Path) -> None:
    path = tmp_path / "clients.csv"
    path.write_text("prenom;mobile\nAnne;0611223344\nBob;0622334455\n", encoding="utf-8")
    table = read_table(path)
    assert isinstance(table.rows, Rows)
    assert table.rows[1] == {"prenom": "Bob", "mobile": "0622334455"}
    assert table.rows[:1] == [{"prenom": "Anne", "mobile": "0611223344"}]
    assert [row["prenom"] for row in table.rows] == ["Anne", "Bob"]
