"""``porte-voix groups …``: eCampaign sending groups, their fields and their members.

``GROUP`` is a group's id or its name. Exit codes and ``--json`` errors follow
``tui.cli.support``: a provider's refusal exits 1 with its code (27: group not found, also
said when no group has the name given). Deleting or emptying a group asks on a terminal, naming
the group and its member count (``--yes`` otherwise); so does an import, after its preview.
Everything printed from a reply or a file (names, values, reasons) is made visible.

The handlers import what they need when they run: building the parser stays cheap.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from providers.models import Group
    from tui.groups.service import GroupService

T = TypeVar("T")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    groups = commands.add_parser("groups", help="eCampaign sending groups and their members")
    groups.set_defaults(handler=run)
    sub = groups.add_subparsers(dest="groups_command", metavar="ACTION", required=True)

    listing = _command(sub, "list", "the account's groups")
    listing.add_argument("--search", metavar="TEXT", help="only groups whose name holds TEXT")

    _command(sub, "show", "a group: its locks and its fields with their types", group=True)

    members = _command(sub, "members", "a group's members", group=True, json=False)
    members.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="only members whose FIELD is VALUE (repeatable: all must match)",
    )
    out = members.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true")
    out.add_argument("--csv", action="store_true", help="CSV: the id, then one column per field")

    create = _command(sub, "create", "create a group", changes=True)
    create.add_argument("name", metavar="NAME")
    create.add_argument(
        "--field",
        action="append",
        required=True,
        dest="fields",
        metavar="NAME:TYPE[:unique]",
        help="repeatable; TYPE: mobile, fixe, fax, mail, planif or custom; "
        "unique: no two members with the same value",
    )
    create.add_argument("--lock-structure", action="store_true", help="lock its fields")
    create.add_argument("--lock-content", action="store_true", help="lock its members")

    rename = _command(sub, "rename", "rename a group", group=True, changes=True)
    rename.add_argument("new_name", metavar="NEW_NAME")

    lock = _command(sub, "lock", "lock (or --off: unlock) a group", group=True, changes=True)
    lock.add_argument("--structure", action="store_true", help="its fields (default: both)")
    lock.add_argument("--content", action="store_true", help="its members (default: both)")
    lock.add_argument("--off", action="store_true", help="unlock instead")

    for name, what in (("delete", "delete a group"), ("empty", "delete every member")):
        destroy = _command(sub, name, what, group=True, changes=True)
        destroy.add_argument("--yes", action="store_true", help="without asking")

    add = _command(sub, "add-member", "add a member", group=True, changes=True)
    add.add_argument(
        "--set",
        action="append",
        required=True,
        dest="values",
        metavar="FIELD=VALUE",
        help="repeatable; phone numbers in any usual form (06…, +33…)",
    )

    load = _command(sub, "import", "add members from a CSV file", group=True, changes=True)
    load.add_argument("--file", required=True, metavar="F.csv", help="first line: column names")
    load.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help="feed FIELD from COLUMN (COLUMN=- leaves it out); columns named like a field "
        "feed it by default",
    )
    load.add_argument("--yes", action="store_true", help="import without the preview question")
    load.add_argument(
        "--via-provider",
        action="store_true",
        help="let eCampaign import the file itself (importMembers; large files): it fetches it "
        "once from the public URL and posts its report to `porte-voix listen`",
    )

    _command(sub, "imports", "eCampaign's own imports of the account and their reports")


def _command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help_text: str,
    *,
    group: bool = False,
    json: bool = True,
    changes: bool = False,
) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help_text)
    if group:
        parser.add_argument("group", metavar="GROUP", help="the group's id or name")
    # Without it: the default or the only eCampaign account (``resolve_account`` in ``run``).
    parser.add_argument(
        "--account",
        metavar="NAME",
        help="the account (default: the default account, or the only eCampaign one)",
    )
    if json:
        parser.add_argument("--json", action="store_true")
    if changes:
        # Interrupted, a change may have been made or not: exit 1, outcome unknown.
        parser.set_defaults(may_send=True)
    return parser


def run(args: argparse.Namespace) -> int:
    from providers.base import Capability
    from tui.cli.ecampaign_account import resolve_account
    from tui.cli.groups_commands import HANDLERS

    # Named once here: every command after this prints and emits the account it worked on.
    args.account = resolve_account(args.account, Capability.GROUPS).name
    return HANDLERS[args.groups_command](args)


def with_groups(account_name: str, call: Callable[[GroupService], Awaitable[T]]) -> T:
    """Run ``call`` with the account's group services, closing the provider after."""
    from providers.base import provider_info
    from tui.cli.support import EXIT_INPUT, CliFailure, load_account, mapped_errors, open_provider
    from tui.groups.service import group_service, has_groups

    account = load_account(account_name)
    if not has_groups(account.provider):
        label = provider_info(account.provider).label
        raise CliFailure(EXIT_INPUT, "unsupported", f"{label} has no sending groups")
    provider = open_provider(account)

    async def session() -> T:
        try:
            return await call(group_service(provider))
        finally:
            await provider.aclose()

    import asyncio  # here, not at the top: building the parser stays cheap

    with mapped_errors():
        return asyncio.run(session())


def confirm(question: str, refused: str) -> None:
    """Ask on the terminal (on stderr: stdout stays one JSON object); exit 2 unless yes."""
    from tui.cli.support import EXIT_INPUT, CliFailure
    from tui.errors import visible

    if not sys.stdin.isatty():
        raise CliFailure(EXIT_INPUT, "confirmation_required", f"pass --yes to {refused}")
    print(f"{visible(question)} [y/N] ", end="", file=sys.stderr, flush=True)
    if sys.stdin.readline().strip().lower() not in ("y", "yes", "o", "oui"):
        raise CliFailure(EXIT_INPUT, "not_confirmed", "nothing was done")


def group_json(group: Group) -> dict[str, Any]:
    return {
        "id": group.id,
        "name": group.name,
        "created": group.created,
        "locked_structure": group.locked_structure,
        "locked_content": group.locked_content,
    }
