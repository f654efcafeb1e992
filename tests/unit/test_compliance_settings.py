"""compliance.toml: the Alsace-Moselle setting, and refusals of a wrong file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.accounts.config import ConfigError
from tui.compliance.settings import ComplianceSettings, load_settings, settings_path


def test_missing_file_gives_the_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "none.toml") == ComplianceSettings(alsace_moselle=False)


def test_alsace_moselle_read_from_the_config_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTE_VOIX_HOME", str(tmp_path))
    settings_path().write_text("alsace_moselle = true\n", encoding="utf-8")
    assert load_settings().alsace_moselle


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("alsace_moselle = 'yes'\n", "true or false"),
        ("alsace = true\n", "unknown setting"),
        ("alsace_moselle = \n", "not valid TOML"),
    ],
)
def test_wrong_files_are_configuration_errors(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "compliance.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=words):
        load_settings(path)
