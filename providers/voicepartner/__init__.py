"""VoicePartner: voicemail drops and text-to-speech calls.

The provider's identity card (``INFO``), kept light: asking for it loads neither httpx nor the
client. The client (``provider``), the callback parser (``callbacks``), the code meanings
(``codes``) and the text-to-speech check (``rules``) load on their first use, through the small
functions below. The values ``INFO`` states are defined here, once; the heavy modules import
them from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from providers.base import (
    AccountSettings,
    Capability,
    OptionSpec,
    ProviderInfo,
    TtsCheck,
    VoiceMode,
    lazy_attributes,
)
from providers.text import TextProfile

if TYPE_CHECKING:
    import httpx

    from providers.base import CallbackRequest
    from providers.models import CallbackItem
    from providers.voicepartner.provider import VoicePartnerProvider as VoicePartnerProvider

__all__ = ["INFO", "KIND", "VoicePartnerProvider"]

KIND = "voicepartner"
DEFAULT_BASE_URL = "https://api.voicepartner.fr/v1"
#: Numbers per request: a larger send is split into requests of at most this many.
MAX_NUMBERS_PER_REQUEST = 500

CAPABILITIES = (
    Capability.VOICE
    | Capability.BALANCE
    | Capability.SCHEDULE
    | Capability.AUDIO_LIST
    | Capability.CANCEL
)

TEXT_PROFILE = TextProfile(
    key=KIND,
    label="VoicePartner",
    sms=False,
    charset="UTF-8",
    note="Voice only: no SMS. Text-to-speech text travels as UTF-8 JSON.",
)


# The parts of INFO that need the heavy modules, each imported when first called.
def _open(
    settings: AccountSettings, secret: str, transport: httpx.AsyncBaseTransport | None
) -> VoicePartnerProvider:
    from providers.voicepartner.provider import VoicePartnerProvider

    return VoicePartnerProvider(settings, secret, transport)


def _parse_callback(request: CallbackRequest) -> list[CallbackItem]:
    from providers.voicepartner.callbacks import parse_callback

    return parse_callback(request)


def _describe_delivery(code: str) -> str:
    from providers.voicepartner.callbacks import describe_delivery

    return describe_delivery(code)


def _describe_refusal(code: str) -> str:
    from providers.voicepartner.codes import describe_refusal

    return describe_refusal(code)


def _tts_check(spoken: str) -> TtsCheck:
    from providers.voicepartner.rules import tts_check

    return tts_check(spoken)


#: Names this package offers from its heavy modules, loaded when asked for.
__getattr__ = lazy_attributes(__name__, {"VoicePartnerProvider": "providers.voicepartner.provider"})


INFO = ProviderInfo(
    kind=KIND,
    label="VoicePartner",
    capabilities=CAPABILITIES,
    options=(
        OptionSpec("base_url", "API base URL", default=DEFAULT_BASE_URL),
        OptionSpec("email", "e-mail for end-of-campaign notifications (emailForNotification)"),
        OptionSpec("sender", "call-back mobile number, validated on the VoicePartner platform"),
        OptionSpec("notify_url", "callback URL for delivery reports (notifyUrl)"),
    ),
    factory=_open,
    text_profile=TEXT_PROFILE,
    parse_callback=_parse_callback,
    login_label="login (unused)",
    secret_label="API key",
    batch_size=MAX_NUMBERS_PER_REQUEST,
    voice_modes=(
        VoiceMode("audio", "voicemail drop (audio file)"),
        VoiceMode("tts", "text-to-speech call"),
    ),
    voice_help=(
        "VoicePartner: audio files are uploaded on the provider's web platform, then picked "
        "here. French numbers only; the end-of-campaign report goes to the e-mail address."
    ),
    # Each send names the URL its reports go to (notifyUrl).
    callback_option="notify_url",
    voice_schedule=True,
    check_tts=_tts_check,
    describe_delivery=_describe_delivery,
    describe_refusal=_describe_refusal,
)
