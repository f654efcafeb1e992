"""VoicePartner: voicemail drops and text-to-speech calls."""

from providers.base import OptionSpec, ProviderInfo, VoiceMode
from providers.voicepartner.callbacks import describe_delivery, parse_callback
from providers.voicepartner.codes import KIND, describe_refusal
from providers.voicepartner.provider import (
    DEFAULT_BASE_URL,
    MAX_NUMBERS_PER_REQUEST,
    VoicePartnerProvider,
)
from providers.voicepartner.rules import TEXT_PROFILE, tts_check

__all__ = ["INFO", "KIND", "VoicePartnerProvider"]

INFO = ProviderInfo(
    kind=KIND,
    label="VoicePartner",
    capabilities=VoicePartnerProvider.capabilities,
    options=(
        OptionSpec("base_url", "API base URL", default=DEFAULT_BASE_URL),
        OptionSpec("email", "e-mail for end-of-campaign notifications (emailForNotification)"),
        OptionSpec("sender", "call-back mobile number, validated on the VoicePartner platform"),
        OptionSpec("notify_url", "callback URL for delivery reports (notifyUrl)"),
    ),
    factory=VoicePartnerProvider,
    text_profile=TEXT_PROFILE,
    parse_callback=parse_callback,
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
    check_tts=tts_check,
    describe_delivery=describe_delivery,
    describe_refusal=describe_refusal,
)
