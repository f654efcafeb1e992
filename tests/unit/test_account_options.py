"""Account option values checked when they are set (``tui.accounts.options``), with the
provider's own rules: what a send would refuse is refused at once, naming the option."""

from __future__ import annotations

import pytest

from providers.base import PROVIDER_KINDS, provider_info
from tui.accounts.config import Account, ConfigError
from tui.accounts.options import VALIDATORS, OptionError, check_options, validate_settings


def account(provider: str, **options: str) -> Account:
    return Account("acc", provider, "me@example.fr", options, "env")


@pytest.mark.parametrize(
    ("provider", "options"),
    [
        ("octopush", {"sms_type": "xxx", "reply_format": "XML", "base_url": "http://h:1/api"}),
        ("octopush", {"sms_type": "FR", "sender": "PorteVoix"}),
        ("octopush", {"sender": "PorteVoix"}),  # FR on the marketing route uses it
        ("ecampaign", {"route": "12", "voice_route": "3", "md5": "yes", "sender": "Shop1"}),
        ("ecampaign", {"caller_id": "0145000000"}),
        ("voicepartner", {"sender": "0612345678", "email": "ops@example.fr"}),
        ("capitole", {"sms_url": "https://sms.example.fr/api/sendsms/xml"}),
    ],
)
def test_values_a_send_accepts_pass(provider: str, options: dict[str, str]) -> None:
    validate_settings(account(provider, **options))


@pytest.mark.parametrize(
    ("provider", "key", "value"),
    [
        ("ecampaign", "route", "abc"),
        ("ecampaign", "fax_route", "-1"),
        ("ecampaign", "md5", "perhaps"),
        ("ecampaign", "sender", "Porte Voix!"),
        ("octopush", "sms_type", "ABC"),
        ("octopush", "reply_format", "yaml"),
        ("octopush", "sender", "PV"),
        ("voicepartner", "sender", "0145000000"),
        ("voicepartner", "email", "nobody"),
        ("octopush", "base_url", "http://[::1/api"),
        ("capitole", "vms_url", "http://bad host/api"),
    ],
)
def test_refused_values_name_their_option(provider: str, key: str, value: str) -> None:
    with pytest.raises(OptionError) as caught:
        check_options(account(provider, **{key: value}))
    assert caught.value.key == key and key in str(caught.value)
    assert isinstance(caught.value, ConfigError)  # exit 3, "configuration"


def test_an_octopush_low_cost_account_has_no_sender() -> None:
    with pytest.raises(OptionError, match="sms_type XXX") as caught:
        check_options(account("octopush", sms_type="XXX", sender="PorteVoix"))
    assert caught.value.key == "sender"


def test_the_table_names_only_options_the_providers_declare() -> None:
    for provider, key in VALIDATORS:
        assert provider in PROVIDER_KINDS
        assert provider_info(provider).option(key) is not None, (provider, key)
