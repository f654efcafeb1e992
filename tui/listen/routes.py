"""The receiver's routes: one path per account, ``/{provider}/{account}/{token}``.

Shared by the daemon, the console's embedded receiver, ``listen --print-urls`` and the sends
that carry their callback URL (VoicePartner's ``notifyUrl``): all of them build the same URL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace

from providers.base import provider_info
from tui.accounts.config import Account, ConfigError
from tui.accounts.credentials import Credentials
from tui.errors import describe_text
from tui.listen.settings import ListenSettings
from tui.listen.settings import load as load_settings
from tui.listen.tokens import ensure_token, read_token

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Route:
    account: str
    provider: str
    token: str

    @property
    def path(self) -> str:
        return f"/{self.provider}/{self.account}/{self.token}"


def account_routes(
    accounts: Iterable[Account], credentials: Credentials, *, create: bool = True
) -> tuple[list[Route], list[str]]:
    """A route per account whose token can be read (made on first use when ``create``), and a
    sentence for each account left out. Blocking: keyring, file store."""
    routes: list[Route] = []
    problems: list[str] = []
    for account in accounts:
        try:
            token = (
                ensure_token(credentials, account) if create else read_token(credentials, account)
            )
        except Exception as exc:  # one account's store must not keep the others unserved
            problems.append(f"account {account.name}: no callback token ({describe_text(exc)})")
            continue
        if token is None:
            problems.append(f"account {account.name}: no callback token yet")
            continue
        routes.append(Route(account.name, account.provider, token))
    return routes, problems


def callback_url(settings: ListenSettings, route: Route) -> str | None:
    """Where the provider must call for this account, or None without a public URL."""
    return settings.callback_url(route.path)


def with_callback_url(
    account: Account, credentials: Credentials, settings: ListenSettings | None = None
) -> Account:
    """``account`` with its callback URL in the option its provider sends with each request
    (VoicePartner's ``notifyUrl``), once a public URL is configured; unchanged otherwise, or
    when the operator set that option by hand. Blocking (the token's store).

    Only an existing token is used: one made here would not be known to a daemon already
    running, and its reports would be refused.
    """
    option = provider_info(account.provider).callback_option
    if option is None or account.options.get(option):
        return account
    if settings is None:
        try:
            settings = load_settings()
        except ConfigError as exc:
            log.warning("no callback URL for %s: %s", account.name, exc)
            return account
    if not settings.public_url:
        return account
    try:
        token = read_token(credentials, account)
    except Exception as exc:
        log.warning("no callback URL for %s: %s", account.name, describe_text(exc))
        return account
    if token is None:
        log.warning(
            "no callback URL for %s: it has no token yet (`porte-voix listen --print-urls`)",
            account.name,
        )
        return account
    url = settings.callback_url(Route(account.name, account.provider, token).path)
    return replace(account, options={**account.options, option: url or ""})
