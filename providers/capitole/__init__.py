"""CapitoleMobile: SMS and voice messages (two platforms, two balances).

This module is the provider's identity card (``INFO``) and stays light: reading the accounts
(``porte-voix accounts list``) or opening the console asks every configured provider for its
``INFO``, and must not pay for httpx, lxml or the client. The client (``provider``), the
callback parser (``callbacks``), the code meanings (``codes``) and the text-to-speech check
(``rules``) load on their first use, through the small functions below. The values ``INFO``
states (endpoints, capabilities, text profile) are defined here, once, and the heavy modules
import them from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from providers.base import (
    Capability,
    OptionSpec,
    ProviderInfo,
    VoiceMode,
    VoiceType,
    deferred_describer,
    deferred_factory,
    deferred_parser,
    deferred_tts_check,
    lazy_attributes,
)
from providers.text import TextProfile

if TYPE_CHECKING:
    from providers.capitole.provider import CapitoleProvider as CapitoleProvider

__all__ = ["INFO", "KIND", "CapitoleProvider"]

KIND = "capitole"
DEFAULT_SMS_URL = "https://sms.capitolemobile.com/api/sendsms/xml"
DEFAULT_VMS_URL = "https://vocal.capitolemobile.com/api/sendvms/xml"
#: The dry-run URL is the sending URL followed by this (``xml_test``).
TEST_SUFFIX = "_test"
#: Both APIs speak Latin-9; so may the query strings of its callbacks.
ENCODING = "ISO-8859-15"
#: Appended by CapitoleMobile to marketing-route (``M``) messages.
STOP_MENTION = " STOP au 36XXX"

CAPABILITIES = (
    Capability.SMS
    | Capability.VOICE
    | Capability.DRY_RUN
    | Capability.SCHEDULE  # SMS only: the VMS API has no date
    | Capability.CAMPAIGN_ID
    | Capability.ROUTE
    | Capability.LONG_SMS
)

TEXT_PROFILE = TextProfile(
    key=KIND,
    label="CapitoleMobile",
    sms=True,
    charset=ENCODING,
    max_segments=1,
    max_segments_long=4,
    marketing_mention=STOP_MENTION,
    note="XML sent as Latin-9 bytes; long=yes allows up to 4 SMS; route M appends the "
    "STOP mention (mainland France only, counted always to stay on the safe side).",
)


#: Names this package offers from its heavy modules, loaded when asked for.
__getattr__ = lazy_attributes(__name__, {"CapitoleProvider": "providers.capitole.provider"})


INFO = ProviderInfo(
    kind=KIND,
    label="CapitoleMobile",
    capabilities=CAPABILITIES,
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
    factory=deferred_factory("providers.capitole.provider.CapitoleProvider"),
    text_profile=TEXT_PROFILE,
    parse_callback=deferred_parser("providers.capitole.callbacks.parse_callback"),
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
    check_tts=deferred_tts_check("providers.capitole.rules.tts_check"),
    describe_delivery=deferred_describer("providers.capitole.callbacks.describe_delivery"),
    describe_refusal=deferred_describer("providers.capitole.codes.describe_refusal"),
)
