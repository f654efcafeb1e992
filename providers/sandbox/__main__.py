"""``python -m providers.sandbox``: serve the five sandboxes on 127.0.0.1 and print their URLs."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json

from providers.sandbox import SANDBOX_SECRET, SandboxCluster


async def serve(callback_delay: float, as_json: bool) -> None:
    async with SandboxCluster(callback_delay=callback_delay) as cluster:
        if as_json:
            print(json.dumps(cluster.urls), flush=True)
        else:
            for name, url in cluster.urls.items():
                print(f"{name:14} {url}", flush=True)
            print(
                f"\nDemo credentials: login 'demo' (Octopush: 'demo@porte-voix.test'), "
                f"secret {SANDBOX_SECRET!r}. Ctrl-C stops.",
                flush=True,
            )
        await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m providers.sandbox", description=__doc__)
    parser.add_argument("--callback-delay", type=float, default=1.0)
    parser.add_argument("--json", action="store_true", help="print the URLs as one JSON object")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.callback_delay, args.json))


if __name__ == "__main__":
    main()
