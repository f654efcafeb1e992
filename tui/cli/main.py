"""The command line: ``porte-voix [--demo]`` opens the console; subcommands script it.

Exit codes are a contract: 0 accepted / done; 1 the provider refused or the outcome is unknown;
2 the input was refused locally (nothing was sent); 3 configuration or credentials problem.

Each command family is one module with ``register(commands)``, which adds its parser(s) and
binds each to its handler (``set_defaults(handler=...)``); ``FAMILIES`` lists them, in the order
``--help`` shows them: adding a family is one new module and one line there. A family imports
what its handlers need inside them (or under ``TYPE_CHECKING``), so building the parser stays
cheap: ``--version`` and ``sms-count`` load no keyring, store or provider package.
A family whose command may send sets ``may_send=True``: interrupted, it exits 1 (unknown).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

from tui.cli.support import EXIT_CONFIG, EXIT_PROVIDER, CliFailure, fail, known_failure

Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
#: A family's ``register``: adds its parser(s) to the ``porte-voix`` sub-commands.
Register = Callable[[Commands], None]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # --version only: 30 ms

    try:
        return version("porte-voix")
    except PackageNotFoundError:  # running from a source tree without installation
        return "0+unknown"


class _Version(argparse.Action):
    """``--version``: the installed version, looked up only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> None:
        print(f"porte-voix {_version()}")
        parser.exit()


#: The command family modules, in the order ``--help`` lists their commands: one line each.
FAMILIES = (
    "tui.cli.accounts",  # accounts add|edit|list|remove|check|move-secret
    "tui.cli.send",  # send sms|vms
    "tui.cli.sends",  # sends [show], resend
    "tui.cli.info",  # credits, cdr, sms-count
    "tui.cli.history",  # history
    "tui.cli.groups",  # groups …
    "tui.cli.templates",  # templates …
    "tui.cli.feedback",  # blacklist, replies, hlr
    "tui.cli.optout",  # optout list|add|remove|import|sync
    "tui.cli.listen",  # listen (the callback daemon), listen --print-urls
    "tui.cli.events",  # events
)


#: The family of each command: a command line naming one builds that family's parser alone
#: (a tenth of a second of imports and parsers spared); ``--help`` and the rest build them all.
#: A test checks it against what each family registers.
COMMAND_FAMILIES = {
    "accounts": "tui.cli.accounts",
    "send": "tui.cli.send",
    "sends": "tui.cli.sends",
    "resend": "tui.cli.sends",
    "credits": "tui.cli.info",
    "cdr": "tui.cli.info",
    "sms-count": "tui.cli.info",
    "history": "tui.cli.history",
    "groups": "tui.cli.groups",
    "templates": "tui.cli.templates",
    "blacklist": "tui.cli.feedback",
    "replies": "tui.cli.feedback",
    "hlr": "tui.cli.feedback",
    "optout": "tui.cli.optout",
    "listen": "tui.cli.listen",
    "events": "tui.cli.events",
}


def command_of(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names (its first word that is not an option), if it is one."""
    word = next((arg for arg in argv if not arg.startswith("-")), None)
    return word if word in COMMAND_FAMILIES else None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of ``command``'s family alone."""
    parser = argparse.ArgumentParser(
        prog="porte-voix",
        description="Send SMS and voice messages through French providers, and watch them.",
    )
    parser.add_argument("--version", action=_Version)
    parser.add_argument(
        "--demo", action="store_true", help="open the console on the built-in sandbox"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    families = FAMILIES if command is None else (COMMAND_FAMILIES[command],)
    for family in families:
        register: Register = importlib.import_module(family).register
        register(commands)
    return parser


#: New containers between two passes of the cycle collector in the program (``entry``).
COLLECT_EVERY = 20_000


def entry() -> int:
    """The ``porte-voix`` program: ``main``, then the interpreter's exit.

    What is left is about to be torn down with the interpreter: moved out of the cycle
    collector's reach, the final collections do not walk every object a send created (about a
    tenth of a second at exit). Nothing is skipped: references still count, exit handlers still
    run, and everything of value (the outbox, the files) is closed already. Only here, never in
    ``main``, which tests and scripts call in a process that goes on.

    Meanwhile the collector runs a pass every ``COLLECT_EVERY`` new containers rather than
    every 700: at its default pace it walked the imported modules and a send's objects about
    700 times in a send of 100,000 numbers (0.18 s), now 3 times (0.04 s), the peak memory
    unchanged (what a send makes is freed by reference counting; cycles are rare and small)."""
    gc.set_threshold(COLLECT_EVERY, *gc.get_threshold()[1:])
    try:
        return main()
    finally:
        gc.freeze()


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(command_of(words))
    args = parser.parse_args(words)
    as_json = bool(getattr(args, "json", False))
    _configure_log()
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        if getattr(args, "may_send", False):
            # A request may have been out: the outbox says unknown; the contract says exit 1.
            return fail(
                CliFailure(
                    EXIT_PROVIDER,
                    "interrupted",
                    "interrupted: a request may have left; the outcome is unknown and will not "
                    "be resent automatically",
                ),
                as_json=as_json,
            )
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `porte-voix sends show REF | head`: the reader has gone, which is not a failure.
        # Point stdout at nothing so the interpreter's final flush does not raise again.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        # A handler's own failures, and any layer's known error that reached this far (a CSV
        # file, a configuration...): the contract's exit code and words.
        failure = known_failure(exc)
        if failure is not None:
            return fail(failure, as_json=as_json)
        # One JSON object even then; the traceback goes to the log.
        import logging

        logging.getLogger(__name__).exception("porte-voix %s failed", args.command)
        return fail(
            CliFailure(
                EXIT_PROVIDER,
                "internal_error",
                f"unexpected {type(exc).__name__}; see the log file",
            ),
            as_json=as_json,
        )


def _configure_log() -> None:
    from tui import logfile
    from tui.accounts import config as config_module

    try:
        logfile.configure(config_module.data_dir())
    except (OSError, ValueError) as exc:  # an unwritable data directory must not stop a send
        from tui.errors import describe_text

        print(f"porte-voix: no log file ({describe_text(exc)})", file=sys.stderr)


def _dispatch(args: argparse.Namespace) -> int:
    if args.command is None:
        from tui.app import run_console

        return run_console(demo=args.demo)
    if args.demo:
        raise CliFailure(EXIT_CONFIG, "usage", "--demo opens the console; use it alone")
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(entry())
