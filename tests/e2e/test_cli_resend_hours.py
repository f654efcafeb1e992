"""``porte-voix resend`` within the French sending hours (issue 10), end to end against the
sandbox, with the rules' clock standing at a chosen moment: a commercial (marketing-route) SMS
resent on a Sunday at 23:00 is refused as ``send`` refuses a new one (exit 2,
``invalid_sending_hours``, the next allowed time named) before anything is asked or sent; on
Monday at 10:00 it goes; a notification is not restricted."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import holidays
import pytest

from providers.sandbox.common import Faults
from tests.e2e.conftest import Cli, assert_error_json, requests_to
from tui.compliance import hours
from tui.compliance.hours import PARIS

NUMBERS = ("0611223344", "0622334455")
#: About 20 s of speech: within CapitoleMobile's 15 to 59 s.
SPEECH = " ".join(["Bonjour, votre rendez-vous de demain matin est bien confirmé."] * 5)


def _sunday_night() -> datetime:
    """A coming Sunday at 23:00 (Paris) whose Monday is no public holiday."""
    day = datetime.now(PARIS).date() + timedelta(days=2)
    france = holidays.country_holidays("FR")
    while day.weekday() != 6 or (day + timedelta(days=1)) in france:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 23, tzinfo=PARIS)


def _stand_at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr(hours, "clock", lambda: moment)


def _unknown_send(cli: Cli, monkeypatch: pytest.MonkeyPatch, *route: str) -> str:
    """A CapitoleMobile send whose request timed out: resendable, knowingly, with --all."""
    account = cli.add_account("capitole")
    monkeypatch.setenv("PORTE_VOIX_HTTP_TIMEOUT", "0.5")
    cli.cluster.sandboxes["capitole_sms"].faults = Faults(hang_seconds=1, count=1)
    targets = [arg for number in NUMBERS for arg in ("--to", number)]
    sent = cli.run("send", "sms", "--account", account, *targets, "--text", "Soldes", *route,
                   "--yes")  # fmt: skip
    assert sent.code == 1, sent.output
    monkeypatch.setenv("PORTE_VOIX_HTTP_TIMEOUT", "5")
    time.sleep(0.6)  # the held request is processed by the sandbox meanwhile
    (row,) = cli.sends()
    assert row["state"] == "unknown"
    return str(row["reference"])


def test_a_marketing_resend_waits_for_its_hours(
    porte_voix: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    sunday = _sunday_night()
    monday = sunday + timedelta(hours=11)  # 10:00, inside the window
    _stand_at(monkeypatch, monday)
    reference = _unknown_send(porte_voix, monkeypatch, "--route", "marketing")
    before = len(requests_to(porte_voix.cluster, "capitole"))

    _stand_at(monkeypatch, sunday)
    resend = ["resend", reference, "--all", "--yes", "--allow-duplicates", "--json"]
    refused = porte_voix.run(*resend)
    assert refused.code == 2, refused.output
    message = assert_error_json(refused, "invalid_sending_hours")
    assert "commercial SMS" in message and "is a Sunday" in message
    assert f"Next allowed time: {monday:%Y-%m-%d} 08:00 (Paris time)" in message
    assert "resend it then" in message
    assert len(requests_to(porte_voix.cluster, "capitole")) == before
    assert len(porte_voix.sends()) == 1  # no new send in the outbox
    human = porte_voix.run(*resend[:-1])
    assert human.code == 2 and "is a Sunday. Next allowed time:" in human.stderr

    _stand_at(monkeypatch, monday)
    allowed = porte_voix.run(*resend)
    assert allowed.code == 0, allowed.output
    assert allowed.json["resend_of"] == reference and allowed.json["status"] == "accepted"
    assert len(requests_to(porte_voix.cluster, "capitole")) == before + 1


def test_a_notification_resend_is_not_restricted(
    porte_voix: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    sunday = _sunday_night()
    _stand_at(monkeypatch, sunday)
    reference = _unknown_send(porte_voix, monkeypatch)
    resent = porte_voix.run("resend", reference, "--all", "--yes", "--allow-duplicates", "--json")
    assert resent.code == 0, resent.output
    assert resent.json["resend_of"] == reference


def test_resend_promotional_marks_a_notification_commercial(
    porte_voix: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The promotional mark is not stored with a send: ``resend --promotional`` says it again,
    and a notification-route SMS so marked waits for its hours."""
    sunday = _sunday_night()
    _stand_at(monkeypatch, sunday)
    reference = _unknown_send(porte_voix, monkeypatch)
    resend = ["resend", reference, "--all", "--yes", "--allow-duplicates", "--json"]
    refused = porte_voix.run(*resend, "--promotional")
    assert refused.code == 2, refused.output
    assert "commercial SMS" in assert_error_json(refused, "invalid_sending_hours")


def test_a_voice_message_that_cannot_be_scheduled_is_not_told_to_schedule(
    porte_voix: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CapitoleMobile's voice API has no date: outside its hours, the refusal names the next
    allowed time without offering a --schedule the provider would refuse."""
    _stand_at(monkeypatch, _sunday_night())
    account = porte_voix.add_account("capitole")
    refused = porte_voix.run(
        "send", "vms", "--account", account, "--to", NUMBERS[0], "--tts", SPEECH,
        "--sender", "0145000000", "--promotional", "--yes", "--json",
    )  # fmt: skip
    assert refused.code == 2, refused.output
    message = assert_error_json(refused, "invalid_sending_hours")
    assert "Next allowed time:" in message and "cannot schedule it" in message
    assert "--schedule" not in message
