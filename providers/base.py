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
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from providers.lazy import names_from

# Names for annotations only: importing providers.base (every command does) loads neither
# httpx nor the models' dataclasses; providers.text asks the registry for profiles. The
# providers.info_records names are named from here too (see __getattr__).
if TYPE_CHECKING:
    import httpx

    from providers.info_records import CallbackRequest as CallbackRequest
    from providers.info_records import TtsCheck as TtsCheck
    from providers.info_records import VoiceMode as VoiceMode
    from providers.info_records import VoiceType as VoiceType
    from providers.models import Balance, CallbackItem, SendReceipt, SmsMessage, VoiceMessage
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


def undocumented_code(code: str) -> str:
    return "no meaning documented for this code"


#: Judges a text to speak (``TtsCheck``); never raises.
TtsChecker = Callable[[str], "TtsCheck"]
#: The English meaning of one of the provider's codes; never raises, whatever the text.
CodeDescriber = Callable[[str], str]


#: Parses one callback; raises ``CallbackError`` and nothing else.
CallbackParser = Callable[["CallbackRequest"], "list[CallbackItem]"]


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
    #: The provider's own kinds of call (``VoiceMessage.vms_type``); empty when it has none.
    voice_types: tuple[VoiceType, ...] = ()
    #: The ``VoiceType.key`` the console and the CLI start from (None: no voice types).
    default_voice_type: str | None = None
    #: Whether a voice message can be scheduled (CapitoleMobile's voice API has no date field,
    #: although its SMS can: ``Capability.SCHEDULE`` is about the SMS then).
    voice_schedule: bool = False
    #: Judges a text to speak as it is typed (None: the provider speaks no typed text).
    check_tts: TtsChecker | None = None
    #: The meaning of a delivery-report code (``DeliveryEvent.provider_code``).
    describe_delivery: CodeDescriber = undocumented_code
    #: The meaning of a refusal code (``ProviderError.code``, a per-recipient code).
    describe_refusal: CodeDescriber = undocumented_code

    def option(self, key: str) -> OptionSpec | None:
        return next((spec for spec in self.options if spec.key == key), None)

    def voice_type(self, key: str | None) -> VoiceType | None:
        return next((kind for kind in self.voice_types if kind.key == key), None)

    def describe_code(self, code: str, *, refusal: bool = False) -> str:
        """``"4: message delivered to the recipient"``: a code and its English meaning.

        Delivery codes by default (what a delivery column shows); ``refusal=True`` for the
        code of a refused request or recipient. Never raises; an empty code gives "".
        """
        text = code.strip() if isinstance(code, str) else ""
        if not text:
            return ""
        describe = self.describe_refusal if refusal else self.describe_delivery
        return f"{text}: {describe(text)}"


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


def lazy_attributes(package: str, names: Mapping[str, str]) -> Callable[[str], object]:
    """A provider package's module ``__getattr__`` (PEP 562): each of ``names`` (name ->
    module) is imported when first asked for, so that importing the package for its ``INFO``
    loads no HTTP client or XML parser."""

    def attribute(name: str) -> object:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value: object = getattr(importlib.import_module(module), name)
        return value

    return attribute


# -- hooks loaded on first call: a package's INFO names them without importing their modules --


def _loaded(path: str) -> Any:
    """The object ``path`` names ("providers.capitole.callbacks.parse_callback")."""
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def deferred_factory(path: str) -> ProviderFactory:
    """The provider class at ``path``, imported when the first account is opened."""

    def open_provider(
        settings: AccountSettings, secret: str, transport: httpx.AsyncBaseTransport | None
    ) -> Provider:
        factory: ProviderFactory = _loaded(path)
        return factory(settings, secret, transport)

    return open_provider


def deferred_parser(path: str) -> CallbackParser:
    """The callback parser at ``path``, imported with the first callback."""

    def parse(request: CallbackRequest) -> list[CallbackItem]:
        parser: CallbackParser = _loaded(path)
        return parser(request)

    return parse


def deferred_describer(path: str) -> CodeDescriber:
    """The code describer at ``path``, imported with the first code to put into words."""

    def describe(code: str) -> str:
        describer: CodeDescriber = _loaded(path)
        return describer(code)

    return describe


def deferred_tts_check(path: str) -> TtsChecker:
    """The text-to-speech check at ``path``, imported with the first text to judge."""

    def check(spoken: str) -> TtsCheck:
        checker: TtsChecker = _loaded(path)
        return checker(spoken)

    return check


#: What a provider's voice modes, text-to-speech check and callback parser speak in, in
#: ``providers.info_records`` and named from here, loaded when first named (PEP 562): an SMS-only
#: provider's account, or a send that receives no callback, does not create their dataclasses.
__getattr__ = names_from(
    __name__,
    dict.fromkeys(
        ("CallbackRequest", "TtsCheck", "VoiceMode", "VoiceType"), "providers.info_records"
    ),
)
