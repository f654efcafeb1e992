"""CapitoleMobile: SMS and voice messages (two platforms, two balances)."""

from providers.base import OptionSpec, ProviderInfo, VoiceMode, VoiceType
from providers.capitole.callbacks import describe_delivery, parse_callback
from providers.capitole.codes import KIND, describe_refusal
from providers.capitole.provider import (
    DEFAULT_SMS_URL,
    DEFAULT_VMS_URL,
    TEST_SUFFIX,
    CapitoleProvider,
)
from providers.capitole.rules import ENCODING, TEXT_PROFILE, tts_check

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
    voice_types=(
        VoiceType("AD", "AD: play when answered (landlines and mobiles)"),
        VoiceType("DD", "DD: straight to a mobile's voicemail", mobile_only=True),
    ),
    # AD reaches every number a DD reaches and landlines too: the console and the CLI start
    # from it (a message sent with no type at all still goes as DD, see rules).
    default_voice_type="AD",
    voice_schedule=False,  # the VMS API has no date field (its SMS API has one)
    check_tts=tts_check,
    describe_delivery=describe_delivery,
    describe_refusal=describe_refusal,
)
