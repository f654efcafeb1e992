"""``porte-voix templates`` end to end, against the eCampaign sandbox over loopback HTTP.

The demo account holds templates 1 (SMS), 2 (recorded voice, with a "main" MP3), 3 (e-mail),
4 (voice, not recorded) and 5 (kept by the platform: code 62 on deletion).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from providers.base import create_provider
from providers.models import VoiceMessage
from providers.sandbox import SandboxCluster
from providers.sandbox.capitole import form_field
from tests.e2e.conftest import Cli, assert_error_json, requests_to

ACCOUNT = "demo-ecampaign"
PARIS = ZoneInfo("Europe/Paris")
LISTED_KEYS = {"id", "name", "type", "created", "updated"}


@pytest.fixture
def cli(porte_voix: Cli) -> Cli:
    porte_voix.add_account("ecampaign")
    return porte_voix


def refusal_code(payload: dict[str, Any]) -> str:
    """The provider's own code of a refusal (``provider_code``, or ``code`` where it is that)."""
    error = payload["error"]
    code: str = error.get("provider_code") or error["code"]
    return code


def xml_sent(cli: Cli, index: int) -> str:
    """The XML document of the ``index``-th request the eCampaign sandbox received."""
    xml = form_field(requests_to(cli.cluster, "ecampaign")[index].body, b"xml")
    assert xml is not None
    return xml.decode("utf-8")


def paths(cli: Cli) -> list[str]:
    return [request.path for request in requests_to(cli.cluster, "ecampaign")]


# --------------------------------------------------------------------------- list and show


def test_list_gives_every_template_and_filters_by_type(cli: Cli) -> None:
    listed = cli.run("templates", "list", "--account", ACCOUNT, "--json")
    assert listed.code == 0, listed.output
    payload = listed.json
    assert payload["account"] == ACCOUNT
    templates = payload["templates"]
    assert [(t["id"], t["type"]) for t in templates] == [
        ("1", "sms"),
        ("2", "voice"),
        ("3", "mail"),
        ("4", "voice"),
        ("5", "sms"),
    ]
    assert all(set(t) == LISTED_KEYS for t in templates)

    voice = cli.run("templates", "list", "--account", ACCOUNT, "--type", "voice", "--json")
    assert [t["id"] for t in voice.json["templates"]] == ["2", "4"]

    human = cli.run("templates", "list", "--account", ACCOUNT, "--search", "rappel")
    assert human.code == 0
    assert "Rappel rendez-vous" in human.stdout and "Annonce vocale" not in human.stdout


def test_show_a_voice_template_with_its_settings(cli: Cli) -> None:
    shown = cli.run("templates", "show", "2", "--account", ACCOUNT, "--json")
    assert shown.code == 0, shown.output
    template = shown.json["template"]
    assert template["name"] == "Annonce vocale"
    assert template["voice"]["duration"] == 60
    assert template["voice"]["recorded"] is True
    assert template["voice"]["interactive"] is True
    assert template["voice"]["intro"] is False

    human = cli.run("templates", "show", "2", "--account", ACCOUNT)
    assert "Answering machine       yes" in human.stdout
    assert "Introduction            no" in human.stdout


def test_show_an_unknown_template_is_the_providers_refusal(cli: Cli) -> None:
    result = cli.run("templates", "show", "999", "--account", ACCOUNT, "--json")
    assert result.code == 1
    assert refusal_code(result.json) == "65"
    assert "template not found" in result.json["error"]["message"]


def test_a_provider_without_templates_is_refused_locally(cli: Cli) -> None:
    cli.add_account("octopush")
    result = cli.run("templates", "list", "--account", "demo-octopush", "--json")
    assert result.code == 2
    assert_error_json(result, "unsupported")
    assert requests_to(cli.cluster, "octopush") == []


# --------------------------------------------------------------------------- add and edit


def test_add_an_sms_template_then_find_it(cli: Cli) -> None:
    added = cli.run(
        "templates", "add", "--account", ACCOUNT, "--type", "sms", "--name", "Relance",
        "--text", "Bonjour, pensez à votre RDV.", "--json",
    )  # fmt: skip
    assert added.code == 0, added.output
    new_id = added.json["id"]
    listed = cli.run("templates", "list", "--account", ACCOUNT, "--type", "sms", "--json")
    assert {"id": new_id, "name": "Relance"}.items() <= next(
        t for t in listed.json["templates"] if t["id"] == new_id
    ).items()
    assert "<message>Bonjour, pensez à votre RDV.</message>" in xml_sent(cli, -2)


def test_add_a_voice_template_says_how_to_record_it(cli: Cli) -> None:
    added = cli.run(
        "templates", "add", "--account", ACCOUNT, "--type", "voice", "--name", "Rappel vocal",
        "--duration", "120", "--intro", "--responder",
    )  # fmt: skip
    assert added.code == 0, added.output
    assert "record its messages by calling 33199000999" in added.stdout
    new_id = added.stdout.split()[1]
    voice = cli.run("templates", "show", new_id, "--account", ACCOUNT, "--json").json
    settings = voice["template"]["voice"]
    assert (settings["duration"], settings["intro"], settings["responder"]) == (120, True, True)
    assert settings["interactive"] is False


def test_add_refuses_options_of_another_type_before_any_request(cli: Cli) -> None:
    result = cli.run(
        "templates", "add", "--account", ACCOUNT, "--type", "sms", "--name", "X", "--text", "Y",
        "--intro", "--json",
    )  # fmt: skip
    assert result.code == 2
    assert_error_json(result, "invalid_voice")
    assert paths(cli) == []


def test_edit_keeps_the_voice_settings_not_given(cli: Cli) -> None:
    edited = cli.run(
        "templates", "edit", "2", "--account", ACCOUNT, "--intro", "--no-responder", "--json"
    )
    assert edited.code == 0, edited.output
    assert edited.json == {"account": ACCOUNT, "id": "2", "status": "modified"}
    settings = cli.run("templates", "show", "2", "--account", ACCOUNT, "--json").json
    voice = settings["template"]["voice"]
    # Changed: intro on, responder off. Kept: interactive, recorded, the duration, the name.
    assert (voice["intro"], voice["responder"]) == (True, False)
    assert (voice["interactive"], voice["recorded"], voice["duration"]) == (True, True, 60)
    assert settings["template"]["name"] == "Annonce vocale"


def test_editing_an_sms_template_needs_its_text_again(cli: Cli) -> None:
    # The service's details never hold the SMS text, and a modification replaces it.
    refused = cli.run("templates", "edit", "1", "--account", ACCOUNT, "--name", "X", "--json")
    assert refused.code == 2
    message = assert_error_json(refused, "text_required")
    assert "does not return" in message
    assert not any(path.endswith("/mod") for path in paths(cli))

    edited = cli.run(
        "templates", "edit", "1", "--account", ACCOUNT, "--name", "Rappel RDV", "--text", "À demain"
    )
    assert edited.code == 0, edited.output
    assert "modified" in edited.stdout
    listed = cli.run("templates", "list", "--account", ACCOUNT, "--type", "sms", "--json")
    assert listed.json["templates"][0]["name"] == "Rappel RDV"


def test_edit_reads_the_text_from_a_file(cli: Cli, tmp_path: Path) -> None:
    text = tmp_path / "mail.html"
    text.write_text("<p>Bonjour</p>", encoding="utf-8")
    edited = cli.run(
        "templates", "edit", "3", "--account", ACCOUNT, "--text-file", str(text), "--subject",
        "Nouveautés", "--json",
    )  # fmt: skip
    assert edited.code == 0, edited.output
    assert "<message>&lt;p&gt;Bonjour&lt;/p&gt;</message>" in xml_sent(cli, -1)


# --------------------------------------------------------------------------- delete


def test_delete_without_a_terminal_needs_yes_and_sends_nothing(cli: Cli) -> None:
    result = cli.run("templates", "delete", "3", "--account", ACCOUNT, "--json")
    assert result.code == 2
    assert_error_json(result, "confirmation_required")
    assert paths(cli) == []


def test_delete_with_yes(cli: Cli) -> None:
    deleted = cli.run("templates", "delete", "3", "--account", ACCOUNT, "--yes", "--json")
    assert deleted.code == 0, deleted.output
    assert deleted.json == {"account": ACCOUNT, "id": "3", "status": "deleted"}
    gone = cli.run("templates", "show", "3", "--account", ACCOUNT, "--json")
    assert refusal_code(gone.json) == "65"


def test_delete_asks_on_a_terminal(cli: Cli) -> None:
    args = ["templates", "delete", "4", "--account", ACCOUNT]
    refused = cli.on_a_terminal(args, b"n\n")
    assert refused.code == 2
    assert "Delete the template #4 voice  Message à enregistrer" in refused.stderr
    accepted = cli.on_a_terminal(args, b"y\n")
    assert accepted.code == 0, accepted.output
    assert "template 4 deleted" in accepted.stdout


def _schedule_a_campaign_with_template(cluster: SandboxCluster, template_id: str) -> None:
    demo = next(d for d in cluster.demo_accounts() if d.settings.provider == "ecampaign")
    message = VoiceMessage(
        recipients=("+33612345678",),
        template_id=template_id,
        schedule=datetime(2099, 1, 6, 11, tzinfo=PARIS),
    )

    async def send() -> None:
        provider = create_provider(demo.settings, demo.secret)
        try:
            await provider.send_voice(message)
        finally:
            await provider.aclose()

    asyncio.run(send())


def test_delete_refused_61_says_a_scheduled_campaign_uses_it(cli: Cli) -> None:
    _schedule_a_campaign_with_template(cli.cluster, "2")
    result = cli.run("templates", "delete", "2", "--account", ACCOUNT, "--yes", "--json")
    assert result.code == 1
    assert refusal_code(result.json) == "61"
    message = result.json["error"]["message"]
    assert "a scheduled campaign uses this template" in message
    assert "once that campaign has left" in message  # what to do about it


def test_delete_refused_62(cli: Cli) -> None:
    result = cli.run("templates", "delete", "5", "--account", ACCOUNT, "--yes")
    assert result.code == 1
    assert "cannot be deleted through the API" in result.stderr


# --------------------------------------------------------------------------- recordings


def test_mp3_push_then_get(cli: Cli, tmp_path: Path) -> None:
    pushed = cli.run(
        "templates", "mp3", "push", "4", "--account", ACCOUNT, "--part", "intro", "--url",
        "https://example.com/intro.mp3", "--json",
    )  # fmt: skip
    assert pushed.code == 0, pushed.output
    assert pushed.json == {"account": ACCOUNT, "id": "4", "part": "intro", "status": "pushed"}

    output = tmp_path / "intro.mp3"
    got = cli.run(
        "templates", "mp3", "get", "4", "--account", ACCOUNT, "--part", "intro", "--output",
        str(output), "--json",
    )  # fmt: skip
    assert got.code == 0, got.output
    data = output.read_bytes()
    assert data[:3] == b"ID3" or data[0] == 0xFF
    assert got.json["bytes"] == len(data) and got.json["output"] == str(output)


def test_mp3_get_says_where_the_file_was_saved(cli: Cli, tmp_path: Path) -> None:
    output = tmp_path / "main.mp3"
    got = cli.run(
        "templates", "mp3", "get", "2", "--account", ACCOUNT, "--part", "main", "--output",
        str(output),
    )  # fmt: skip
    assert got.code == 0, got.output
    assert str(output) in got.stdout and "cannot play it" in got.stdout
    # An existing file is kept unless --force says otherwise; nothing is asked for then.
    again = cli.run(
        "templates", "mp3", "get", "2", "--account", ACCOUNT, "--part", "main", "--output",
        str(output), "--json",
    )  # fmt: skip
    assert again.code == 2
    assert_error_json(again, "output_exists")
    forced = cli.run(
        "templates", "mp3", "get", "2", "--account", ACCOUNT, "--part", "main", "--output",
        str(output), "--force", "--json",
    )  # fmt: skip
    assert forced.code == 0, forced.output
    # A folder that does not exist is said before anything is fetched, without the name of
    # a temporary file.
    nowhere = cli.run(
        "templates", "mp3", "get", "2", "--account", ACCOUNT, "--part", "main", "--output",
        str(tmp_path / "no" / "such" / "main.mp3"), "--json",
    )  # fmt: skip
    assert nowhere.code == 2
    assert_error_json(nowhere, "invalid_output")
    assert ".porte-voix-" not in nowhere.output


def test_mp3_refusals_carry_the_providers_code(cli: Cli, tmp_path: Path) -> None:
    missing = cli.run(
        "templates", "mp3", "get", "4", "--account", ACCOUNT, "--part", "main", "--output",
        str(tmp_path / "none.mp3"), "--json",
    )  # fmt: skip
    assert missing.code == 1
    assert refusal_code(missing.json) == "67"
    assert not (tmp_path / "none.mp3").exists()

    too_large = cli.run(
        "templates", "mp3", "push", "2", "--account", ACCOUNT, "--part", "main", "--url",
        "https://example.com/toolarge.mp3", "--json",
    )  # fmt: skip
    assert too_large.code == 1
    assert refusal_code(too_large.json) == "70"

    bad_part = cli.run(
        "templates", "mp3", "push", "2", "--account", ACCOUNT, "--part", "outro", "--url", "x"
    )
    assert bad_part.code == 2  # argparse: not one of the five parts
