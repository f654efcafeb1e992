"""Checking an account: the cheapest call that proves the login and secret, and a plain verdict.

Shared by ``porte-voix accounts check`` and the Accounts screen. Where the provider has a
read-only balance or credits call, that is the check. CapitoleMobile has none: its pre-production
echo (``xml_test``) proves the address answers, but it checks nothing, so the verdict says
*unverified* rather than pretending. Nothing here ever sends a message.

A verdict's message is our lead-in (what failed, in this account's terms) followed by
``tui.errors.describe``'s words for the error, so a check says what any other command says;
whatever the provider answered is made visible, since the CLI prints it and the console shows it.
A failed verdict's ``code`` is a name (``tui.errors.code_name``: ``authentication``,
``connection``…, or the secret's own: ``no_secret``…); the provider's own code is apart in
``provider_code``, and is what the config's ``last_check`` keeps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from providers.base import Capability, Provider, create_provider, provider_info
from providers.errors import (
    AuthenticationError,
    InputError,
    OutcomeUnknownError,
    ProviderError,
    RateLimitedError,
)
from providers.models import Balance, Message, SendStatus, SmsMessage, VoiceMessage
from providers.redact import scrub
from tui.accounts.config import Account, ConfigError
from tui.accounts.credentials import CredentialError, PassphraseRequired, WrongPassphrase
from tui.accounts.os_keyring import KeyringUnavailableError, NoKeyringError
from tui.errors import code_name, describe, visible

# httpx and the send path load when an account is checked: the Accounts screen (which can be the
# console's first) shows the verdicts of earlier checks without them.
if TYPE_CHECKING:
    import httpx

#: The dry-run recipient of the CapitoleMobile echo; the echo URL never sends.
PROBE_NUMBER = "+33600000000"


class CheckStatus(StrEnum):
    OK = "ok"  # the provider accepted the credentials
    UNVERIFIED = "unverified"  # reachable, but the credentials cannot be proved without sending
    FAILED = "failed"


class Stage(StrEnum):
    """What failed, so the operator knows where to look."""

    SECRET = "secret"  # the secret could not be read (keyring, file store, environment)
    SETTINGS = "settings"  # refused locally: login, options, URLs
    CREDENTIALS = "credentials"  # the provider refused the login or the secret
    CONNECTION = "connection"  # the provider could not be reached or did not answer
    PROVIDER = "provider"  # the provider answered with another error


@dataclass(frozen=True)
class CheckResult:
    account: str
    provider: str
    status: CheckStatus
    message: str
    stage: Stage | None = None
    #: What failed, as a name scripts test (``tui.errors.code_name``, or the secret's own:
    #: ``no_secret``, ``wrong_passphrase``...).
    code: str | None = None
    checked_at: datetime = field(default_factory=datetime.now)
    #: The provider layer's own code (``"101"``, ``"AUTH_FAILED"``, ``"CONNECTION_FAILED"``).
    provider_code: str | None = None
    #: What the balance call answered, when the check was one: whoever keeps balances keeps it.
    balance: Balance | None = None

    @property
    def ok(self) -> bool:
        """Nothing is known to be wrong (an unverified CapitoleMobile account is ok)."""
        return self.status is not CheckStatus.FAILED

    @property
    def verified(self) -> bool:
        return self.status is CheckStatus.OK

    def last_check_text(self) -> str:
        """What the config keeps: ``2026-11-22 10:00 ok`` / ``… unverified`` /
        ``… authentication: AUTH_FAILED``: a failure's name (as in ``--json``), then the
        provider's own code when there is one (names everywhere, the code in its own place)."""
        outcome = str(self.status)
        if self.status is CheckStatus.FAILED:
            parts = [part for part in (self.code, self.provider_code) if part]
            if parts:
                outcome = visible(": ".join(parts))
        return f"{self.checked_at:%Y-%m-%d %H:%M} {outcome}"

    def headline(self) -> str:
        return {
            CheckStatus.OK: "OK",
            CheckStatus.UNVERIFIED: "UNVERIFIED",
            CheckStatus.FAILED: "FAILED",
        }[self.status]

    def as_dict(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "provider": self.provider,
            "status": str(self.status),
            "ok": self.ok,
            "verified": self.verified,
            "stage": None if self.stage is None else str(self.stage),
            "code": self.code,
            "provider_code": self.provider_code,
            "message": self.message,
            "last_check": self.last_check_text(),
        }


def _failed(
    account: Account, stage: Stage, code: str, message: str, provider_code: str | None = None
) -> CheckResult:
    return CheckResult(
        account.name,
        account.provider,
        CheckStatus.FAILED,
        message,
        stage,
        code,
        provider_code=provider_code,
    )


def secret_failure(account: Account, exc: CredentialError) -> CheckResult:
    """The verdict when the secret itself could not be had."""
    code = "no_secret"
    if isinstance(exc, NoKeyringError):
        code = "no_keyring"
    elif isinstance(exc, KeyringUnavailableError):
        code = "keyring_unavailable"
    elif isinstance(exc, WrongPassphrase):
        code = "wrong_passphrase"
    elif isinstance(exc, PassphraseRequired):
        code = "passphrase_required"
    return _failed(
        account, Stage.SECRET, code, f"could not read the secret: {describe(exc).message}"
    )


def settings_failure(
    account: Account, exc: ConfigError | ValueError, secret: str | None = None
) -> CheckResult:
    code = f"invalid_{exc.field}" if isinstance(exc, InputError) else "invalid_settings"
    message = f"the account settings are refused before any request: {describe(exc).message}"
    return _failed(account, Stage.SETTINGS, code, scrub(message, secret or ""))


def provider_failure(account: Account, exc: ProviderError, secret: str | None) -> CheckResult:
    label = provider_info(account.provider).label
    code = code_name(exc)
    if code == "configuration":  # an endpoint URL no request can go to: nothing was sent
        stage, lead = Stage.SETTINGS, "an address in the account options is not usable"
    elif isinstance(exc, AuthenticationError):
        stage, lead = Stage.CREDENTIALS, f"{label} refused the login or the secret"
    elif isinstance(exc, RateLimitedError):
        stage, lead = Stage.PROVIDER, f"{label} asks to slow down; the credentials were not checked"
    elif code == "connection" or isinstance(exc, OutcomeUnknownError):
        stage, lead = Stage.CONNECTION, f"{label} could not be reached"
    else:
        stage, lead = Stage.PROVIDER, f"{label} answered with an error"
    message = f"{lead}: {describe(exc).message}"
    return _failed(account, stage, code, scrub(message, secret or ""), exc.code)


async def probe(provider: Provider) -> tuple[CheckStatus, str]:
    """The cheapest call that authenticates; raises the provider's errors."""
    status, message, _balance = await _probe(provider)
    return status, message


async def _probe(provider: Provider) -> tuple[CheckStatus, str, Balance | None]:
    if provider.capabilities & Capability.BALANCE:
        balance = await provider.balance()
        amounts = ", ".join(f"{line.label}: {line.amount} {line.unit}" for line in balance.lines)
        return CheckStatus.OK, visible(f"authenticated; balance {amounts or 'empty'}"), balance
    # CapitoleMobile: the pre-production echo is the only call that costs nothing, and it
    # verifies nothing but the address. The SMS one is documented; the voice one is inferred.
    echo: Message
    if provider.capabilities & Capability.SMS:
        echo = SmsMessage("porte-voix check", (PROBE_NUMBER,))
    else:
        echo = VoiceMessage((PROBE_NUMBER,), tts="porte-voix check")
    from tui.sending import dispatch

    receipt = await dispatch.request(provider, echo, dry_run=True)
    if receipt.status is not SendStatus.DRY_RUN:
        raise ProviderError(
            provider.kind,
            "TEST_URL_SENDS",
            "the test URL answered like a real send: check the account's test URL option "
            "(a message may have been sent)",
        )
    notes = visible("".join(f"; note: {warning}" for warning in receipt.warnings))
    return (
        CheckStatus.UNVERIFIED,
        "the pre-production echo answered, so the address is right, but the login and password "
        "were NOT verified: this provider has no read-only call that checks them, and its echo "
        "accepts anything. Only a real send proves them" + notes,
        None,
    )


async def check_provider(
    account: Account, provider: Provider, secret: str | None = None
) -> CheckResult:
    """Run the probe on an open provider (not closed here) and turn any failure into a verdict.

    ``secret``, when known, is blanked out of any text that would echo it.
    """
    import httpx

    try:
        status, message, balance = await _probe(provider)
    except ProviderError as exc:
        return provider_failure(account, exc, secret)
    except InputError as exc:
        return settings_failure(account, exc, secret)
    except httpx.InvalidURL:
        return _failed(
            account, Stage.SETTINGS, "invalid_url", "an address in the account options is invalid"
        )
    message = scrub(message, secret or "")
    return CheckResult(account.name, account.provider, status, message, balance=balance)


async def check_with_secret(
    account: Account, secret: str, transport: httpx.AsyncBaseTransport | None = None
) -> CheckResult:
    """Open the account's provider with ``secret``, check it, close it."""
    try:
        provider = create_provider(account.settings(), secret, transport)
    except ValueError as exc:  # InputError included
        return settings_failure(account, exc, secret)
    try:
        return await check_provider(account, provider, secret)
    finally:
        await provider.aclose()
