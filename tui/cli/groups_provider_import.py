"""``groups import … --via-provider`` and ``groups imports``: eCampaign's own import.

``groups import GROUP --account A --file F.csv [--map …] [--yes] --via-provider`` reads and checks
the file exactly as the member-by-member import does (same preview, same rejected lines), writes
the ready rows as the XML file eCampaign expects into the spool, then asks eCampaign's
``importMembers`` to fetch it from the one-time URL ``<public_url>/imports/<token>.xml`` and to
post its report to the account's callback URL. It needs ``public_url`` in listen.toml and the
``listen`` daemon running on this data directory (exit 3, ``configuration``, otherwise). It
prints ``{"submitted": N, "rejected": [{"line", "reason"}], "import": ID, "state": "pending",
"group": GROUP_ID}``: the import is eCampaign's from then on. Exit 0, or 1 when rows were
rejected (as the member-by-member import), 2 when no row could be sent (``"import": null``).

``groups imports --account A [--json]`` lists the account's imports, newest first, with
eCampaign's report once it came: ``{"account": A, "imports": [{"import", "group_id",
"group_name", "created", "expires", "submitted", "rejected", "state", "fetched", "error",
"report": {"state", "imported", "errors", "received"} | null}]}``. ``state`` is ``pending``
(not fetched yet), ``fetched``, ``finished`` (the report came), ``refused`` (eCampaign refused
the request), ``unknown`` (no answer to it), ``expired`` (never fetched within 24 hours) or
``orphan`` (a report that came with no import waiting).
"""

from __future__ import annotations

import argparse

from providers.base import provider_info
from tui.accounts import config as config_module
from tui.accounts.config import Account
from tui.cli.groups import confirm, with_groups
from tui.cli.groups_import import preview
from tui.cli.support import (
    EXIT_INPUT,
    EXIT_OK,
    EXIT_PROVIDER,
    CliFailure,
    credentials,
    emit_json,
    load_account,
    mapped_errors,
)
from tui.errors import visible
from tui.groups.csv_members import CsvFile, ImportPlan, Rejected, mapping_with, plan_import
from tui.groups.import_spool import ImportRecord, ImportSpool, spool_dir
from tui.groups.provider_import import endpoints_for, submit
from tui.groups.service import GroupService, find_group, has_groups
from tui.groups.xml_import import check_field_names
from tui.listen.settings import load as load_settings
from tui.listen.status import daemon_status

#: Errors of a report printed under the listing (``--json`` has them all).
SHOWN_ERRORS = 10


def _with_groups(name: str) -> Account:
    """The account, refused (exit 2, ``unsupported``) when its provider has no groups."""
    account = load_account(name)
    if not has_groups(account.provider):
        label = provider_info(account.provider).label
        raise CliFailure(EXIT_INPUT, "unsupported", f"{label} has no sending groups")
    return account


def import_via_provider(args: argparse.Namespace, source: CsvFile) -> int:
    account = _with_groups(args.account)
    with mapped_errors():
        data_dir = config_module.data_dir()
        endpoints = endpoints_for(
            account,
            credentials(),
            load_settings(),
            receiver_running=daemon_status(data_dir) is not None,
            data_dir=data_dir,
        )

    async def session(service: GroupService) -> ImportRecord | ImportPlan:
        group = await find_group(service, args.group)
        plan = plan_import(source, group, mapping_with(source.columns, group, args.map))
        if not plan.ready:
            return plan
        check_field_names(plan.mapping.values())  # before the question: it would be refused
        if not args.yes:
            preview(plan, source, group.name)
            confirm(
                f"Have eCampaign import {len(plan.ready):,} member(s)?",
                "import without a terminal",
            )
        return await submit(service, account.name, group, plan, endpoints)

    outcome = with_groups(args.account, session)
    if isinstance(outcome, ImportPlan):  # nothing could be sent
        _print_submitted(args, None, outcome.rejected)
        return EXIT_INPUT
    rejected = [Rejected(int(r["line"]), str(r["reason"])) for r in outcome.rejected]
    _print_submitted(args, outcome, rejected)
    return EXIT_PROVIDER if rejected else EXIT_OK


def _print_submitted(
    args: argparse.Namespace,
    record: ImportRecord | None,
    rejected: list[Rejected],
) -> None:
    rejected = sorted(rejected, key=lambda r: r.line)
    if args.json:
        emit_json(
            {
                "submitted": record.submitted if record else 0,
                "rejected": [r.as_dict() for r in rejected],
                "import": record.id if record else None,
                "state": record.state if record else None,
                "group": record.group_id if record else None,
            }
        )
        return
    if record is None:
        print(f"0 member(s) to import, {len(rejected):,} rejected: nothing was sent.")
    else:
        print(
            f"{record.submitted:,} member(s) handed to eCampaign (import {record.id}), "
            f"{len(rejected):,} rejected. eCampaign fetches the file once and posts its report "
            f"to `porte-voix listen`: `porte-voix groups imports --account {args.account}` "
            "shows it."
        )
    for item in rejected:
        print(f"line {item.line}: {item.reason}")


def list_imports(args: argparse.Namespace) -> int:
    account = _with_groups(args.account)
    with mapped_errors():
        spool = ImportSpool(spool_dir(config_module.data_dir()))
        spool.clean()  # imports never fetched within their lifetime read as expired
        records = spool.records(account.name)
    if args.json:
        emit_json({"account": account.name, "imports": [r.as_json() for r in records]})
        return EXIT_OK
    if not records:
        print("no eCampaign import for this account")
        return EXIT_OK
    from tui.cli.groups_commands import print_table

    print_table(
        ("IMPORT", "CREATED", "GROUP", "STATE", "SENT", "REJECTED", "IMPORTED", "ERRORS"),
        [_row(record) for record in records],
    )
    for record in records:
        errors = (record.report or {}).get("errors") or []
        for error in errors[:SHOWN_ERRORS]:
            print(f"{record.id}: {visible(str(error))}")
        if len(errors) > SHOWN_ERRORS:
            print(f"{record.id}: {len(errors) - SHOWN_ERRORS:,} more error(s) (--json)")
        if record.error:
            print(f"{record.id}: {visible(record.error)}")
    return EXIT_OK


def _row(record: ImportRecord) -> tuple[str, ...]:
    report = record.report or {}
    group = f"{record.group_id} {record.group_name}".strip() or "?"
    imported = report.get("imported")
    return (
        record.id,
        record.created,
        group,
        record.state + (f" ({report['state']})" if report.get("state") else ""),
        str(record.submitted),
        str(len(record.rejected)),
        "" if imported is None else str(imported),
        str(len(report.get("errors") or [])) if report else "",
    )
