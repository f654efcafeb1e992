"""What the console refuses, and says why, where the operator acts (issue 9, items 5 and 13;
issue 8, item 3): demo accounts' keys, option values in the account form, CSV rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.screen import Screen
from textual.widgets import Button, Input, Select, Static

from providers.sandbox import SandboxThread
from screens.accounts.form import AccountForm
from screens.accounts.screen import AccountsScreen
from screens.dialogs.csv_import import CsvImportDialog
from tests.functional.conftest import click, wait_for, wait_for_screen
from tests.functional.test_accounts_screen import SIZE, configure, console, octopush, open_accounts
from tui.accounts import config as config_module
from tui.app import PorteVoixApp
from tui.csv_import import Table


def status(screen: AccountsScreen) -> str:
    return str(screen.query_one("#accounts-status", Static).render())


# --------------------------------------------------------------------------- demo accounts


@pytest.mark.parametrize(("key", "what"), [("a", "Add"), ("e", "Edit"), ("delete", "Remove")])
async def test_demo_account_keys_say_why_they_do_nothing(
    demo_app: PorteVoixApp, key: str, what: str
) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await open_accounts(demo_app, pilot)
        await pilot.press(key)
        await wait_for(pilot, lambda: "read-only" in status(screen), what="the reason")
        assert status(screen).startswith(f"{what}: the demo accounts are built in and read-only")
        (toast,) = [n for n in demo_app._notifications if n.title == "Demo"]
        assert "read-only" in toast.message
        assert demo_app.screen is screen  # no form, no confirmation


# --------------------------------------------------------------------------- the account form


async def _form(app: PorteVoixApp, pilot: Any, provider: str) -> AccountForm:
    await open_accounts(app, pilot)
    await pilot.press("a")
    await wait_for_screen(pilot, AccountForm)
    form = app.screen
    assert isinstance(form, AccountForm)
    form.query_one("#save", Button).active_effect_duration = 0
    form.query_one("#provider", Select).value = provider
    await pilot.pause()
    return form


@pytest.mark.parametrize(
    ("provider", "options", "said", "focused"),
    [
        pytest.param(
            "octopush",
            {"sms_type": "XXX", "sender": "PorteVoix"},
            "sms_type XXX (low cost) cannot have a sender",
            "opt-sender",
            id="octopush-xxx-sender",
        ),
        pytest.param(
            "ecampaign", {"route": "abc"}, "'abc' is not a numeric", "opt-route", id="route"
        ),
    ],
)
async def test_the_form_refuses_an_option_a_send_would_refuse(
    provider: str, options: dict[str, str], said: str, focused: str
) -> None:
    with SandboxThread() as cluster:
        configure(octopush(cluster))
        app = console()
        async with app.run_test(size=SIZE) as pilot:
            form = await _form(app, pilot, provider)
            for key, value in {"name": "new", "login": "me@example.fr", "secret": "s3cret"}.items():
                form.query_one(f"#{key}", Input).value = value
            for key, value in options.items():
                form.query_one(f"#opt-{key}", Input).value = value
            await pilot.pause()
            error = form.query_one("#form-error", Static)
            await click(pilot, "#save")
            await wait_for(pilot, lambda: said in str(error.render()), what=said)
            assert app.screen is form and app.focused is not None
            assert app.focused.id == focused
            assert list(config_module.load().accounts) == ["octo"]


# --------------------------------------------------------------------------- CSV rows


class Host(App[None]):
    def __init__(self, dialog: Screen[Any]) -> None:
        super().__init__()
        self.dialog = dialog
        self.result: list[Table | None] = []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.result.append)


def info(dialog: CsvImportDialog) -> str:
    return str(dialog.query_one("#csv-info", Static).render())


async def _load(pilot: Any, dialog: CsvImportDialog, path: Path) -> None:
    await wait_for_screen(pilot, CsvImportDialog)
    dialog.query_one("#csv-path", Input).value = str(path)
    dialog.query_one("#csv-path", Input).focus()
    await pilot.press("enter")


async def test_csv_rows_without_a_valid_number_are_named_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "clients.csv"
    path.write_text(
        "nom;mobile\nMartin;0612345601\nPetit;\nDurand;06123\nRoux;0612345604\n", encoding="utf-8"
    )
    dialog = CsvImportDialog()
    host = Host(dialog)
    async with host.run_test(size=(100, 30)) as pilot:
        await _load(pilot, dialog, path)
        await wait_for(pilot, lambda: dialog.table is not None, what="CSV loaded")
        dialog.query_one("#import", Button).active_effect_duration = 0
        await click(pilot, "#import")
        await wait_for(pilot, lambda: "line 3" in info(dialog), what="the empty row named")
        assert "nothing in the column 'mobile'" in info(dialog)
        assert host.screen is dialog and host.result == []  # nothing imported

        path.write_text("nom;mobile\nMartin;0612345601\nDurand;06123\n", encoding="utf-8")
        await _load(pilot, dialog, path)
        await wait_for(pilot, lambda: "2 rows" in info(dialog), what="reloaded")
        await click(pilot, "#import")
        await wait_for(pilot, lambda: "line 3" in info(dialog), what="the invalid number named")
        assert "'06123'" in info(dialog) and host.result == []


async def test_a_csv_with_a_stray_quote_is_refused_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "clients.csv"
    path.write_text('nom;mobile\n"Martin;0612345601\nPetit;0612345602\n', encoding="utf-8")
    dialog = CsvImportDialog()
    async with Host(dialog).run_test(size=(100, 30)) as pilot:
        await _load(pilot, dialog, path)
        await wait_for(pilot, lambda: "line 2" in info(dialog), what="the line named")
        assert "never closed" in info(dialog)
        assert dialog.table is None and dialog.query_one("#import", Button).disabled
