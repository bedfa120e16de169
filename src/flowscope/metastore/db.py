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
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

from flowscope.errors import MetadataError

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
    __slots__ = ("raw",)

    def __init__(self, raw: sqlite3.Connection) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self.raw.execute(sql, params).fetchall()

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.raw.executemany(sql, rows)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


_DAMAGED_CODES = frozenset({11, 26})  # SQLITE_CORRUPT, SQLITE_NOTADB


def _is_damaged(exc: sqlite3.DatabaseError) -> bool:
    return getattr(exc, "sqlite_errorcode", None) in _DAMAGED_CODES or any(
        text in str(exc).lower() for text in ("not a database", "malformed")
    )


def damaged_error(path: Path, exc: sqlite3.DatabaseError) -> MetadataError:
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

    def describe(self) -> str:
        return str(self.path)

    def _connection(self) -> _SqliteConnection:
        local = self._local
        conn: _SqliteConnection | None = getattr(local, "conn", None)
        if conn is not None and getattr(local, "pid", None) == os.getpid():
            return conn
        try:
            raw = sqlite3.connect(
                self.path, timeout=5.0, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise MetadataError(f"Cannot open the metadata database {self.path}: {exc}") from exc
        try:
            raw.execute("PRAGMA busy_timeout = 5000")
            self._retry(lambda: raw.execute("PRAGMA journal_mode = WAL"))
            raw.execute("PRAGMA synchronous = NORMAL")
        except BaseException as exc:
            raw.close()
            if isinstance(exc, sqlite3.DatabaseError) and _is_damaged(exc):
                raise damaged_error(self.path, exc) from exc
            raise
        conn = _SqliteConnection(raw)
        local.conn, local.pid = conn, os.getpid()
        return conn

    def _retry(self, attempt: Callable[[], T]) -> T:
        deadline = time.monotonic() + self.busy_timeout
        delay = 0.005
        while True:
            try:
                return attempt()
            except sqlite3.OperationalError as exc:
                if _is_damaged(exc):
                    raise damaged_error(self.path, exc) from exc
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
            conn.raw.execute("BEGIN")
            try:
                return work(conn)
            finally:
                conn.raw.execute("COMMIT")

        return self._retry(once)

    def write(self, work: Callable[[Connection], T]) -> T:
        conn = self._connection()

        def once() -> T:
            conn.raw.execute("BEGIN IMMEDIATE")
            try:
                result = work(conn)
            except BaseException:
                conn.raw.execute("ROLLBACK")
                raise
            conn.raw.execute("COMMIT")
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
