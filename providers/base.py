"""What every provider offers, and the registry of provider kinds.

Each provider package exports ``INFO: ProviderInfo``: everything the rest of the program knows
about that provider (its account options, text rules, callback parser, voice modes...).
``PROVIDER_KINDS`` is the only list of the kinds; the registry imports a package when its kind
is first asked for, so that importing ``providers`` stays cheap. A new provider is one new
folder and one more kind here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Flag, auto
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

import httpx

from providers.models import Balance, CallbackItem, SendReceipt, SmsMessage, VoiceMessage

if TYPE_CHECKING:  # providers.text asks the registry for profiles: a type is all base needs
    from providers.text import TextProfile


class Capability(Flag):
    SMS = auto()
    VOICE = auto()
    MAIL = auto()
    FAX = auto()
    BALANCE = auto()  # a read-only balance/credits call exists
    DRY_RUN = auto()  # the provider can validate a send without sending
    SCHEDULE = auto()
    CAMPAIGN_ID = auto()
    ROUTE = auto()  # marketing / notification
    LONG_SMS = auto()
    GROUPS = auto()
    TEMPLATES = auto()
    CDR = auto()
    BLACKLIST = auto()
    HLR = auto()
    AUDIO_LIST = auto()
    CANCEL = auto()
    DUPLICATE_GUARD = auto()  # a request id makes the provider refuse a repeated request


@dataclass(frozen=True)
class AccountSettings:
    """An account as the provider layer needs it. The secret travels separately."""

    name: str
    provider: str
    login: str = ""
    options: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class Provider(Protocol):
    kind: ClassVar[str]
    capabilities: ClassVar[Capability]

    def validate_sms(self, message: SmsMessage) -> None:
        """Raise ``InputError`` naming what is wrong; send nothing."""

    def validate_voice(self, message: VoiceMessage) -> None:
        """Raise ``InputError`` naming what is wrong; send nothing."""

    async def send_sms(self, message: SmsMessage, *, dry_run: bool = False) -> SendReceipt: ...

    async def send_voice(self, message: VoiceMessage, *, dry_run: bool = False) -> SendReceipt: ...

    async def balance(self) -> Balance: ...

    async def aclose(self) -> None: ...


ProviderFactory = Callable[[AccountSettings, str, "httpx.AsyncBaseTransport | None"], Provider]


@dataclass(frozen=True)
class OptionSpec:
    """An account option the provider understands (endpoint URL, route id, e-mail...)."""

    key: str
    description: str
    default: str | None = None
    required: bool = False


@dataclass(frozen=True)
class VoiceMode:
    """A kind of voice message a provider sends, as the composer offers it.

    ``key`` names the fields the message needs: ``voice_msg`` (a message recorded on the
    platform), ``tts`` (a text to speak), ``audio`` (an uploaded audio file) or ``template``.
    """

    key: str
    label: str


@dataclass(frozen=True)
class CallbackRequest:
    """One inbound callback, as a provider's parser reads it (``providers.callbacks``)."""

    method: str  # GET or POST
    query: Mapping[str, str]  # the URL's fields, already decoded
    body: bytes  # at most ``providers.callbacks.inputs.MAX_BODY_BYTES``
    media: str  # the Content-Type's media type, lower case ("" when absent)
    content_type: str  # the whole header: multipart needs its boundary


#: Parses one callback; raises ``CallbackError`` and nothing else.
CallbackParser = Callable[[CallbackRequest], list[CallbackItem]]


@dataclass(frozen=True)
class ProviderInfo:
    kind: str
    label: str
    capabilities: Capability
    options: tuple[OptionSpec, ...]
    factory: ProviderFactory
    #: What the provider accepts as SMS text (``providers.text``).
    text_profile: TextProfile
    #: Reads the provider's delivery and reply callbacks (its ``callbacks`` module).
    parse_callback: CallbackParser
    login_label: str = "login"
    secret_label: str = "password"
    #: Recipients per request: the send orchestrator splits larger sends into batches of this
    #: size so that progress and cancellation happen between requests.
    batch_size: int = 500
    #: The kinds of voice message offered in the composer, and what to tell the operator.
    voice_modes: tuple[VoiceMode, ...] = ()
    voice_help: str = ""
    #: The account option that carries our callback URL in each request (VoicePartner's
    #: ``notifyUrl``); None when the URL is set once on the provider's platform.
    callback_option: str | None = None
    #: How a callback's query string is read when it is not UTF-8 (CapitoleMobile: Latin-9).
    callback_encoding: str | None = None

    def option(self, key: str) -> OptionSpec | None:
        return next((spec for spec in self.options if spec.key == key), None)


PROVIDER_KINDS: tuple[str, ...] = ("capitole", "voicepartner", "octopush", "ecampaign")


def provider_info(kind: str) -> ProviderInfo:
    if kind not in PROVIDER_KINDS:
        raise KeyError(f"unknown provider {kind!r}; known: {', '.join(PROVIDER_KINDS)}")
    module = importlib.import_module(f"providers.{kind}")
    info: ProviderInfo = module.INFO
    return info


def create_provider(
    settings: AccountSettings,
    secret: str,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Provider:
    """Build the provider object for an account (``transport`` is for tests and the sandbox)."""
    return provider_info(settings.provider).factory(settings, secret, transport)
