"""``porte-voix listen`` end to end: the daemon in its own process on 127.0.0.1 takes every
provider's callback format, stores it before answering, and the states read back through
``events --json``, ``sends show --json`` and ``history --json``; VoicePartner's own callbacks
arrive through the notifyUrl the sends carry once a public URL is configured; refusals store
nothing and leak nothing; SIGTERM stops it cleanly (exit 0), SIGHUP serves new accounts."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Cli
from tests.e2e.listen_helpers import RunningDaemon, start_daemon, token_env, token_for

EVENT_KEYS = {
    "account", "provider", "kind", "state", "number", "message_id", "campaign_id",
    "provider_code", "meaning", "occurred_at", "received_at", "reference",
}  # fmt: skip
XXE = (
    '<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    "<ecampaign><msgid>&x;</msgid><state>4</state></ecampaign>"
)


def until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def daemon(
    porte_voix: Cli, accounts: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[RunningDaemon]:
    tokens = token_env(*accounts.values())
    for name, value in tokens.items():
        monkeypatch.setenv(name, value)  # the same tokens for the commands run in this process
    running = start_daemon(porte_voix.home, {**porte_voix.env(), **tokens})
    try:
        yield running
    finally:
        code = running.stop()
        assert code == 0, running.output()
        log = running.output()
        assert "Traceback" not in log
        assert not any(token_for(name) in log for name in accounts.values())


def send(cli: Cli, *args: str) -> dict[str, Any]:
    result = cli.run("send", *args, "--yes", "--json")
    assert result.code == 0, result.output
    payload: dict[str, Any] = result.json
    return payload


def events(cli: Cli, *args: str) -> list[dict[str, Any]]:
    result = cli.run("events", "--json", *args)
    assert result.code == 0, result.output
    found: list[dict[str, Any]] = result.json["events"]
    assert all(set(event) == EVENT_KEYS for event in found)
    return found


def test_every_callback_format_is_stored_and_read_back(
    porte_voix: Cli, daemon: RunningDaemon
) -> None:
    urls = porte_voix.run("listen", "--print-urls", "--public-url", daemon.base, "--json")
    assert urls.code == 0, urls.output
    assert urls.json == {
        "urls": {
            name: daemon.url(provider, name)
            for provider, name in (
                ("capitole", "demo-capitole"),
                ("voicepartner", "demo-voicepartner"),
                ("octopush", "demo-octopush"),
                ("ecampaign", "demo-ecampaign"),
            )
        }
    }
    # A report that overtakes its send is kept as an orphan, then matched when the send is.
    early = {"id": "PVLATE0001", "gsm": "33677889911", "status": "DELIVERED"}
    assert httpx.get(daemon.url("capitole", "demo-capitole"), params=early).status_code == 200
    assert [o["campaign_id"] for o in events(porte_voix, "--orphans")] == ["PVLATE0001"]
    late = send(porte_voix, "sms", "--account", "demo-capitole", "--to", "0677889911",
                "--campaign-id", "PVLATE0001", "--text", "Bonjour")  # fmt: skip
    sms = send(porte_voix, "sms", "--account", "demo-capitole", "--to", "0611223344",
               "--to", "0622334400", "--text", "Bonjour")  # fmt: skip
    reference = sms["reference"]
    eco = send(porte_voix, "sms", "--account", "demo-ecampaign", "--to", "0633445566",
               "--text", "Bonjour")  # fmt: skip
    (eco_recipient,) = eco["recipients"]
    msgid = eco_recipient["message_id"]
    # VoicePartner calls back by itself, at the notifyUrl the sends now carry.
    drop = send(porte_voix, "vms", "--account", "demo-voicepartner", "--to", "0644556677",
                "--audio", "aud-promo")  # fmt: skip
    tts = send(porte_voix, "vms", "--account", "demo-voicepartner", "--to", "0655667788",
               "--tts", "Bonjour, votre commande est prête, à bientôt.")  # fmt: skip

    capitole = daemon.url("capitole", "demo-capitole")
    ecampaign = daemon.url("ecampaign", "demo-ecampaign")
    with httpx.Client(timeout=10) as client:
        answers = [
            client.get(capitole, params={"id": reference, "gsm": "33611223344",
                                         "status": "DELIVERED", "date": "2026-01-05 10:00:00"}),
            client.get(capitole, params={"id": reference, "gsm": "33622334400",
                                         "status": "INVALID_DESTINATION_ADDRESS"}),
            client.get(capitole, params={"num": "33611223344", "message": "Oui merci"}),
            client.get(capitole, params={"num": "33611223344", "message": "STOP"}),
            client.get(capitole, params={"id": "PVNOSUCH", "gsm": "33699999999",
                                         "status": "DELIVERED"}),  # an orphan
            client.post(ecampaign, data={"xml": ec_state(msgid, "4", "2026-01-05 10:00:02")}),
            # Out of order: an earlier, intermediate state arriving last changes nothing.
            client.post(ecampaign, data={"xml": ec_state(msgid, "1", "2026-01-05 10:00:01")}),
            # A duplicate: acknowledged, stored once.
            client.post(ecampaign, data={"xml": ec_state(msgid, "4", "2026-01-05 10:00:02")}),
            client.post(ecampaign, data={"xml": "<ecampaign><importFromXml><state>done</state>"
                                                "<imported>3</imported></importFromXml></ecampaign>"}),
        ]  # fmt: skip
        assert [a.status_code for a in answers] == [200] * len(answers)
        octopush = client.post(daemon.url("octopush", "demo-octopush"), data={"x": "1"})
        assert octopush.status_code == 400  # its API documents no callback: nothing guessed

    def voicepartner_reported() -> bool:
        got = events(porte_voix, "--account", "demo-voicepartner")
        return {e["reference"] for e in got} >= {drop["reference"], tts["reference"]}

    until(voicepartner_reported, 20, "VoicePartner's own callbacks through the daemon")

    every = events(porte_voix)
    mine = [e for e in every if e["reference"] == reference]
    assert sorted((e["kind"], e["state"], e["number"]) for e in mine) == [
        ("delivery", "delivered", "+33611223344"),
        ("delivery", "failed", "+33622334400"),
        ("reply", "reply", "+33611223344"),
        ("stop", "stop", "+33611223344"),
    ]
    delivered = next(e for e in mine if e["state"] == "delivered")
    assert delivered["provider_code"] == "DELIVERED" and delivered["meaning"]
    assert delivered["occurred_at"].startswith("2026-01-05T09:00:00")  # Paris 10:00 in UTC
    orphans = events(porte_voix, "--orphans")
    assert [(o["campaign_id"], o["reference"]) for o in orphans] == [("PVNOSUCH", None)]
    eco_events = events(porte_voix, "--account", "demo-ecampaign")
    assert [(e["state"], e["provider_code"]) for e in eco_events] == [
        ("delivered", "4"),
        ("sent", "1"),
    ]
    assert events(porte_voix, "--since", "1h") == every
    assert events(porte_voix, "--since", "2099-01-01") == []

    shown = porte_voix.run("sends", "show", reference, "--json").json
    assert {(r["number"], r["delivery_state"]) for r in shown["recipients"]} == {
        ("+33611223344", "delivered"),
        ("+33622334400", "failed"),
    }
    late_shown = porte_voix.run("sends", "show", late["reference"], "--json").json
    assert late_shown["recipients"][0]["delivery_state"] == "delivered"
    eco_shown = porte_voix.run("sends", "show", eco["reference"], "--json").json
    assert eco_shown["recipients"][0]["delivery_state"] == "delivered"  # never back to sent
    tts_shown = porte_voix.run("sends", "show", tts["reference"], "--json").json
    assert tts_shown["recipients"][0]["delivery_state"] == "answered"

    history = porte_voix.run("history", "--json")
    assert history.code == 0, history.output
    states = {(row["reference"], row["number"]): row["state"] for row in history.json["rows"]}
    assert states[(reference, "+33611223344")] == "delivered"
    assert states[(reference, "+33622334400")] == "failed"
    assert states[(eco["reference"], "+33633445566")] == "delivered"
    assert states[(tts["reference"], "+33655667788")] == "answered"
    optouts = porte_voix.run("optout", "list", "--json")
    assert "+33611223344" in optouts.stdout


def ec_state(msgid: str, state: str, timestamp: str) -> str:
    return (
        f"<ecampaign><msgid>{msgid}</msgid><state>{state}</state>"
        f"<timestamp>{timestamp}</timestamp></ecampaign>"
    )


def test_refusals_store_nothing_and_leak_nothing(porte_voix: Cli, daemon: RunningDaemon) -> None:
    capitole = daemon.url("capitole", "demo-capitole")
    report = {"id": "PVX", "gsm": "33611223344", "status": "DELIVERED"}
    with httpx.Client(timeout=10) as client:
        refused = {
            "wrong token": client.get(daemon.url("capitole", "demo-capitole", "x" * 32),
                                      params=report).status_code,
            "wrong provider": client.get(daemon.url("ecampaign", "demo-capitole"),
                                         params=report).status_code,
            "no such account": client.get(daemon.url("capitole", "nobody"),
                                          params=report).status_code,
            "garbage": client.get(capitole, params={"gsm": "not a number"}).status_code,
            "xxe": client.post(daemon.url("ecampaign", "demo-ecampaign"),
                               data={"xml": XXE}).status_code,
            "large body": client.post(daemon.url("ecampaign", "demo-ecampaign"),
                                      content=b"xml=" + b"a" * 70_000).status_code,
            "long url": client.get(capitole + "?gsm=" + "3" * 9000).status_code,
        }  # fmt: skip
    assert refused == {
        "wrong token": 404,
        "wrong provider": 404,
        "no such account": 404,
        "garbage": 400,
        "xxe": 400,
        "large body": 413,
        "long url": 400,
    }
    assert events(porte_voix) == []
    log = daemon.output()
    assert "refused an unreadable HTTP request" in log  # the long URL, in one line


def test_sigterm_stores_the_requests_in_flight_then_exits_0(
    porte_voix: Cli, accounts: dict[str, str]
) -> None:
    tokens = token_env(*accounts.values())
    daemon = start_daemon(porte_voix.home, {**porte_voix.env(), **tokens})
    acknowledged: list[str] = []
    try:
        import concurrent.futures

        def post(n: int) -> None:
            number = f"3361{n:07d}"
            try:
                answer = httpx.get(
                    daemon.url("capitole", "demo-capitole"),
                    params={"id": "PVBURST", "gsm": number, "status": "DELIVERED"},
                    timeout=10,
                )
            except httpx.HTTPError:
                return
            if answer.status_code == 200:
                acknowledged.append("+" + number)

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            futures = [pool.submit(post, n) for n in range(400)]
            until(lambda: len(acknowledged) >= 50, 20, "the first answers")
            code = daemon.stop()
            for future in futures:
                future.result()
    finally:
        daemon.kill()
    assert code == 0, daemon.output()
    assert "stopped:" in daemon.output()
    stored = {e["number"] for e in events(porte_voix, "--orphans")}
    assert set(acknowledged) <= stored  # every 200 was a commit


def test_sighup_serves_an_account_added_meanwhile(
    porte_voix: Cli, accounts: dict[str, str]
) -> None:
    tokens = token_env(*accounts.values(), "late")
    daemon = start_daemon(
        porte_voix.home, {**porte_voix.env(), **tokens, "PORTE_VOIX_SECRET_LATE": "s"}
    )
    try:
        late = daemon.url("capitole", "late")
        report = {"id": "PVX", "gsm": "33611223344", "status": "DELIVERED"}
        assert httpx.get(late, params=report).status_code == 404
        added = porte_voix.run(
            "accounts", "add", "late", "--provider", "capitole", "--login", "l", "--store", "env"
        )
        assert added.code == 0, added.output
        daemon.proc.send_signal(1)  # SIGHUP
        until(lambda: httpx.get(late, params=report).status_code == 200, 15, "the new account")
        assert "serving late (capitole)" in daemon.output()
    finally:
        assert daemon.stop() == 0
