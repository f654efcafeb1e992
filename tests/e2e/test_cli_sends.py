"""``porte-voix sends``, ``sends show`` and ``resend`` end to end, and ctrl+c during a send
(issue 8, item 1): the outbox listed and shown, the console's resend rules on the command line,
and an interrupted send that still names its reference."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from providers.sandbox.common import Faults
from tests.e2e.conftest import ROOT, Cli, assert_error_json, requests_to

NUMBERS = ("0611223344", "0622334455", "0633445566")


def unknown_send(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> str:
    """A CapitoleMobile send whose request timed out: its numbers' outcome is unknown."""
    account = cli.add_account("capitole")
    monkeypatch.setenv("PORTE_VOIX_HTTP_TIMEOUT", "0.5")
    cli.cluster.sandboxes["capitole_sms"].faults = Faults(hang_seconds=1, count=1)
    targets = [arg for number in NUMBERS[:2] for arg in ("--to", number)]
    result = cli.run("send", "sms", "--account", account, *targets, "--text", "Bonjour", "--yes")
    assert result.code == 1, result.output
    monkeypatch.setenv("PORTE_VOIX_HTTP_TIMEOUT", "5")
    (row,) = cli.sends()
    assert row["state"] == "unknown"
    return str(row["reference"])


def test_sends_lists_and_shows_the_outbox(porte_voix: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = porte_voix.run("sends", "--json")
    assert (empty.code, empty.json) == (0, {"sends": []})
    assert "no send yet" in porte_voix.run("sends").stdout
    reference = unknown_send(porte_voix, monkeypatch)

    listing = porte_voix.run("sends", "--unfinished", "--json")
    assert listing.code == 0, listing.output
    (send,) = listing.json["sends"]
    assert (send["reference"], send["state"], send["recipients_total"]) == (reference, "unknown", 2)
    assert send["counts"] == {
        "accepted": 0, "rejected": 0, "unknown": 2, "cancelled": 0, "pending": 0,
    }  # fmt: skip
    assert send["resent_by"] == [] and send["summary"] == "Bonjour"
    human = porte_voix.run("sends")
    assert reference in human.stdout and "2 of unknown outcome" in human.stdout

    shown = porte_voix.run("sends", "show", reference.lower(), "--json")
    assert shown.code == 0, shown.output
    assert shown.stdout.count('"recipients"') == 1  # one key, the list
    detail = shown.json
    assert (detail["reference"], detail["recipients_total"]) == (reference, 2)
    assert [(r["number"], r["state"]) for r in detail["recipients"]] == [
        ("+33611223344", "unknown"),
        ("+33622334455", "unknown"),
    ]
    assert set(detail["recipients"][0]) == {
        "number", "state", "message_id", "error", "delivery_state", "delivery_code",
        "delivery_at",
    }  # fmt: skip
    # The error: a name in "code", the code the outbox kept in "provider_code".
    error = detail["error"]
    assert set(error) == {"code", "provider_code", "message"}
    assert error["code"] == "unknown_outcome" and error["provider_code"], error
    text = porte_voix.run("sends", "show", reference).stdout
    assert "+33611223344" in text and "unknown" in text

    missing = porte_voix.run("sends", "show", "PVNOSUCH", "--json")
    assert missing.code == 2
    assert_error_json(missing, "unknown_send")


def test_resend_follows_the_consoles_rules(
    porte_voix: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = unknown_send(porte_voix, monkeypatch)
    time.sleep(0.6)  # the held request is processed by the sandbox meanwhile
    sent = len(requests_to(porte_voix.cluster, "capitole"))

    # Unknown numbers are never among the never sent.
    only = porte_voix.run("resend", reference, "--only-never-sent", "--yes", "--json")
    assert only.code == 2
    assert "--all" in assert_error_json(only, "nothing_to_resend")
    # --all without a terminal needs --yes, and --allow-duplicates too.
    asked = porte_voix.run("resend", reference, "--all", "--json")
    assert only.code == 2
    assert "--yes --allow-duplicates" in assert_error_json(asked, "confirmation_required")
    yes = porte_voix.run("resend", reference, "--all", "--yes", "--json")
    assert yes.code == 2
    assert "--allow-duplicates" in assert_error_json(yes, "duplicates_not_allowed")
    assert len(requests_to(porte_voix.cluster, "capitole")) == sent

    # On a terminal, --all asks twice; a wrong second answer sends nothing.
    args = ["resend", reference, "--all"]
    declined = porte_voix.on_a_terminal(args, b"y\nno\n")
    assert declined.code == 2, declined.output
    assert "twice" in declined.stderr
    assert len(requests_to(porte_voix.cluster, "capitole")) == sent
    confirmed = porte_voix.on_a_terminal([*args, "--json"], f"y\n{reference}\n".encode())
    assert confirmed.code == 0, confirmed.output
    payload = json.loads(confirmed.stdout)
    assert (payload["status"], payload["resend_of"], payload["already_sent"]) == (
        "accepted",
        reference,
        0,
    )
    assert len(requests_to(porte_voix.cluster, "capitole")) == sent + 1

    # Every number was requested again: nothing is left to resend.
    after = porte_voix.run("resend", reference, "--all", "--yes", "--allow-duplicates")
    assert after.code == 2, after.output
    listing = porte_voix.run("sends", "--json").json["sends"]
    assert listing[1]["resent_by"] == [payload["reference"]]


def test_ctrl_c_during_a_send_still_names_its_reference(porte_voix: Cli) -> None:
    account = porte_voix.add_account("capitole")
    porte_voix.cluster.sandboxes["capitole_sms"].faults = Faults(hang_seconds=10, count=1)
    child = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "send", "sms", "--account", account,
         "--to", NUMBERS[0], "--text", "Bonjour", "--yes", "--json"],
        cwd=ROOT,
        env={**os.environ, **porte_voix.env()},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not requests_to(porte_voix.cluster, "capitole"):
            assert time.monotonic() < deadline, "the request never came"
            time.sleep(0.02)
        child.send_signal(signal.SIGINT)
        stdout, stderr = child.communicate(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 1, stderr
    payload = json.loads(stdout)
    (row,) = porte_voix.sends()
    assert (payload["reference"], payload["state"], payload["status"]) == (
        row["reference"],
        "unknown",
        "unknown",
    )
    assert row["state"] == "unknown"
    assert "interrupted" in stderr and row["reference"] in stderr


def test_ctrl_c_before_the_send_began_says_nothing_was_sent(
    porte_voix: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Interrupted before its intent was journalled, a send has requested nothing: it says so
    (it said "a request may have left", with no reference to look at)."""
    from tui.outbox.journal import SendJournal

    def interrupted(*_args: object, **_kwargs: object) -> SendJournal:
        raise KeyboardInterrupt

    account = porte_voix.add_account("capitole")
    monkeypatch.setattr(SendJournal, "begin", interrupted)
    result = porte_voix.run(
        "send", "sms", "--account", account, "--to", NUMBERS[0], "--text", "x", "--yes", "--json"
    )
    assert result.code == 130
    assert assert_error_json(result, "interrupted") == (
        "interrupted before the send began: nothing was sent"
    )
    assert porte_voix.sends() == []
    assert requests_to(porte_voix.cluster, "capitole") == []
