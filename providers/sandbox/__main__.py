"""``python -m providers.sandbox``: serve the five sandboxes on 127.0.0.1 and say how to use them.

It prints each sandbox's API URL as an account option must hold it (CapitoleMobile: the full
sending URL; VoicePartner and Octopush: the API root with its ``/v1`` or ``/api``), then one
ready ``porte-voix accounts add`` command per provider to paste as is. ``--json`` prints the
same as one JSON object, for scripts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shlex

from providers.base import AccountSettings
from providers.sandbox import SANDBOX_SECRET, SandboxCluster

#: Names the printed accounts get: not the console's own demo accounts ("demo-…").
ACCOUNT_PREFIX = "sandbox-"


def account_name(settings: AccountSettings) -> str:
    return ACCOUNT_PREFIX + settings.provider


def add_command(settings: AccountSettings, secret: str = SANDBOX_SECRET) -> str:
    """The ``porte-voix accounts add`` line that creates this account, its secret on stdin."""
    words = ["porte-voix", "accounts", "add", account_name(settings)]
    words += ["--provider", settings.provider]
    if settings.login:
        words += ["--login", settings.login]
    for key, value in settings.options.items():
        words += ["--set", f"{key}={value}"]
    words.append("--secret-stdin")
    return f"echo {shlex.quote(secret)} | {shlex.join(words)}"


def describe(cluster: SandboxCluster) -> dict[str, object]:
    accounts = [demo.settings for demo in cluster.demo_accounts()]
    return {
        "api_urls": {name: cluster.api_url(name) for name in cluster.running},
        "control_urls": {name: cluster.url(name) + "/_sandbox/" for name in cluster.running},
        "secret": SANDBOX_SECRET,
        "accounts": [
            {
                "name": account_name(settings),
                "provider": settings.provider,
                "login": settings.login,
                "options": dict(settings.options),
                "command": add_command(settings),
            }
            for settings in accounts
        ],
    }


def render(cluster: SandboxCluster) -> str:
    lines = ["Sandboxes on 127.0.0.1 (API URL, as an account option holds it):"]
    for name in cluster.running:
        lines.append(f"  {name:14} {cluster.api_url(name)}")
    lines += [
        "Each also has a control API at <root>/_sandbox/ (faults, callbacks, requests, arrivals,",
        "balance).",
        "",
        "Accounts that reach them, one command each (the secret goes to the OS keyring;",
        "add --store file where there is none):",
    ]
    lines += [add_command(demo.settings) for demo in cluster.demo_accounts()]
    lines += ["", f"Secret {SANDBOX_SECRET!r} for every sandbox. Ctrl-C stops."]
    return "\n".join(lines)


async def serve(callback_delay: float, as_json: bool) -> None:
    async with SandboxCluster(callback_delay=callback_delay) as cluster:
        print(json.dumps(describe(cluster)) if as_json else render(cluster), flush=True)
        await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m providers.sandbox", description=__doc__)
    parser.add_argument("--callback-delay", type=float, default=1.0)
    parser.add_argument("--json", action="store_true", help="print the same as one JSON object")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.callback_delay, args.json))


if __name__ == "__main__":
    main()
