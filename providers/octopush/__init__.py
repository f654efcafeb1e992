"""Octopush (historic API): SMS.

The provider's identity card (``INFO``), kept light: asking for it loads neither httpx, lxml
nor the client. The client (``provider``), the callback parser (``callbacks``) and the code
meanings (``codes``) load on their first use, through the small functions below. The values
``INFO`` states are defined here, once; the heavy modules import them from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from providers.base import (
    AccountSettings,
    Capability,
    OptionSpec,
    ProviderInfo,
    lazy_attributes,
)
from providers.text import TextProfile

if TYPE_CHECKING:
    import httpx

    from providers.base import CallbackRequest
    from providers.models import CallbackItem
    from providers.octopush.provider import OctopushProvider as OctopushProvider

__all__ = ["INFO", "KIND", "OctopushProvider"]

KIND = "octopush"
DEFAULT_BASE_URL = "https://www.octopush-dm.com/api"
#: The longest sms_text: 3 × 153 characters.
MAX_TEXT = 459

CAPABILITIES = (
    Capability.SMS
    | Capability.BALANCE
    | Capability.DRY_RUN
    | Capability.SCHEDULE
    | Capability.ROUTE
    | Capability.LONG_SMS
    | Capability.DUPLICATE_GUARD
)

TEXT_PROFILE = TextProfile(
    key=KIND,
    label="Octopush",
    sms=True,
    charset="UTF-8",
    max_characters=MAX_TEXT,
    note="sms_text is at most 459 characters (3 x 153). Type FR requires the text to carry "
    "'STOP au XXXXX' (see has_stop_mention); nothing is appended by the provider.",
)


# The parts of INFO that need the heavy modules, each imported when first called.
def _open(
    settings: AccountSettings, secret: str, transport: httpx.AsyncBaseTransport | None
) -> OctopushProvider:
    from providers.octopush.provider import OctopushProvider

    return OctopushProvider(settings, secret, transport)


def _parse_callback(request: CallbackRequest) -> list[CallbackItem]:
    from providers.octopush.callbacks import parse_callback

    return parse_callback(request)


def _describe_delivery(code: str) -> str:
    from providers.octopush.callbacks import describe_delivery

    return describe_delivery(code)


def _describe_refusal(code: str) -> str:
    from providers.octopush.codes import describe_refusal

    return describe_refusal(code)


#: Names this package offers from its heavy modules, loaded when asked for.
__getattr__ = lazy_attributes(__name__, {"OctopushProvider": "providers.octopush.provider"})


INFO = ProviderInfo(
    kind=KIND,
    label="Octopush (historic API)",
    capabilities=CAPABILITIES,
    options=(
        OptionSpec("base_url", "API root (the /sms and /balance endpoints)", DEFAULT_BASE_URL),
        OptionSpec(
            "sms_type",
            "XXX low cost, FR premium (the text must contain 'STOP au XXXXX'), WWW world. When "
            "set it applies to every send; unset: FR on the marketing route, XXX otherwise",
        ),
        OptionSpec("sender", "default sender of FR/WWW sends: 3-11 characters a-z A-Z 0-9"),
        OptionSpec("reply_format", "json or xml: the reply format asked for", "json"),
    ),
    factory=_open,
    text_profile=TEXT_PROFILE,
    parse_callback=_parse_callback,
    login_label="login (account e-mail)",
    secret_label="API key",
    batch_size=500,
    describe_delivery=_describe_delivery,
    describe_refusal=_describe_refusal,
)
