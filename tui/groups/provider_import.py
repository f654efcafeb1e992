"""eCampaign's own import (``importMembers``): where it fetches the file and posts its report,
and the request itself, for ``groups import --via-provider`` and the console's import dialog.

eCampaign must reach two URLs of ours: the one-time file URL (``<base>/imports/<token>.xml``,
served by the receiver from the spool) and the account's callback route (``<base>/ecampaign/
<account>/<route token>``), where its report arrives. ``base`` is ``public_url`` from
listen.toml, served by the ``listen`` daemon (or by the console's embedded receiver), or, in the
demo, the embedded receiver on 127.0.0.1 that the sandbox calls. Both URLs hold secrets: they
go to eCampaign and nowhere else (never printed, logged or stored).

The plan is the same one the member-by-member import uses (every row checked and normalised,
the rejected ones with their line and reason); only its ready rows go into the file.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from providers.errors import OutcomeUnknownError
from tui.accounts.config import Account, ConfigError
from tui.errors import describe_text, visible
from tui.groups.csv_members import ImportPlan
from tui.groups.import_spool import (
    EXPIRED,
    FETCHED,
    FINISHED,
    PENDING,
    REFUSED,
    UNKNOWN,
    ImportRecord,
    ImportSpool,
    import_url,
    spool_dir,
)
from tui.groups.service import GroupService
from tui.groups.xml_import import check_field_names, write_members_xml

if TYPE_CHECKING:
    from providers.models import Group
    from tui.accounts.credentials import Credentials
    from tui.listen.settings import ListenSettings
    from tui.session import Session

NEEDS = (
    "eCampaign's own import fetches the file from porte-voix and posts its report back: "
    "set public_url in listen.toml (the address where eCampaign reaches this machine) and "
    "run `porte-voix listen`"
)


@dataclass(frozen=True)
class ImportEndpoints:
    #: Where eCampaign reaches the receiver: public_url, or the demo's own receiver.
    base_url: str
    #: The account's callback route (``/ecampaign/<account>/<token>``): a secret, never shown.
    callback_path: str = field(repr=False)
    spool: ImportSpool

    @property
    def callback_url(self) -> str:
        return self.base_url.rstrip("/") + self.callback_path

    def file_url(self, token: str) -> str:
        return import_url(self.base_url, token)


def endpoints_for(
    account: Account,
    credentials: Credentials,
    settings: ListenSettings,
    *,
    receiver_running: bool,
    data_dir: Path,
) -> ImportEndpoints:
    """The real accounts' endpoints; ``ConfigError`` saying what is missing. Blocking (the
    account's token is read from its store)."""
    from tui.listen.routes import Route
    from tui.listen.tokens import read_token

    if not settings.public_url:
        raise ConfigError(f"no public URL is configured. {NEEDS}.")
    if not receiver_running:
        raise ConfigError(
            "the listen daemon is not running on this data directory: nothing would serve the "
            f"file nor take the report. {NEEDS}."
        )
    token = read_token(credentials, account)
    if token is None:
        raise ConfigError(
            f"account {account.name} has no callback token yet: run `porte-voix listen` once "
            "(it makes one), then try again"
        )
    path = Route(account.name, account.provider, token).path
    return ImportEndpoints(settings.public_url, path, ImportSpool(spool_dir(data_dir)))


def console_endpoints(session: Session, account_name: str) -> ImportEndpoints | None:
    """Where the console's import dialog can have eCampaign import from, or None (no public
    URL, or nothing to serve it). Blocking (the account's token)."""
    receiver = session.receiver
    if session.demo:
        if receiver is None or session.receiver_url is None or account_name not in receiver.routes:
            return None
        path = receiver.path_for(account_name)
        return ImportEndpoints(session.receiver_url, path, receiver.spool or _spool(session))
    listening = session.listening
    if listening is None:
        return None
    running = listening.url is not None or listening.daemon() is not None
    try:
        return endpoints_for(
            session.accounts[account_name],
            session.credentials,
            listening.settings,
            receiver_running=running,
            data_dir=session.store.path.parent,
        )
    except (ConfigError, KeyError):
        return None
    except Exception:  # a keyring that fails: the member-by-member import is still offered
        return None


def _spool(session: Session) -> ImportSpool:
    return ImportSpool(spool_dir(session.store.path.parent))


async def submit(
    service: GroupService,
    account: str,
    group: Group,
    plan: ImportPlan,
    endpoints: ImportEndpoints,
) -> ImportRecord:
    """Write the file into the spool, then ask eCampaign to import it.

    A refusal removes the file (nothing will fetch it) and is raised; an unknown outcome keeps
    it (eCampaign may still come) and is raised. The record says which.
    """
    check_field_names(plan.mapping.values())
    record, token = await asyncio.to_thread(
        endpoints.spool.prepare, account, group.id, group.name, plan, write_members_xml
    )
    try:
        await service.import_members(group.id, endpoints.file_url(token), endpoints.callback_url)
    except OutcomeUnknownError as exc:
        endpoints.spool.settle(record.id, UNKNOWN, describe_text(exc))
        raise
    except Exception as exc:  # refused, or never sent
        endpoints.spool.settle(record.id, REFUSED, describe_text(exc))
        raise
    except BaseException:  # interrupted with the request perhaps out (a few file operations)
        endpoints.spool.settle(record.id, UNKNOWN, "interrupted")
        raise
    return record


def record_text(record: ImportRecord) -> str:
    """Where an import handed to eCampaign stands, in one paragraph for a person (values from
    the report made visible)."""
    report = record.report or {}
    rejected = f" ({len(record.rejected):,} row(s) rejected here first)" if record.rejected else ""
    head = f"Import {record.id}: {record.submitted:,} member(s) handed to eCampaign{rejected}."
    if record.state == PENDING:
        until = record.expires[11:16]
        return f"{head} Waiting for eCampaign to fetch the file (it is kept until {until} UTC)…"
    if record.state == FETCHED:
        return f"{head} eCampaign fetched the file; waiting for its report…"
    if record.state == FINISHED:
        errors = len(report.get("errors") or ())
        imported = report.get("imported")
        count = "an unknown number" if imported is None else f"{imported:,}"
        state = visible(str(report.get("state")))
        return f"{head} eCampaign's report: {state}, {count} imported, {errors:,} error(s)."
    if record.state == REFUSED:
        return f"{head} eCampaign refused it: {visible(record.error or 'no reason given')}."
    if record.state == UNKNOWN:
        why = visible(record.error or "no answer")
        return (
            f"{head} eCampaign's answer is unknown ({why}): it may still fetch the file; its "
            "report shows here if it comes."
        )
    if record.state == EXPIRED:
        return f"{head} eCampaign never fetched the file: it was removed, nothing was imported."
    return f"{head} State: {visible(record.state)}."
