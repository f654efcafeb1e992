"""Account options checked when they are set (``accounts add/edit``, the account form), so that a
value a send would refuse (``route=abc``, an Octopush ``sms_type`` of ``ABC``) is refused at once,
naming the option, rather than at the first send.

A provider's ``ProviderInfo.options`` (``OptionSpec``) carries no validator yet. Until it does,
this table holds one per (provider, option), built from the provider's own rules where they are
public, so that the value accepted here is the value the send accepts. Moving them into
``OptionSpec`` (a ``validate`` field) would make this module a loop over the specs.

Only edits are checked this strictly: ``config.load`` keeps accepting a hand-edited file whose
option a send would refuse, so that the account can still be listed and fixed.

The providers' rules (and httpx, lxml) load when a value is checked, not with this module: the
account form imports it, and the Accounts screen may be the console's first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from providers.errors import InputError
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
    def check(value: str) -> object:
        from providers.ecampaign.rules import numeric_id

        return numeric_id(key, value)

    return check


def _ecampaign_md5(value: str) -> object:
    from providers.ecampaign.core import parse_flag

    return parse_flag("md5", value, default=False)


def _ecampaign_sender(value: str) -> object:
    from providers.ecampaign.rules import sender_id

    return sender_id(value)


def _ecampaign_caller_id(value: str) -> object:
    from providers.ecampaign.rules import caller_id

    return caller_id(value)


def _octopush_sms_type(value: str) -> object:
    from providers.octopush.rules import sms_type_option

    return sms_type_option(value)


def _octopush_reply_format(value: str) -> object:
    from providers.octopush.rules import reply_format_option

    return reply_format_option(value)


def _octopush_sender(value: str) -> object:
    from providers.octopush.rules import SmsType, choose_sender

    # The sender of FR and WWW sends (XXX carries none): the provider's rule for a default one.
    return choose_sender(None, value, SmsType.PREMIUM)


def _french_mobile(value: str) -> object:
    from providers import phone

    e164 = phone.normalise(value, field="sender")
    if not phone.is_french(e164) or not phone.is_mobile(e164):
        raise InputError("sender", f"{phone.display(e164)} is not a French mobile number")
    return e164


def _email(value: str) -> object:
    if not _EMAIL.match(value.strip()):
        raise InputError("email", f"{value!r} is not an e-mail address")
    return value


def check_url(key: str, value: str) -> None:
    """An endpoint no request could go to is refused when it is set (``BAD_URL`` otherwise),
    by the very rule the HTTP layer applies before a request (imported here: httpx reads it)."""
    from providers.http import url_problem

    problem = url_problem(value)
    if problem is not None:
        raise OptionError(key, f"option {key!r} is not a usable URL: {problem}")


#: (provider kind, option) -> its check. URL options (``*url``) are checked by ``check_url``.
VALIDATORS: Mapping[tuple[str, str], OptionCheck] = {
    ("octopush", "sms_type"): _octopush_sms_type,
    ("octopush", "reply_format"): _octopush_reply_format,
    ("octopush", "sender"): _octopush_sender,
    ("ecampaign", "route"): _ecampaign_route("route"),
    ("ecampaign", "voice_route"): _ecampaign_route("voice_route"),
    ("ecampaign", "mail_route"): _ecampaign_route("mail_route"),
    ("ecampaign", "fax_route"): _ecampaign_route("fax_route"),
    ("ecampaign", "md5"): _ecampaign_md5,
    ("ecampaign", "sender"): _ecampaign_sender,
    ("ecampaign", "caller_id"): _ecampaign_caller_id,
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
        from providers.octopush.rules import SmsType, sms_type_option

        kind = sms_type_option(account.options.get("sms_type"))
        if kind is SmsType.LOW_COST and account.options.get("sender", "").strip():
            raise OptionError(
                "sender",
                "an Octopush account with sms_type XXX (low cost) cannot have a sender: XXX "
                "messages carry none. Remove the sender, or choose sms_type FR or WWW",
            )


def validate_settings(account: Account) -> None:
    """What an edit must pass: ``config.validate_account``, then every option's value."""
    validate_account(account)
    check_options(account)
