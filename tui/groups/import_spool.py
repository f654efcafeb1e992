"""The spool of eCampaign imports: each file served once at an unguessable URL, and its report.

``porte-voix groups import --via-provider`` (or the console's import dialog) writes the members'
XML here, then asks eCampaign's ``importMembers`` to fetch it from
``<public_url>/imports/<token>.xml``; the receiver (the ``listen`` daemon, or the console's own)
serves it from here and stores here the report eCampaign posts back. Several processes share the
directory, ``<data dir>/imports`` (0700), so everything is a file:

* ``<id>.xml``: the members (0600), until the first complete GET consumes it (it is renamed to
  ``<id>.serving`` while a GET reads it, so a second GET at the same time finds nothing), or
  until it expires (``LIFETIME``; ``clean`` removes expired files, at the receiver's start-up).
* ``<id>.json``: the import's record (account, group, counts, state, report), written
  atomically under ``spool.lock`` (a ``flock``): the report may arrive before the command that
  asked for the import has finished writing.

``id`` is the first 16 hex digits of the token's SHA-256: shown and logged freely, useless to
fetch the file; the token itself is printed, logged and stored nowhere (the record keeps its
whole SHA-256, compared in constant time). eCampaign's report carries no id: it is attached to
the account's newest import still waiting for one (``record_report``).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: one process at a time there
    fcntl = None  # type: ignore[assignment]

from providers.models import ImportReport
from tui.atomic import replaced_atomically
from tui.groups.csv_members import ImportPlan

SPOOL_NAME = "imports"
LOCK_NAME = "spool.lock"
#: How long eCampaign may take to fetch a file before it is removed, never served.
LIFETIME = timedelta(hours=24)
#: How long the records (and their reports) are kept.
KEEP_RECORDS = timedelta(days=30)
#: A half-written file older than this was left by a process that died.
STALE_PART = timedelta(hours=1)
TOKEN_BYTES = 24
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_ID = re.compile(r"^[0-9a-f]{16}$")

PENDING = "pending"  # submitted, the file not fetched yet
FETCHED = "fetched"  # the file was served; the report is awaited
FINISHED = "finished"  # the report arrived
REFUSED = "refused"  # eCampaign refused the request: it will fetch nothing
UNKNOWN = "unknown"  # the request left and no readable answer came
EXPIRED = "expired"  # never fetched within LIFETIME: the file is gone
ORPHAN = "orphan"  # a report that came with no import waiting for one
WAITING = frozenset({PENDING, FETCHED, UNKNOWN})


def spool_dir(data_dir: Path) -> Path:
    return data_dir / SPOOL_NAME


def import_url(base_url: str, token: str) -> str:
    """The one-time URL of a file (``base_url``: listen.toml's public_url, or the demo's
    receiver); the receiver serves it (``tui.listen.import_files``)."""
    return f"{base_url.rstrip('/')}/imports/{token}.xml"


def token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ImportRecord:
    id: str
    account: str
    group_id: str
    group_name: str
    created: str
    expires: str
    submitted: int
    rejected: tuple[dict[str, Any], ...] = ()
    state: str = PENDING
    fetched: str | None = None
    error: str | None = None
    #: ``{"state", "imported", "errors", "received"}`` once eCampaign's report arrived.
    report: dict[str, Any] | None = None
    token_sha256: str = field(default="", repr=False)

    def as_json(self) -> dict[str, Any]:
        """What the command line and the console show: everything but the token's hash."""
        data = asdict(self)
        data.pop("token_sha256")
        data["import"] = data.pop("id")
        data["rejected"] = list(self.rejected)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportRecord:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        known["rejected"] = tuple(known.get("rejected") or ())
        return cls(**known)


@dataclass
class Claim:
    """A file taken for one GET: ``serving`` is where it now is, ``size`` its length."""

    record: ImportRecord
    serving: Path
    size: int


@dataclass
class ImportSpool:
    directory: Path
    clock: Callable[[], datetime] = _now

    # -- writing an import ------------------------------------------------------------------------
    def prepare(
        self,
        account: str,
        group_id: str,
        group_name: str,
        plan: ImportPlan,
        write: Callable[[ImportPlan, BinaryIO], int],
    ) -> tuple[ImportRecord, str]:
        """Write the file (``write(plan, out)``) and its record; returns them and the token,
        which goes into the URL given to eCampaign and nowhere else."""
        self._ensure_dir()
        token = secrets.token_urlsafe(TOKEN_BYTES)
        ident = token_id(token)
        with replaced_atomically(self._payload(ident)) as out:
            submitted = write(plan, out)
        now = self.clock()
        record = ImportRecord(
            id=ident,
            account=account,
            group_id=group_id,
            group_name=group_name,
            created=_iso(now),
            expires=_iso(now + LIFETIME),
            submitted=submitted,
            rejected=tuple(r.as_dict() for r in sorted(plan.rejected, key=lambda r: r.line)),
            token_sha256=hashlib.sha256(token.encode()).hexdigest(),
        )
        with self._locked():
            self._write(record)
        return record, token

    def settle(self, ident: str, state: str, error: str | None = None) -> ImportRecord | None:
        """The request to eCampaign was refused (``REFUSED``: the file goes) or its outcome is
        unknown (``UNKNOWN``: the file stays, eCampaign may still fetch it)."""
        with self._locked():
            record = self._read(ident)
            if record is None or record.state not in WAITING:
                return record
            # A file already fetched stays "fetched": its report may still come.
            record = replace(record, state=FETCHED if record.fetched else state, error=error)
            self._write(record)
        if state == REFUSED:
            self._payload(ident).unlink(missing_ok=True)
        return record

    # -- serving it once --------------------------------------------------------------------------
    def claim(self, token: str) -> Claim | str:
        """The file for ``token``, taken out of reach of any other GET; or why not: "unknown"
        (404: no such import) or "gone" (410: fetched, expired or refused)."""
        if not _TOKEN.match(token):
            return "unknown"
        ident = token_id(token)
        record = self.record(ident)
        digest = hashlib.sha256(token.encode()).hexdigest()
        if record is None or not hmac.compare_digest(record.token_sha256, digest):
            return "unknown"
        if self._expired(record):
            self._payload(ident).unlink(missing_ok=True)
            return "gone"
        serving = self.directory / f"{ident}.serving"
        try:
            os.rename(self._payload(ident), serving)  # atomic: one GET wins
            size = serving.stat().st_size
        except OSError:
            return "gone"
        return Claim(record, serving, size)

    def served(self, claim: Claim, *, complete: bool) -> ImportRecord | None:
        """After the GET: a complete one consumes the file; otherwise it is put back."""
        if not complete:
            with contextlib.suppress(OSError):
                os.rename(claim.serving, self._payload(claim.record.id))
            return None
        claim.serving.unlink(missing_ok=True)
        with self._locked():
            record = self._read(claim.record.id)
            if record is None:
                return None
            if record.fetched is None:
                state = FETCHED if record.state in (PENDING, UNKNOWN) else record.state
                record = replace(record, fetched=_iso(self.clock()), state=state)
                self._write(record)
        return record

    # -- the report -------------------------------------------------------------------------------
    def record_report(self, account: str, report: ImportReport) -> ImportRecord:
        """Attach eCampaign's report to the account's newest import still waiting for one (the
        report carries no id); with none waiting, keep it as an orphan record of its own."""
        received = self.clock()
        content = {
            "state": report.state,
            "imported": report.imported,
            "errors": list(report.errors),
            "received": _iso(received),
        }
        self._ensure_dir()
        with self._locked():
            waiting = [r for r in self._all() if r.account == account and r.state in WAITING]
            if waiting:
                record = replace(waiting[0], state=FINISHED, report=content)
            else:
                record = ImportRecord(
                    id=secrets.token_hex(8),
                    account=account,
                    group_id="",
                    group_name="",
                    created=_iso(received),
                    expires=_iso(received),
                    submitted=0,
                    state=ORPHAN,
                    report=content,
                )
            self._write(record)
        return record

    # -- reading ----------------------------------------------------------------------------------
    def record(self, ident: str) -> ImportRecord | None:
        if not _ID.match(ident):
            return None
        return self._read(ident)

    def records(self, account: str | None = None) -> list[ImportRecord]:
        """Newest first."""
        return [r for r in self._all() if account is None or r.account == account]

    def clean(self, *, restore: bool = False) -> int:
        """Remove expired files (their imports become ``EXPIRED``), records past
        ``KEEP_RECORDS``, and leftovers of interrupted writes. Returns the files removed.

        ``restore``: the receiver starting (no GET can be under way) makes a file that a GET
        had taken when its process died servable again; anyone else leaves it, since a running
        receiver may be sending it."""
        if not self.directory.is_dir():
            return 0
        removed = 0
        now = self.clock()
        with self._locked():
            for record in self._all():
                if self._expired(record):
                    for suffix in (".xml", ".serving"):
                        path = self.directory / f"{record.id}{suffix}"
                        if path.exists():
                            path.unlink(missing_ok=True)
                            removed += 1
                    if record.state in (PENDING, UNKNOWN):
                        self._write(replace(record, state=EXPIRED))
                if datetime.fromisoformat(record.created) + KEEP_RECORDS < now:
                    (self.directory / f"{record.id}.json").unlink(missing_ok=True)
                serving = self.directory / f"{record.id}.serving"
                if (
                    restore
                    and serving.exists()
                    and record.fetched is None
                    and not self._expired(record)
                ):
                    # A GET cut short by a crash: the file is servable again.
                    with contextlib.suppress(OSError):
                        os.rename(serving, self._payload(record.id))
            stale = now.timestamp() - STALE_PART.total_seconds()
            for leftover in self.directory.glob(".part-*"):
                with contextlib.suppress(OSError):
                    if leftover.stat().st_mtime < stale:  # not a write under way elsewhere
                        leftover.unlink()
                        removed += 1
        return removed

    # -- files ------------------------------------------------------------------------------------
    def _ensure_dir(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)

    def _payload(self, ident: str) -> Path:
        return self.directory / f"{ident}.xml"

    def _expired(self, record: ImportRecord) -> bool:
        return datetime.fromisoformat(record.expires) <= self.clock()

    def _read(self, ident: str) -> ImportRecord | None:
        try:
            data = json.loads((self.directory / f"{ident}.json").read_text(encoding="utf-8"))
            return ImportRecord.from_json(data)
        except (OSError, ValueError, TypeError):
            return None

    def _all(self) -> list[ImportRecord]:
        if not self.directory.is_dir():
            return []
        found = [self._read(path.stem) for path in self.directory.glob("*.json")]
        records = [r for r in found if r is not None]
        return sorted(records, key=lambda r: (r.created, r.id), reverse=True)

    def _write(self, record: ImportRecord) -> None:
        with replaced_atomically(self.directory / f"{record.id}.json") as out:
            out.write(json.dumps(asdict(record), ensure_ascii=False).encode("utf-8"))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer of the records at a time, across processes."""
        self._ensure_dir()
        fd = os.open(self.directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)
