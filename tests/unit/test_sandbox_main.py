"""``python -m providers.sandbox`` prints what works when pasted: API URLs as the account options
hold them, and ready ``porte-voix accounts add`` commands, checked here by running them."""

from __future__ import annotations

import io
import json
import shlex
import sys
from collections.abc import Iterator

import pytest

from providers.base import provider_info
from providers.sandbox import SANDBOX_SECRET, SandboxCluster, SandboxThread
from providers.sandbox.__main__ import describe, render
from tui.cli import main as cli


@pytest.fixture(scope="module")
def cluster() -> Iterator[SandboxCluster]:
    with SandboxThread() as running:
        yield running


def commands(cluster: SandboxCluster) -> list[str]:
    return [line for line in render(cluster).splitlines() if "porte-voix accounts add" in line]


def test_api_urls_are_printed_whole(cluster: SandboxCluster) -> None:
    """Bare roots failed: Capitole needs its sending URL, VoicePartner /v1, Octopush /api."""
    text = render(cluster)
    root = {name: cluster.url(name) for name in cluster.running}
    assert f"{root['capitole_sms']}/api/sendsms/xml\n" in text
    assert f"{root['capitole_vms']}/api/sendvms/xml\n" in text
    assert f"{root['voicepartner']}/v1\n" in text
    assert f"{root['octopush']}/api\n" in text
    assert len(commands(cluster)) == 4


def test_every_set_key_is_an_option_of_its_provider(cluster: SandboxCluster) -> None:
    accounts = describe(cluster)["accounts"]
    assert isinstance(accounts, list) and len(accounts) == 4
    for account in accounts:
        info = provider_info(account["provider"])
        assert all(info.option(key) is not None for key in account["options"]), account
        assert account["command"] in commands(cluster)
    assert json.loads(json.dumps(describe(cluster)))["secret"] == SANDBOX_SECRET


def test_printed_commands_work_as_pasted(
    cluster: SandboxCluster, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for line in commands(cluster):
        echo, _, command = line.partition(" | ")
        secret = shlex.split(echo)[1]
        words = shlex.split(command)
        assert words[:3] == ["porte-voix", "accounts", "add"]
        monkeypatch.setattr(sys, "stdin", io.StringIO(secret + "\n"))
        assert cli.main(words[1:]) == 0, capsys.readouterr()
        # The account reaches its sandbox: the check authenticates with a real request.
        assert cli.main(["accounts", "check", words[3]]) == 0, capsys.readouterr()
    # CapitoleMobile's check only reaches the SMS echo: a voice send proves the voice URL.
    voice = ["send", "vms", "--account", "sandbox-capitole", "--to", "0611223344"]
    voice += ["--voice-msg", "Promo hiver", "--sender", "0145000000", "--yes"]
    assert cli.main(voice) == 0, capsys.readouterr()
    requests = {name: len(sandbox.requests) for name, sandbox in cluster.sandboxes.items()}
    assert all(requests.values()), requests
