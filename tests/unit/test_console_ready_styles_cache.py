"""The rules parsed at start-up, kept for the next start (``screens.styles_cache``, issue 13).

A stylesheet given the kept rules parses none of them again and ends with the same rules; a
file written for another Textual, another Python or other CSS variables, a damaged one, or one
others could have written, is not used. The one private name of Textual the cache relies on,
``Stylesheet._parse_cache``, is checked here: these tests fail if it changes.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Any

import pytest
import textual.css.stylesheet as stylesheet_module
from textual.css.stylesheet import Stylesheet
from textual.layouts.horizontal import HorizontalLayout

import screens.styles_cache as styles_cache
from screens.styles_cache import StylesCache

VARIABLES = {"primary": "#004578", "text-muted": "#808080"}
#: Two sources, as a widget class's DEFAULT_CSS and the app's file are given to a stylesheet.
SOURCES = (
    ("Button { layout: horizontal; color: $primary; &.-active { tint: $primary 30%; } }", "Button"),
    (".hint { color: $text-muted; }", "app.tcss"),
)


def _stylesheet() -> Stylesheet:
    stylesheet = Stylesheet(variables=dict(VARIABLES))
    for css, where in SOURCES:
        stylesheet.add_source(css, read_from=(where, ""), is_default_css=where != "app.tcss")
    return stylesheet


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The CSS texts Textual's parser is given from now on."""
    texts: list[str] = []
    parse = stylesheet_module.parse

    def counting(scope: str, css: str, *args: Any, **kwargs: Any) -> Any:
        texts.append(css)
        return parse(scope, css, *args, **kwargs)

    monkeypatch.setattr(stylesheet_module, "parse", counting)
    return texts


def _saved(path: Path) -> list[str]:
    """Parse SOURCES once, save the rules to ``path``; the rules, as CSS."""
    stylesheet = _stylesheet()
    stylesheet.parse()
    assert StylesCache(path, VARIABLES).save(stylesheet)
    return [rule.css for rule in stylesheet.rules]


def test_textual_keeps_parsed_rules_in_the_cache_the_console_fills(parsed: list[str]) -> None:
    stylesheet = _stylesheet()
    stylesheet.parse()
    cache = stylesheet._parse_cache
    assert len(parsed) == len(SOURCES) == len(cache.keys())
    given = Stylesheet(variables=dict(VARIABLES))
    for key in cache.keys():  # noqa: SIM118 (an LRUCache: keys() is what StylesCache uses)
        given._parse_cache[key] = cache[key]
    for css, where in SOURCES:
        given.add_source(css, read_from=(where, ""), is_default_css=where != "app.tcss")
    given.parse()
    assert len(parsed) == len(SOURCES)  # nothing parsed again
    assert [r.css for r in given.rules] == [r.css for r in stylesheet.rules]


def test_a_start_given_the_kept_rules_parses_none_of_them_and_ends_the_same(
    tmp_path: Path, parsed: list[str]
) -> None:
    path = tmp_path / styles_cache.FILE_NAME
    rules = _saved(path)
    assert path.stat().st_mode & 0o777 == 0o600
    parsed.clear()
    stylesheet = _stylesheet()
    cache = StylesCache(path, VARIABLES)
    assert cache.load(stylesheet) == len(SOURCES)
    stylesheet.parse()
    assert parsed == []
    assert [rule.css for rule in stylesheet.rules] == rules
    assert not cache.save(stylesheet)  # nothing new: the file is left as it is


def test_a_layout_is_read_back_new_as_the_parser_makes_it(tmp_path: Path) -> None:
    path = tmp_path / styles_cache.FILE_NAME
    saved = _stylesheet()
    saved.parse()
    saved.rules[0].styles.layout.arranged = "what a grid or stream layout keeps"  # type: ignore[union-attr]
    StylesCache(path, VARIABLES).save(saved)
    layouts = []
    for _ in range(2):
        stylesheet = _stylesheet()
        StylesCache(path, VARIABLES).load(stylesheet)
        stylesheet.parse()
        layouts.append(stylesheet.rules[0].styles.layout)
    first, second = layouts
    assert isinstance(first, HorizontalLayout) and isinstance(second, HorizontalLayout)
    assert first is not second
    assert not hasattr(first, "arranged")


def test_a_css_text_that_changed_is_parsed_and_then_kept(tmp_path: Path, parsed: list[str]) -> None:
    path = tmp_path / styles_cache.FILE_NAME
    _saved(path)
    parsed.clear()
    stylesheet = _stylesheet()
    cache = StylesCache(path, VARIABLES)
    cache.load(stylesheet)
    stylesheet.add_source(".hint { color: red; }", read_from=("app.tcss", ""))
    stylesheet.parse()
    assert parsed == [".hint { color: red; }"]
    assert cache.save(stylesheet)
    again = Stylesheet(variables=dict(VARIABLES))
    assert StylesCache(path, VARIABLES).load(again) == len(SOURCES) + 1


@pytest.mark.parametrize("change", ["variables", "textual", "python"])
def test_rules_kept_for_another_theme_textual_or_python_are_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parsed: list[str], change: str
) -> None:
    path = tmp_path / styles_cache.FILE_NAME
    _saved(path)
    variables = dict(VARIABLES)
    if change == "variables":
        variables["primary"] = "#ff0000"
    elif change == "textual":
        monkeypatch.setattr(styles_cache, "textual_release", lambda: "textual-0.0.1.dist-info")
    else:
        monkeypatch.setattr(styles_cache.sys.implementation, "cache_tag", "cpython-399")
    parsed.clear()
    stylesheet = Stylesheet(variables=variables)
    assert StylesCache(path, variables).load(stylesheet) == 0
    assert len(stylesheet._parse_cache) == 0


def test_a_damaged_missing_or_foreign_file_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / styles_cache.FILE_NAME
    assert StylesCache(path, VARIABLES).load(_stylesheet()) == 0  # missing
    path.write_bytes(b"\x80\x05not a pickle")
    path.chmod(0o600)
    assert StylesCache(path, VARIABLES).load(_stylesheet()) == 0  # damaged
    _saved(path)
    path.chmod(0o666)  # others could have written it: never unpickled
    assert StylesCache(path, VARIABLES).load(_stylesheet()) == 0
    path.chmod(0o600)
    assert StylesCache(path, VARIABLES).load(_stylesheet()) == len(SOURCES)


def test_a_file_of_another_user_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / styles_cache.FILE_NAME
    _saved(path)
    monkeypatch.setattr(styles_cache.os, "getuid", lambda: path.stat().st_uid + 1)
    assert StylesCache(path, VARIABLES).load(_stylesheet()) == 0


def test_where_files_have_no_owner_id_the_file_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / styles_cache.FILE_NAME
    _saved(path)
    monkeypatch.delattr(styles_cache.os, "getuid")  # as on Windows
    assert StylesCache(path, VARIABLES).load(_stylesheet()) == len(SOURCES)


def test_rules_that_cannot_be_written_change_nothing(tmp_path: Path) -> None:
    stylesheet = _stylesheet()
    stylesheet.parse()
    missing = tmp_path / "no-such-directory" / styles_cache.FILE_NAME
    assert not StylesCache(missing, VARIABLES).save(stylesheet)
    assert not missing.parent.exists()


def test_the_release_is_the_installed_textuals() -> None:
    release = styles_cache.textual_release()
    assert release == f"textual-{importlib.metadata.version('textual')}.dist-info"
