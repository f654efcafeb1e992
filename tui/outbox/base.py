"""The outbox connection: one SQLite file shared by several processes.

WAL journal, a busy timeout, and ``BEGIN IMMEDIATE`` for every write, so that two writers (the
CLI, the console, the receiver daemon) queue instead of deadlocking. ``synchronous=FULL``
because a committed send intent must survive a power cut too. One ``StoreBase`` may be used by
several threads: a lock serialises them.

The database and its ``-wal`` and ``-shm`` files hold every number and message: they are
created readable by their owner only (0600), and made so when an older version left them
wider, whatever the directory's mode and the process's umask.

Each open store has an owner token; a send records the owner that began it, so that start-up
recovery can tell an interrupted send from one another live process is still performing.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import sqlite3
import sys
import threading
from base64 import b32encode
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

from tui.outbox.codec import CodecError, decode_message
from tui.outbox.content import content_hash
from tui.outbox.schema import BATCH_INDEX, DDL, SCHEMA_VERSION, to_text

if TYPE_CHECKING:
    from tui.outbox.inflight import Marked

BUSY_TIMEOUT_MS = 10_000
#: Owner read and write, nobody else: the outbox is the list of everyone messaged.
FILE_MODE = 0o600
_SIDE_FILES = ("", "-wal", "-shm", "-journal")

# Stores opened by this process; a send owned by one of them is not "interrupted".
_LIVE_TOKENS: set[str] = set()
_LIVE_LOCK = threading.Lock()


def _boot_id() -> str:
    """Changes at every boot (Linux): after a reboot, an old PID may belong to anyone."""
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as handle:
            return handle.read().strip()
    except OSError:
        return ""


# Host and boot: a send begun before a reboot is never thought to be still in progress.
_HOST = f"{socket.gethostname()}@{_boot_id()}".replace(":", "_")


class StoreError(Exception):
    """The outbox refused an operation (unknown send, a number that is not pending...)."""


def new_reference() -> str:
    """``PV`` + 8 base32 characters: 10 characters of [A-Z2-7], usable as a Capitole campaign id."""
    return "PV" + b32encode(secrets.token_bytes(5)).decode("ascii")


def valid_reference(reference: str) -> bool:
    """1-10 characters of [A-Z0-9]: what a CapitoleMobile campaign id accepts."""
    return (
        1 <= len(reference) <= 10
        and all(c.isascii() and c.isalnum() for c in reference)
        and (reference == reference.upper())
    )


class StoreBase:
    def __init__(self, path: Path | str, *, clock: Callable[[], datetime] | None = None) -> None:
        self.path = Path(path)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.RLock()
        #: Per send and batch, the batches this store marked in flight by their positions
        #: (``tui.outbox.inflight``): an answer is written without reading its rows again.
        self._marked: dict[tuple[str, int], Marked] = {}
        #: Inside ``steps_together``: each step is a savepoint of the one open transaction.
        self._together = False
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._token = secrets.token_hex(8)
        self._owner = f"{_HOST}:{os.getpid()}:{self._token}"
        with _private_files(self.path):
            # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE in _write).
            self._conn = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
            self._conn.row_factory = sqlite3.Row
            self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = FULL")
            self._migrate()
        with _LIVE_LOCK:
            _LIVE_TOKENS.add(self._token)

    def _migrate(self) -> None:
        with self._write() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} was written by a newer porte-voix (schema {version}); "
                    "upgrade porte-voix to open it"
                )
            if version < SCHEMA_VERSION:
                if version and version < 3:
                    migrate_to_3(conn, self._clock())
                if version and version < 6:
                    # Replaced by the index of the settled ones (``schema.SETTLED``).
                    conn.execute("DROP INDEX IF EXISTS send_recipients_state")
                for statement in DDL.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute(BATCH_INDEX)

    def close(self) -> None:
        with _LIVE_LOCK:
            _LIVE_TOKENS.discard(self._token)
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _now(self) -> str:
        return to_text(self._clock())

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One step, one transaction (``BEGIN IMMEDIATE`` … ``COMMIT``); inside
        ``steps_together``, one savepoint of its transaction, all or nothing all the same."""
        with self._lock:
            if self._together:
                self._conn.execute("SAVEPOINT step")
                try:
                    yield self._conn
                except BaseException:
                    self._conn.execute("ROLLBACK TO step")
                    self._conn.execute("RELEASE step")
                    raise
                self._conn.execute("RELEASE step")
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def steps_together(self) -> Iterator[None]:
        """The steps inside committed at once: one transaction and one sync to disk instead of
        one each (a running send's batch result and the next batch's intent,
        ``tui.outbox.journal``). Each step stays all or nothing; one that fails is undone alone,
        and the steps before it are committed all the same before its error goes on. Nothing
        may ``await`` inside: other writers of the outbox wait for the transaction to end."""
        with self._lock:
            if self._together:
                yield
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._together = True
            try:
                yield
            finally:
                self._together = False
                try:
                    self._conn.execute("COMMIT")
                except BaseException:
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                    raise

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._conn


@contextmanager
def _private_files(path: Path) -> Iterator[None]:
    """Create the database's files 0600 (umask 077 while SQLite opens them), and narrow the
    mode of those an older version created wider. SQLite gives ``-wal`` and ``-shm`` the mode
    of the database file when it creates them later on."""
    if sys.platform != "win32":
        for suffix in _SIDE_FILES:
            with contextlib.suppress(FileNotFoundError):
                os.chmod(f"{path}{suffix}", FILE_MODE)
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)
    if sys.platform != "win32":
        for suffix in _SIDE_FILES:
            with contextlib.suppress(FileNotFoundError):
                os.chmod(f"{path}{suffix}", FILE_MODE)


def migrate_to_3(conn: sqlite3.Connection, now: datetime) -> None:
    """Schema 2 -> 3: ``sends.content_hash``, filled for the sends of the last two days (the
    only ones a new send is compared with)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(sends)")}
    if "content_hash" not in columns:
        conn.execute("ALTER TABLE sends ADD COLUMN content_hash TEXT")
    since = to_text(now - timedelta(days=2))
    rows = conn.execute(
        "SELECT reference, account, message_json FROM sends "
        "WHERE content_hash IS NULL AND created_at >= ?",
        (since,),
    ).fetchall()
    for reference, account, stored in rows:
        try:
            digest = content_hash(account, decode_message(stored))
        except CodecError:
            continue
        conn.execute("UPDATE sends SET content_hash = ? WHERE reference = ?", (digest, reference))


def owner_alive(owner: str | None) -> bool:
    """Whether the store that began a send is still open (this process or another)."""
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid_text, _, token = rest.partition(":")
    if host != _HOST or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        with _LIVE_LOCK:
            return token in _LIVE_TOKENS
    if sys.platform == "win32":
        # os.kill(pid, 0) would terminate the process on Windows; assume it is gone.
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return False
    return True
