"""``groups`` without ``--account`` (issue 10 writes ``groups rename|lock|delete|empty`` without
it): the default account when it has groups, else the only eCampaign one, else a refusal naming
the accounts to choose from."""

from __future__ import annotations

from tests.e2e.conftest import Cli, assert_error_json, requests_to


def test_groups_use_the_only_ecampaign_account(porte_voix: Cli) -> None:
    porte_voix.add_account("capitole")  # the default, without groups
    porte_voix.add_account("ecampaign")
    listing = porte_voix.run("groups", "list", "--json")
    assert listing.code == 0, listing.output
    assert listing.json["account"] == "demo-ecampaign" and listing.json["groups"]
    shown = porte_voix.run("groups", "show", listing.json["groups"][0]["id"], "--json")
    assert shown.code == 0, shown.output


def test_groups_refuse_to_guess_between_two_accounts(porte_voix: Cli) -> None:
    porte_voix.add_account("capitole")
    porte_voix.add_account("ecampaign")
    porte_voix.add_account("ecampaign", name="second-ecampaign")
    result = porte_voix.run("groups", "empty", "1", "--yes", "--json")
    assert result.code == 2
    message = assert_error_json(result, "account_required")
    assert "demo-ecampaign" in message and "second-ecampaign" in message
    assert not requests_to(porte_voix.cluster, "ecampaign")
