"""Octopush (historic API): SMS."""

from providers.base import OptionSpec, ProviderInfo
from providers.octopush.callbacks import describe_delivery, parse_callback
from providers.octopush.codes import KIND, describe_refusal
from providers.octopush.provider import CAPABILITIES, DEFAULT_BASE_URL, OctopushProvider
from providers.octopush.rules import TEXT_PROFILE

__all__ = ["INFO", "KIND", "OctopushProvider"]

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
    factory=OctopushProvider,
    text_profile=TEXT_PROFILE,
    parse_callback=parse_callback,
    login_label="login (account e-mail)",
    secret_label="API key",
    batch_size=500,
    describe_delivery=describe_delivery,
    describe_refusal=describe_refusal,
)
