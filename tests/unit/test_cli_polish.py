"""The pieces behind the eCampaign management commands' review fixes (issue 10): table columns,
which numbers a look-up (HLR) refuses, and how an opt-out file's rows are read."""

from __future__ import annotations

from pathlib import Path

import pytest

from providers.phone import parse_number
from tui.cli.columns import Column, cell, lines
from tui.compliance.optout_file import read_optout_file
from tui.csv_import import CsvImportError
from tui.feedback import hlr_refusal

# --------------------------------------------------------------------------- columns


def test_columns_are_as_wide_as_their_widest_cell_up_to_their_cap() -> None:
    columns = (Column("ID", right=True), Column("NAME", cap=8), Column("NOTE"))
    table = lines(columns, [["1", "Anne", "first"], ["123", "Bernadette-Marie", "second"]])
    assert table[0] == " ID  NAME      NOTE"
    # Past its cap a cell is kept whole: it pushes its own line only.
    assert table[1] == "  1  Anne      first"
    assert table[2] == "123  Bernadette-Marie  second"


def test_an_e164_number_and_a_32_character_account_fit() -> None:
    account = "b" * 32
    columns = (Column("NUMBER", cap=16), Column("ACCOUNT", cap=32), Column("NOTE"))
    table = lines(columns, [["+590690123456789", account, "x"], ["+33611223344", "", "y"]])
    starts = [line.rindex(" ") + 1 for line in table]
    assert len(set(starts)) == 1, table


def test_a_cell_is_kept_on_one_line_and_visible() -> None:
    assert cell("a\nb\x1b[2J") == "a b\\x1b[2J"
    assert cell(None) == ""


# --------------------------------------------------------------------------- HLR


@pytest.mark.parametrize(
    ("number", "refused"),
    [
        ("+33612345678", False),  # a French mobile
        ("+590690123456", False),  # a Guadeloupe mobile
        ("+447911123456", False),  # a British mobile
        ("+12015550123", False),  # North America: fixed line or mobile, the look-up tells
        ("+33145000000", True),  # a landline
        ("+442079460000", True),  # a British landline
        ("+33912345678", True),  # VoIP
        ("+33899123456", True),  # premium rate
        ("+33800123456", True),  # toll free
    ],
)
def test_hlr_refuses_what_is_not_a_mobile(number: str, refused: bool) -> None:
    reason = hlr_refusal(parse_number(number))
    assert (reason is not None) is refused, reason
    if reason is not None:
        assert "mobile" in reason and "nothing was looked up" in reason


# --------------------------------------------------------------------------- opt-out files


def _read(tmp_path: Path, content: str, name: str = "list.csv") -> tuple[list[str], int, list]:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    found = read_optout_file(path)
    return found.numbers, found.duplicate, [(r["line"], r["reason"]) for r in found.rejected]


def test_repeats_are_counted_once_in_the_files_order(tmp_path: Path) -> None:
    numbers, duplicate, rejected = _read(
        tmp_path, "\n0611223344\n\n0698765432\n+33 6 11 22 33 44\n0611223344\n"
    )
    assert numbers == ["+33611223344", "+33698765432"]
    assert (duplicate, rejected) == (2, [])


def test_a_first_line_with_digits_is_row_one_even_after_blank_lines(tmp_path: Path) -> None:
    numbers, _, rejected = _read(tmp_path, "\n\nO6 11 22 33 44\n0698765432\n")
    assert numbers == ["+33698765432"]
    assert [line for line, _ in rejected] == [3]


def test_a_header_without_digits_is_a_header(tmp_path: Path) -> None:
    numbers, _, rejected = _read(tmp_path, "Numéros à ne plus appeler\n0698765432\n")
    assert (numbers, rejected) == (["+33698765432"], [])


def test_a_csv_whose_first_line_is_a_bad_row_keeps_its_number_column(tmp_path: Path) -> None:
    numbers, _, rejected = _read(tmp_path, "Anne;061122\nBruno;0698765432\nVide;\n")
    assert numbers == ["+33698765432"]
    assert rejected == [(1, rejected[0][1]), (3, "no number")]


def test_a_csv_with_no_column_of_numbers_is_refused_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(CsvImportError, match=r"line 1 .*is not a header"):
        _read(tmp_path, "Anne;061122\nBruno;0698\n")
    with pytest.raises(CsvImportError, match="no number column in the header"):
        _read(tmp_path, "nom;prénom\nAnne;Martin\n")
