"""Octopush (historic API): SMS.

The provider's identity card (``INFO``), kept light: asking for it loads neither httpx, lxml
nor the client. The client (``provider``), the callback parser (``callbacks``) and the code
meanings (``codes``) load on their first use, through the small functions below. The values
``INFO`` states are defined here, once; the heavy modules import them from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from providers.base import (
    Capability,
    OptionSpec,
    ProviderInfo,
    deferred_describer,
    deferred_factory,
    deferred_parser,
    lazy_attributes,
)
from providers.text import TextProfile

if TYPE_CHECKING:
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
    factory=deferred_factory("providers.octopush.provider.OctopushProvider"),
    text_profile=TEXT_PROFILE,
    parse_callback=deferred_parser("providers.octopush.callbacks.parse_callback"),
    login_label="login (account e-mail)",
    secret_label="API key",
    batch_size=500,
    describe_delivery=deferred_describer("providers.octopush.callbacks.describe_delivery"),
    describe_refusal=deferred_describer("providers.octopush.codes.describe_refusal"),
)
