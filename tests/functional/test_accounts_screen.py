"""The Accounts screen (F8) driven with Pilot: add, edit, check against the sandbox, remove.

The sandboxes run in their own thread (``SandboxThread``); the console is a real session on a
private home, with the in-memory keyring, the fail backend ("no keyring": the server case), or
a keyring that hangs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, DataTable, Input, Select, Static

from providers.sandbox import SandboxCluster, SandboxThread
from providers.sandbox.common import SANDBOX_EMAIL_LOGIN, SANDBOX_SECRET
from screens.accounts.form import AccountForm
from screens.accounts.screen import AccountsScreen
from screens.dialogs.common import ConfirmDialog, PassphraseDialog, WelcomeDialog
from tests.functional.conftest import click, wait_for, wait_for_screen
from tests.hostile import SHOWN, hostile_voicepartner, raw_controls
from tests.memory_keyring import HangingKeyring, MemoryKeyring
from tui.accounts import config as config_module
from tui.accounts.config import Account, Config
from tui.accounts.credentials import SERVICE, Credentials
from tui.app import PorteVoixApp
from tui.session import Session

PASSPHRASE = "correct horse battery"
SIZE = (100, 32)


@pytest.fixture(autouse=True)
def fast_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tui.accounts.secret_file.ARGON2_COSTS", (1, 64, 1))


@pytest.fixture(scope="module")
def cluster() -> Iterator[SandboxCluster]:
    with SandboxThread() as running:
        yield running


def octopush(cluster: SandboxCluster, name: str = "octo", store: str = "keyring") -> Account:
    options = {"base_url": cluster.url("octopush") + "/api", "sms_type": "XXX"}
    return Account(name, "octopush", SANDBOX_EMAIL_LOGIN, options, secret_store=store)


def configure(*accounts: Account) -> None:
    config = Config()
    for account in accounts:
        config = config_module.with_account(config, account)
    config_module.save(config)


def console() -> PorteVoixApp:
    return PorteVoixApp(Session.open(demo=False))


async def open_accounts(app: PorteVoixApp, pilot: Pilot[Any]) -> AccountsScreen:
    await pilot.pause()
    if isinstance(app.screen, WelcomeDialog):
        await pilot.press("escape")
    await pilot.press("f8")
    await wait_for_screen(pilot, AccountsScreen)
    screen = app.screen
    assert isinstance(screen, AccountsScreen)
    if not app.session.demo:
        await wait_for(pilot, lambda: screen.keyring is not None, what="keyring lookup")
    return screen


def status(screen: AccountsScreen) -> str:
    return str(screen.query_one("#accounts-status", Static).render())


def rows(screen: AccountsScreen) -> list[list[str]]:
    table = screen.query_one("#accounts-table", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def fill(pilot: Pilot[Any], form: AccountForm, **values: str) -> None:
    for key, value in values.items():
        form.query_one(f"#{key}", Input).value = value
    await pilot.pause()


async def answer_passphrase(app: PorteVoixApp, pilot: Pilot[Any], *answers: str) -> None:
    await wait_for_screen(pilot, PassphraseDialog)
    dialog = app.screen
    for input_, answer in zip(dialog.query(Input), answers, strict=True):
        input_.value = answer
    await click(pilot, "#ok")


# --------------------------------------------------------------------------- add, then check


@pytest.mark.usefixtures("no_keyring")
async def test_add_on_a_server_uses_the_file_store_then_checks(cluster: SandboxCluster) -> None:
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_accounts(app, pilot)
        assert "No account yet" in status(screen)
        assert "no OS keyring here" in str(screen.query_one("#accounts-notice", Static).render())
        await pilot.press("a")
        await wait_for_screen(pilot, AccountForm)
        form = app.screen
        assert isinstance(form, AccountForm)
        form.query_one("#provider", Select).value = "octopush"
        await pilot.pause()
        # No keyring: the file store is chosen, and the keyring is not even offered.
        store = form.query_one("#store", Select)
        assert store.value == "file"
        assert [value for _, value in store._options] == ["file"]
        assert form.query_one("#secret", Input).password  # masked
        await fill(pilot, form, name="octo", login=SANDBOX_EMAIL_LOGIN, secret=SANDBOX_SECRET)
        form.query_one("#opt-base_url", Input).value = cluster.url("octopush") + "/api"
        await click(pilot, "#save")
        # First use: the new store's passphrase, typed twice.
        await wait_for_screen(pilot, PassphraseDialog)
        assert app.screen.query_one("#again", Input)
        await answer_passphrase(app, pilot, PASSPHRASE, PASSPHRASE)
        await wait_for(pilot, lambda: "octo saved" in status(screen), what="saved")

        saved = config_module.load().accounts["octo"]
        assert saved.secret_store == "file" and saved.login == SANDBOX_EMAIL_LOGIN
        assert SANDBOX_SECRET not in config_module.config_path().read_text()
        assert Credentials(config_module.data_dir()).file_store_exists
        assert app.session.accounts["octo"] == saved  # the header's switcher sees it
        assert app.current_account == "octo"
        assert rows(screen)[0][:4] == [
            "* octo",
            "Octopush",
            SANDBOX_EMAIL_LOGIN,
            "file",
        ]

        await pilot.press("c")  # unlocked for the session: no second prompt
        await wait_for(pilot, lambda: "octo: OK" in status(screen), what="check")
        assert "authenticated; balance" in status(screen)
        last_check = config_module.load().accounts["octo"].last_check
        assert last_check is not None and last_check.endswith(" ok")
        assert last_check.endswith(rows(screen)[0][4])  # shown without this year


async def test_form_validation_messages(cluster: SandboxCluster) -> None:
    configure(octopush(cluster))
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_accounts(app, pilot)
        await pilot.press("a")
        await wait_for_screen(pilot, AccountForm)
        form = app.screen
        assert isinstance(form, AccountForm)
        error = form.query_one("#form-error", Static)
        # A button ignores clicks for 0.2 s after one (its press animation): click at test speed.
        form.query_one("#save", Button).active_effect_duration = 0

        async def save_says(text: str) -> None:
            await click(pilot, "#save")
            await wait_for(pilot, lambda: text in str(error.render()), what=text)
            assert isinstance(app.screen, AccountForm)

        form.query_one("#provider", Select).value = "ecampaign"
        await pilot.pause()
        assert form.query_one("#store", Select).value == "keyring"  # a keyring exists here
        await save_says("Give the account a name.")
        await fill(pilot, form, name="octo")
        await save_says("An account named octo exists already.")
        await fill(pilot, form, name="bad name!")
        await fill(pilot, form, login="demo")
        await save_says("Type the password to store it.")
        await fill(pilot, form, secret=" padded")
        await save_says("leading or trailing blanks")
        await fill(pilot, form, secret=SANDBOX_SECRET)
        await save_says("must be 1-40 letters")
        await fill(pilot, form, name="eca")
        form.query_one("#opt-base_url", Input).value = "ftp://example.test"
        await save_says("must be an http:// or https:// URL")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        assert list(config_module.load().accounts) == ["octo"]


# --------------------------------------------------------------------------- edit


async def test_edit_changes_login_secret_and_moves_to_the_file(
    cluster: SandboxCluster, memory_keyring: MemoryKeyring
) -> None:
    configure(octopush(cluster))
    memory_keyring.passwords[(SERVICE, "octo")] = "old-secret"
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_accounts(app, pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: "octo: FAILED" in status(screen), what="failed check")
        assert "refused the login or the secret" in status(screen)
        assert "old-secret" not in status(screen)

        await pilot.press("e")
        await wait_for_screen(pilot, AccountForm)
        form = app.screen
        assert isinstance(form, AccountForm)
        assert form.query_one("#name", Input).disabled
        assert form.query_one("#login", Input).value == SANDBOX_EMAIL_LOGIN
        assert form.query_one("#secret", Input).value == ""  # never shown
        await fill(pilot, form, secret=SANDBOX_SECRET)
        await click(pilot, "#save")
        await wait_for(pilot, lambda: "octo saved" in status(screen), what="saved")
        assert memory_keyring.passwords[(SERVICE, "octo")] == SANDBOX_SECRET
        assert config_module.load().accounts["octo"].last_check is None  # the secret changed

        # Keyring -> file without retyping: the stored secret moves, the keyring forgets it.
        await pilot.press("e")
        await wait_for_screen(pilot, AccountForm)
        app.screen.query_one("#store", Select).value = "file"
        app.screen.query_one("#default", Checkbox).value = True
        await click(pilot, "#save")
        await answer_passphrase(app, pilot, PASSPHRASE, PASSPHRASE)
        await wait_for(pilot, lambda: "the encrypted file" in status(screen), what="moved")
        assert memory_keyring.passwords == {}
        assert config_module.load().accounts["octo"].secret_store == "file"
        await pilot.press("c")
        await wait_for(pilot, lambda: "octo: OK" in status(screen), what="check")


# --------------------------------------------------------------------------- remove


async def test_remove_asks_first_and_deletes_the_secret(
    cluster: SandboxCluster, memory_keyring: MemoryKeyring
) -> None:
    configure(octopush(cluster, "one"), octopush(cluster, "two"))
    memory_keyring.passwords[(SERVICE, "one")] = SANDBOX_SECRET
    memory_keyring.passwords[(SERVICE, "two")] = SANDBOX_SECRET
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_accounts(app, pilot)
        assert app.current_account == "one"
        await pilot.press("delete")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("enter")  # the focus is on Cancel: a habitual Enter removes nothing
        await wait_for(pilot, lambda: app.screen is screen)
        assert len(rows(screen)) == 2

        await pilot.press("delete")
        await wait_for_screen(pilot, ConfirmDialog)
        await click(pilot, "#remove")
        await wait_for(pilot, lambda: "one removed" in status(screen), what="removed")
        assert "its secret was deleted from the OS keyring" in status(screen)
        assert list(memory_keyring.passwords) == [(SERVICE, "two")]
        assert list(config_module.load().accounts) == ["two"]
        assert [row[0] for row in rows(screen)] == ["* two"]
        assert app.current_account == "two"  # the header follows


# --------------------------------------------------------------------------- a hung keyring


async def test_a_hung_keyring_leaves_the_console_responsive(
    cluster: SandboxCluster, hanging_keyring: HangingKeyring
) -> None:
    configure(octopush(cluster, "one"), octopush(cluster, "two"))
    app = console()
    # Far longer than the keys below take, however loaded the machine: the proof is the order
    # of events (keys worked while the keyring call was pending), not a stopwatch.
    app.session.credentials.keyring_timeout = 60
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_accounts(app, pilot)
        table = screen.query_one("#accounts-table", DataTable)
        await pilot.press("c")
        await wait_for(pilot, lambda: "Checking one" in status(screen), what="checking")
        # While the keyring hangs, keys still work: the cursor moves, modes switch and back.
        await pilot.press("down")
        assert table.cursor_row == 1
        await pilot.press("f1")
        await wait_for(pilot, lambda: not isinstance(app.screen, AccountsScreen))
        await pilot.press("f8")
        await wait_for(pilot, lambda: app.screen is screen)
        assert not hanging_keyring.release.is_set()
        assert "Checking one" in status(screen)  # the check is still waiting, off the loop
        # The keyring answers at last (the operator unlocked it): the check goes on and passes.
        hanging_keyring.answer = SANDBOX_SECRET
        hanging_keyring.release.set()
        await wait_for(pilot, lambda: "one: OK" in status(screen), what="the check to pass")


async def test_a_keyring_past_its_time_limit_is_reported_unavailable(
    cluster: SandboxCluster, hanging_keyring: HangingKeyring
) -> None:
    configure(octopush(cluster, "one"))
    app = console()
    app.session.credentials.keyring_timeout = 0.5
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_accounts(app, pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: "one: FAILED" in status(screen), what="the time limit")
        assert "did not answer within 0.5 s" in status(screen)
        assert not hanging_keyring.release.is_set()  # the keyring never answered
        last_check = config_module.load().accounts["one"].last_check
        assert last_check is not None and last_check.endswith(" keyring_unavailable")


# --------------------------------------------------------------------------- file store unlock


@pytest.mark.usefixtures("no_keyring")
async def test_unlock_refuses_a_wrong_passphrase_then_opens(cluster: SandboxCluster) -> None:
    Credentials(config_module.data_dir(), passphrase=lambda: PASSPHRASE).store(
        "octo", SANDBOX_SECRET, "file"
    )
    configure(octopush(cluster, store="file"))
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_accounts(app, pilot)
        notice = screen.query_one("#accounts-notice", Static)
        assert "locked (u to unlock)" in str(notice.render())
        await pilot.press("c")  # a check on a locked store asks the passphrase
        await wait_for_screen(pilot, PassphraseDialog)
        first = app.screen
        assert not first.query("#again")  # an existing store: asked once, not twice
        await answer_passphrase(app, pilot, "not the passphrase")
        await wait_for(pilot, lambda: app.screen is not first, what="asked again")
        again = app.screen
        assert isinstance(again, PassphraseDialog)
        assert "wrong passphrase" in again.reason
        await pilot.press("escape")
        await wait_for(pilot, lambda: "octo: FAILED" in status(screen), what="cancelled")
        assert "left locked" in status(screen)
        assert not app.session.credentials.file_store_unlocked

        await pilot.press("u")
        await answer_passphrase(app, pilot, PASSPHRASE)
        await wait_for(pilot, lambda: "unlocked for this session" in status(screen))
        assert app.session.credentials.file_store_unlocked
        # The session reads the secret from the open store: compose screens can send.
        provider = await app.session.provider("octo")
        assert (await provider.balance()).lines


# --------------------------------------------------------------------------- demo mode


async def test_demo_accounts_are_listed_read_only_and_can_be_checked(
    demo_app: PorteVoixApp,
) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await open_accounts(demo_app, pilot)
        names = [row[0].strip("* ") for row in rows(screen)]
        assert names == ["demo-capitole", "demo-voicepartner", "demo-octopush", "demo-ecampaign"]
        assert {row[3] for row in rows(screen)} == {"demo"}
        assert "read-only" in str(screen.query_one("#accounts-notice", Static).render())
        await pilot.press("a")
        await pilot.press("delete")
        await pilot.pause()
        assert demo_app.screen is screen  # no form, no confirmation
        await pilot.press("c")
        await wait_for(pilot, lambda: "demo-capitole: UNVERIFIED" in status(screen))
        assert "NOT verified" in status(screen)
        await pilot.press("down", "down", "c")
        await wait_for(pilot, lambda: "demo-octopush: OK" in status(screen))
        assert rows(screen)[2][4].endswith(" ok")
        assert not Path(config_module.config_path()).exists()  # nothing written in demo mode


async def test_palette_reaches_every_account_action(cluster: SandboxCluster) -> None:
    configure(octopush(cluster))
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_accounts(app, pilot)
        titles = [title for title, _help, _callback in screen.palette_commands()]
        assert titles == [
            "Add account",
            "Edit account",
            "Check account",
            "Make default account",
            "Remove account",
            "Unlock file store",
        ]
        for binding in screen.BINDINGS:
            assert binding.description and binding.id  # type: ignore[union-attr]


# --------------------------------------------------------------------------- hostile replies


@pytest.mark.parametrize("reply", ["succeeding", "refusing"])
async def test_a_check_reply_with_escape_sequences_is_shown_as_text(
    reply: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 8, item 5: the verdict quotes the provider; its controls are shown, not obeyed."""
    monkeypatch.setenv("PORTE_VOIX_SECRET_VP", "vp-key-0123456789")
    with hostile_voicepartner() as stand_in:
        getattr(stand_in, reply)()
        configure(Account("vp", "voicepartner", "", {"base_url": stand_in.url}, "env"))
        app = console()
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_accounts(app, pilot)
            await pilot.press("c")
            verdict = "vp: OK" if reply == "succeeding" else "vp: FAILED"
            await wait_for(pilot, lambda: verdict in status(screen), what="the verdict")
            assert SHOWN in status(screen) and raw_controls(status(screen)) == []
            (toast,) = [n for n in app._notifications if n.title.startswith("vp: ")]
            assert SHOWN in toast.message and raw_controls(toast.message) == []
            assert not toast.markup  # "[...]" in a reply is text, not markup
            last_check = rows(screen)[0][4]
            assert raw_controls(last_check) == []
            if reply == "refusing":
                assert last_check.endswith(f"E{SHOWN}")
