"""What both Groups screens share: the account they act for, failures, and the changes that
ask first (delete or empty a group, each naming the group and its member count).

The changes run inside the screens' workers: they wait for the operator's answer
(``push_screen_wait``), then call the provider, and return what was done in words (None: the
operator declined). Failures are worded by ``tui.errors.describe`` and shown as plain text.
"""

from __future__ import annotations

import logging

from rich.text import Text
from textual.app import App
from textual.widget import Widget

from providers.errors import InputError, ProviderError
from providers.models import Group
from screens.dialogs.common import ConfirmDialog
from tui.accounts.config import ConfigError
from tui.accounts.credentials import CredentialError
from tui.csv_import import CsvImportError
from tui.errors import describe, visible
from tui.groups.service import GroupService, NoGroupsError, group_service, has_groups
from tui.session import Session

log = logging.getLogger(__name__)

#: Errors a group operation is expected to meet; anything else is logged with its traceback.
EXPECTED = (ProviderError, InputError, CredentialError, ConfigError, NoGroupsError, CsvImportError)


def groups_account(session: Session, current: str | None) -> str | None:
    """The account the Groups screens act for: the current one if it has groups, else the
    first that does (None: no account has groups)."""
    if current in session.accounts and has_groups(session.accounts[current].provider):
        return current
    return next((n for n, a in session.accounts.items() if has_groups(a.provider)), None)


async def service_for(session: Session, account: str) -> GroupService:
    """The account's group services (its secret is read off the event loop)."""
    return group_service(await session.provider(account))


def failure(node: Widget, what: str, exc: Exception) -> Text:
    """Notify ``what`` failed and why; returns the status line saying the same."""
    if not isinstance(exc, EXPECTED):
        log.error("%s", what, exc_info=exc)
    described = describe(exc)
    node.notify(described.message, title=what, severity="error", timeout=8, markup=False)
    return Text(f"{what}: {described.message}", style="red")


def plain(message: str, style: str = "") -> Text:
    """A status line from outside text: control characters visible, never markup."""
    return Text(visible(message), style=style)


def named(group: Group) -> str:
    return f"{group.name} (#{group.id})"


async def delete_group(
    app: App[object], service: GroupService, group: Group, count: int
) -> str | None:
    dialog = ConfirmDialog(
        f"Delete the group {group.name}?",
        [("Group", named(group)), ("Members", f"{count:,}")],
        [("delete", "Delete the group", "error")],
        warning="The group, its fields and its members are deleted at eCampaign: "
        "this cannot be undone.",
    )
    if await app.push_screen_wait(dialog) != "delete":
        return None
    await service.del_group(group.id)
    return f"Group {named(group)} deleted, with its {count:,} member(s)."


async def empty_group(
    app: App[object], service: GroupService, group: Group, count: int
) -> str | None:
    dialog = ConfirmDialog(
        f"Delete every member of {group.name}?",
        [("Group", named(group)), ("Members", f"{count:,}")],
        [("empty", "Delete the members", "error")],
        warning="The group and its fields stay; its members are deleted at eCampaign: "
        "this cannot be undone.",
    )
    if await app.push_screen_wait(dialog) != "empty":
        return None
    await service.empty_group(group.id)
    return f"Group {named(group)} emptied: {count:,} member(s) deleted."
