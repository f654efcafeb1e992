"""Members from a CSV file: line numbers, column mapping, every row checked before sending."""

from __future__ import annotations

from pathlib import Path

import pytest

from providers.errors import InputError
from providers.models import Group, GroupField, MemberValue
from tui.csv_import import CsvImportError
from tui.groups.csv_members import (
    default_mapping,
    mapping_with,
    parse_csv,
    plan_import,
    read_csv,
)

GROUP = Group(
    "7",
    "Clients",
    fields=(
        GroupField("nom", "custom"),
        GroupField("mobile", "mobile", unique=True),
        GroupField("ville", "custom"),
    ),
)


def test_rows_keep_the_line_they_start_on() -> None:
    source = parse_csv('Nom;Mobile;Note\n\nAnne;0612345678;x\n"Bé\nné";0612345679;\n')
    assert source.columns == ("Nom", "Mobile", "Note")
    assert [(row.line, row.cells["Nom"]) for row in source.rows] == [(3, "Anne"), (4, "Bé\nné")]


@pytest.mark.parametrize(
    ("content", "reason"),
    [("", "empty"), ("nom;;ville\n", "empty"), ("nom,Nom\n", "twice")],
)
def test_bad_headers(content: str, reason: str) -> None:
    with pytest.raises(CsvImportError, match=reason):
        parse_csv(content)


def test_unreadable_files(tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("nom\nLéa\n".encode("latin-1"))
    with pytest.raises(CsvImportError, match="not UTF-8"):
        read_csv(latin)
    with pytest.raises(CsvImportError, match="cannot read"):
        read_csv(tmp_path / "missing.csv")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        # A quote never closed took the next row into a member's name (issue 10: nothing is
        # half-imported silently).
        ('nom,mobile\n"Jean\n0611000043\n', "line 2: a quote opened on this line is never"),
        ('nom,mobile\n"unterminated,0611000032\n', "line 2: a quote opened"),
        ('nom;mobile\nAnne;0611000001\n"Léa;0611000002\nBob;0611000003\n', "line 3"),
        ("nom,mobile\nAnne,0611000001,extra\n", r"more cells than the first line.*line\(s\) 2"),
    ],
)
def test_a_broken_row_refuses_the_file_naming_its_line(content: str, reason: str) -> None:
    with pytest.raises(CsvImportError, match=reason):
        parse_csv(content)


def test_only_a_regular_file_is_read(tmp_path: Path) -> None:
    with pytest.raises(CsvImportError, match="not a regular file"):
        read_csv(Path("/dev/zero"))
    with pytest.raises(CsvImportError, match="not a regular file"):
        read_csv(tmp_path)
    good = tmp_path / "ok.csv"
    good.write_text("nom;mobile\nAnne;0611000001\n", encoding="utf-8")
    assert [row.cells["mobile"] for row in read_csv(good).rows] == ["0611000001"]


def test_same_named_columns_map_themselves_and_map_overrides() -> None:
    columns = ("NOM", "portable", "Ville", "note")
    assert default_mapping(columns, GROUP) == {"NOM": "nom", "Ville": "ville"}
    mapping = mapping_with(columns, GROUP, ["portable=MOBILE", "ville=-"])
    assert mapping == {"NOM": "nom", "portable": "mobile"}
    with pytest.raises(InputError, match="no column 'tel'"):
        mapping_with(columns, GROUP, ["tel=mobile"])
    with pytest.raises(InputError, match="no field 'fax'"):
        mapping_with(columns, GROUP, ["note=fax"])


def test_every_row_is_checked_before_anything_is_sent() -> None:
    source = parse_csv(
        "nom,mobile,ville,note\n"
        "Anne,06 12 34 56 78,Paris,a\n"  # 2
        "Bob,12,Lyon,b\n"  # 3: not a number
        ",,,only a note\n"  # 4: nothing mapped
        "Carl,+33612345678,Nice,c\n"  # 5: the same mobile as line 2
        "Dana,0612345679,,d\n"  # 6
    )
    plan = plan_import(source, GROUP, default_mapping(source.columns, GROUP))
    assert plan.unmapped == ("note",)
    assert [(row.line, row.values) for row in plan.ready] == [
        (
            2,
            (
                MemberValue("nom", "Anne"),
                MemberValue("mobile", "612345678", "33"),
                MemberValue("ville", "Paris"),
            ),
        ),
        (6, (MemberValue("nom", "Dana"), MemberValue("mobile", "612345679", "33"))),
    ]
    reasons = {r.line: r.reason for r in plan.rejected}
    assert set(reasons) == {3, 4, 5}
    assert reasons[3].startswith("mobile: ")
    assert reasons[4] == "no value in the mapped columns"
    assert "line 2" in reasons[5]
    assert plan.rows == 5


def test_a_mapping_must_feed_a_field_once() -> None:
    source = parse_csv("a,b\n1,2\n")
    with pytest.raises(InputError, match="no column feeds"):
        plan_import(source, GROUP, {})
    with pytest.raises(InputError, match="all feed"):
        plan_import(source, GROUP, {"a": "nom", "b": "nom"})


def test_control_characters_in_cells_are_refused_and_shown_visibly() -> None:
    source = parse_csv("nom\nA\x1b[2Jb\n")
    plan = plan_import(source, GROUP, {"nom": "nom"})
    assert plan.rejected[0].line == 2
    assert "\x1b" not in plan.rejected[0].reason and "U+001B" in plan.rejected[0].reason


def test_the_terminal_progress_line_ends_before_the_report(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The last progress line was left open: the report ran into it ("1 imported1 imported")."""
    from tui.cli.groups_import import _TerminalProgress
    from tui.groups.importer import ImportProgress

    progress = _TerminalProgress()
    progress.end()  # nothing shown: nothing to end
    assert capsys.readouterr().err == ""
    progress(ImportProgress(done=1, total=1, imported=1, refused=0))
    progress.end()
    assert capsys.readouterr().err == "\r1/1 sent, 1 imported\n"
