"""``porte-voix send`` within the rules, end to end against the sandboxes: a number that opted
out on eCampaign (``optout sync``) is left out of a CapitoleMobile send and reported
``opted_out``; the override is for notifications only; a commercial send outside the French
sending hours is refused with the next allowed time, which ``--schedule`` then accepts."""

from __future__ import annotations

import urllib.parse
from datetime import datetime, timedelta

import pytest

from tests.e2e.conftest import Cli, assert_error_json, requests_to
from tui.compliance.hours import PARIS

BLACKLISTED = "+33612345699"  # on the eCampaign sandbox's SMS blacklist
OTHER = "+33611223344"


@pytest.fixture
def cli(porte_voix: Cli) -> Cli:
    porte_voix.add_account("ecampaign")
    porte_voix.add_account("capitole")
    synced = porte_voix.run("optout", "sync", "--account", "demo-ecampaign", "--json")
    assert synced.code == 0 and synced.json["added"] == [BLACKLISTED], synced.output
    return porte_voix


def capitole_bodies(cli: Cli) -> list[bytes]:
    return [
        urllib.parse.unquote_to_bytes(r.body.replace(b"+", b" "))
        for r in requests_to(cli.cluster, "capitole")
    ]


def sms(*extra: str, to: tuple[str, ...] = (BLACKLISTED, OTHER)) -> list[str]:
    targets = [arg for number in to for arg in ("--to", number)]
    return ["send", "sms", "--account", "demo-capitole", *targets, "--text", "Bonjour", *extra]


def test_an_ecampaign_opt_out_is_left_out_of_a_capitole_send(cli: Cli) -> None:
    result = cli.run(*sms("--yes", "--json"))
    assert result.code == 0, result.output
    payload = result.json
    statuses = {r["number"]: r["status"] for r in payload["recipients"]}
    assert statuses == {OTHER: "accepted", BLACKLISTED: "opted_out"}
    assert payload["status"] == "accepted"
    assert "1 number(s) on the opt-out list will be left out: +33612345699" in result.stderr
    [body] = capitole_bodies(cli)
    assert b"611223344" in body and b"612345699" not in body
    # The journal never holds the left-out number.
    shown = cli.run("sends", "show", payload["reference"], "--json")
    assert [r["number"] for r in shown.json["recipients"]] == [OTHER]
    human = cli.run(*sms("--yes"))
    assert human.code == 0 and "opted_out" in human.stdout


def test_every_number_opted_out_sends_nothing(cli: Cli) -> None:
    result = cli.run(*sms("--yes", "--json", to=(BLACKLISTED,)))
    assert result.code == 2
    assert BLACKLISTED in assert_error_json(result, "invalid_recipient")
    assert capitole_bodies(cli) == [] and cli.sends() == []


def test_a_notification_may_include_them_knowingly(cli: Cli) -> None:
    # (The Capitole sandbox refuses BLACKLISTED on its own: another opted-out number.)
    assert cli.run("optout", "add", "06 22 33 44 55").code == 0
    result = cli.run(*sms("--yes", "--json", "--include-opted-out", to=("+33622334455", OTHER)))
    assert result.code == 0, result.output
    assert {r["status"] for r in result.json["recipients"]} == {"accepted"}
    assert "1 number(s) on the opt-out list included knowingly" in result.stderr
    [body] = capitole_bodies(cli)
    assert b"622334455" in body


@pytest.mark.parametrize("flag", [["--route", "marketing"], ["--promotional"]])
def test_never_for_marketing(cli: Cli, flag: list[str]) -> None:
    monday = _next(0, hour=10)  # inside every commercial window, unless a holiday
    schedule = ["--schedule", f"{monday:%Y-%m-%d %H:%M}"]
    result = cli.run(*sms("--yes", "--json", "--include-opted-out", *flag, *schedule))
    assert result.code == 2
    assert "notifications only" in assert_error_json(result, "invalid_include_opted_out")
    assert capitole_bodies(cli) == []


def _next(weekday: int, hour: int) -> datetime:
    """The next such weekday at ``hour`` (Paris), at least two days ahead, never a holiday."""
    import holidays

    day = datetime.now(PARIS).date() + timedelta(days=2)
    france = holidays.country_holidays("FR")
    while day.weekday() != weekday or day in france or (day + timedelta(1)) in france:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)


def test_a_marketing_sms_on_a_sunday_is_refused_then_scheduled(cli: Cli) -> None:
    sunday = _next(6, hour=11)
    schedule = f"{sunday:%Y-%m-%d %H:%M}"
    refused = cli.run(*sms("--yes", "--json", "--route", "marketing", "--schedule", schedule))
    assert refused.code == 2
    message = assert_error_json(refused, "invalid_sending_hours")
    monday = sunday + timedelta(days=1)
    expected = f"{monday:%Y-%m-%d} 08:00"
    assert "is a Sunday" in message and f"Next allowed time: {expected} (Paris time)" in message
    assert f"--schedule '{expected}'" in message
    assert capitole_bodies(cli) == []
    accepted = cli.run(*sms("--yes", "--json", "--route", "marketing", "--schedule", expected))
    assert accepted.code == 0, accepted.output


def test_a_promotional_voice_message_outside_its_hours(cli: Cli) -> None:
    saturday = _next(5, hour=11)
    vms = ["send", "vms", "--account", "demo-ecampaign", "--to", OTHER, "--template", "2",
           "--yes", "--json", "--promotional",
           "--schedule", f"{saturday:%Y-%m-%d %H:%M}"]  # fmt: skip
    refused = cli.run(*vms)
    assert refused.code == 2
    assert "commercial voice message" in assert_error_json(refused, "invalid_sending_hours")
    # Not marked promotional, a voice message is a notification: not restricted.
    notification = cli.run(*[arg for arg in vms if arg != "--promotional"])
    assert notification.code == 0, notification.output
