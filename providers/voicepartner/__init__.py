"""VoicePartner: voicemail drops and text-to-speech calls."""

from providers.base import OptionSpec, ProviderInfo
from providers.voicepartner.codes import KIND
from providers.voicepartner.provider import (
    DEFAULT_BASE_URL,
    MAX_NUMBERS_PER_REQUEST,
    VoicePartnerProvider,
)

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
    login_label="login (unused)",
    secret_label="API key",
    batch_size=MAX_NUMBERS_PER_REQUEST,
)
