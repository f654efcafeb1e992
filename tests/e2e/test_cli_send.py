"""``porte-voix send`` end to end: the command line against the sandboxes over loopback HTTP.

Each test checks the contract of issue 2, section 4 — exit codes, the ``--json`` shapes, nothing
sent without ``--yes`` off a terminal, local validation before any request, an unknown outcome
never retried — and what the sandbox actually received.
"""

from __future__ import annotations

import time
import urllib.parse
from decimal import Decimal

import pytest

from providers.sandbox import SandboxCluster
from providers.sandbox.common import Faults
from tests.e2e.conftest import (
    CASES,
    SMS_TEXT,
    Case,
    Cli,
    assert_error_json,
    assert_nothing_sent,
    assert_send_json,
    cases,
    demo_settings,
    requests_to,
    sent_text,
)
from tui.sending.run import ALREADY_SENT

NUMBER = "0612345678"
E164_NUMBER = "+33612345678"
CAPITOLE_SMS = next(case for case in CASES if case.id == "capitole-sms")


# --------------------------------------------------------------------------- real sends


@pytest.mark.parametrize("case", cases())
def test_send_is_accepted(porte_voix: Cli, accounts: dict[str, str], case: Case) -> None:
    result = porte_voix.run(*case.send_args(NUMBER, extra=["--yes", "--json"]))

    assert result.code == 0, result.output
    payload = result.json
    assert_send_json(
        payload,
        account=case.account,
        provider=case.provider,
        status="accepted",
        numbers=[E164_NUMBER],
    )
    assert payload["recipients"][0]["status"] == "accepted"
    assert payload["recipients"][0]["error"] is None
    assert (payload["balance"], payload["cost"]) == (case.balance, case.cost)
    received = requests_to(porte_voix.cluster, case.provider)
    assert [(r.method, r.path) for r in received] == [("POST", case.path)]
    if case.kind == "sms":  # accents and the euro sign arrive intact, in the provider's charset
        assert SMS_TEXT in sent_text(case, received[0].body)
    (row,) = porte_voix.sends()
    assert (row["reference"], row["state"], row["dry_run"]) == (payload["reference"], "accepted", 0)


@pytest.mark.parametrize("case", cases())
def test_dry_run_sends_nothing(porte_voix: Cli, accounts: dict[str, str], case: Case) -> None:
    result = porte_voix.run(*case.send_args(NUMBER, extra=["--dry-run", "--json"]))

    assert result.code == 0, result.output
    payload = result.json
    assert_send_json(
        payload,
        account=case.account,
        provider=case.provider,
        status="dry-run",
        numbers=[E164_NUMBER],
    )
    assert payload["recipients"][0]["status"] == "dry-run"
    received = requests_to(porte_voix.cluster, case.provider)
    if case.dry_run_path is None:
        assert received == []
    else:  # CapitoleMobile's xml_test echo, Octopush's request_mode=simu
        assert [(r.method, r.path) for r in received] == [("POST", case.dry_run_path)]
        if case.provider == "octopush":
            form = urllib.parse.parse_qs(received[0].body.decode("ascii"))
            assert form["request_mode"] == ["simu"]
    (row,) = porte_voix.sends()
    assert (row["state"], row["dry_run"]) == ("dry-run", 1)


def test_a_dry_run_that_really_sent_is_never_reported_as_a_dry_run(
    porte_voix: Cli, accounts: dict[str, str]
) -> None:
    """A test URL misconfigured to reach the live service (it differs only by a query)."""
    _login, options = demo_settings(porte_voix.cluster, "capitole")
    live = options["sms_url"]
    edit = porte_voix.run(
        "accounts", "edit", "demo-capitole", "--set", f"sms_test_url={live}?mode=test"
    )
    assert edit.code == 0, edit.output

    result = porte_voix.run(*CAPITOLE_SMS.send_args(NUMBER, extra=["--dry-run", "--json"]))

    assert result.code == 1, result.output
    payload = result.json
    assert_send_json(
        payload,
        account="demo-capitole",
        provider="capitole",
        status="unknown",
        numbers=[E164_NUMBER],
    )
    assert payload["recipients"][0]["status"] == "unknown"
    assert any("answered like a real send" in w for w in payload["warnings"]), payload
    assert "warning: " in result.stderr and "answered like a real send" in result.stderr
    received = requests_to(porte_voix.cluster, "capitole")
    assert [(r.method, r.path) for r in received] == [("POST", "/api/sendsms/xml")]
    (row,) = porte_voix.sends()
    assert (row["state"], row["dry_run"]) == ("unknown", 1)


@pytest.mark.parametrize("case", cases())
def test_without_yes_and_no_terminal_nothing_is_sent(
    porte_voix: Cli, accounts: dict[str, str], case: Case
) -> None:
    result = porte_voix.run(*case.send_args(NUMBER, extra=["--json"]), stdin="y\n")

    assert result.code == 2, result.output
    assert "--yes" in assert_error_json(result, "confirmation_required")
    assert_nothing_sent(porte_voix)


def test_without_yes_in_a_real_process_with_stdin_closed(
    porte_voix: Cli, accounts: dict[str, str]
) -> None:
    result = porte_voix.subprocess(*CAPITOLE_SMS.send_args(NUMBER))

    assert result.code == 2, result.output
    assert result.stdout == ""
    assert "--yes" in result.stderr and "nothing was sent" in result.stderr
    assert_nothing_sent(porte_voix)


def test_on_a_terminal_the_operator_can_decline(porte_voix: Cli, accounts: dict[str, str]) -> None:
    result = porte_voix.on_a_terminal(CAPITOLE_SMS.send_args(NUMBER), b"n\n")

    assert result.code == 2, result.output
    assert "1 recipient" in result.stderr and "demo-capitole" in result.stderr
    assert_nothing_sent(porte_voix)


def test_on_a_terminal_json_output_stays_one_object(
    porte_voix: Cli, accounts: dict[str, str]
) -> None:
    result = porte_voix.on_a_terminal(CAPITOLE_SMS.send_args(NUMBER, extra=["--json"]), b"n\n")

    assert result.code == 2, result.output
    assert_error_json(result, "not_confirmed")


def test_send_from_a_real_process(porte_voix: Cli, accounts: dict[str, str]) -> None:
    """The installed entry point, its secret from PORTE_VOIX_SECRET_<NAME> only."""
    result = porte_voix.subprocess(*CAPITOLE_SMS.send_args(NUMBER, extra=["--yes", "--json"]))

    assert result.code == 0, result.output
    assert result.json["status"] == "accepted"
    assert len(requests_to(porte_voix.cluster, "capitole")) == 1


# --------------------------------------------------------------------------- refusals


#: The provider's code for refused credentials.
AUTH_CODES = {"capitole": "AUTH_FAILED", "voicepartner": "401", "octopush": "101", "ecampaign": "3"}


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_credentials_exit_3(porte_voix: Cli, case: Case) -> None:
    porte_voix.add_account(case.provider, secret="not-the-secret")

    result = porte_voix.run(*case.send_args(NUMBER, extra=["--yes", "--json"]))

    assert result.code == 3, result.output
    payload = result.json
    # The rejected send's report says what stopped it: a name, and the provider's own code in
    # its own field (a script need not read the recipients' error texts).
    assert payload["status"] == "rejected", payload
    assert payload["recipients"][0]["error"].startswith(AUTH_CODES[case.provider] + ":")
    failure = payload["failure"]
    assert (failure["code"], failure["provider_code"]) == (
        "authentication",
        AUTH_CODES[case.provider],
    ), failure
    assert failure["message"] and "not-the-secret" not in failure["message"]
    assert len(requests_to(porte_voix.cluster, case.provider)) == 1
    assert "not-the-secret" not in result.output


#: What each sandbox answers when the account has no credit left, and how to empty it.
NO_CREDIT = {
    "capitole": "NOT_ENOUGH_CREDITS",
    "voicepartner": "402",
    "octopush": "104",
    "ecampaign": "11",
}


def _empty_the_wallet(cluster: SandboxCluster, case: Case) -> None:
    sandbox = cluster.sandboxes[case.sandbox]
    zero = Decimal(0)
    if case.provider == "capitole":
        sandbox.balance = zero  # type: ignore[attr-defined]
    elif case.provider == "voicepartner":
        sandbox.credit = zero  # type: ignore[attr-defined]
    elif case.provider == "octopush":
        sandbox.wallet = zero  # type: ignore[attr-defined]
    else:
        for route in sandbox.state.routes.values():  # type: ignore[attr-defined]
            route.credits = zero


@pytest.mark.parametrize("case", cases())
def test_provider_refusal_exits_1(porte_voix: Cli, accounts: dict[str, str], case: Case) -> None:
    _empty_the_wallet(porte_voix.cluster, case)

    result = porte_voix.run(*case.send_args(NUMBER, extra=["--yes", "--json"]))

    assert result.code == 1, result.output
    payload = result.json
    assert_send_json(
        payload,
        account=case.account,
        provider=case.provider,
        status="rejected",
        numbers=[E164_NUMBER],
    )
    (recipient,) = payload["recipients"]
    assert recipient["status"] == "rejected"
    assert NO_CREDIT[case.provider] in recipient["error"], recipient
    assert len(requests_to(porte_voix.cluster, case.provider)) == 1
    assert [row["state"] for row in porte_voix.sends()] == ["rejected"]


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=c.id) for c in CASES if c.id in ("capitole-sms", "ecampaign-sms")],
)
def test_a_blacklisted_number_is_refused(
    porte_voix: Cli, accounts: dict[str, str], case: Case
) -> None:
    """Both sandboxes blacklist 06 12 34 56 99 (a number that once answered STOP)."""
    result = porte_voix.run(*case.send_args("0612345699", extra=["--yes", "--json"]))

    assert result.code == 1, result.output
    (recipient,) = result.json["recipients"]
    assert (recipient["number"], recipient["status"]) == ("+33612345699", "rejected")
    assert recipient["error"]
    assert len(requests_to(porte_voix.cluster, case.provider)) == 1


# --------------------------------------------------------------------------- unknown outcome


@pytest.mark.parametrize("case", cases())
def test_an_unknown_outcome_is_reported_and_never_retried(
    porte_voix: Cli, accounts: dict[str, str], case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTE_VOIX_HTTP_TIMEOUT", "1")
    # The sandbox holds the first request past the client's timeout, then processes it anyway.
    porte_voix.cluster.sandboxes[case.sandbox].faults = Faults(hang_seconds=3, count=1)
    args = case.send_args(NUMBER, extra=["--yes", "--json"])

    first = porte_voix.run(*args)

    assert first.code == 1, first.output
    payload = first.json
    assert_send_json(
        payload,
        account=case.account,
        provider=case.provider,
        status="unknown",
        numbers=[E164_NUMBER],
    )
    assert payload["recipients"][0]["status"] == "unknown"
    assert len(requests_to(porte_voix.cluster, case.provider)) == 1  # not retried

    monkeypatch.setenv("PORTE_VOIX_HTTP_TIMEOUT", "30")  # no fault now: a normal timeout
    again = porte_voix.run(*args)  # the same command again: it would repeat an unfinished send
    assert again.code == 2, again.output
    message = assert_error_json(again, "duplicate_send")
    assert payload["reference"] in message and "--allow-duplicates" in message
    assert len(requests_to(porte_voix.cluster, case.provider)) == 1

    if case.provider == "octopush":  # the held request is processed before the new one comes
        sandbox = porte_voix.cluster.sandboxes["octopush"]
        deadline = time.monotonic() + 10
        while not getattr(sandbox, "sent", None) and time.monotonic() < deadline:
            time.sleep(0.05)
    second = porte_voix.run(*args, "--allow-duplicates")  # the operator says so: a new send

    assert second.code == 0, second.output
    assert second.json["status"] == "accepted"
    assert second.json["reference"] != payload["reference"]
    assert len(requests_to(porte_voix.cluster, case.provider)) == 2
    if case.provider == "octopush":  # the same batch, the same request id: refused as a repeat
        (recipient,) = second.json["recipients"]
        assert (recipient["status"], recipient["error"]) == ("accepted", ALREADY_SENT)
    states = [(row["reference"], row["state"]) for row in porte_voix.sends()]
    assert states == [(payload["reference"], "unknown"), (second.json["reference"], "accepted")]
