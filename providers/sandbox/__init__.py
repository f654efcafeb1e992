"""Faithful simulators of the provider APIs, served on 127.0.0.1, for the demo and the tests.

``SandboxCluster`` runs the five sandboxes (CapitoleMobile SMS and voice, VoicePartner, Octopush,
eCampaign) each on its own free port, and describes the demo account that reaches each one.
``SandboxThread`` runs a cluster on a private event loop in a background thread, for callers that
are not themselves asynchronous (command-line tests, benchmarks).
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

from providers.base import AccountSettings
from providers.sandbox.capitole import CapitoleSmsSandbox, CapitoleVmsSandbox
from providers.sandbox.common import (
    SANDBOX_EMAIL_LOGIN,
    SANDBOX_LOGIN,
    SANDBOX_SECRET,
    CallbackSettings,
    RunningSandbox,
    SandboxBase,
)
from providers.sandbox.ecampaign import EcampaignSandbox
from providers.sandbox.octopush import OctopushSandbox
from providers.sandbox.voicepartner import VoicePartnerSandbox

__all__ = [
    "SANDBOX_SECRET",
    "DemoAccount",
    "SandboxCluster",
    "SandboxThread",
]

SANDBOX_NAMES = ("capitole_sms", "capitole_vms", "voicepartner", "octopush", "ecampaign")


@dataclass(frozen=True)
class DemoAccount:
    settings: AccountSettings
    secret: str = SANDBOX_SECRET


@dataclass
class SandboxCluster:
    callback_delay: float = 1.0
    sandboxes: dict[str, SandboxBase] = field(default_factory=dict)
    running: dict[str, RunningSandbox] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.sandboxes:
            self.sandboxes = {
                "capitole_sms": CapitoleSmsSandbox(),
                "capitole_vms": CapitoleVmsSandbox(),
                "voicepartner": VoicePartnerSandbox(),
                "octopush": OctopushSandbox(),
                "ecampaign": EcampaignSandbox(),
            }
        for name, sandbox in self.sandboxes.items():
            sandbox.name = name
            sandbox.callbacks = CallbackSettings(None, self.callback_delay)

    async def start(self) -> SandboxCluster:
        for name, sandbox in self.sandboxes.items():
            self.running[name] = await RunningSandbox(sandbox).start()
        return self

    async def stop(self) -> None:
        for running in self.running.values():
            await running.stop()
        self.running.clear()

    async def __aenter__(self) -> SandboxCluster:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def url(self, name: str) -> str:
        """The sandbox's root: its control API lives under ``<root>/_sandbox/``."""
        return self.running[name].base_url

    def api_url(self, name: str) -> str:
        """What an account's URL option must hold to reach the sandbox ``name``."""
        return self.url(name) + self.sandboxes[name].api_path

    @property
    def urls(self) -> dict[str, str]:
        return {name: running.base_url for name, running in self.running.items()}

    def set_callback_url(self, provider: str, url: str | None) -> None:
        """Point a provider's delivery callbacks at ``url`` (Capitole: both SMS and voice)."""
        for name, sandbox in self.sandboxes.items():
            if name.split("_")[0] == provider:
                sandbox.callbacks = CallbackSettings(url, self.callback_delay)

    def demo_accounts(self) -> list[DemoAccount]:
        """One account per provider, pointing at this cluster."""
        return [
            DemoAccount(
                AccountSettings(
                    "demo-capitole",
                    "capitole",
                    SANDBOX_LOGIN,
                    {
                        "sms_url": self.api_url("capitole_sms"),
                        "sms_test_url": self.api_url("capitole_sms") + "_test",
                        "vms_url": self.api_url("capitole_vms"),
                    },
                )
            ),
            DemoAccount(
                AccountSettings(
                    "demo-voicepartner",
                    "voicepartner",
                    "",
                    {
                        "base_url": self.api_url("voicepartner"),
                        "email": "operator@porte-voix.test",
                    },
                )
            ),
            DemoAccount(
                AccountSettings(
                    "demo-octopush",
                    "octopush",
                    SANDBOX_EMAIL_LOGIN,
                    {"base_url": self.api_url("octopush"), "sms_type": "XXX"},
                )
            ),
            DemoAccount(
                AccountSettings(
                    "demo-ecampaign",
                    "ecampaign",
                    SANDBOX_LOGIN,
                    {
                        "base_url": self.api_url("ecampaign"),
                        "route": "1",
                        "voice_route": "2",
                        "mail_route": "3",
                        "fax_route": "4",
                    },
                )
            ),
        ]


class SandboxThread:
    """A cluster on its own event loop in a daemon thread (``with SandboxThread() as cluster:``)."""

    def __init__(self, callback_delay: float = 0.2) -> None:
        self.cluster = SandboxCluster(callback_delay=callback_delay)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> SandboxCluster:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.cluster.start(), self._loop).result(timeout=30)
        return self.cluster

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.cluster.stop(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
