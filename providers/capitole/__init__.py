"""CapitoleMobile: SMS and voice messages (two platforms, two balances)."""

from providers.base import OptionSpec, ProviderInfo
from providers.capitole.codes import KIND
from providers.capitole.provider import (
    DEFAULT_SMS_URL,
    DEFAULT_VMS_URL,
    TEST_SUFFIX,
    CapitoleProvider,
)

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
    login_label="username",
    secret_label="API password",
    batch_size=500,
)
