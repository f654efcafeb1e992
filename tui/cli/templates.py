"""``porte-voix templates``: list, show, add, edit and delete provider templates, and push or
fetch the MP3 recordings of voice templates (eCampaign).

Exit codes and ``--json`` errors follow ``tui.cli.support``. A modification replaces the whole
template, so ``edit`` reads it first and sends it back with the options given changed
(``tui.templates``). A deletion asks on a terminal (``--yes`` otherwise), as a send does.
``--account`` may be left out: ``tui.cli.ecampaign_account`` says which account is used then.
Dates are eCampaign's, in Paris time: the list's heading and the detail's labels say so.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from providers.base import Capability, Provider, provider_info
from providers.models import VoiceTemplateSettings
from tui import templates as tpl
from tui.accounts.config import Account
from tui.cli.columns import ZONE_LABEL, Column, cell, print_table
from tui.cli.ecampaign_account import add_account_option, resolve_account
from tui.cli.support import (
    EXIT_INPUT,
    EXIT_OK,
    CliFailure,
    emit_json,
    mapped_errors,
    open_provider,
)
from tui.errors import describe, visible

T = TypeVar("T")
#: Voice options: (flag, VoiceTemplateSettings field).
VOICE_OPTIONS = (
    ("--interactive", "interactive"),
    ("--intro", "intro"),
    ("--ask-end", "ask_end"),
    ("--responder", "responder"),
    ("--responder-custom", "responder_custom"),
    ("--recorded", "recorded"),
)


NOT_DELETED = "delete without a terminal (nothing was deleted)"
#: eCampaign's dates are its platform's local time, Paris (given as they come, zone said).
DATED_ROWS = ("Created", "Updated")
LIST_COLUMNS = (
    Column("ID", cap=10, right=True),
    Column("TYPE", cap=7),
    Column(f"UPDATED ({ZONE_LABEL})", cap=19),
    Column("NAME"),
)


# -- shared by the feedback commands ------------------------------------------------------------
def with_provider(
    account_name: str | None,
    capability: Capability,
    what: str,
    call: Callable[[Provider], Awaitable[T]],
) -> tuple[Account, T]:
    """Run ``call`` on the account's provider, closing it after; errors mapped to exit codes.

    Without ``account_name``, the account is the one ``resolve_account`` picks for
    ``capability`` (the default account, or the only one offering it)."""
    account = resolve_account(account_name, capability)
    info = provider_info(account.provider)
    if not info.capabilities & capability:
        raise CliFailure(EXIT_INPUT, "unsupported", f"{info.label} has no {what}")
    provider = open_provider(account)

    async def run() -> T:
        try:
            return await call(provider)
        finally:
            await provider.aclose()

    import asyncio  # here, not at the top: building the parser stays cheap

    with mapped_errors():
        return account, asyncio.run(run())


def require_terminal(refused: str) -> None:
    """Without a terminal nothing is asked and nothing is done: ``--yes`` says it knowingly.
    Checked before any request, so that a refused command leaves no trace."""
    if not sys.stdin.isatty():
        raise CliFailure(EXIT_INPUT, "confirmation_required", f"pass --yes to {refused}")


def confirm(question: str, refused: str) -> None:
    """Ask ``question`` on the terminal; ``CliFailure`` (exit 2) unless the answer is yes."""
    require_terminal(refused)
    # On stderr, so that stdout stays one JSON object under --json.
    print(f"{visible(question)} [y/N] ", end="", file=sys.stderr, flush=True)
    if sys.stdin.readline().strip().lower() not in ("y", "yes", "o", "oui"):
        raise CliFailure(EXIT_INPUT, "not_confirmed", "nothing was done")


def print_rows(rows: list[tuple[str, str]]) -> None:
    """Label/value lines; values already made visible; a multi-line value stays indented."""
    width = max((len(label) for label, _ in rows), default=0)
    for label, value in rows:
        indent = "\n" + " " * (width + 2)
        print(f"{label:<{width}}  {indent.join(value.splitlines() or [''])}")


# -- parser ------------------------------------------------------------------------------------
def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    templates = commands.add_parser("templates", help="eCampaign templates and voice recordings")
    templates.set_defaults(handler=run)
    sub = templates.add_subparsers(dest="templates_command", metavar="ACTION", required=True)

    listing = sub.add_parser("list", help="list the templates")
    _common(listing)
    listing.add_argument("--type", choices=tpl.TEMPLATE_TYPES, dest="kind")
    listing.add_argument("--search", metavar="TEXT", help="only names (or ids) containing TEXT")

    show = sub.add_parser("show", help="a template's settings")
    show.add_argument("id", metavar="ID")
    _common(show)

    add = sub.add_parser("add", help="create a template")
    _common(add)
    add.add_argument("--type", choices=tpl.TEMPLATE_TYPES, dest="kind", required=True)
    add.add_argument("--name", required=True)
    _content(add)

    edit = sub.add_parser("edit", help="change a template (the rest is kept as it is)")
    edit.add_argument("id", metavar="ID")
    _common(edit)
    edit.add_argument("--name")
    _content(edit)

    delete = sub.add_parser("delete", help="delete a template")
    delete.add_argument("id", metavar="ID")
    _common(delete)
    delete.add_argument("--yes", action="store_true", help="delete without asking")

    mp3 = sub.add_parser("mp3", help="the MP3 recordings of a voice template")
    parts = mp3.add_subparsers(dest="mp3_command", metavar="ACTION", required=True)
    part_help = "; ".join(tpl.mp3_part_lines())
    push = parts.add_parser("push", help="have eCampaign fetch an MP3 from a URL (5 MB at most)")
    push.add_argument("id", metavar="ID")
    _common(push)
    push.add_argument("--part", choices=tpl.MP3_PARTS, required=True, help=part_help)
    push.add_argument("--url", required=True, help="http(s) address of the MP3 file")
    get = parts.add_parser("get", help="download a recording to a file")
    get.add_argument("id", metavar="ID")
    _common(get)
    get.add_argument("--part", choices=tpl.MP3_PARTS, required=True, help=part_help)
    get.add_argument("--output", required=True, metavar="FILE")
    get.add_argument("--force", action="store_true", help="replace FILE if it exists")


def _common(parser: argparse.ArgumentParser) -> None:
    add_account_option(parser)
    parser.add_argument("--json", action="store_true")


def _content(parser: argparse.ArgumentParser) -> None:
    text = parser.add_mutually_exclusive_group()
    text.add_argument("--text", help="the SMS text, or the e-mail message")
    text.add_argument("--text-file", metavar="FILE", help="read --text from FILE (UTF-8)")
    parser.add_argument("--subject", help="the e-mail subject")
    parser.add_argument("--duration", type=int, choices=tpl.VOICE_DURATIONS, help="seconds")
    for flag, field in VOICE_OPTIONS:
        parser.add_argument(flag, dest=field, action=argparse.BooleanOptionalAction)


# -- commands ----------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> int:
    command = args.templates_command
    # Resolved once: the confirmation and the messages name the account actually used.
    args.account = resolve_account(args.account, Capability.TEMPLATES).name
    if command == "mp3":
        return _push(args) if args.mp3_command == "push" else _get(args)
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "list": _list,
        "show": _show,
        "add": _add,
        "edit": _edit,
        "delete": _delete,
    }
    return handlers[command](args)


def _templates(
    args: argparse.Namespace, call: Callable[[tpl.TemplateService], Awaitable[T]]
) -> tuple[Account, T]:
    def on(provider: Provider) -> Awaitable[T]:
        return call(tpl.template_service(provider, args.account))

    return with_provider(args.account, Capability.TEMPLATES, "templates", on)


def _list(args: argparse.Namespace) -> int:
    account, found = _templates(args, lambda service: service.list_templates(args.kind or "all"))
    shown = [template for template in found if tpl.matches(template, args.search or "")]
    if args.json:
        emit_json({"account": account.name, "templates": [tpl.listed_json(t) for t in shown]})
        return EXIT_OK
    if not shown:
        print("no template" + (" matches" if found else ""))
        return EXIT_OK
    rows = [
        [
            cell(template.id),
            cell(tpl.TYPE_LABELS.get(template.type, template.type)),
            cell(template.updated or template.created),
            cell(template.name),
        ]
        for template in shown
    ]
    print_table(LIST_COLUMNS, rows)
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    account, template = _templates(args, lambda service: service.get_template(args.id))
    if args.json:
        emit_json({"account": account.name, "template": tpl.as_json(template)})
    else:
        rows = tpl.detail_rows(template)
        print_rows([(_zoned(label), value) for label, value in rows])
    return EXIT_OK


def _zoned(label: str) -> str:
    return f"{label} ({ZONE_LABEL})" if label in DATED_ROWS else label


def _text(args: argparse.Namespace) -> str | None:
    if args.text_file is None:
        value: str | None = args.text
        return value
    try:
        return Path(args.text_file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliFailure(
            EXIT_INPUT, "invalid_text_file", f"{args.text_file}: {describe(exc).message}"
        ) from None


def _voice_given(args: argparse.Namespace) -> dict[str, Any]:
    given = {field: getattr(args, field) for _, field in VOICE_OPTIONS}
    given["duration"] = args.duration
    return {key: value for key, value in given.items() if value is not None}


def _draft(args: argparse.Namespace, base: tpl.TemplateDraft) -> tpl.TemplateDraft:
    """``base`` with the options given changed; refuses options of another type."""
    kind = base.type
    text, voice = _text(args), _voice_given(args)
    if kind != "voice" and voice:
        raise CliFailure(
            EXIT_INPUT, "invalid_voice", "--duration and the voice flags are for voice templates"
        )
    if kind == "voice" and (text is not None or args.subject is not None):
        raise CliFailure(
            EXIT_INPUT, "invalid_text", "a voice template has no text: push MP3 recordings"
        )
    if kind == "sms" and args.subject is not None:
        raise CliFailure(EXIT_INPUT, "invalid_subject", "--subject is for e-mail templates")
    return tpl.TemplateDraft(
        name=args.name if args.name is not None else base.name,
        type=kind,
        sms_message=text if kind == "sms" and text is not None else base.sms_message,
        mail_subject=args.subject if args.subject is not None else base.mail_subject,
        mail_message=text if kind == "mail" and text is not None else base.mail_message,
        voice=(
            tpl.changed_voice(base.voice or VoiceTemplateSettings(), **voice)
            if kind == "voice"
            else None
        ),
    )


def _add(args: argparse.Namespace) -> int:
    draft = _draft(args, tpl.TemplateDraft(name="", type=args.kind))
    account, created = _templates(
        args, lambda service: service.add_template(draft.name, draft.type, **draft.fields())
    )
    if args.json:
        emit_json({"account": account.name, **tpl.created_json(created)})
        return EXIT_OK
    print(f"template {visible(created.id)} created")
    if created.phone_number:
        code = f" with the code {visible(created.phone_code)}" if created.phone_code else ""
        print(f"record its messages by calling {visible(created.phone_number)}{code},")
        print(f"or push MP3 files: porte-voix templates mp3 push {visible(created.id)} ...")
    return EXIT_OK


def _edit(args: argparse.Namespace) -> int:
    async def edit(service: tpl.TemplateService) -> tpl.TemplateDraft:
        current = await service.get_template(args.id)
        draft = _draft(args, tpl.draft_of(current))
        reason = tpl.text_needed(current)
        if reason and (draft.sms_message or draft.mail_message) is None:
            raise CliFailure(EXIT_INPUT, "text_required", reason + " (--text or --text-file)")
        await service.mod_template(args.id, draft.name, draft.type, **draft.fields())
        return draft

    account, draft = _templates(args, edit)
    if args.json:
        emit_json({"account": account.name, "id": args.id, "status": "modified"})
    else:
        print(f"template {visible(args.id)} ({visible(draft.name)}) modified")
    return EXIT_OK


def _delete(args: argparse.Namespace) -> int:
    if not args.yes:
        require_terminal(NOT_DELETED)
        _, template = _templates(args, lambda service: service.get_template(args.id))
        confirm(
            f"Delete the template {tpl.summary(template)} of {args.account}?",
            NOT_DELETED,
        )
    try:
        account, _ = _templates(args, lambda service: service.del_template(args.id))
    except CliFailure as failure:
        # The provider's code travels as provider_code, or as the code itself.
        code = getattr(failure, "provider_code", None) or failure.code
        hint = tpl.delete_refusal(code)
        if hint is None:
            raise
        raise dataclasses.replace(failure, message=f"{failure.message}. {hint}") from None
    if args.json:
        emit_json({"account": account.name, "id": args.id, "status": "deleted"})
    else:
        print(f"template {visible(args.id)} deleted")
    return EXIT_OK


def _push(args: argparse.Namespace) -> int:
    account, _ = _templates(args, lambda service: service.push_mp3(args.id, args.part, args.url))
    if args.json:
        emit_json({"account": account.name, "id": args.id, "part": args.part, "status": "pushed"})
    else:
        print(f"eCampaign fetched the {args.part} recording of template {visible(args.id)}")
    return EXIT_OK


def _get(args: argparse.Namespace) -> int:
    output = Path(args.output)
    if output.exists() and not args.force:
        raise CliFailure(
            EXIT_INPUT, "output_exists", f"{output} exists: pass --force to replace it"
        )
    folder = output.expanduser().absolute().parent
    if not folder.is_dir():
        # Said before the download, not after it.
        raise CliFailure(EXIT_INPUT, "invalid_output", f"{output}: there is no folder {folder}")
    account, data = _templates(args, lambda service: service.get_mp3(args.id, args.part))
    try:
        path = tpl.save_recording(data, output, overwrite=args.force)
    except OSError as exc:
        # The error's own text would name the temporary file beside the target.
        why = exc.strerror or type(exc).__name__
        raise CliFailure(
            EXIT_INPUT, "invalid_output", f"{output}: cannot write it ({why})"
        ) from None
    if args.json:
        emit_json(
            {
                "account": account.name,
                "id": args.id,
                "part": args.part,
                "output": str(path),
                "bytes": len(data),
            }
        )
    else:
        print(
            f"saved the {args.part} recording of template {visible(args.id)} "
            f"({len(data)} bytes) to {visible(str(path))}; porte-voix cannot play it: open it "
            "with an audio player"
        )
    return EXIT_OK
