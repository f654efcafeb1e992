"""``porte-voix listen``: the callback receiver daemon, and the URLs to give the providers.

* ``listen [--host H] [--port P]`` runs the daemon (``tui.listen.daemon``) until SIGTERM.
* ``listen --print-urls [--public-url URL] [--json]`` prints each account's callback URL,
  making its secret token on first use (``tui.listen.tokens``): ``{"urls": {ACCOUNT: URL}}``.
  This is the one output where a token appears, since it is its purpose.
* ``--public-url`` is remembered (``listen.toml``): from then on, sends through a provider that
  takes a callback URL per request (VoicePartner's ``notifyUrl``) carry the account's URL.
* ``listen --new-token ACCOUNT`` replaces an account's token (the old URL stops working).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

from tui.cli.support import EXIT_CONFIG, EXIT_OK, CliFailure, credentials, emit_json, mapped_errors
from tui.errors import visible

if TYPE_CHECKING:
    from tui.listen.settings import ListenSettings


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    listen = commands.add_parser(
        "listen",
        help="receive delivery reports, replies and STOP (a daemon), or print the URLs to give",
        description="Receive the providers' callbacks and store them before answering. "
        "SIGTERM stops it cleanly; SIGHUP reads the accounts again.",
    )
    listen.set_defaults(handler=_run)
    listen.add_argument("--host", help="address to bind (default 127.0.0.1, or listen.toml's)")
    listen.add_argument("--port", type=int, help="port to bind (default 8787, or listen.toml's)")
    listen.add_argument(
        "--public-url",
        metavar="URL",
        help="where the providers reach this daemon (https://HOST[/PREFIX]); remembered",
    )
    listen.add_argument(
        "--print-urls", action="store_true", help="print each account's callback URL and exit"
    )
    listen.add_argument(
        "--new-token", metavar="ACCOUNT", help="give ACCOUNT a new secret token, then print URLs"
    )
    listen.add_argument("--json", action="store_true", help="with --print-urls: one JSON object")


def _run(args: argparse.Namespace) -> int:
    from tui.listen import settings as listen_settings

    with mapped_errors():
        settings = listen_settings.load()
        if args.public_url is not None:
            public = listen_settings.check_public_url(args.public_url)
            if public != settings.public_url:
                settings = replace(settings, public_url=public)
                listen_settings.save(settings)
                print(
                    f"porte-voix: public URL {visible(public)} saved in "
                    f"{listen_settings.settings_path()}",
                    file=sys.stderr,
                )
    if args.port is not None and not 0 <= args.port <= 65535:
        raise CliFailure(2, "invalid_port", f"--port {args.port} is not a port number")
    host = args.host or settings.host
    port = settings.port if args.port is None else args.port
    if args.new_token:
        _rotate(args.new_token)
    if args.print_urls or args.new_token:
        return _print_urls(settings, host, port, as_json=args.json)
    if args.json:
        raise CliFailure(2, "usage", "--json goes with --print-urls")
    return _serve(host, port)


def _rotate(name: str) -> None:
    from tui.accounts import config as config_module
    from tui.listen.tokens import rotate_token

    with mapped_errors():
        account = config_module.load().get(name)
        rotate_token(credentials(), account)
    print(
        f"porte-voix: {name} has a new callback token: give its provider the new URL below, "
        "and send SIGHUP to a running daemon",
        file=sys.stderr,
    )


def _print_urls(settings: ListenSettings, host: str, port: int, *, as_json: bool) -> int:
    from tui.accounts import config as config_module
    from tui.listen.routes import account_routes

    with mapped_errors():
        accounts = config_module.load().accounts
        routes, problems = account_routes(accounts.values(), credentials())
    base = settings.public_url
    if base is None:
        base = f"http://{host}:{port}"
        print(
            "porte-voix: no public URL: these reach the daemon from this machine only; give "
            "--public-url https://HOST (your reverse proxy) for the providers",
            file=sys.stderr,
        )
    urls = {route.account: base.rstrip("/") + route.path for route in routes}
    for problem in problems:
        print(f"porte-voix: {visible(problem)}", file=sys.stderr)
    if as_json:
        emit_json({"urls": urls})
    else:
        for name, url in urls.items():
            print(f"{name}\t{url}")
    if not accounts:
        print("porte-voix: no account configured", file=sys.stderr)
    return EXIT_CONFIG if problems or not accounts else EXIT_OK


def _serve(host: str, port: int) -> int:
    import asyncio

    from tui.accounts import config as config_module
    from tui.listen.daemon import Daemon, log_to_stderr
    from tui.listen.status import AlreadyRunning

    log_to_stderr()
    daemon = Daemon(host, port, config_module.data_dir(), credentials())
    try:
        return asyncio.run(daemon.run())
    except AlreadyRunning as exc:
        raise CliFailure(EXIT_CONFIG, "configuration", str(exc)) from None
    except OSError as exc:
        raise CliFailure(
            EXIT_CONFIG, "configuration", f"cannot listen on {host}:{port}: {exc.strerror or exc}"
        ) from None
