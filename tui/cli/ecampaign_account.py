"""Which account an eCampaign management command works on when ``--account`` is left out.

``templates``, ``blacklist``, ``replies``, ``hlr`` and ``optout sync`` (and any command whose
service only some providers offer, such as ``groups``) take ``--account NAME`` as before; without
it, ``resolve_account`` picks, in this order:

1. the configuration's default account (the one ``accounts list`` marks with ``*``), when its
   provider offers the service;
2. otherwise the only configured account whose provider offers it;
3. otherwise nothing: exit 2 (``account_required``) naming the accounts to choose from, or exit 3
   (``configuration``) when no configured account offers the service.

Guessing among several would act on an account nobody named (a template deleted, a number taken
off a blacklist on the wrong platform), so two candidates and no suitable default is a refusal.

Wiring another command (e.g. ``tui/cli/groups*.py``): declare ``--account`` without
``required=True`` (``add_account_option``), and where the command loads its account, call
``resolve_account(args.account, Capability.GROUPS)`` instead of ``load_account(args.account)``;
use the returned ``Account.name`` afterwards (in messages and ``--json``), not ``args.account``.
"""

from __future__ import annotations

import argparse

from providers.base import PROVIDER_KINDS, Capability, provider_info
from tui.accounts import config as config_module
from tui.accounts.config import Account
from tui.cli.support import EXIT_CONFIG, EXIT_INPUT, CliFailure, load_account, mapped_errors

#: What the management commands need when no narrower capability is named.
MANAGEMENT = Capability.TEMPLATES | Capability.BLACKLIST | Capability.HLR


def add_account_option(parser: argparse.ArgumentParser) -> None:
    """``--account NAME``, optional: ``resolve_account`` says what its absence means."""
    parser.add_argument(
        "--account",
        metavar="NAME",
        help="the account (default: the default account, or the only eCampaign one)",
    )


def offers(account: Account, capability: Capability) -> bool:
    """Whether ``account``'s provider offers every service in ``capability``."""
    return (provider_info(account.provider).capabilities & capability) == capability


def providers_offering(capability: Capability) -> list[str]:
    """The kinds of provider that offer every service in ``capability`` (``["ecampaign"]``)."""
    return [
        kind
        for kind in PROVIDER_KINDS
        if (provider_info(kind).capabilities & capability) == capability
    ]


def resolve_account(name: str | None, capability: Capability = MANAGEMENT) -> Account:
    """The account named ``name`` (exactly as ``load_account``), or the one to use without it.

    ``CliFailure``: exit 2 ``account_required`` when several accounts offer ``capability`` and
    the default is not one of them; exit 3 ``configuration`` when none does.
    """
    if name is not None:
        return load_account(name)
    with mapped_errors():
        config = config_module.load()
    candidates = [account for account in config.accounts.values() if offers(account, capability)]
    default = config.default()
    if default is not None and any(a.name == default.name for a in candidates):
        return default
    if len(candidates) == 1:
        return candidates[0]
    kinds = providers_offering(capability) or ["ecampaign"]
    label = " or ".join(provider_info(kind).label for kind in kinds)
    if not candidates:
        raise CliFailure(
            EXIT_CONFIG,
            "configuration",
            f"no {label} account is configured: add one with 'porte-voix accounts add NAME "
            f"--provider {kinds[0]}'",
        )
    names = ", ".join(sorted(account.name for account in candidates))
    why = "there is no default account"
    if default is not None:
        why = (
            f"the default account, {default.name}, is a {provider_info(default.provider).label} one"
        )
    raise CliFailure(
        EXIT_INPUT,
        "account_required",
        f"{len(candidates)} {label} accounts are configured ({names}) and {why}: "
        "choose one with --account NAME",
    )
