"""The CLI's contract for scripts and the words it prints (issue 9, items 10 and 11).

``--json`` error codes are names, the provider's own code in ``provider_code``; a malformed
endpoint URL is a configuration error (exit 3); option values are refused when they are set;
``accounts list`` says when an environment secret is missing; ``sms-count`` says plainly what it
cannot count; ``cdr`` prints column headers.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, timedelta

import pytest

from tests.e2e.conftest import Cli, requests_to

NAME = re.compile(r"^[a-z_]+$")


def config_text(cli: Cli) -> str:
    return (cli.home / "config.toml").read_text(encoding="utf-8")


def options_of(cli: Cli, account: str) -> dict[str, str]:
    options: dict[str, str] = tomllib.loads(config_text(cli))["accounts"][account]["options"]
    return options


# --------------------------------------------------------------------------- error codes


def test_error_codes_are_names_and_the_provider_code_has_its_own_field(
    porte_voix: Cli, accounts: dict[str, str]
) -> None:
    unreachable = "base_url=http://127.0.0.1:9/v1"
    assert porte_voix.run("accounts", "edit", "demo-voicepartner", "--set", unreachable).code == 0
    connection = porte_voix.run("credits", "--account", "demo-voicepartner", "--json")
    assert connection.code == 1, connection.output
    assert connection.json["error"]["code"] == "connection"
    assert connection.json["error"]["provider_code"] == "CONNECTION_FAILED"

    refused = porte_voix.run(
        "cdr", "--account", "demo-capitole", "--from", "2026-01-01", "--to", "2026-01-02", "--json"
    )
    assert refused.json["error"] == {
        "code": "unsupported",
        "message": refused.json["error"]["message"],
        "provider_code": None,
    }
    for result in (connection, refused):
        assert NAME.match(result.json["error"]["code"]), result.json


# --------------------------------------------------------------------------- endpoint URLs


def test_a_url_without_a_scheme_is_refused_when_set(
    porte_voix: Cli, accounts: dict[str, str]
) -> None:
    before = options_of(porte_voix, "demo-capitole")
    result = porte_voix.run("accounts", "edit", "demo-capitole", "--set", "sms_url=127.0.0.1:9")
    assert result.code == 3, result.output
    assert "sms_url" in result.stderr
    assert options_of(porte_voix, "demo-capitole") == before


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("http://127.0.0.1:99999/api", "port 99999"),
        ("ftp://127.0.0.1/api", "http:// or https://"),
        ("http://api example.test/", "http:// or https://"),
    ],
)
def test_an_unusable_url_is_refused_when_set_and_says_why(
    porte_voix: Cli, accounts: dict[str, str], url: str, named: str
) -> None:
    before = options_of(porte_voix, "demo-capitole")
    result = porte_voix.run("accounts", "edit", "demo-capitole", "--set", f"sms_url={url}")
    assert result.code == 3, result.output
    assert "sms_url" in result.stderr and named in result.stderr
    assert options_of(porte_voix, "demo-capitole") == before


def test_a_malformed_url_in_the_config_is_a_configuration_error(
    porte_voix: Cli, accounts: dict[str, str]
) -> None:
    """Hand-edited past the checks of ``accounts edit``: the HTTP layer refuses it (BAD_URL)
    before anything is sent, and the command says it is the configuration (exit 3)."""
    refused = porte_voix.run("accounts", "edit", "demo-octopush", "--set", "base_url=http://[::1")
    assert refused.code == 3, refused.output
    path = porte_voix.home / "config.toml"
    url = options_of(porte_voix, "demo-octopush")["base_url"]
    path.write_text(config_text(porte_voix).replace(url, "http://[::1/api"), encoding="utf-8")

    credits = porte_voix.run("credits", "--account", "demo-octopush", "--json")
    assert credits.code == 3, credits.output
    assert credits.json["error"]["code"] == "configuration"
    assert credits.json["error"]["provider_code"] == "BAD_URL"
    assert "may have been" not in credits.json["error"]["message"]

    check = porte_voix.run("accounts", "check", "demo-octopush", "--json")
    assert check.code == 3, check.output
    assert (check.json["stage"], check.json["code"]) == ("settings", "configuration")
    assert requests_to(porte_voix.cluster, "octopush") == []


# --------------------------------------------------------------------------- option values


@pytest.mark.parametrize(
    ("account", "option", "named"),
    [
        pytest.param("demo-ecampaign", "route=abc", "'abc' is not a numeric", id="route"),
        pytest.param("demo-ecampaign", "voice_route=1 2", "voice_route", id="voice-route"),
        pytest.param("demo-ecampaign", "md5=perhaps", "neither true nor false", id="md5"),
        pytest.param("demo-octopush", "sms_type=ABC", "use XXX, FR or WWW", id="sms-type"),
        pytest.param("demo-octopush", "reply_format=yaml", "json or xml", id="reply-format"),
        pytest.param("demo-voicepartner", "sender=0145000000", "mobile", id="vp-sender"),
        pytest.param("demo-voicepartner", "email=nobody", "e-mail", id="vp-email"),
    ],
)
def test_an_option_a_send_would_refuse_is_refused_when_set(
    porte_voix: Cli, accounts: dict[str, str], account: str, option: str, named: str
) -> None:
    before = options_of(porte_voix, account)
    result = porte_voix.run("accounts", "edit", account, "--set", option)
    assert result.code == 3, result.output
    assert option.split("=")[0] in result.stderr and named in result.stderr
    assert options_of(porte_voix, account) == before


def test_a_valid_option_is_kept(porte_voix: Cli, accounts: dict[str, str]) -> None:
    assert porte_voix.run("accounts", "edit", "demo-ecampaign", "--set", "route=2").code == 0
    assert options_of(porte_voix, "demo-ecampaign")["route"] == "2"


def test_an_octopush_sender_with_sms_type_xxx_is_refused(
    porte_voix: Cli, accounts: dict[str, str]
) -> None:
    """Octopush low-cost SMS (XXX) carry no sender (spec: sms_sender only if sms_type != XXX)."""
    assert options_of(porte_voix, "demo-octopush")["sms_type"] == "XXX"
    edit = porte_voix.run("accounts", "edit", "demo-octopush", "--set", "sender=PorteVoix")
    assert edit.code == 3, edit.output
    assert "sms_type XXX" in edit.stderr and "cannot have a sender" in edit.stderr
    assert "sender" not in options_of(porte_voix, "demo-octopush")

    add = porte_voix.run(
        "accounts", "add", "octo-low", "--provider", "octopush", "--login", "a@b.fr",
        "--set", "sms_type=xxx", "--set", "sender=PorteVoix", "--store", "env",
    )  # fmt: skip
    assert add.code == 3, add.output
    assert "cannot have a sender" in add.stderr

    premium = ["--set", "sms_type=FR", "--set", "sender=PorteVoix"]
    assert porte_voix.run("accounts", "edit", "demo-octopush", *premium).code == 0


# --------------------------------------------------------------------------- accounts list


def test_accounts_list_says_when_the_environment_secret_is_missing(
    porte_voix: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["accounts", "add", "vp-env", "--provider", "voicepartner", "--store", "env"]
    assert porte_voix.run(*args).code == 0
    monkeypatch.delenv("PORTE_VOIX_SECRET_VP_ENV", raising=False)

    text = porte_voix.run("accounts", "list")
    assert "secret: missing" in text.stdout and "secret: env" not in text.stdout
    assert "PORTE_VOIX_SECRET_VP_ENV" in text.stdout and "not set" in text.stdout
    (row,) = porte_voix.run("accounts", "list", "--json").json["accounts"]
    assert (row["secret_store"], row["secret_source"]) == ("env", None)

    monkeypatch.setenv("PORTE_VOIX_SECRET_VP_ENV", "vp-key")
    assert "secret: env" in porte_voix.run("accounts", "list").stdout
    (row,) = porte_voix.run("accounts", "list", "--json").json["accounts"]
    assert row["secret_source"] == "env"


# --------------------------------------------------------------------------- sms-count


@pytest.mark.parametrize(
    "which", [["--provider", "voicepartner"], ["--account", "demo-voicepartner"]]
)
def test_sms_count_says_voicepartner_sends_no_sms(
    porte_voix: Cli, accounts: dict[str, str], which: list[str]
) -> None:
    result = porte_voix.run("sms-count", "Bonjour", *which, "--json")
    assert result.code == 2, result.output
    assert result.json["error"]["code"] == "invalid_channel"
    assert "VoicePartner sends no SMS" in result.json["error"]["message"]
    text = porte_voix.run("sms-count", "Bonjour", *which)
    assert text.code == 2 and "sends no SMS" in text.stderr and text.stdout == ""


@pytest.mark.parametrize(
    ("options", "said"),
    [
        pytest.param([], "no provider given", id="no-provider"),
        pytest.param(["--provider", "capitole"], "CapitoleMobile takes at most 1", id="capitole"),
        pytest.param(
            ["--provider", "octopush"], "Octopush takes at most 459 characters", id="octopush"
        ),
    ],
)
def test_sms_count_states_the_maximum_in_words(
    porte_voix: Cli, options: list[str], said: str
) -> None:
    result = porte_voix.run("sms-count", "Bonjour", *options)
    assert result.code == 0, result.output
    assert said in result.stdout and "None" not in result.stdout


# --------------------------------------------------------------------------- cdr


def test_cdr_prints_column_headers(porte_voix: Cli, accounts: dict[str, str]) -> None:
    today = date.today()  # the demo account holds sends of the last days
    result = porte_voix.run(
        "cdr", "--account", "demo-ecampaign",
        "--from", str(today - timedelta(days=5)), "--to", str(today + timedelta(days=1)),
    )  # fmt: skip
    assert result.code == 0, result.output
    lines = result.stdout.splitlines()
    campaigns = lines.index(next(line for line in lines if line.startswith("CAMPAIGN")))
    assert lines[campaigns].split() == ["CAMPAIGN", "CHANNEL", "CREATED", "RECIPIENTS"]
    assert lines[campaigns + 1].startswith("5001")
    messages = lines.index(next(line for line in lines if line.startswith("MESSAGE")))
    assert lines[messages].split() == ["MESSAGE", "CHANNEL", "RECIPIENT", "STATE", "DATE", "STATUS"]
    assert "+33612345602" in lines[messages + 1] and "delivered" in lines[messages + 1]
