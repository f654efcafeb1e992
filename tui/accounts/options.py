"""Account options checked when they are set (``accounts add/edit``, the account form), so that a
value a send would refuse (``route=abc``, an Octopush ``sms_type`` of ``ABC``) is refused at once,
naming the option, rather than at the first send.

A provider's ``ProviderInfo.options`` (``OptionSpec``) carries no validator yet. Until it does,
this table holds one per (provider, option), built from the provider's own rules where they are
public, so that the value accepted here is the value the send accepts. Moving them into
``OptionSpec`` (a ``validate`` field) would make this module a loop over the specs.

Only edits are checked this strictly: ``config.load`` keeps accepting a hand-edited file whose
option a send would refuse, so that the account can still be listed and fixed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import httpx

from providers import phone
from providers.ecampaign import rules as ecampaign_rules
from providers.ecampaign.core import parse_flag
from providers.errors import InputError
from providers.octopush import rules as octopush_rules
from tui.accounts.config import Account, ConfigError, validate_account

#: VoicePartner's own test of its e-mail option (its rules keep it private).
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")

#: Checks one option's value; raises ``InputError`` (or ``ValueError``) when it is refused.
OptionCheck = Callable[[str], object]


class OptionError(ConfigError):
    """An option's value is refused; ``key`` names the option (the form focuses its field)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _ecampaign_route(key: str) -> OptionCheck:
    return lambda value: ecampaign_rules.numeric_id(key, value)


def _octopush_sender(value: str) -> object:
    # The sender of FR and WWW sends (XXX carries none): the provider's rule for a default one.
    return octopush_rules.choose_sender(None, value, octopush_rules.SmsType.PREMIUM)


def _french_mobile(value: str) -> object:
    e164 = phone.normalise(value, field="sender")
    if not phone.is_french(e164) or not phone.is_mobile(e164):
        raise InputError("sender", f"{phone.display(e164)} is not a French mobile number")
    return e164


def _email(value: str) -> object:
    if not _EMAIL.match(value.strip()):
        raise InputError("email", f"{value!r} is not an e-mail address")
    return value


def check_url(key: str, value: str) -> None:
    """An endpoint no request could go to is refused when it is set (``BAD_URL`` otherwise)."""
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, TypeError):
        raise OptionError(key, f"option {key!r} is not a usable URL") from None
    if url.scheme not in ("http", "https"):
        raise OptionError(key, f"option {key!r} must start with http:// or https://")
    if not url.host or not all(c.isalnum() or c in "-._:" for c in url.host):
        raise OptionError(key, f"option {key!r} names no valid host")


#: (provider kind, option) -> its check. URL options (``*url``) are checked by ``check_url``.
VALIDATORS: Mapping[tuple[str, str], OptionCheck] = {
    ("octopush", "sms_type"): octopush_rules.sms_type_option,
    ("octopush", "reply_format"): octopush_rules.reply_format_option,
    ("octopush", "sender"): _octopush_sender,
    ("ecampaign", "route"): _ecampaign_route("route"),
    ("ecampaign", "voice_route"): _ecampaign_route("voice_route"),
    ("ecampaign", "mail_route"): _ecampaign_route("mail_route"),
    ("ecampaign", "fax_route"): _ecampaign_route("fax_route"),
    ("ecampaign", "md5"): lambda value: parse_flag("md5", value, default=False),
    ("ecampaign", "sender"): ecampaign_rules.sender_id,
    ("ecampaign", "caller_id"): ecampaign_rules.caller_id,
    ("voicepartner", "sender"): _french_mobile,
    ("voicepartner", "email"): _email,
}


def _refusal(exc: Exception) -> str:
    return exc.message if isinstance(exc, InputError) else str(exc)


def check_options(account: Account) -> None:
    """Refuse (``OptionError``) an option value the provider would refuse, or a combination."""
    for key, value in account.options.items():
        if key.endswith("url"):
            check_url(key, value)
        check = VALIDATORS.get((account.provider, key))
        if check is None or not value.strip():
            continue
        try:
            check(value)
        except ValueError as exc:  # InputError included
            raise OptionError(key, f"option {key!r}: {_refusal(exc)}") from None
    _check_combination(account)


def _check_combination(account: Account) -> None:
    if account.provider == "octopush":
        kind = octopush_rules.sms_type_option(account.options.get("sms_type"))
        if kind is octopush_rules.SmsType.LOW_COST and account.options.get("sender", "").strip():
            raise OptionError(
                "sender",
                "an Octopush account with sms_type XXX (low cost) cannot have a sender: XXX "
                "messages carry none. Remove the sender, or choose sms_type FR or WWW",
            )


def validate_settings(account: Account) -> None:
    """What an edit must pass: ``config.validate_account``, then every option's value."""
    validate_account(account)
    check_options(account)
