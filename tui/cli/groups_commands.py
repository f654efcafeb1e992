"""The handlers of ``porte-voix groups …`` (the parser is ``tui.cli.groups``).

Every handler opens the account's provider once (``with_groups``), finds the group by id or name,
and prints either text for a person (values made visible) or one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from typing import Any

from providers.models import Group, GroupField
from tui.cli.groups import confirm, group_json, with_groups
from tui.cli.groups_import import import_members
from tui.cli.groups_provider_import import list_imports
from tui.cli.support import EXIT_INPUT, EXIT_OK, CliFailure, emit_json
from tui.errors import visible
from tui.groups.service import GroupService, fetch_members, find_group, locks_text
from tui.groups.values import (
    FIELD_TYPES,
    check_new_fields,
    member_values,
    parse_assignment,
    parse_field_spec,
)

#: Widest column of the text tables; --csv and --json keep every character.
COLUMN_WIDTH = 32


def list_groups(args: argparse.Namespace) -> int:
    groups = with_groups(args.account, lambda service: service.list_groups())
    search = (args.search or "").casefold()
    groups = tuple(g for g in groups if search in g.name.casefold())
    if args.json:
        emit_json({"account": args.account, "groups": [group_json(g) for g in groups]})
        return EXIT_OK
    if not groups:
        print("no group" + (" matches" if search else ""))
        return EXIT_OK
    print_table(
        ("ID", "NAME", "CREATED", "LOCKS"),
        [(g.id, g.name, g.created or "", locks_text(g)) for g in groups],
    )
    return EXIT_OK


def show(args: argparse.Namespace) -> int:
    group = with_groups(args.account, lambda service: find_group(service, args.group))
    if args.json:
        fields = [{"name": f.name, "type": f.type} for f in group.fields]
        emit_json({**group_json(group), "fields": fields})
        return EXIT_OK
    print(f"group {group.id}: {visible(group.name)}")
    print(f"created {visible(group.created or 'unknown')}; locked: {locks_text(group)}")
    print_table(
        ("FIELD", "TYPE", "HOLDS"),
        [(f.name, f.type, FIELD_TYPES.get(f.type, "")) for f in group.fields],
    )
    print("(eCampaign does not report which fields refuse duplicates)", file=sys.stderr)
    return EXIT_OK


def members(args: argparse.Namespace) -> int:
    where = dict(parse_assignment(pair, "--where") for pair in args.where)

    async def fetch(service: GroupService) -> tuple[Group, Any]:
        group = await find_group(service, args.group)
        return group, await fetch_members(service, group, where)

    group, found = with_groups(args.account, fetch)
    names = [f.name for f in group.fields]
    if args.json:
        emit_json(
            {
                "group": {"id": group.id, "name": group.name},
                "fields": names,
                "count": len(found),
                "members": [{"id": m.id, "values": dict(m.values)} for m in found],
            }
        )
    elif args.csv:
        # A spreadsheet or a terminal obeys control characters: cells are made visible.
        writer = csv.writer(sys.stdout)
        writer.writerow(["id", *map(visible, names)])
        writer.writerows([m.id, *(visible(m.values.get(n, "")) for n in names)] for m in found)
    else:
        rows = [(m.id, *(m.values.get(n, "") for n in names)) for m in found]
        print_table(("ID", *names), rows)
        print(f"{len(found):,} member(s)", file=sys.stderr)
    return EXIT_OK


def create(args: argparse.Namespace) -> int:
    fields = [parse_field_spec(spec) for spec in args.fields]
    check_new_fields(fields)

    async def add(service: GroupService) -> str:
        return await service.add_group(
            args.name,
            fields,
            locked_structure=args.lock_structure,
            locked_content=args.lock_content,
        )

    group_id = with_groups(args.account, add)
    if args.json:
        emit_json({"id": group_id, "name": args.name, "fields": _fields_json(fields)})
    else:
        print(f"created group {group_id}: {visible(args.name)}")
    return EXIT_OK


def _fields_json(fields: Sequence[GroupField]) -> list[dict[str, Any]]:
    return [{"name": f.name, "type": f.type, "unique": bool(f.unique)} for f in fields]


def rename(args: argparse.Namespace) -> int:
    async def change(service: GroupService) -> Group:
        group = await find_group(service, args.group)
        await service.mod_group(group.id, name=args.new_name)
        return await service.get_group(group.id)

    group = with_groups(args.account, change)
    if args.json:
        emit_json(group_json(group))
    else:
        print(f"group {group.id} is now named {visible(group.name)}")
    return EXIT_OK


def lock(args: argparse.Namespace) -> int:
    both = not (args.structure or args.content)
    state = not args.off

    async def change(service: GroupService) -> Group:
        group = await find_group(service, args.group)
        await service.mod_group(
            group.id,
            locked_structure=state if both or args.structure else None,
            locked_content=state if both or args.content else None,
        )
        return await service.get_group(group.id)

    group = with_groups(args.account, change)
    if args.json:
        emit_json(group_json(group))
    else:
        print(f"group {group.id} ({visible(group.name)}): locked: {locks_text(group)}")
    return EXIT_OK


def delete(args: argparse.Namespace) -> int:
    return _destroy(args, "delete", "Delete the group {name} (#{id}) and its {count} member(s)?")


def empty(args: argparse.Namespace) -> int:
    return _destroy(args, "empty", "Delete the {count} member(s) of the group {name} (#{id})?")


def _destroy(args: argparse.Namespace, action: str, question: str) -> int:
    if not args.yes and not sys.stdin.isatty():
        raise CliFailure(
            EXIT_INPUT,
            "confirmation_required",
            f"pass --yes to {action} a group without a terminal (nothing was done)",
        )

    async def change(service: GroupService) -> Group:
        group = await find_group(service, args.group)
        if not args.yes:
            count = len(await fetch_members(service, group))
            words = question.format(name=repr(group.name), id=group.id, count=f"{count:,}")
            confirm(words, f"{action} a group without a terminal")
        if action == "delete":
            await service.del_group(group.id)
        else:
            await service.empty_group(group.id)
        return group

    group = with_groups(args.account, change)
    done = "deleted" if action == "delete" else "emptied"
    if args.json:
        emit_json({done: {"id": group.id, "name": group.name}})
    else:
        print(f"group {group.id} ({visible(group.name)}) {done}")
    return EXIT_OK


def add_member(args: argparse.Namespace) -> int:
    assignments = dict(parse_assignment(pair) for pair in args.values)

    async def add(service: GroupService) -> str:
        group = await find_group(service, args.group)
        return await service.add_member(group.id, member_values(group, assignments))

    member_id = with_groups(args.account, add)
    if args.json:
        emit_json({"member_id": member_id})
    else:
        print(f"added member {member_id}")
    return EXIT_OK


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Columns padded to their widest cell (at most ``COLUMN_WIDTH``), cells made visible."""
    shown = [[_cell(cell) for cell in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in shown:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=False)]
    print("  ".join(visible(h).ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in shown:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)).rstrip())


def _cell(value: str) -> str:
    text = visible(value).replace("\n", "\\n")
    return text if len(text) <= COLUMN_WIDTH else text[: COLUMN_WIDTH - 1] + "…"


HANDLERS = {
    "list": list_groups,
    "show": show,
    "members": members,
    "create": create,
    "rename": rename,
    "lock": lock,
    "delete": delete,
    "empty": empty,
    "add-member": add_member,
    "import": import_members,
    "imports": list_imports,
}
