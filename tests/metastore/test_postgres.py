"""PostgresDatabase on a real PostgreSQL (metastore/postgres.py). Store behaviour is covered by
the provider contract suite; this is the engine: SQL translation, transactions, pool, retries."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import psycopg
import pytest

from flowscope.errors import MetadataError, TagError
from flowscope.metastore.db import Connection, open_database
from flowscope.metastore.migrations import check_schema, current_version, latest_version, migrate
from flowscope.metastore.new_records import NewRun
from flowscope.metastore.postgres import (
    DatabaseUnavailable,
    PostgresDatabase,
    is_transient,
    safe_url,
    to_pyformat,
)
from flowscope.metastore.store import SqlMetadataStore
from pg import PgServer


@pytest.fixture()
def db(pg_database: str) -> Iterator[PostgresDatabase]:
    database = PostgresDatabase(pg_database, pool_size=4, retry_for=2.0)
    migrate(database)
    yield database
    database.close()


def test_placeholders_are_translated_once() -> None:
    assert (
        to_pyformat("SELECT ? WHERE a = ? AND b LIKE 'x%?'")
        == "SELECT %s WHERE a = %s AND b LIKE 'x%%?'"
    )
    assert to_pyformat("a % b") == "a %% b"
    assert to_pyformat("SELECT 1") is to_pyformat("SELECT 1")  # cached


def test_urls_never_show_passwords() -> None:
    url = "postgresql://bob:s3cret@db.example:5433/meta?sslmode=require"
    assert safe_url(url) == "postgresql://bob@db.example:5433/meta"
    assert "s3cret" not in PostgresDatabase(url).describe()


def test_transient_errors_are_recognised() -> None:
    assert is_transient(psycopg.OperationalError("connection refused"))
    assert is_transient(psycopg.errors.SerializationFailure())
    assert is_transient(psycopg.errors.DeadlockDetected())
    assert is_transient(psycopg.errors.AdminShutdown())
    assert not is_transient(psycopg.errors.UniqueViolation())
    assert not is_transient(psycopg.errors.SyntaxError())
    assert not is_transient(ValueError("x"))


def test_open_database_picks_postgres(pg_database: str) -> None:
    database = open_database(pg_database)
    assert isinstance(database, PostgresDatabase) and database.dialect == "postgresql"
    database.close()


def test_migrations_and_schema_checks(db: PostgresDatabase) -> None:
    assert current_version(db) == latest_version() == check_schema(db)
    assert migrate(db) == []  # nothing left to do


def test_migrations_run_concurrently_once(pg_database: str) -> None:
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        database = PostgresDatabase(pg_database)
        try:
            results.append(migrate(database))
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
        database.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    applied = sorted(v for r in results for v in r)
    assert applied == list(range(1, latest_version() + 1))


def test_failed_work_rolls_back_and_keeps_its_error(db: PostgresDatabase) -> None:
    def work(conn: Connection) -> None:
        conn.execute(
            "INSERT INTO flows (flow_name, created_at, last_run_id) VALUES (?, ?, ?)", ("F", 1.0, 1)
        )
        raise TagError("refused")

    with pytest.raises(TagError):
        db.write(work)
    assert db.read(lambda c: c.execute("SELECT COUNT(*) FROM flows")) == [(0,)]


def test_sql_errors_are_metadata_errors(db: PostgresDatabase) -> None:
    with pytest.raises(MetadataError, match="refused the request") as info:
        db.read(lambda c: c.execute("SELEC 1"))
    assert not isinstance(info.value, DatabaseUnavailable)
    assert db.read(lambda c: c.execute("SELECT 1")) == [(1,)]  # the connection recovered


def test_reads_are_read_only(db: PostgresDatabase) -> None:
    with pytest.raises(MetadataError):
        db.read(lambda c: c.execute("DELETE FROM flows"))


def test_more_threads_than_connections(db: PostgresDatabase) -> None:
    store = SqlMetadataStore(db)
    got: list[int] = []

    def create() -> None:
        for _ in range(10):
            got.append(store.create_run(NewRun("F", "u")).run_id)

    threads = [threading.Thread(target=create) for _ in range(12)]  # pool_size=4
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(1, 121))


def test_concurrent_tag_updates_do_not_lose_each_other(db: PostgresDatabase) -> None:
    store = SqlMetadataStore(db)
    store.create_run(NewRun("F", "u"))

    def tag(i: int) -> None:
        store.update_tags("F", 1, add=[f"t{i}"])

    threads = [threading.Thread(target=tag, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    run = store.get_run("F", 1)
    assert run is not None and len(run.user_tags) == 12


def test_a_restarted_server_is_retried_and_a_dead_one_is_reported() -> None:
    server = PgServer()
    server.start()
    try:
        url = server.create_database("restart")
        database = PostgresDatabase(url, retry_for=15.0)
        migrate(database)
        store = SqlMetadataStore(database)
        store.create_run(NewRun("F", "u"))
        server.stop()  # every pooled connection is now broken
        restarter = threading.Timer(1.0, server.start)
        restarter.start()
        run = store.create_run(NewRun("F", "u"))  # waits for the server to come back
        restarter.join()
        assert run.run_id == 2
        server.stop()
        quick = PostgresDatabase(url, retry_for=1.0)
        start = time.monotonic()
        with pytest.raises(DatabaseUnavailable, match="unavailable"):
            SqlMetadataStore(quick).get_run("F", 1)
        assert time.monotonic() - start < 5
        database.close()
    finally:
        server.cleanup()


def test_multi_statement_reads_get_one_snapshot(db: PostgresDatabase) -> None:
    def two(conn: Connection) -> list[object]:
        first = conn.execute("SELECT txid_current_if_assigned(), now()")
        second = conn.execute("SELECT now()")
        return [first[0][1], second[0][0]]

    for _ in range(3):  # first run discovers it needs a transaction; later runs start in one
        first, second = db.read(two)
        assert first == second  # now() is the transaction's start: one transaction
    assert db.read(lambda c: c.execute("SELECT 1")) == [(1,)]
