"""The SQLite engine and the database seam (metastore/db.py): transactions, rollback, per-thread
and per-process connections, busy waits and errors."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from pathlib import Path

import pytest

from flowscope.errors import MetadataError
from flowscope.metastore.db import Connection, SqliteDatabase, open_database


def _table(db: SqliteDatabase) -> None:
    db.write(lambda c: c.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)"))


def test_write_then_read(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "m.db")
    _table(db)

    def insert(conn: Connection) -> int:
        conn.executemany("INSERT INTO t VALUES (?, ?)", [(1, "a"), (2, "b")])
        return 2

    assert db.write(insert) == 2
    assert db.read(lambda c: c.execute("SELECT v FROM t ORDER BY k")) == [("a",), ("b",)]
    assert db.describe() == str(tmp_path / "m.db") and db.dialect == "sqlite"
    db.close()


def test_a_failed_write_rolls_back_and_keeps_its_error(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "m.db")
    _table(db)

    def half(conn: Connection) -> None:
        conn.execute("INSERT INTO t VALUES (1, 'a')")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        db.write(half)
    assert db.read(lambda c: c.execute("SELECT COUNT(*) FROM t")) == [(0,)]


def test_constraint_failures_are_metadata_errors(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "m.db")
    _table(db)
    db.write(lambda c: c.execute("INSERT INTO t VALUES (1, 'a')"))
    with pytest.raises(MetadataError, match="refused a write") as info:
        db.write(lambda c: c.execute("INSERT INTO t VALUES (1, 'b')"))
    assert isinstance(info.value.__cause__, sqlite3.IntegrityError)
    with pytest.raises(MetadataError, match="failed"):
        db.read(lambda c: c.execute("SELECT nope FROM t"))


def test_the_database_is_in_wal_mode(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "m.db")
    assert db.read(lambda c: c.execute("PRAGMA journal_mode")) == [("wal",)]


def test_threads_get_their_own_connections(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "m.db")
    _table(db)
    seen: list[object] = []

    def worker(k: int) -> None:
        db.write(lambda c: c.execute("INSERT INTO t VALUES (?, 'x')", (k,)))
        seen.append(db._connection())

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in seen}) == 4
    assert db.read(lambda c: c.execute("SELECT COUNT(*) FROM t")) == [(4,)]


def _child_writes(db: SqliteDatabase) -> None:
    db.write(lambda c: c.execute("INSERT INTO t VALUES (2, 'child')"))


def test_a_forked_child_opens_its_own_connection(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "m.db")
    _table(db)
    db.write(lambda c: c.execute("INSERT INTO t VALUES (1, 'parent')"))
    child = multiprocessing.get_context("fork").Process(target=_child_writes, args=(db,))
    child.start()
    child.join(20)
    assert child.exitcode == 0
    assert db.read(lambda c: c.execute("SELECT v FROM t ORDER BY k")) == [("parent",), ("child",)]


def test_a_busy_database_is_waited_for(tmp_path: Path) -> None:
    # (giving up is not tested here: SQLite's own 5 s busy wait comes first, too slow a test)
    db = SqliteDatabase(tmp_path / "m.db")
    _table(db)
    blocker = sqlite3.connect(tmp_path / "m.db", isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    released = threading.Timer(0.2, lambda: blocker.execute("ROLLBACK"))
    released.start()
    try:
        db.write(lambda c: c.execute("INSERT INTO t VALUES (1, 'a')"))  # waits for the blocker
    finally:
        released.join()
        blocker.close()
    assert db.read(lambda c: c.execute("SELECT COUNT(*) FROM t")) == [(1,)]


def test_an_unopenable_path_is_a_metadata_error(tmp_path: Path) -> None:
    with pytest.raises(MetadataError, match="Cannot open"):
        SqliteDatabase(tmp_path / "missing" / "dir" / "m.db").read(lambda c: c.execute("SELECT 1"))


def test_open_database_reads_paths_and_sqlite_urls(tmp_path: Path) -> None:
    plain = open_database(str(tmp_path / "a.db"))
    assert isinstance(plain, SqliteDatabase) and plain.path == tmp_path / "a.db"
    url = open_database(f"sqlite://{tmp_path}/b.db")  # sqlite:///abs/path
    assert isinstance(url, SqliteDatabase) and url.path == tmp_path / "b.db"


def test_a_write_to_a_database_deleted_while_open_is_refused_as_vanished(tmp_path) -> None:
    """SQLite would go on writing to the deleted file; those writes would be lost unseen."""
    import pytest as _pytest

    from flowscope.errors import StoreVanished
    from flowscope.metastore.db import SqliteDatabase

    db = SqliteDatabase(tmp_path / "metadata.db")
    db.write(lambda conn: conn.execute("CREATE TABLE t (x INTEGER)"))
    db.write(lambda conn: conn.execute("INSERT INTO t VALUES (1)"))
    for name in ("metadata.db", "metadata.db-wal", "metadata.db-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    with _pytest.raises(StoreVanished, match=f"no longer exists: {tmp_path}"):
        db.write(lambda conn: conn.execute("INSERT INTO t VALUES (2)"))
    db.close()


class _InterruptedAfter(sqlite3.Connection):
    """A connection on which Ctrl-C arrives while one chosen statement runs: the statement
    completes in SQLite, then KeyboardInterrupt is raised as it returns (where a signal
    handler raises it)."""

    statement = ""

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:  # type: ignore[override]
        cursor = super().execute(sql, *args)
        if sql == type(self).statement:
            type(self).statement = ""  # once
            raise KeyboardInterrupt
        return cursor


@pytest.mark.parametrize("statement", ["BEGIN IMMEDIATE", "BEGIN", "COMMIT", "ROLLBACK"])
def test_a_unit_of_work_interrupted_anywhere_leaves_no_transaction_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, statement: str
) -> None:
    """Ctrl-C landing inside any statement of a unit of work (even BEGIN itself) must not leave
    the connection inside a transaction: the next write would fail with "cannot start a
    transaction within a transaction", and a run could not be recorded as ended."""
    db = SqliteDatabase(tmp_path / "m.db")
    monkeypatch.setattr(
        db,
        "_open",
        lambda: sqlite3.connect(
            db.path, timeout=5.0, isolation_level=None, factory=_InterruptedAfter
        ),
    )
    _table(db)
    _InterruptedAfter.statement = statement

    def refused(conn: Connection) -> None:
        conn.execute("INSERT INTO t VALUES (1, 'x')")
        if statement == "ROLLBACK":
            raise MetadataError("refused")

    with pytest.raises((KeyboardInterrupt, MetadataError)):
        if statement == "BEGIN":
            db.read(lambda c: c.execute("SELECT v FROM t"))
        else:
            db.write(refused)
    committed = statement == "COMMIT"  # it completed: the write is there, only the news is lost
    db.write(lambda c: c.execute("INSERT INTO t VALUES (2, 'y')"))
    assert db.read(lambda c: c.execute("SELECT k FROM t ORDER BY k")) == (
        [(1,), (2,)] if committed else [(2,)]
    )


def test_a_transaction_left_open_on_the_connection_is_rolled_back_by_the_next_unit(
    tmp_path: Path,
) -> None:
    """A second Ctrl-C can land between an interrupted unit's failure and its ROLLBACK; the
    next unit of work on that connection ends the stale transaction instead of failing."""
    db = SqliteDatabase(tmp_path / "m.db")
    _table(db)
    raw = db._connection().raw
    raw.execute("BEGIN IMMEDIATE")
    raw.execute("INSERT INTO t VALUES (1, 'stale')")
    db.write(lambda c: c.execute("INSERT INTO t VALUES (2, 'y')"))
    assert db.read(lambda c: c.execute("SELECT k FROM t")) == [(2,)]
    raw.execute("BEGIN")
    assert db.read(lambda c: c.execute("SELECT k FROM t")) == [(2,)]
    assert not raw.in_transaction
