"""Callback tokens are secrets kept with the accounts' secrets (environment, keyring, file store),
never in the config or the outbox; listen.toml holds the public URL and the Live settings; a
VoicePartner account's sends carry its callback URL once a public URL is configured."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.memory_keyring import MemoryKeyring
from tui.accounts import config as config_module
from tui.accounts.config import Account, ConfigError
from tui.accounts.credentials import CredentialError, Credentials
from tui.listen import settings as listen_settings
from tui.listen.routes import account_routes, with_callback_url
from tui.listen.settings import ListenSettings
from tui.listen.tokens import (
    ensure_token,
    entry_name,
    read_token,
    rotate_token,
    token_env_name,
    valid_token,
)

PASSPHRASE = "correct horse battery"


def account(name: str = "shop", store: str = "keyring", provider: str = "capitole") -> Account:
    return Account(name, provider, "me", {}, secret_store=store)


def test_a_keyring_account_gets_one_token_kept_in_the_keyring(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    credentials = Credentials(tmp_path)
    assert read_token(credentials, account()) is None
    token = ensure_token(credentials, account())
    assert valid_token(token) and len(token) >= 32
    assert ensure_token(credentials, account()) == token  # made once, then kept
    assert memory_keyring.get_password("porte-voix", entry_name("shop")) == token
    assert memory_keyring.get_password("porte-voix", "shop") is None  # the secret's entry apart
    new = rotate_token(credentials, account())
    assert new != token and read_token(credentials, account()) == new


def test_a_file_store_account_keeps_its_token_encrypted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTE_VOIX_FILE_PASSPHRASE", PASSPHRASE)
    credentials = Credentials(tmp_path)
    credentials.store("shop", "api-secret", "file")
    token = ensure_token(credentials, account(store="file"))
    assert read_token(Credentials(tmp_path), account(store="file")) == token
    assert token.encode() not in credentials.file_store_path.read_bytes()


def test_the_environment_wins_and_is_the_only_way_for_an_env_account(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = Credentials(tmp_path)
    with pytest.raises(CredentialError, match="PORTE_VOIX_CALLBACK_TOKEN_SHOP_2"):
        ensure_token(credentials, account("shop-2", store="env"))
    monkeypatch.setenv(token_env_name("shop-2"), "t" * 32)
    assert ensure_token(credentials, account("shop-2", store="env")) == "t" * 32
    monkeypatch.setenv(token_env_name("shop-2"), "short/bad")
    with pytest.raises(CredentialError):
        read_token(credentials, account("shop-2", store="env"))


def test_one_account_without_a_token_leaves_the_others_served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(token_env_name("b"), "b" * 32)
    routes, problems = account_routes(
        [account("a", store="env"), account("b", store="env"), account("c")], Credentials(tmp_path)
    )
    assert [(r.account, r.path.startswith("/capitole/")) for r in routes] == [
        ("b", True),
        ("c", True),
    ]
    assert len(problems) == 1 and "account a" in problems[0]
    assert all("b" * 32 not in problem for problem in problems)


def test_listen_settings_round_trip_and_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "listen.toml"
    assert listen_settings.load(path) == ListenSettings()
    settings = ListenSettings(public_url="https://pv.example.fr/cb", failure_alert=35)
    listen_settings.save(settings, path)
    assert listen_settings.load(path) == settings
    assert path.stat().st_mode & 0o777 == 0o600
    for bad in (
        'public_url = "ftp://x"',
        'public_url = "https://x/?a=1"',
        "port = 70000",
        "cdr_poll = 5",
        'console_receiver = "both"',
        'token = "abc"',
    ):
        path.write_text(bad + "\n", encoding="utf-8")
        with pytest.raises(ConfigError):
            listen_settings.load(path)


def test_voicepartner_sends_carry_the_url_once_a_public_url_is_configured(
    tmp_path: Path,
) -> None:
    credentials = Credentials(tmp_path)
    voice = account("voix", provider="voicepartner")
    public = ListenSettings(public_url="https://pv.example.fr/cb")
    assert with_callback_url(voice, credentials, ListenSettings()) == voice  # no public URL
    assert with_callback_url(voice, credentials, public) == voice  # no token yet: none made
    token = ensure_token(credentials, voice)
    sent = with_callback_url(voice, credentials, public)
    assert sent.options["notify_url"] == f"https://pv.example.fr/cb/voicepartner/voix/{token}"
    chosen = Account("voix", "voicepartner", "", {"notify_url": "https://mine.example/x"})
    assert with_callback_url(chosen, credentials, public) == chosen  # the operator's own wins
    capitole = account()
    ensure_token(credentials, capitole)
    assert with_callback_url(capitole, credentials, public) == capitole  # set on its platform


def test_no_token_reaches_the_config_file(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    config = config_module.with_account(config_module.Config(), account())
    config_module.save(config)
    token = ensure_token(Credentials(tmp_path), account())
    assert token not in config_module.config_path().read_text(encoding="utf-8")
    listen_settings.save(ListenSettings(public_url="https://pv.example.fr"))
    assert token not in listen_settings.settings_path().read_text(encoding="utf-8")
