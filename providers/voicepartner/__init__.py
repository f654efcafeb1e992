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
    Capability,
    OptionSpec,
    ProviderInfo,
    VoiceMode,
    deferred_describer,
    deferred_factory,
    deferred_parser,
    deferred_tts_check,
    lazy_attributes,
)
from providers.text import TextProfile

if TYPE_CHECKING:
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
    factory=deferred_factory("providers.voicepartner.provider.VoicePartnerProvider"),
    text_profile=TEXT_PROFILE,
    parse_callback=deferred_parser("providers.voicepartner.callbacks.parse_callback"),
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
    check_tts=deferred_tts_check("providers.voicepartner.rules.tts_check"),
    describe_delivery=deferred_describer("providers.voicepartner.callbacks.describe_delivery"),
    describe_refusal=deferred_describer("providers.voicepartner.codes.describe_refusal"),
)
