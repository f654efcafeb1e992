"""Handing an import to eCampaign: the exact URLs it is given, what a refusal or an unknown
outcome leaves in the spool, the words for each state, and where the console offers it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pytest

from providers.errors import OutcomeUnknownError, ProviderError
from providers.models import Group, GroupField, ImportReport
from tui.accounts.config import Account, ConfigError
from tui.accounts.credentials import Credentials
from tui.groups.csv_members import parse_csv, plan_import
from tui.groups.import_spool import (
    EXPIRED,
    FETCHED,
    PENDING,
    REFUSED,
    UNKNOWN,
    Claim,
    ImportSpool,
    token_id,
)
from tui.groups.provider_import import ImportEndpoints, endpoints_for, record_text, submit
from tui.groups.service import GroupService
from tui.listen.settings import ListenSettings

#: The account's secret store: never asked here (the token is in the environment, or missing).
NO_STORE = cast(Credentials, object())
GROUP = Group("7", "Clients", fields=(GroupField("mobile", "mobile"), GroupField("nom", "custom")))
PLAN = plan_import(
    parse_csv("mobile;nom\n0612345678;Ana\n12;Bad\n"), GROUP, {"mobile": "mobile", "nom": "nom"}
)


@dataclass
class FakeGroups:
    failure: BaseException | None = None
    asked: list[tuple[str, str, str | None]] = field(default_factory=list)

    async def import_members(
        self, group_id: str, xml_url: str, callback_url: str | None = None
    ) -> None:
        self.asked.append((group_id, xml_url, callback_url))
        if self.failure is not None:
            raise self.failure


def endpoints(tmp_path: Path) -> ImportEndpoints:
    return ImportEndpoints(
        "https://pv.example.fr/cb", "/ecampaign/eca/ROUTE", ImportSpool(tmp_path / "imports")
    )


async def test_ecampaign_is_given_the_one_time_url_and_the_accounts_route(
    tmp_path: Path,
) -> None:
    fake = FakeGroups()
    where = endpoints(tmp_path)
    record = await submit(cast(GroupService, fake), "eca", GROUP, PLAN, where)
    [(group_id, xml_url, callback_url)] = fake.asked
    assert (group_id, callback_url) == ("7", "https://pv.example.fr/cb/ecampaign/eca/ROUTE")
    prefix, token = xml_url.rsplit("/", 1)
    assert prefix == "https://pv.example.fr/cb/imports" and token.endswith(".xml")
    assert token_id(token.removesuffix(".xml")) == record.id
    assert (record.state, record.submitted, len(record.rejected)) == (PENDING, 1, 1)
    assert isinstance(where.spool.claim(token.removesuffix(".xml")), Claim)


async def test_a_refusal_removes_the_file_and_says_why(tmp_path: Path) -> None:
    fake = FakeGroups(ProviderError("ecampaign", "27", "group not found"))
    where = endpoints(tmp_path)
    with pytest.raises(ProviderError):
        await submit(cast(GroupService, fake), "eca", GROUP, PLAN, where)
    [record] = where.spool.records("eca")
    assert record.state == REFUSED and record.error is not None and "27" in record.error
    assert not list(where.spool.directory.glob("*.xml"))
    assert "refused it" in record_text(record)


async def test_an_unknown_outcome_keeps_the_file_for_a_late_fetch(tmp_path: Path) -> None:
    fake = FakeGroups(OutcomeUnknownError("ecampaign", "no answer within 30 s"))
    where = endpoints(tmp_path)
    with pytest.raises(OutcomeUnknownError):
        await submit(cast(GroupService, fake), "eca", GROUP, PLAN, where)
    [record] = where.spool.records("eca")
    assert record.state == UNKNOWN and len(list(where.spool.directory.glob("*.xml"))) == 1
    # Its report may still come: it is attached to it.
    assert where.spool.record_report("eca", ImportReport("OK", 1)).id == record.id


async def test_a_field_name_that_cannot_be_an_element_sends_nothing(tmp_path: Path) -> None:
    group = Group("7", "G", fields=(GroupField("first name", "custom"),))
    plan = plan_import(parse_csv("first name\nJo\n"), group, {"first name": "first name"})
    fake = FakeGroups()
    where = endpoints(tmp_path)
    with pytest.raises(Exception, match="first name"):
        await submit(cast(GroupService, fake), "eca", group, plan, where)
    assert fake.asked == [] and where.spool.records() == []


def test_each_state_in_words(tmp_path: Path) -> None:
    spool = ImportSpool(tmp_path / "imports")
    record, _ = spool.prepare("eca", "7", "Clients", PLAN, lambda plan, out: 1)
    assert "Waiting for eCampaign to fetch the file" in record_text(record)
    assert "fetched the file" in record_text(record.__class__(**{**vars(record), "state": FETCHED}))
    expired = record.__class__(**{**vars(record), "state": EXPIRED})
    assert "never fetched" in record_text(expired)
    finished = spool.record_report("eca", ImportReport("OK\x1b[31m", None, ("e1", "e2")))
    words = record_text(finished)
    assert "an unknown number imported, 2 error(s)" in words and "\x1b" not in words


@pytest.mark.parametrize(
    ("settings", "running", "says"),
    [
        (ListenSettings(), True, "set public_url in listen.toml"),
        (ListenSettings(public_url="https://pv.example.fr"), False, "not running"),
    ],
)
def test_what_is_missing_is_said(
    tmp_path: Path, settings: ListenSettings, running: bool, says: str
) -> None:
    account = Account("eca", "ecampaign", "demo", {}, secret_store="env")
    with pytest.raises(ConfigError, match=says):
        endpoints_for(
            account,
            NO_STORE,
            settings,
            receiver_running=running,
            data_dir=tmp_path,
        )


def test_the_accounts_token_makes_the_callback_route(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = Account("eca", "ecampaign", "demo", {}, secret_store="env")
    settings = ListenSettings(public_url="https://pv.example.fr/cb")
    with pytest.raises(ConfigError, match="no callback token yet"):
        endpoints_for(account, NO_STORE, settings, receiver_running=True, data_dir=tmp_path)
    monkeypatch.setenv("PORTE_VOIX_CALLBACK_TOKEN_ECA", "T" * 32)
    found = endpoints_for(account, NO_STORE, settings, receiver_running=True, data_dir=tmp_path)
    assert found.callback_url == "https://pv.example.fr/cb/ecampaign/eca/" + "T" * 32
    assert found.file_url("abc") == "https://pv.example.fr/cb/imports/abc.xml"
    assert found.spool.directory == tmp_path / "imports"
    assert "T" * 32 not in repr(found)  # a message or a log line holding it shows no token
