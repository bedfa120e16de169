"""A thin database seam: one SQL text, two engines.

Queries are written once with `?` placeholders in portable SQL. A `Database` runs a unit of
work (a function of a connection) in a read or write transaction and retries it on
transient failures (SQLite busy, a dropped PostgreSQL connection). SQLite lives here; the
PostgreSQL engine lives in `postgres.py` and is imported only when a PostgreSQL URL is used.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

from flowscope.errors import MetadataError, StoreVanished

T = TypeVar("T")
Row = tuple[Any, ...]


class Connection(Protocol):
    """What query code sees: execute with `?` placeholders, rows back as tuples."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...


class Database(Protocol):
    dialect: str

    def read(self, work: Callable[[Connection], T]) -> T: ...

    def write(self, work: Callable[[Connection], T]) -> T: ...

    def describe(self) -> str: ...

    def close(self) -> None: ...


class _SqliteConnection:
    __slots__ = ("raw", "identity")

    def __init__(self, raw: sqlite3.Connection, identity: tuple[int, int] | None) -> None:
        self.raw = raw
        self.identity = identity  # (device, inode) of the file it opened

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self.raw.execute(sql, params).fetchall()

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.raw.executemany(sql, rows)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


_DAMAGED_CODES = frozenset({11, 26})  # SQLITE_CORRUPT, SQLITE_NOTADB


def _is_damaged(exc: sqlite3.Error) -> bool:
    return getattr(exc, "sqlite_errorcode", None) in _DAMAGED_CODES or any(
        text in str(exc).lower() for text in ("not a database", "malformed")
    )


def _end_stale_transaction(raw: sqlite3.Connection) -> None:
    """Roll back a transaction an interrupted unit of work left open on this connection (a
    second Ctrl-C during its rollback). Units of work never nest, so any open transaction at
    the start of one is stale; left open, every later BEGIN would fail."""
    if raw.in_transaction:
        raw.execute("ROLLBACK")


def unwritable_reason(path: Path) -> str | None:
    """Why this process cannot write the SQLite database at `path` (the file, or its
    directory, where SQLite keeps its -wal and -shm files), or None when it can."""
    for target in (path.parent, path) if path.exists() else (path.parent,):
        if os.access(target, os.W_OK):
            continue
        try:
            read_only_fs = bool(os.statvfs(target).f_flag & os.ST_RDONLY)
        except OSError:
            read_only_fs = False
        if read_only_fs:
            return f"{target} is not writable: it is on a read-only file system"
        return f"{target} is not writable by this user (uid {os.getuid()})"
    return None


def damaged_error(path: Path, exc: sqlite3.Error) -> MetadataError:
    """The one message for a database file SQLite cannot read as a database."""
    return MetadataError(
        f"The metadata database {path} is damaged ({exc}); flowscope cannot read it. Move it "
        f"aside (mv {path} {path}.damaged) to start a new store there, or point --metadata / "
        f"metadata() at another store."
    )


class SqliteDatabase:
    """SQLite in WAL mode: many readers, one writer at a time, across processes.

    Connections are per thread and per process (a forked child opens its own). Write
    transactions start with BEGIN IMMEDIATE, so two writers never deadlock on a lock
    upgrade; a busy database is waited for, with backoff, up to `busy_timeout` seconds.
    """

    dialect = "sqlite"

    def __init__(self, path: str | os.PathLike[str], busy_timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self._local = threading.local()
        self.read_only: str | None = None
        """Why the database can only be read here (set when it is opened), or None."""

    def describe(self) -> str:
        return str(self.path)

    def _connection(self) -> _SqliteConnection:
        local = self._local
        conn: _SqliteConnection | None = getattr(local, "conn", None)
        if conn is not None and getattr(local, "pid", None) == os.getpid():
            return conn
        self.read_only = unwritable_reason(self.path)
        try:
            raw = self._open_read_only() if self.read_only else self._open()
        except sqlite3.Error as exc:
            if _is_damaged(exc):
                raise damaged_error(self.path, exc) from exc
            raise MetadataError(f"Cannot open the metadata database {self.path}: {exc}") from exc
        try:
            raw.execute("PRAGMA busy_timeout = 5000")
            raw.execute("PRAGMA cache_size = -32000")  # 32 MB of pages: filters scan indexes
            if not self.read_only:
                self._retry(lambda: raw.execute("PRAGMA journal_mode = WAL"))
                raw.execute("PRAGMA synchronous = NORMAL")
        except BaseException as exc:
            raw.close()
            if isinstance(exc, sqlite3.DatabaseError) and _is_damaged(exc):
                raise damaged_error(self.path, exc) from exc
            raise
        conn = _SqliteConnection(raw, _identity(self.path))
        local.conn, local.pid = conn, os.getpid()
        return conn

    def _check_present(self, conn: _SqliteConnection) -> None:
        """Before a write: the file this connection has open is still the database at its
        path. SQLite goes on writing to a deleted file; those writes would be lost."""
        if conn.identity is not None and _identity(self.path) != conn.identity:
            raise StoreVanished(
                f"The flowscope store no longer exists: {self.path.parent} ({self.path.name} "
                f"was deleted or replaced while in use). What was recorded there is gone."
            )

    def _open(self) -> sqlite3.Connection:
        return sqlite3.connect(
            self.path, timeout=5.0, isolation_level=None, check_same_thread=False
        )

    def _open_read_only(self) -> sqlite3.Connection:
        """A read-only connection to a database this process cannot write.

        In WAL mode a reader needs the -shm file: SQLite opens an existing one read-only, but
        cannot create a missing one in a directory it may not write. The database is then
        opened `immutable` - nothing can be writing it, since no writer has it open (the last
        writer to close removes -wal and -shm)."""
        uri = "file:" + urllib.parse.quote(str(self.path)) + "?mode=ro"
        for extra in ("", "&immutable=1"):
            raw = sqlite3.connect(
                uri + extra, uri=True, timeout=5.0, isolation_level=None, check_same_thread=False
            )
            try:
                raw.execute("SELECT COUNT(*) FROM sqlite_master").fetchall()
                return raw
            except sqlite3.OperationalError:
                raw.close()
                if extra:
                    raise
        raise AssertionError("unreachable")

    def refuse_write(self, reason: str) -> MetadataError:
        store = self.path.parent
        return MetadataError(
            f"The flowscope store {store} is read-only here ({reason}): it can be read, but "
            f"nothing can be recorded in it (runs, tags). Record to a store you can write "
            f"(--metadata DIR, or metadata(DIR)), or ask its owner to make this change."
        )

    def _retry(self, attempt: Callable[[], T]) -> T:
        deadline = time.monotonic() + self.busy_timeout
        delay = 0.005
        while True:
            try:
                return attempt()
            except sqlite3.OperationalError as exc:
                if _is_damaged(exc):
                    raise damaged_error(self.path, exc) from exc
                if "readonly" in str(exc).lower():  # made read-only since it was opened
                    raise self.refuse_write(f"SQLite: {exc}") from exc
                if not _is_busy(exc) or time.monotonic() > deadline:
                    raise MetadataError(f"The metadata database {self.path} failed: {exc}") from exc
                time.sleep(delay * (1 + (time.perf_counter_ns() % 1000) / 1000))  # jitter
                delay = min(delay * 2, 0.25)
            except sqlite3.DatabaseError as exc:
                if _is_damaged(exc):
                    raise damaged_error(self.path, exc) from exc
                raise

    def read(self, work: Callable[[Connection], T]) -> T:
        conn = self._connection()

        def once() -> T:
            _end_stale_transaction(conn.raw)
            try:
                conn.raw.execute("BEGIN")
                return work(conn)
            finally:
                if conn.raw.in_transaction:
                    conn.raw.execute("COMMIT")

        return self._retry(once)

    def write(self, work: Callable[[Connection], T]) -> T:
        conn = self._connection()
        if self.read_only:
            raise self.refuse_write(self.read_only)
        self._check_present(conn)

        def once() -> T:
            _end_stale_transaction(conn.raw)
            try:  # BEGIN inside: an interrupt as it returns must still roll back
                conn.raw.execute("BEGIN IMMEDIATE")
                result = work(conn)
                conn.raw.execute("COMMIT")
            except BaseException:
                if conn.raw.in_transaction:  # not after a COMMIT that went through
                    conn.raw.execute("ROLLBACK")
                raise
            return result

        try:
            return self._retry(once)
        except sqlite3.Error as exc:  # constraint failures and the like
            raise MetadataError(
                f"The metadata database {self.path} refused a write: {exc}"
            ) from exc

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "pid", None) == os.getpid():
            conn.raw.close()
        self._local = threading.local()


def open_database(url: str) -> Database:
    """A Database for a SQLite path (or sqlite:///path) or a postgresql:// URL."""
    if url.startswith(("postgresql://", "postgres://")):
        from flowscope.metastore.postgres import PostgresDatabase  # optional extra

        return PostgresDatabase(url)
    path = url[len("sqlite:///") - 1 :] if url.startswith("sqlite:///") else url
    return SqliteDatabase(path)
