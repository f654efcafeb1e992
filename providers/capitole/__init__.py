"""CapitoleMobile: SMS and voice messages (two platforms, two balances)."""

from providers.base import OptionSpec, ProviderInfo, VoiceMode
from providers.capitole.callbacks import parse_callback
from providers.capitole.codes import KIND
from providers.capitole.provider import (
    DEFAULT_SMS_URL,
    DEFAULT_VMS_URL,
    TEST_SUFFIX,
    CapitoleProvider,
)
from providers.capitole.rules import ENCODING, TEXT_PROFILE

__all__ = ["INFO", "KIND", "CapitoleProvider"]

INFO = ProviderInfo(
    kind=KIND,
    label="CapitoleMobile",
    capabilities=CapitoleProvider.capabilities,
    options=(
        OptionSpec("sms_url", "SMS sending URL", DEFAULT_SMS_URL),
        OptionSpec("vms_url", "Voice message sending URL", DEFAULT_VMS_URL),
        OptionSpec(
            "sms_test_url",
            "SMS test URL for dry runs (default: the SMS URL followed by _test, "
            f"{DEFAULT_SMS_URL}{TEST_SUFFIX})",
        ),
        OptionSpec(
            "vms_test_url",
            "Voice test URL for dry runs (default: the voice URL followed by _test; "
            "inferred, the voice spec documents no test URL)",
        ),
    ),
    factory=CapitoleProvider,
    text_profile=TEXT_PROFILE,
    parse_callback=parse_callback,
    login_label="username",
    secret_label="API password",
    batch_size=500,
    voice_modes=(
        VoiceMode("voice_msg", "recorded message (platform)"),
        VoiceMode("tts", "text-to-speech"),
    ),
    voice_help=(
        "CapitoleMobile: AD plays the message when the callee answers (landlines and mobiles); "
        "DD drops it straight into a mobile's voicemail (mobiles only). The caller number must "
        "be a valid French landline. The message must last between 15 and 59 seconds: for "
        "text-to-speech that is roughly 40 to 150 words."
    ),
    # Its callbacks' query strings may be Latin-9, like the rest of its API. Their URL is set
    # once on the CapitoleMobile platform, not per send: no callback_option.
    callback_encoding=ENCODING,
)
