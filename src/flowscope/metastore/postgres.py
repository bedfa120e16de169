"""The PostgreSQL engine behind `Database`: psycopg 3, a small pool, retries of transient faults.

Imported only for postgresql:// URLs (`open_database`), so `import flowscope` never loads
psycopg. The query layer writes SQL once with `?` placeholders; each distinct text is turned
into psycopg's `%s` form once and cached.

Transactions:
- reads of one statement (every read the store makes today) run as that statement alone,
  which sees one snapshot; a read unit that issues a second statement is run again, and from
  then on, in a `REPEATABLE READ READ ONLY` transaction (one snapshot for the whole unit).
  Sessions default to read-only, so a read can never write;
- writes run in `BEGIN READ WRITE` at `READ COMMITTED`, PostgreSQL's default. The store's
  writes are upserts, keyed inserts and updates, whose row locks serialize concurrent
  writers of the same row (run id allocation is one `INSERT ... ON CONFLICT DO UPDATE ...
  RETURNING`; tag updates lock their run row first).

A unit of work is retried, with jittered exponential backoff for at most `retry_for`
seconds, when it fails for a reason that goes away on its own: the connection was lost or
refused, the server is shutting down or starting up, a serialization failure or a deadlock,
too many connections. Once that time is spent, `DatabaseUnavailable` is raised. Any other
database error is a `MetadataError` naming the database (never its password).
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any, TypeVar

import psycopg
import psycopg.conninfo
from psycopg import pq

from flowscope.errors import DatabaseUnavailable, FlowscopeError, MetadataError
from flowscope.metastore.db import Connection, Row

T = TypeVar("T")

# SQLSTATE classes and codes that mean "try again": connection exceptions (08), transaction
# rollbacks from concurrency (40001 serialization, 40P01 deadlock), insufficient resources
# (53: too many connections, out of memory), operator intervention (57P01 admin shutdown,
# 57P02 crash shutdown, 57P03 cannot connect now).
_TRANSIENT_CLASSES = ("08", "53")
_TRANSIENT_CODES = frozenset({"40001", "40P01", "57P01", "57P02", "57P03"})
# Two sessions running `CREATE TABLE IF NOT EXISTS` at once can both pass the check and one
# then violates a catalog index; run again, it finds the table (services starting together).
_CATALOG_RACES = frozenset(
    {"pg_type_typname_nsp_index", "pg_class_relname_nsp_index", "pg_namespace_nspname_index"}
)


@lru_cache(maxsize=2048)
def to_pyformat(sql: str) -> str:
    """`?` placeholders to psycopg's `%s`, and literal `%` to `%%` (outside quotes too)."""
    out: list[str] = []
    quoted = False
    for ch in sql:
        if ch == "'":
            quoted = not quoted
            out.append(ch)
        elif ch == "%":
            out.append("%%")
        elif ch == "?" and not quoted:
            out.append("%s")
        else:
            out.append(ch)
    return "".join(out)


def is_transient(exc: BaseException) -> bool:
    """Whether a psycopg error is worth retrying the whole unit of work for."""
    if not isinstance(exc, psycopg.Error):
        return False
    state = exc.sqlstate
    if state is None:  # no server answer at all: connection refused, lost, or closed
        return isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError))
    if state == "23505" and exc.diag.constraint_name in _CATALOG_RACES:
        return True
    return state in _TRANSIENT_CODES or state[:2] in _TRANSIENT_CLASSES


def safe_url(url: str) -> str:
    """The URL without its password, for messages and `describe()`."""
    try:
        params = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error:
        return "postgresql://<unparseable URL>"
    user = f"{params['user']}@" if params.get("user") else ""
    host = str(params.get("host") or "localhost")
    port = f":{params['port']}" if params.get("port") else ""
    return f"postgresql://{user}{host}{port}/{params.get('dbname') or ''}"


class _NeedsTransaction(BaseException):
    """A read unit issued a second statement outside a transaction (never caught by work)."""


class _PgConnection:
    """What query code sees: `?` SQL in, lists of tuples out."""

    __slots__ = ("raw",)

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cur = self.raw.execute(to_pyformat(sql), tuple(params))
        return cur.fetchall() if cur.description is not None else []

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = [tuple(r) for r in rows]
        if batch:
            with self.raw.cursor() as cur:
                cur.executemany(to_pyformat(sql), batch)


class _OneStatement(_PgConnection):
    """A connection outside a transaction that allows a unit of work one statement."""

    __slots__ = ("used",)

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        super().__init__(raw)
        self.used = False

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        if self.used:
            raise _NeedsTransaction()
        self.used = True
        return super().execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        raise _NeedsTransaction()


_READ = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
_WRITE = "BEGIN READ WRITE"


class _Pool:
    """At most `size` connections, reused LIFO; per process (a forked child starts afresh)."""

    def __init__(self, connect: Callable[[], psycopg.Connection[Any]], size: int) -> None:
        self._connect = connect
        self._size = size
        self._idle: list[psycopg.Connection[Any]] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(size)
        self._pid = os.getpid()
        self._inherited: list[psycopg.Connection[Any]] = []

    def _after_fork(self) -> None:
        # The parent's sockets must not be used or closed here (closing would end the
        # parent's sessions): keep them referenced and start a new pool.
        with self._lock:
            if self._pid != os.getpid():
                self._inherited.extend(self._idle)
                self._idle = []
                self._slots = threading.BoundedSemaphore(self._size)
                self._pid = os.getpid()

    def acquire(self, timeout: float) -> psycopg.Connection[Any]:
        if self._pid != os.getpid():
            self._after_fork()
        if not self._slots.acquire(timeout=max(timeout, 0.0)):
            raise DatabaseUnavailable(
                f"All {self._size} database connections stayed busy for {timeout:.1f} s."
            )
        try:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None or conn.closed:
                conn = self._connect()
            return conn
        except BaseException:
            self._slots.release()
            raise

    def release(self, conn: psycopg.Connection[Any], *, reuse: bool) -> None:
        healthy = (
            reuse
            and not conn.closed
            and not conn.broken
            and conn.info.transaction_status == pq.TransactionStatus.IDLE
        )
        if healthy:
            with self._lock:
                self._idle.append(conn)
        else:
            _close_quietly(conn)
        self._slots.release()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        if self._pid == os.getpid():
            for conn in idle:
                _close_quietly(conn)


def _close_quietly(conn: psycopg.Connection[Any]) -> None:
    try:
        conn.close()
    except psycopg.Error:
        pass


class PostgresDatabase:
    """A `Database` over PostgreSQL; safe to share between threads.

    `pool_size` bounds the connections this process opens; `retry_for` bounds, in seconds,
    how long a unit of work is retried on transient faults; `statement_timeout` (seconds)
    stops a runaway statement.
    """

    dialect = "postgresql"

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 8,
        retry_for: float = 3.0,
        connect_timeout: float = 5.0,
        statement_timeout: float = 60.0,
    ) -> None:
        self.url = url
        self.retry_for = retry_for
        self._connect_timeout = max(2, int(connect_timeout))
        self._options = (
            f"-c statement_timeout={int(statement_timeout * 1000)} "
            "-c default_transaction_read_only=on"
        )
        self._multi_statement: set[object] = set()  # read units known to need a transaction
        self._safe_url = safe_url(url)
        self._pool = _Pool(self._connect, pool_size)

    def describe(self) -> str:
        return self._safe_url

    def _connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(
            self.url,
            autocommit=True,
            connect_timeout=self._connect_timeout,
            application_name="flowscope",
            options=self._options,
        )

    def read(self, work: Callable[[Connection], T]) -> T:
        kind = getattr(work, "__code__", None)
        if kind is not None and kind not in self._multi_statement:
            try:
                return self._run(work, None)  # one statement: no BEGIN/COMMIT round trips
            except _NeedsTransaction:
                self._multi_statement.add(kind)
        return self._run(work, _READ)

    def write(self, work: Callable[[Connection], T]) -> T:
        return self._run(work, _WRITE)

    def _once(self, work: Callable[[Connection], T], begin: str | None, deadline: float) -> T:
        raw = self._pool.acquire(timeout=deadline - time.monotonic())
        reuse = False
        try:
            if begin is None:
                try:
                    result = work(_OneStatement(raw))
                except _NeedsTransaction:
                    reuse = True
                    raise
                reuse = True
                return result
            raw.execute(begin)
            try:
                result = work(_PgConnection(raw))
            except BaseException:
                if not raw.broken and not raw.closed:
                    raw.execute("ROLLBACK")
                raise
            raw.execute("COMMIT")
            reuse = True
            return result
        finally:
            self._pool.release(raw, reuse=reuse)

    def _run(self, work: Callable[[Connection], T], begin: str | None) -> T:
        deadline = time.monotonic() + self.retry_for
        delay = 0.02
        while True:
            try:
                return self._once(work, begin, deadline)
            except FlowscopeError:
                raise  # the query layer's own answer (ObjectNotFound, TagError, ...)
            except psycopg.Error as exc:
                if not is_transient(exc):
                    raise MetadataError(
                        f"The metadata database {self._safe_url} refused the request: "
                        f"{_one_line(exc)}"
                    ) from exc
                if time.monotonic() + delay > deadline:
                    raise DatabaseUnavailable(
                        f"The metadata database {self._safe_url} is unavailable (still failing "
                        f"after {self.retry_for:.0f} s of retries): {_one_line(exc)}"
                    ) from exc
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 1.0)

    def close(self) -> None:
        self._pool.close()


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
