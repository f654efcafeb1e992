"""The eCampaign group picker (Compose SMS, ctrl+l) when the lookup fails or names are hostile.

Opening the picker while the account's secret cannot be read (the file store's passphrase prompt
cancelled) used to kill the console: the dialog read ``.provider``/``.code`` from a
``CredentialError``. Group and field names come from the provider and are shown as text.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Select, Static

from providers.sandbox import SandboxCluster, SandboxThread
from providers.sandbox.common import SANDBOX_SECRET
from screens.compose.sms import ComposeSmsScreen
from screens.dialogs.common import PassphraseDialog
from screens.dialogs.group import GroupTargetDialog
from tests.functional.conftest import click, wait_for, wait_for_screen
from tui.accounts import config as config_module
from tui.accounts.config import Account, Config
from tui.accounts.credentials import Credentials
from tui.app import PorteVoixApp
from tui.session import Session

PASSPHRASE = "correct horse battery"
#: An 8-bit CSI (XML can carry it, unlike ESC) and Rich markup, in a provider's group name.
HOSTILE = "\x9b2J[b]Clients[/b]"


@pytest.fixture(autouse=True)
def fast_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tui.accounts.secret_file.ARGON2_COSTS", (1, 64, 1))


@pytest.fixture(scope="module")
def cluster() -> Iterator[SandboxCluster]:
    with SandboxThread() as running:
        yield running


def ecampaign_in_the_file_store(cluster: SandboxCluster) -> None:
    """The sandbox's eCampaign account, its secret in an existing (locked) file store."""
    demo = next(d for d in cluster.demo_accounts() if d.settings.provider == "ecampaign")
    credentials = Credentials(config_module.data_dir())
    credentials.unlock_file_store(PASSPHRASE)
    credentials.store("eca", SANDBOX_SECRET, "file")
    account = Account(
        "eca", "ecampaign", demo.settings.login, dict(demo.settings.options), secret_store="file"
    )
    config_module.save(config_module.with_account(Config(), account))


def group_info(dialog: GroupTargetDialog) -> str:
    return str(dialog.query_one("#group-info", Static).render())


async def open_group_picker(app: PorteVoixApp, pilot: Pilot[Any], account: str) -> None:
    await wait_for_screen(pilot, ComposeSmsScreen)
    compose = app.screen
    assert isinstance(compose, ComposeSmsScreen)
    compose.query_one("#account", Select).value = account
    await wait_for(pilot, lambda: getattr(compose.account, "name", "") == account, what="account")
    await wait_for(
        pilot, lambda: not compose.query_one("#pick-group").disabled, what="group button"
    )
    await click(pilot, "#pick-group")


async def test_an_unreadable_secret_is_an_error_in_the_picker_not_a_crash(
    cluster: SandboxCluster,
) -> None:
    ecampaign_in_the_file_store(cluster)
    sandbox = cluster.sandboxes["ecampaign"]
    before = len(sandbox.requests)
    app = PorteVoixApp(Session.open(demo=False))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_group_picker(app, pilot, "eca")
        await wait_for_screen(pilot, PassphraseDialog)
        await pilot.press("escape")  # the operator cancels the passphrase prompt
        await wait_for_screen(pilot, GroupTargetDialog)
        dialog = app.screen
        assert isinstance(dialog, GroupTargetDialog)
        await wait_for(pilot, lambda: "Secret unavailable" in group_info(dialog), what="error")
        assert "the encrypted file store was left locked" in group_info(dialog)
        assert dialog.query_one("#use").disabled
        assert app.is_running and app.return_code is None
        await pilot.press("escape")
        await wait_for_screen(pilot, ComposeSmsScreen)
    assert len(sandbox.requests) == before  # no secret, no request


async def test_group_and_field_names_are_shown_as_text_with_controls_visible(
    cluster: SandboxCluster,
) -> None:
    ecampaign_in_the_file_store(cluster)
    state: Any = cluster.sandboxes["ecampaign"].state  # type: ignore[attr-defined]
    first = min(state.groups)
    original = state.groups[first].name
    state.groups[first].name = HOSTILE
    try:
        app = PorteVoixApp(Session.open(demo=False))
        async with app.run_test(size=(120, 40)) as pilot:
            await open_group_picker(app, pilot, "eca")
            await wait_for_screen(pilot, PassphraseDialog)
            passphrase = app.screen.query_one("#passphrase")
            passphrase.value = PASSPHRASE  # type: ignore[attr-defined]
            await click(pilot, "#ok")
            await wait_for_screen(pilot, GroupTargetDialog)
            dialog = app.screen
            assert isinstance(dialog, GroupTargetDialog)
            await wait_for(pilot, lambda: "group(s)" in group_info(dialog), what="groups")
            select: Select[str] = dialog.query_one("#group", Select)
            labels = {value: str(prompt) for prompt, value in select._options}
            shown = labels[str(first)]
            assert shown == f"\\x9b2J[b]Clients[/b] (#{first})"  # visible, not read as markup
            assert app.is_running
    finally:
        state.groups[first].name = original
