"""Start-up loads only what it uses (issue 13): what each quick path imports, in a fresh process.

Reading the accounts, the short commands and the console's first screen must not load the HTTP
client, the XML parser, the keyring or the callback server: those come with the first request,
the first secret, the first callback. Checked on the modules a fresh interpreter has loaded at
the end (never by timing anything).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from providers.base import PROVIDER_KINDS
from tui.accounts import config as config_module
from tui.accounts.config import Account, Config

ROOT = Path(__file__).resolve().parents[2]

#: Packages a quick path must not load (each costs tens of milliseconds or more).
HEAVY = ("httpx", "lxml", "keyring", "keyrings", "aiohttp")
#: Where a provider's heavy code lives: its client, callback parser, code tables and rules.
PROVIDER_PARTS = ("provider", "callbacks", "codes", "rules", "core")

#: One account per provider, secrets in the environment (nothing asks a keyring for them).
ACCOUNTS = {
    "acme-capitole": ("capitole", {"sms_url": "http://127.0.0.1:9/api/sendsms/xml"}),
    "acme-voicepartner": ("voicepartner", {"base_url": "http://127.0.0.1:9/v1"}),
    "acme-octopush": ("octopush", {"base_url": "http://127.0.0.1:9"}),
    "acme-ecampaign": ("ecampaign", {"base_url": "http://127.0.0.1:9", "route": "1"}),
}


def _home(tmp_path: Path, kinds: tuple[str, ...] = PROVIDER_KINDS) -> dict[str, str]:
    accounts = {
        name: Account(name, kind, "login", options, secret_store="env")
        for name, (kind, options) in ACCOUNTS.items()
        if kind in kinds
    }
    config_module.save(Config(accounts, next(iter(accounts))), tmp_path / "config.toml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTE_VOIX_")}
    env["PORTE_VOIX_HOME"] = str(tmp_path)
    for name in accounts:
        env[f"PORTE_VOIX_SECRET_{name.upper().replace('-', '_')}"] = "not-a-real-secret"
    return env


def _loaded(code: str, env: dict[str, str]) -> set[str]:
    """The modules loaded when ``code`` has run (it may exit), in a fresh interpreter."""
    return _run(code, env)[0]


def _run(code: str, env: dict[str, str]) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """``_loaded``, and the finished process (its exit code and output)."""
    wrapper = textwrap.dedent(
        """
        import atexit, json, os, sys
        def report():
            with open(os.environ["MODULES_OUT"], "w") as out:
                # A name marked absent (None: httpx._main) is not a module loaded.
                json.dump(sorted(k for k, v in sys.modules.items() if v is not None), out)
        atexit.register(report)
        """
    )
    out = Path(env["PORTE_VOIX_HOME"]) / "modules.json"
    run = subprocess.run(
        [sys.executable, "-c", wrapper + textwrap.dedent(code)],
        cwd=ROOT,
        env={**env, "MODULES_OUT": str(out)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.exists(), run.stderr
    modules: list[str] = json.loads(out.read_text())
    return set(modules), run


def _heavy(modules: set[str]) -> list[str]:
    found = {name.split(".")[0] for name in modules if name.split(".")[0] in HEAVY}
    parts = {
        name
        for name in modules
        if name.startswith("providers.") and name.rsplit(".", 1)[-1] in PROVIDER_PARTS
    }
    return sorted(found | parts)


def test_reading_the_accounts_loads_no_provider_code(tmp_path: Path) -> None:
    code = """
    from providers.base import PROVIDER_KINDS, provider_info
    from tui.accounts import config
    accounts = config.load().accounts
    assert sorted(a.provider for a in accounts.values()) == sorted(PROVIDER_KINDS)
    for kind in PROVIDER_KINDS:
        info = provider_info(kind)
        info.option("base_url"), info.capabilities, info.text_profile, info.label
    """
    assert _heavy(_loaded(code, _home(tmp_path))) == []


def test_provider_info_s_functions_load_their_module_when_called(tmp_path: Path) -> None:
    """The check above would pass with INFO's functions missing: here they are called."""
    code = """
    from providers.base import provider_info
    info = provider_info("octopush")
    print(info.describe_refusal("100"))
    """
    loaded = _loaded(code, _home(tmp_path))
    assert "providers.octopush.codes" in loaded
    assert "providers.octopush.provider" not in loaded


@pytest.mark.parametrize(
    "argv",
    [["--version"], ["sms-count", "hello", "--json"], ["accounts", "list"]],
    ids=" ".join,
)
def test_a_short_command_loads_no_client_keyring_or_console(
    tmp_path: Path, argv: list[str]
) -> None:
    code = f"""
    import sys
    from tui.cli.main import main
    sys.argv = ["porte-voix", *{argv!r}]
    sys.exit(main())
    """
    loaded = _loaded(code, _home(tmp_path))
    assert _heavy(loaded) == []
    # The CSV reader: with a file of numbers only (``send --to-file``), not with every parser.
    assert sorted({"textual", "tui.app", "tui.outbox.store", "tui.csv_import"} & loaded) == []


def test_the_console_s_first_screen_loads_no_client_keyring_or_receiver(tmp_path: Path) -> None:
    # CapitoleMobile and Octopush: no eCampaign account, whose getCDR poll (two seconds after
    # the start) would rightly load the client on a slow machine.
    code = """
    import asyncio
    from tui.app import PorteVoixApp
    from tui.session import Session

    async def main():
        app = PorteVoixApp(Session.open(demo=False))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert type(app.screen).__name__ == "ComposeSmsScreen", app.screen

    asyncio.run(main())
    """
    loaded = _loaded(code, _home(tmp_path, ("capitole", "octopush")))
    assert "screens.compose.sms" in loaded  # the first screen was made
    assert _heavy(loaded) == []
    # The outbox opens without what only the History screen's getCDR tab reads.
    assert sorted({"providers.records", "tui.outbox.cdr_rows"} & loaded) == []
    assert "providers.models_ecampaign" not in loaded  # e-mail, fax, import report
    assert "phonenumbers" not in loaded  # no number parsed yet (providers.phone_fr)


def test_the_accounts_screen_loads_no_client_until_an_account_is_checked(tmp_path: Path) -> None:
    """The Accounts screen opens first on a first run: its form's option checks and the account
    check load the provider rules and httpx when they run, not with the screen."""
    code = """
    import screens.accounts.screen
    from tui.accounts.options import check_options
    """
    assert _heavy(_loaded(code, _home(tmp_path))) == []
    code = """
    from tui.accounts.config import Account
    from tui.accounts.options import OptionError, check_options
    try:
        check_options(Account("x", "ecampaign", "me", {"route": "abc"}))
    except OptionError as exc:
        print(exc)
    """
    assert "providers.ecampaign.rules" in _loaded(code, _home(tmp_path))


def test_httpx_comes_without_its_own_command_line_tool(tmp_path: Path) -> None:
    """httpx would import its command-line tool (click, rich, pygments: ~0.1 s) with itself;
    the provider layer marks it absent, and the client is whole all the same."""
    code = (
        "import tui.cli.main, httpx\n"
        "assert httpx.AsyncClient and httpx.Client and httpx.MockTransport\n"
        "assert callable(httpx.main)\n"
    )
    loaded = _loaded(code, _home(tmp_path))
    assert "httpx" in loaded and "httpx._client" in loaded
    assert not {"httpx._main", "click", "pygments"} & loaded


def test_sniffio_is_marked_absent_only_when_it_is_not_installed(tmp_path: Path) -> None:
    """httpcore imports sniffio each time it makes a lock: not installed, it is marked absent by
    the provider layer, so that the import fails at once (real requests through httpcore's pool
    run in tests/unit/test_http_loopback.py); installed, it is left alone."""
    code = """
    import sys
    import providers
    try:
        import sniffio
        print(sniffio.__name__)
    except ImportError:
        print(sys.modules["sniffio"])
    """
    env = _home(tmp_path)
    env.pop("PYTHONPATH", None)
    _, here = _run("from importlib.util import find_spec\nprint(find_spec('sniffio'))", env)
    _, absent = _run(code, env)
    # anyio 4 no longer installs it; were it installed here, it would be left alone too.
    expected = "None" if here.stdout.strip() == "None" else "sniffio"
    assert absent.stdout.strip() == expected, absent.stdout + absent.stderr
    (tmp_path / "fake").mkdir()
    (tmp_path / "fake" / "sniffio.py").write_text("")
    _, installed = _run(code, {**env, "PYTHONPATH": str(tmp_path / "fake")})
    assert installed.stdout.strip() == "sniffio", installed.stdout + installed.stderr


def test_the_listings_records_load_when_first_named(tmp_path: Path) -> None:
    """``providers.models`` names the records of the listings (groups, templates, CDR...)
    without defining them: a send or the first screen does not pay for fourteen dataclasses
    it never uses; each name still reaches its class."""
    import providers.models as models
    import providers.records as records

    assert "providers.records" not in _loaded("import providers.models", _home(tmp_path))
    for name in models._RECORDS:
        assert getattr(models, name) is getattr(records, name), name
    defined = {
        n
        for n, v in vars(records).items()
        if isinstance(v, type) and v.__module__ == records.__name__
    }
    assert defined == models._RECORDS


#: What a plain SMS send (numbers on the command line, a JSON reply) never uses, each loaded
#: when first needed: the listings' records, eCampaign's own types, the registry's voice and
#: callback records (Octopush: SMS only), the outbox's getCDR rows, the resend rules, the XML
#: parser (Octopush answers JSON), the receiver's routes and settings (Octopush carries no
#: callback URL), the CSV reader (no file of numbers), the log file's rotation (nothing logged),
#: the terminal's passphrase prompt (the secret is in the environment), the general number
#: parser (French numbers only: providers.phone_fr; the sending hours place them alone).
NOT_ON_A_PLAIN_SEND = {
    "providers.records",
    "providers.models_ecampaign",
    "providers.info_records",
    "tui.outbox.cdr_rows",
    "tui.sending.resend",
    "lxml",
    "providers.xml",
    "tui.listen.routes",
    "tui.listen.settings",
    "tui.csv_import",
    "logging.handlers",
    "getpass",
    "phonenumbers",
}


def test_a_plain_send_loads_only_what_it_sends_with(tmp_path: Path) -> None:
    from providers.sandbox import SandboxThread
    from providers.sandbox.common import SANDBOX_EMAIL_LOGIN, SANDBOX_SECRET

    with SandboxThread() as cluster:
        options = {"base_url": cluster.api_url("octopush"), "sms_type": "XXX"}
        account = Account("acme-octopush", "octopush", SANDBOX_EMAIL_LOGIN, options, "env")
        config_module.save(Config({account.name: account}, account.name), tmp_path / "config.toml")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PORTE_VOIX_")}
        env["PORTE_VOIX_HOME"] = str(tmp_path)
        env["PORTE_VOIX_SECRET_ACME_OCTOPUSH"] = SANDBOX_SECRET
        argv = ["send", "sms", "--account", account.name, "--to", "06 11 22 33 44"]
        argv += ["--to", "+33622334455", "--text", "Bonjour", "--yes", "--json"]
        code = f"""
        import sys
        from tui.cli.main import main
        sys.exit(main({argv!r}))
        """
        loaded, run = _run(code, env)
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout)
    assert report["status"] == "accepted"
    assert [r["number"] for r in report["recipients"]] == ["+33611223344", "+33622334455"]
    # The send did go through the client, its rules and its replies' codes...
    assert {"providers.octopush.provider", "providers.octopush.codes", "httpx"} <= loaded
    # ... and through nothing else.
    assert sorted(NOT_ON_A_PLAIN_SEND & loaded) == []


def test_ecampaign_s_own_types_load_when_first_named(tmp_path: Path) -> None:
    """E-mail, fax and the import report: named from ``providers.models``, defined apart."""
    import providers.models as models
    import providers.models_ecampaign as ecampaign

    assert "providers.models_ecampaign" not in _loaded("import providers.models", _home(tmp_path))
    for name in models._ECAMPAIGN:
        assert getattr(models, name) is getattr(ecampaign, name), name
    assert models.CallbackItem == models.DeliveryEvent | ecampaign.ImportReport
    defined = {
        n
        for n, v in vars(ecampaign).items()
        if isinstance(v, type) and v.__module__ == ecampaign.__name__
    }
    assert defined == models._ECAMPAIGN
