"""Secrets: environment override, OS keyring (memory, raising, hanging), encrypted file store."""

from __future__ import annotations

import configparser
import os
import stat
import threading
from pathlib import Path

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend
from keyrings.cryptfile.cryptfile import CryptFileKeyring
from keyrings.cryptfile.file import EncryptedKeyring, PlaintextKeyring

from tests.memory_keyring import HangingKeyring, MemoryKeyring
from tui.accounts.config import Account
from tui.accounts.credentials import (
    PASSPHRASE_ENV,
    SERVICE,
    CredentialError,
    Credentials,
    FileSecretStore,
    PassphraseRequired,
    WrongPassphrase,
    env_var_name,
    read_secret,
    store_secret,
    unlock_file_store,
)
from tui.accounts.os_keyring import (
    KeyringUnavailableError,
    NoKeyringError,
    keyring_state,
    os_keyring,
)

SECRET = "s3cr3t-Value-42"
PASSPHRASE = "correct horse battery"


@pytest.fixture(autouse=True)
def fast_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real cost (64 MB, 15 passes) takes ~0.6 s per operation; the format is the same."""
    monkeypatch.setattr("tui.accounts.secret_file.ARGON2_COSTS", (1, 64, 1))


def account(name: str = "prod", store: str = "keyring") -> Account:
    return Account(name, "octopush", "ops@example.test", {}, secret_store=store)


def never_asked() -> str | None:
    raise AssertionError("the passphrase must not be asked here")


# --------------------------------------------------------------------------- keyring backends


class RaisingKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error

    def get_password(self, service: str, username: str) -> str | None:
        raise self.error

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.error

    def delete_password(self, service: str, username: str) -> None:
        raise self.error


def test_environment_wins_and_is_never_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring
) -> None:
    creds = Credentials(tmp_path)
    creds.store("prod", "from-keyring", "keyring")
    monkeypatch.setenv("PORTE_VOIX_SECRET_PROD", "from-env")
    assert creds.get(account()) == "from-env"
    assert creds.source(account()) == "env"
    assert creds.stored(account()) == "from-keyring"  # the override never hides the stored one
    assert memory_keyring.passwords == {(SERVICE, "prod"): "from-keyring"}


def test_env_var_name_upper_cases_and_replaces_punctuation() -> None:
    assert env_var_name("octo-push.prod_2") == "PORTE_VOIX_SECRET_OCTO_PUSH_PROD_2"


def test_env_store_without_the_variable_names_it(tmp_path: Path) -> None:
    with pytest.raises(CredentialError, match="PORTE_VOIX_SECRET_PROD is not set"):
        Credentials(tmp_path).get(account(store="env"))


def test_keyring_round_trip_uses_service_and_account_name(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    creds = Credentials(tmp_path)
    creds.store("prod", SECRET, "keyring")
    assert memory_keyring.passwords[(SERVICE, "prod")] == SECRET
    assert creds.get(account()) == SECRET
    assert creds.delete(account()) == "deleted"
    assert creds.delete(account()) == "absent"
    with pytest.raises(CredentialError, match="no secret stored for account 'prod'"):
        creds.get(account())


@pytest.mark.parametrize("bad", ["", " padded", "two\nlines", "tab\tinside"])
def test_blank_or_control_secrets_are_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(CredentialError, match=r"empty|blanks|control"):
        Credentials(tmp_path).store("prod", bad, "keyring")


@pytest.mark.usefixtures("no_keyring")
def test_no_keyring_names_the_alternatives(tmp_path: Path) -> None:
    creds = Credentials(tmp_path)
    with pytest.raises(NoKeyringError) as caught:
        creds.store("prod", SECRET, "keyring")
    message = str(caught.value)
    for alternative in ("--store file", "PORTE_VOIX_SECRET_", "dbus-run-session"):
        assert alternative in message
    with pytest.raises(NoKeyringError):
        creds.get(account())
    assert creds.delete(account()) == "absent"
    assert not keyring_state().available


def test_file_backends_in_a_chainer_are_not_a_keyring() -> None:
    """This machine's default: a chainer of keyrings.cryptfile's file backends (they prompt)."""

    class Chainer(ChainerBackend):
        backends = [PlaintextKeyring(), EncryptedKeyring()]  # type: ignore[assignment]

    keyring.set_keyring(Chainer())
    assert os_keyring() is None
    real = MemoryKeyring()
    Chainer.backends = [PlaintextKeyring(), real]  # type: ignore[assignment]
    assert os_keyring() is real
    keyring.set_keyring(CryptFileKeyring())
    assert os_keyring() is None


def test_a_locked_keyring_is_reported_as_such(tmp_path: Path) -> None:
    keyring.set_keyring(RaisingKeyring(keyring.errors.KeyringLocked("collection locked")))
    with pytest.raises(KeyringUnavailableError, match="locked"):
        Credentials(tmp_path).get(account())


def test_a_failing_keyring_never_repeats_its_message(tmp_path: Path) -> None:
    # A backend's message could quote what it was given: only the type may travel.
    keyring.set_keyring(RaisingKeyring(RuntimeError(f"cannot store {SECRET}")))
    with pytest.raises(KeyringUnavailableError) as caught:
        Credentials(tmp_path).store("prod", SECRET, "keyring")
    assert "RuntimeError" in str(caught.value)
    assert SECRET not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def test_a_hung_keyring_hits_the_time_limit(
    tmp_path: Path, hanging_keyring: HangingKeyring
) -> None:
    hanging_keyring.answer = SECRET
    creds = Credentials(tmp_path, keyring_timeout=0.2)
    # The backend blocks for 30 s: getting this error at all proves the time limit cut it short.
    with pytest.raises(KeyringUnavailableError, match=r"did not answer within 0\.2 s"):
        creds.get(account())
    # While the first call is still stuck, the next one fails without calling the backend again.
    with pytest.raises(KeyringUnavailableError, match="has not answered an earlier request"):
        creds.get(account())
    assert hanging_keyring.calls == 1
    hanging_keyring.release.set()
    for thread in threading.enumerate():
        if thread.name == "keyring read":
            thread.join(5)
    creds.keyring_timeout = 30  # the limit is proven above; a busy machine must not fail this
    assert creds.get(account()) == SECRET  # answered once it came back


# --------------------------------------------------------------------------- the file store


def test_file_store_is_private_and_encrypted(tmp_path: Path) -> None:
    creds = Credentials(tmp_path, passphrase=lambda: PASSPHRASE)
    creds.store("prod", SECRET, "file")
    path = creds.file_store_path
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    data = path.read_bytes()
    assert SECRET.encode() not in data
    assert PASSPHRASE.encode() not in data
    assert creds.get(account(store="file")) == SECRET
    # Another session with the passphrase reads it back.
    again = Credentials(tmp_path, passphrase=lambda: PASSPHRASE)
    assert again.get(account(store="file")) == SECRET


def test_wrong_passphrase_is_refused(tmp_path: Path) -> None:
    Credentials(tmp_path, passphrase=lambda: PASSPHRASE).store("prod", SECRET, "file")
    intruder = Credentials(tmp_path, passphrase=lambda: "not the passphrase")
    with pytest.raises(WrongPassphrase, match="wrong passphrase") as caught:
        intruder.get(account(store="file"))
    assert "not the passphrase" not in str(caught.value)
    assert not intruder.file_store_unlocked


def test_locked_file_store_needs_a_passphrase(tmp_path: Path) -> None:
    Credentials(tmp_path, passphrase=lambda: PASSPHRASE).store("prod", SECRET, "file")
    with pytest.raises(PassphraseRequired, match=PASSPHRASE_ENV):
        Credentials(tmp_path).get(account(store="file"))


def test_passphrase_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    Credentials(tmp_path, passphrase=never_asked).store("prod", SECRET, "file")
    assert Credentials(tmp_path, passphrase=never_asked).get(account(store="file")) == SECRET
    monkeypatch.setenv(PASSPHRASE_ENV, "wrong passphrase")
    with pytest.raises(WrongPassphrase, match=f"{PASSPHRASE_ENV} does not open"):
        Credentials(tmp_path, passphrase=never_asked).get(account(store="file"))


def test_creating_asks_the_new_passphrase_and_opening_the_other(tmp_path: Path) -> None:
    asked: list[str] = []

    def new() -> str:
        asked.append("new")
        return PASSPHRASE

    def existing() -> str:
        asked.append("existing")
        return PASSPHRASE

    Credentials(tmp_path, passphrase=existing, new_passphrase=new).store("a", SECRET, "file")
    Credentials(tmp_path, passphrase=existing, new_passphrase=new).store("b", SECRET, "file")
    assert asked == ["new", "existing"]


def test_new_store_refuses_short_or_blank_passphrases(tmp_path: Path) -> None:
    with pytest.raises(WrongPassphrase, match="at least 8"):
        Credentials(tmp_path, passphrase=lambda: "short").store("prod", SECRET, "file")
    with pytest.raises(WrongPassphrase, match="blank"):
        FileSecretStore(tmp_path / "s.cfg", "          ")
    assert not FileSecretStore.initialised(tmp_path / "s.cfg")


def test_reading_an_absent_file_store_asks_nothing_and_creates_nothing(tmp_path: Path) -> None:
    creds = Credentials(tmp_path, passphrase=never_asked)
    with pytest.raises(CredentialError, match="no secret stored for account 'prod' in the file"):
        creds.get(account(store="file"))
    assert not creds.file_store_path.exists()


def test_removing_a_file_secret_needs_no_passphrase(tmp_path: Path) -> None:
    Credentials(tmp_path, passphrase=lambda: PASSPHRASE).store("prod", SECRET, "file")
    locked = Credentials(tmp_path, passphrase=never_asked)
    assert locked.delete(account(store="file")) == "deleted"
    assert locked.delete(account(store="file")) == "absent"
    opened = Credentials(tmp_path, passphrase=lambda: PASSPHRASE)
    with pytest.raises(CredentialError, match="no secret stored"):
        opened.get(account(store="file"))


def test_a_tampered_entry_is_an_error_without_details(tmp_path: Path) -> None:
    creds = Credentials(tmp_path, passphrase=lambda: PASSPHRASE)
    creds.store("prod", SECRET, "file")
    creds.store("other", "another-secret", "file")
    path = creds.file_store_path
    # Swap the two ciphertexts: AES-GCM's associated data (service, account) must refuse it.
    parser = configparser.RawConfigParser()
    parser.read(path)
    section = "porte_2Dvoix"
    prod, other = parser.get(section, "prod"), parser.get(section, "other")
    parser.set(section, "prod", other)
    parser.set(section, "other", prod)
    with path.open("w") as handle:
        parser.write(handle)
    fresh = Credentials(tmp_path, passphrase=lambda: PASSPHRASE)
    with pytest.raises(CredentialError, match="does not decrypt"):
        fresh.get(account(store="file"))


def test_reprs_show_no_passphrase(tmp_path: Path) -> None:
    creds = Credentials(tmp_path, passphrase=lambda: PASSPHRASE)
    creds.store("prod", SECRET, "file")
    assert PASSPHRASE not in repr(creds) and "unlocked" in repr(creds)
    assert PASSPHRASE not in repr(creds.unlock_file_store(PASSPHRASE))


# --------------------------------------------------------------------------- moving


def test_move_takes_the_stored_secret_not_the_environment_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring
) -> None:
    creds = Credentials(tmp_path, passphrase=lambda: PASSPHRASE)
    creds.store("prod", "stored-one", "keyring")
    monkeypatch.setenv("PORTE_VOIX_SECRET_PROD", "override")
    creds.move(account(), "file")
    assert memory_keyring.passwords == {}
    monkeypatch.delenv("PORTE_VOIX_SECRET_PROD")
    assert creds.get(account(store="file")) == "stored-one"
    creds.move(account(store="file"), "keyring")
    assert memory_keyring.passwords == {(SERVICE, "prod"): "stored-one"}
    with pytest.raises(CredentialError, match="no secret stored"):
        creds.stored(account(store="file"))


def test_move_of_an_environment_account_stores_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring
) -> None:
    monkeypatch.setenv("PORTE_VOIX_SECRET_PROD", "from-env")
    Credentials(tmp_path).move(account(store="env"), "keyring")
    assert memory_keyring.passwords == {(SERVICE, "prod"): "from-env"}


def test_move_to_the_same_store_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CredentialError, match="already in the keyring"):
        Credentials(tmp_path).move(account(), "keyring")


@pytest.mark.usefixtures("no_keyring")
def test_move_to_a_missing_keyring_fails_before_asking_anything(tmp_path: Path) -> None:
    with pytest.raises(NoKeyringError):
        Credentials(tmp_path, passphrase=never_asked).move(account(store="file"), "keyring")


# --------------------------------------------------------------------------- console helpers


async def test_unlock_asks_until_right_and_says_when_creating(tmp_path: Path) -> None:
    Credentials(tmp_path, passphrase=lambda: PASSPHRASE).store("prod", SECRET, "file")
    creds = Credentials(tmp_path)
    answers = iter(["wrong one!", PASSPHRASE])
    prompts: list[tuple[str, bool]] = []

    async def ask(reason: str, creating: bool) -> str | None:
        prompts.append((reason, creating))
        return next(answers)

    assert await read_secret(creds, account(store="file"), ask) == SECRET
    assert [creating for _, creating in prompts] == [False, False]
    assert "wrong passphrase" in prompts[1][0]
    # Unlocked for the session: not asked again.
    assert await read_secret(creds, account(store="file"), None) == SECRET


async def test_unlock_cancelled_or_unaskable(tmp_path: Path) -> None:
    async def cancel(reason: str, creating: bool) -> str | None:
        assert creating  # no store yet: the dialog must ask twice
        return None

    creds = Credentials(tmp_path)
    with pytest.raises(PassphraseRequired, match="left locked"):
        await store_secret(creds, "prod", SECRET, "file", cancel)
    with pytest.raises(PassphraseRequired, match="locked"):
        await unlock_file_store(creds, None)
    assert not creds.file_store_path.exists()


async def test_unlock_gives_up_after_three_wrong_answers(tmp_path: Path) -> None:
    Credentials(tmp_path, passphrase=lambda: PASSPHRASE).store("prod", SECRET, "file")
    count = 0

    async def wrong(reason: str, creating: bool) -> str | None:
        nonlocal count
        count += 1
        return "always wrong"

    with pytest.raises(WrongPassphrase, match="too many attempts"):
        await unlock_file_store(Credentials(tmp_path), wrong)
    assert count == 3


def test_key_derivation_costs_are_pinned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file does not record them: other costs derive another key and cannot open it."""
    from tui.accounts import secret_file

    Credentials(tmp_path, passphrase=lambda: PASSPHRASE).store("prod", SECRET, "file")
    monkeypatch.setattr(secret_file, "ARGON2_COSTS", (2, 64, 1))
    with pytest.raises(WrongPassphrase):
        Credentials(tmp_path, passphrase=lambda: PASSPHRASE).get(account(store="file"))
    monkeypatch.undo()
    # What every store made so far was made with (keyrings.cryptfile 1.3.9's defaults).
    assert secret_file.ARGON2_COSTS == (15, 2**16, 2)


def test_a_short_passphrase_from_the_environment_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "short")
    with pytest.raises(WrongPassphrase, match=f"{PASSPHRASE_ENV}: .*at least 8"):
        Credentials(tmp_path).store("prod", SECRET, "file")
