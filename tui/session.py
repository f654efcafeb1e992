"""A console session: the accounts in use, their providers, the outbox, and demo mode.

The console's screens ask the session for what they need and never open connections, keyrings
or databases themselves. In demo mode the session starts the five sandboxes and a delivery
receiver inside the app's event loop, and offers one demo account per provider; its journal
is a fresh one each run, removed when the run ends, never the operator's own.

Delivery states (``tui.listen.console``): with real accounts the console relies on the
``listen`` daemon, or serves the accounts' callback URLs itself while it is open
(``console_receiver = "embedded"`` in listen.toml), and polls eCampaign's getCDR where no
callback can reach it. Sends through a provider that takes a callback URL per request carry
the account's URL once a public URL is configured (``tui.listen.routes.with_callback_url``).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from providers.base import Capability, Provider, create_provider, provider_info
from tui.accounts import config as config_module
from tui.accounts.config import Account, Config, ConfigError
from tui.accounts.credentials import (
    Credentials,
    PassphrasePrompt,
    read_secret,
    unlock_file_store,
)
from tui.errors import describe_text
from tui.outbox.schema import SendRow
from tui.outbox.store import Store

if TYPE_CHECKING:  # the sandboxes (and aiohttp) load for a demo only
    from providers.sandbox import SandboxCluster
    from tui.listen.console import ConsoleListening
    from tui.receiver import Receiver

DB_NAME = "porte-voix.db"
#: Prefix of the directory a demo run keeps its journal in (see ``demo_store``).
DEMO_DIR_PREFIX = "porte-voix-demo-"


def demo_store() -> Store:
    """A fresh journal for one demo run, in a private directory of its own.

    The demo's sandboxes start afresh each run (balances of 1000, new ids): a journal kept from
    an earlier run would show balances and sends those sandboxes never knew, and two demos run
    at once must not share one. ``Session.stop`` removes the directory; one a crash left behind
    is in the system's temporary directory, which the system clears.
    """
    directory = Path(tempfile.mkdtemp(prefix=DEMO_DIR_PREFIX))  # 0700, created for this run
    return Store(directory / DB_NAME)


@dataclass
class KnownBalance:
    text: str
    seen_at: datetime


@dataclass
class Session:
    demo: bool
    store: Store
    credentials: Credentials
    config: Config = field(default_factory=Config)
    accounts: dict[str, Account] = field(default_factory=dict)
    _demo_secrets: dict[str, str] = field(default_factory=dict)
    _providers: dict[str, Provider] = field(default_factory=dict)
    _closing: set[asyncio.Task[None]] = field(default_factory=set)
    cluster: SandboxCluster | None = None
    #: The receiver the composer listens to (embedded, or the getCDR poll's way in), if any.
    receiver: Receiver | None = None
    receiver_url: str | None = None
    #: The embedded receiver, the getCDR poll and the daemon's status (``start``).
    listening: ConsoleListening | None = None
    #: Seconds the demo sandboxes wait before each delivery report.
    callback_delay: float = 1.5
    #: Asks the encrypted file store's passphrase (the console sets a dialog); None: no one to ask.
    ask_passphrase: PassphrasePrompt | None = None
    #: Sends an earlier process left interrupted, settled when the outbox was opened (oldest
    #: first): the console says so, once (``take_recovered``).
    recovered: list[SendRow] = field(default_factory=list)

    @classmethod
    def open(cls, *, demo: bool, data_dir: Path | None = None) -> Session:
        data_dir = data_dir or config_module.data_dir()
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        store = demo_store() if demo else Store(data_dir / DB_NAME)
        recovered = store.recover_interrupted_sends()
        session = cls(
            demo=demo, store=store, credentials=Credentials(data_dir), recovered=recovered
        )
        if not demo:
            session.config = config_module.load()
            session.accounts = dict(session.config.accounts)
        return session

    # -- lifecycle --------------------------------------------------------------------------------
    async def start(self) -> None:
        """Delivery states: the demo's sandboxes and receiver, or for real accounts the embedded
        receiver and the getCDR poll. The console starts it before its first screen for the
        demo (whose accounts come with the sandboxes), after it otherwise (``tui.app``)."""
        # Loaded here, not with the session: a console start shows its first screen first.
        from tui.listen.console import DEMO_POLL, ConsoleListening

        self.listening = ConsoleListening(self.store.path, self.credentials.data_dir)
        if not self.demo:
            await self._start_listening(self.listening)
            return
        self.receiver = self.listening.ensure_receiver()
        self.receiver_url = await self.listening.serve()
        from providers.sandbox import SandboxCluster

        self.cluster = await SandboxCluster(callback_delay=self.callback_delay).start()
        for demo in self.cluster.demo_accounts():
            settings = demo.settings
            self.receiver.register(settings.name, settings.provider)
            callback = self.receiver_url + self.receiver.path_for(settings.name)
            options = dict(settings.options)
            option = provider_info(settings.provider).callback_option
            if option is not None:  # the URL travels with each send
                options[option] = callback
            elif settings.provider != "ecampaign":
                # The URL is the provider's setting: the sandbox plays the platform. eCampaign
                # plays a laptop without public URL: its states come through getCDR.
                self.cluster.set_callback_url(settings.provider, callback)
            self.accounts[settings.name] = Account(
                settings.name, settings.provider, settings.login, options, secret_store="env"
            )
            self._demo_secrets[settings.name] = demo.secret
        self.config = Config(dict(self.accounts), next(iter(self.accounts)))
        self.listening.start_poll(self.provider, DEMO_POLL)

    async def _start_listening(self, listening: ConsoleListening) -> None:
        """Real accounts: an embedded receiver if chosen (and no daemon), the getCDR poll where
        callbacks cannot arrive. A problem is said on the Live screen, never raised."""
        from tui.listen import settings as listen_settings
        from tui.listen.console import FIRST_POLL_DELAY
        from tui.listen.routes import account_routes

        try:
            listening.settings = listen_settings.load()
        except ConfigError as exc:
            listening.problem = describe_text(exc)
        settings = listening.settings
        if settings.console_receiver == "embedded" and listening.daemon() is None:
            try:
                files = any(a.secret_store == "file" for a in self.accounts.values())
                if files and self.credentials.file_store_exists:
                    await unlock_file_store(self.credentials, self.ask_passphrase)
                routes, problems = await asyncio.to_thread(
                    account_routes, self.accounts.values(), self.credentials
                )
            except Exception as exc:
                listening.problem = f"no embedded receiver: {describe_text(exc)}"
            else:
                await listening.serve_accounts(routes, problems)
                self.receiver, self.receiver_url = listening.receiver, listening.url
        ecampaign = any(a.provider == "ecampaign" for a in self.accounts.values())
        if listening.should_poll(ecampaign):
            listening.start_poll(
                self.provider, settings.cdr_poll, delay=FIRST_POLL_DELAY, on_receiver=self._heard
            )

    def _heard(self, receiver: Receiver) -> None:
        """The receiver the getCDR poll writes through: the composer listens to it."""
        if self.receiver is None:
            self.receiver = receiver

    async def become_demo(self) -> None:
        """Switch an empty session to demo mode (offered when no account is configured)."""
        if self.demo:
            return
        if self.listening is not None:  # a poll or receiver of the real accounts stops here
            await self.listening.stop()
            self.receiver = self.listening = None
        self.store.close()
        self.store = demo_store()
        self.recovered = self.store.recover_interrupted_sends()
        self.demo = True
        await self.start()

    async def stop(self) -> None:
        if self.listening is not None:
            await self.listening.stop_poll()  # before the providers it uses are closed
        for provider in self._providers.values():
            await provider.aclose()
        self._providers.clear()
        if self.cluster is not None:
            await self.cluster.stop()
        if self.listening is not None:
            await self.listening.stop()
        self.store.close()
        if self.demo:  # the demo's journal lives as long as its sandboxes (``demo_store``)
            shutil.rmtree(self.store.path.parent, ignore_errors=True)

    def take_recovered(self) -> list[SendRow]:
        """The sends recovered at start-up, once: whoever announces them takes them."""
        recovered, self.recovered = self.recovered, []
        return recovered

    # -- accounts ---------------------------------------------------------------------------------
    def default_account(self) -> Account | None:
        return self.config.default() if self.accounts else None

    def accounts_with(self, capability: Capability) -> list[Account]:
        return [
            account
            for account in self.accounts.values()
            if provider_info(account.provider).capabilities & capability
        ]

    def reload_accounts(self) -> None:
        if not self.demo:
            self.config = config_module.load()
            self.accounts = dict(self.config.accounts)
            # An edited account may have a new secret or endpoint: build its provider afresh,
            # closing the old one's connections.
            stale, self._providers = self._providers, {}
            loop = asyncio.get_running_loop()
            for provider in stale.values():
                task = loop.create_task(provider.aclose())
                self._closing.add(task)  # held until done, or the task may be collected
                task.add_done_callback(self._closing.discard)

    async def provider(self, name: str) -> Provider:
        """The provider object for an account; the secret is read off the event loop."""
        if name in self._providers:
            return self._providers[name]
        account = self.accounts[name]
        if name in self._demo_secrets:
            secret = self._demo_secrets[name]
        else:
            # Off the event loop; unlocks the file store first (asking) when it is locked.
            secret = await read_secret(self.credentials, account, self.ask_passphrase)
            # Once a public URL is configured, the account's callback URL goes with each send
            # (VoicePartner's notifyUrl). Read after the secret: the same store, now unlocked.
            from tui.listen.routes import with_callback_url

            settings = self.listening.settings if self.listening else None
            account = await asyncio.to_thread(
                with_callback_url, account, self.credentials, settings
            )
        provider = create_provider(account.settings(), secret)
        if hasattr(provider, "max_wait"):
            # A client-side rate limit (VoicePartner) is surfaced at once rather than slept
            # through inside the request: the send's progress then says "next request in N s",
            # and the operator can cancel during the wait.
            provider.max_wait = 0
        self._providers[name] = provider
        return provider

    # -- balances ---------------------------------------------------------------------------------
    def last_balance(self, name: str) -> KnownBalance | None:
        known = self.store.last_balance(name)
        if known is None:
            return None
        parts = [f"{line.amount} {line.unit}" for line in known.lines[:2]]
        if not parts and known.amount is not None:
            parts = [str(known.amount)]
        return KnownBalance(", ".join(parts), known.seen_at)
