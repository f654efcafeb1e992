"""eCampaign by Prosoluce: the XML web-service suite (sending, groups, templates, credits,
blacklists and replies, tracking, HLR).

One module per web-service family; ``EcampaignProvider`` assembles them. Requests are ``POST``
with one form field ``xml`` (UTF-8); see ``core`` for the envelope and return codes.
"""

from __future__ import annotations

from providers.base import OptionSpec, ProviderInfo, VoiceMode
from providers.ecampaign.callbacks import parse_callback
from providers.ecampaign.codes import KIND, describe_refusal
from providers.ecampaign.core import DEFAULT_BASE_URL
from providers.ecampaign.hlr import HlrResult
from providers.ecampaign.provider import CAPABILITIES, EcampaignProvider
from providers.ecampaign.receipt import EcampaignRecipientResult
from providers.ecampaign.rules import TEXT_PROFILE
from providers.ecampaign.states import describe_delivery

__all__ = ["INFO", "KIND", "EcampaignProvider", "EcampaignRecipientResult", "HlrResult"]

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
    factory=EcampaignProvider,
    text_profile=TEXT_PROFILE,
    parse_callback=parse_callback,
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
    describe_delivery=describe_delivery,
    describe_refusal=describe_refusal,
)
