"""``porte-voix send`` and the low-balance threshold (issue 11), end to end against the sandbox:
a send that finds its route's balance below the threshold says so on stderr before anything is
sent (before the question on a terminal), adds the sentence to the report's ``warnings`` under
``--json`` (every other key as it was), and sends all the same."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.e2e.conftest import Cli, assert_send_json
from tui.outbox.store import Store

NUMBER = "+33611223344"
SEND = ["send", "sms", "--account", "demo-ecampaign", "--to", NUMBER, "--text", "Bonjour"]
#: The demo eCampaign account sends SMS through route 1, "SMS Premium" (500 credits).
LOW = "demo-ecampaign's SMS Premium balance is already below its low-balance threshold of 600"


@pytest.fixture
def cli(porte_voix: Cli) -> Cli:
    porte_voix.add_account("ecampaign")
    listed = porte_voix.run("credits", "--account", "demo-ecampaign", "--json")
    assert listed.code == 0, listed.output  # the routes' balances, now in the store
    return porte_voix


def _threshold(cli: Cli, route: str, amount: int) -> None:
    with Store(cli.db_path) as store:
        store.set_threshold("demo-ecampaign", Decimal(amount), channel="sms", route=route)


def test_no_threshold_crossed_no_warning(cli: Cli) -> None:
    _threshold(cli, "5", 600)  # another route's: not this send's
    result = cli.run(*SEND, "--yes", "--json")
    assert result.code == 0, result.output
    assert "low-balance" not in result.stderr
    assert_send_json(
        result.json, account="demo-ecampaign", provider="ecampaign", status="accepted",
        numbers=[NUMBER],
    )  # fmt: skip
    assert result.json["warnings"] == []


def test_a_low_balance_is_said_and_the_send_goes(cli: Cli) -> None:
    _threshold(cli, "1", 600)
    result = cli.run(*SEND, "--yes", "--json")
    assert result.code == 0, result.output
    payload = result.json
    assert_send_json(
        payload, account="demo-ecampaign", provider="ecampaign", status="accepted",
        numbers=[NUMBER],
    )  # fmt: skip
    (warning,) = [w for w in payload["warnings"] if "low-balance" in w]
    assert warning.startswith(LOW) and "500 credits" in warning
    assert payload["warnings"][0] == warning  # said first, before the provider's remarks
    assert f"warning: {warning}" in result.stderr.splitlines()
    human = cli.run(*SEND, "--yes", "--allow-duplicates")
    assert human.code == 0 and f"warning: {LOW}" in human.stderr


def test_on_a_terminal_the_warning_comes_before_the_question(cli: Cli) -> None:
    _threshold(cli, "1", 600)
    declined = cli.on_a_terminal(SEND, b"n\n")
    assert declined.code == 2, declined.output
    assert LOW in declined.stderr
    assert declined.stderr.index(LOW) < declined.stderr.index("Send now? [y/N]")
    assert cli.sends() == []
