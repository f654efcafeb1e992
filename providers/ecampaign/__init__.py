"""eCampaign by Prosoluce: the XML web-service suite (sending, groups, templates, credits,
blacklists and replies, tracking, HLR).

One module per web-service family; ``EcampaignProvider`` assembles them. Requests are ``POST``
with one form field ``xml`` (UTF-8); see ``core`` for the envelope and return codes.

This module is the provider's identity card (``INFO``) and stays light: asking for it loads
neither httpx, lxml nor the client. The client, the callback parser, the code and state
meanings load on their first use, through the small functions below. The values ``INFO``
states are defined here, once; the heavy modules import them from here.
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
    lazy_attributes,
)
from providers.text import TextProfile

if TYPE_CHECKING:
    from providers.ecampaign.hlr import HlrResult as HlrResult
    from providers.ecampaign.provider import EcampaignProvider as EcampaignProvider
    from providers.ecampaign.receipt import EcampaignRecipientResult as EcampaignRecipientResult

__all__ = ["INFO", "KIND", "EcampaignProvider", "EcampaignRecipientResult", "HlrResult"]

KIND = "ecampaign"
DEFAULT_BASE_URL = "http://api.ecampaign.prosoluce.fr"

CAPABILITIES = (
    Capability.SMS
    | Capability.VOICE
    | Capability.MAIL
    | Capability.FAX
    | Capability.BALANCE
    | Capability.SCHEDULE
    | Capability.GROUPS
    | Capability.TEMPLATES
    | Capability.CDR
    | Capability.BLACKLIST
    | Capability.HLR
)

TEXT_PROFILE = TextProfile(
    key=KIND,
    label="eCampaign",
    sms=True,
    charset="UTF-8",
    # The spec states no maximum, only code 14 ("too many characters"). 10 parts (1530
    # GSM-7 characters) is the cap most gateways apply and the length handsets reassemble
    # reliably; refusing beyond it locally beats a code 14 after the operator confirmed.
    max_segments=10,
    note="No documented maximum; 10 SMS is our conservative cap (code 14 otherwise).",
)


#: Names this package offers from its heavy modules, loaded when asked for.
__getattr__ = lazy_attributes(
    __name__,
    {
        "EcampaignProvider": "providers.ecampaign.provider",
        "EcampaignRecipientResult": "providers.ecampaign.receipt",
        "HlrResult": "providers.ecampaign.hlr",
    },
)


INFO = ProviderInfo(
    kind=KIND,
    label="eCampaign (Prosoluce)",
    capabilities=CAPABILITIES,
    options=(
        OptionSpec("base_url", "web-service address", default=DEFAULT_BASE_URL),
        OptionSpec(
            "route",
            "route id (IDENT_ROUTE, numeric) used for sends; the credits view lists them",
        ),
        OptionSpec("voice_route", "route id for calls (default: route)"),
        OptionSpec("mail_route", "route id for e-mails (default: route)"),
        OptionSpec("fax_route", "route id for faxes (default: route)"),
        OptionSpec(
            "md5",
            "true: send the MD5 hash of the password instead of the password",
            default="false",
        ),
        OptionSpec("sender", "default SMS sender name (1 to 11 letters or digits)"),
        OptionSpec("caller_id", "default caller number for calls, faxes and SMS"),
    ),
    factory=deferred_factory("providers.ecampaign.provider.EcampaignProvider"),
    text_profile=TEXT_PROFILE,
    parse_callback=deferred_parser("providers.ecampaign.callbacks.parse_callback"),
    login_label="user name",
    secret_label="password",
    # No per-request maximum is documented. 500 destinations keep one request around 50 KB
    # and its reply quick to parse, and bound what one unknown outcome (a timeout after the
    # request left) leaves the operator to reconcile in the CDR.
    batch_size=500,
    voice_modes=(VoiceMode("template", "voice campaign (template)"),),
    voice_help=(
        "eCampaign: the voice template (recorded on the platform) is required; the caller id "
        "is international without '+' (e.g. 33123456789). Send to numbers or to a group."
    ),
    voice_schedule=True,
    describe_delivery=deferred_describer("providers.ecampaign.states.describe_delivery"),
    describe_refusal=deferred_describer("providers.ecampaign.codes.describe_refusal"),
)
