"""``porte-voix groups import GROUP --file F.csv [--map COLUMN=FIELD ...] [--yes]``.

The file is read and every row checked against the group's fields before anything is sent; on a
terminal a preview asks first (``--yes`` skips it; without a terminal ``--yes`` is required).
Members are then added a few requests at a time. Ctrl+C stops taking new rows and waits for the
requests out, so the report still says which lines went in. It prints
``{"imported": N, "rejected": [{"line", "reason"}]}`` (with ``--json``), plus, when the import
stopped early, why and which lines were imported, unknown or not sent. Exit 0 when every row
went in, 1 when some did not, 2 when no row could be sent (nothing was).

With ``--via-provider``, eCampaign imports the checked rows itself (``importMembers``): see
``tui.cli.groups_provider_import``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

from tui.cli.groups import confirm, with_groups
from tui.cli.support import EXIT_INPUT, EXIT_OK, EXIT_PROVIDER, CliFailure, emit_json
from tui.csv_import import CsvImportError
from tui.errors import describe_text, visible
from tui.groups.csv_members import CsvFile, ImportPlan, mapping_with, plan_import, read_csv
from tui.groups.importer import ImportProgress, ImportReport, run_import
from tui.groups.service import GroupService, find_group

PREVIEW_ROWS = 5
PREVIEW_REJECTED = 10


def import_members(args: argparse.Namespace) -> int:
    try:
        source = read_csv(Path(args.file).expanduser())
    except CsvImportError as exc:
        raise CliFailure(EXIT_INPUT, "invalid_file", describe_text(exc)) from None
    if not args.yes and not sys.stdin.isatty():
        raise CliFailure(
            EXIT_INPUT,
            "confirmation_required",
            "pass --yes to import without a terminal (nothing was imported)",
        )

    if args.via_provider:
        from tui.cli.groups_provider_import import import_via_provider

        return import_via_provider(args, source)

    async def session(service: GroupService) -> ImportReport | ImportPlan:
        group = await find_group(service, args.group)
        plan = plan_import(source, group, mapping_with(source.columns, group, args.map))
        if not plan.ready:
            return plan
        if not args.yes:
            preview(plan, source, group.name)
            confirm(f"Import {len(plan.ready):,} member(s)?", "import without a terminal")
        cancel = asyncio.Event()
        with _ctrl_c_sets(cancel):
            progress = _TerminalProgress() if sys.stderr.isatty() else None
            try:
                return await run_import(service, group.id, plan, progress=progress, cancel=cancel)
            finally:
                if progress is not None:
                    progress.end()

    outcome = with_groups(args.account, session)
    if isinstance(outcome, ImportPlan):  # nothing could be sent
        report = ImportReport(rejected=outcome.rejected)
        _print(args, report)
        return EXIT_INPUT
    _print(args, outcome)
    return EXIT_OK if outcome.complete else EXIT_PROVIDER


@contextlib.contextmanager
def _ctrl_c_sets(cancel: asyncio.Event) -> Iterator[None]:
    """Ctrl+C stops taking rows (the requests out are waited for), instead of killing them."""
    loop = asyncio.get_running_loop()

    def stop() -> None:
        print("\nstopping: waiting for the requests out…", file=sys.stderr)
        cancel.set()

    try:
        loop.add_signal_handler(signal.SIGINT, stop)
    except (NotImplementedError, RuntimeError):  # not the main thread, or no signals here
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGINT)


class _TerminalProgress:
    """On a terminal, where the import stands (every 100 rows, on stderr, one line rewritten);
    ``end`` finishes that line, so that the report after it starts on its own."""

    def __init__(self) -> None:
        self.open = False

    def __call__(self, progress: ImportProgress) -> None:
        if progress.done % 100 == 0 or progress.done == progress.total:
            print(
                f"\r{progress.done:,}/{progress.total:,} sent, {progress.imported:,} imported",
                end="",
                file=sys.stderr,
                flush=True,
            )
            self.open = True

    def end(self) -> None:
        if self.open:
            print(file=sys.stderr, flush=True)
            self.open = False


def preview(plan: ImportPlan, source: CsvFile, group_name: str) -> None:
    err = sys.stderr
    print(f"Import into {visible(group_name)!s} from {len(source.rows):,} row(s):", file=err)
    for column, field in plan.mapping.items():
        print(f"  column {visible(column)} -> field {visible(field)}", file=err)
    if plan.unmapped:
        print(f"  left out: {', '.join(map(visible, plan.unmapped))}", file=err)
    for row in plan.ready[:PREVIEW_ROWS]:
        values = ", ".join(f"{v.name}={_shown(v.value, v.code)}" for v in row.values)
        print(f"  line {row.line}: {visible(values)}", file=err)
    print(f"{len(plan.ready):,} ready, {len(plan.rejected):,} rejected", file=err)
    for rejected in plan.rejected[:PREVIEW_REJECTED]:
        print(f"  line {rejected.line}: {rejected.reason}", file=err)


def _shown(value: str, code: str | None) -> str:
    return f"+{code} {value}" if code else value


def _print(args: argparse.Namespace, report: ImportReport) -> None:
    if args.json:
        emit_json(report.as_json())
        return
    print(report.summary())
    for rejected in sorted(report.rejected, key=lambda r: r.line):
        print(f"line {rejected.line}: {rejected.reason}")
