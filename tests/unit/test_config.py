"""Accounts in TOML: round trip, validation, private file, never a secret."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tui.accounts import config as config_module
from tui.accounts.config import Account, Config, ConfigError


def octopush(name: str = "prod", **options: str) -> Account:
    return Account(name, "octopush", "ops@example.test", options, secret_store="file")


def test_home_moves_config_and_data(_isolated_home: Path) -> None:
    assert config_module.config_path() == _isolated_home / "config.toml"
    assert config_module.data_dir() == _isolated_home / "data"


def test_round_trip_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    tricky = octopush("a.b-c_1", sender='Say "hi" \\ é€', base_url="https://example.test/api")
    config = config_module.with_account(Config(), tricky)
    config = config_module.with_account(config, Account("vp", "voicepartner", "", {}, "env"))
    config = config_module.with_default(config, "vp")
    config_module.save(config, path)
    loaded = config_module.load(path)
    assert loaded.accounts == config.accounts
    assert loaded.default_account == "vp"
    assert loaded.default() == config.accounts["vp"]


def test_saved_file_is_private_and_replaced_atomically(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    config_module.save(config_module.with_account(Config(), octopush()), path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    config_module.save(Config(), path)
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temporary left


def test_first_account_becomes_the_default_and_removal_moves_it() -> None:
    config = config_module.with_account(Config(), octopush("one"))
    config = config_module.with_account(config, octopush("two"))
    assert config.default_account == "one"
    config = config_module.without_account(config, "one")
    assert config.default_account == "two"
    with pytest.raises(ConfigError, match="no account named 'one'"):
        config_module.without_account(config, "one")
    with pytest.raises(ConfigError, match="configured: two"):
        config_module.with_default(config, "ghost")


@pytest.mark.parametrize(
    ("account", "message"),
    [
        (Account("-bad", "octopush"), "must be 1-40 letters"),
        (Account("x" * 41, "octopush"), "must be 1-40 letters"),
        (Account("ok", "sms-r-us"), "unknown provider 'sms-r-us'"),
        (Account("ok", "octopush", secret_store="plain"), "secret store must be one of"),
        (Account("ok", "octopush", options={"password": "x"}), "no option 'password'"),
        (Account("ok", "octopush", options={"base_url": "ftp://x"}), "http:// or https://"),
        (Account("ok", "octopush", options={"sender": "a\nb"}), "must be printable"),
        (Account("ok", "octopush", login="a\x00b"), "login must be printable"),
    ],
)
def test_invalid_accounts_are_refused(account: Account, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config_module.validate_account(account)


def test_a_secret_written_by_hand_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[accounts.prod]\nprovider = "octopush"\nlogin = "x"\npassword = "hunter22"\n')
    with pytest.raises(ConfigError, match="unknown keys password; secrets never belong") as caught:
        config_module.load(path)
    assert "hunter22" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("accounts = 3", r"\[accounts\] must be a table"),
        ("[accounts]\nprod = 1", r"\[accounts.prod\] must be a table"),
        ('[accounts.prod]\nprovider = "octopush"\noptions = 2', "options] must be a table"),
        ("[accounts", "not valid TOML"),
    ],
)
def test_malformed_files_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        config_module.load(path)


def test_missing_file_is_an_empty_config(tmp_path: Path) -> None:
    assert config_module.load(tmp_path / "absent.toml") == Config()


def test_record_check_updates_one_account(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    config = config_module.with_account(Config(), octopush("one"))
    config_module.save(config_module.with_account(config, octopush("two")), path)
    assert config_module.record_check("two", "2026-01-02 03:04 AUTH_FAILED", path)
    loaded = config_module.load(path)
    assert loaded.accounts["two"].last_check == "2026-01-02 03:04 AUTH_FAILED"
    assert loaded.accounts["one"].last_check is None
    assert not config_module.record_check("ghost", "2026-01-02 03:04 ok", path)
