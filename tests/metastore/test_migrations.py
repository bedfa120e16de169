"""Upgrading a store written by an older flowscope: its runs stay, the new columns read as
empty, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from flowscope.errors import SchemaError
from flowscope.metastore.db import Connection, Database, open_database
from flowscope.metastore.migrations import (
    check_schema,
    current_version,
    known_migrations,
    latest_version,
    migrate,
)
from flowscope.metastore.new_records import NewRun
from flowscope.metastore.store import SqlMetadataStore


def at_version_2(db: Database) -> None:
    """The schema as flowscope 0.1 left it (migrations 1 and 2), holding one run."""

    def work(conn: Connection) -> None:
        conn.execute(
            "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, "
            "name TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)"
        )
        for migration in known_migrations()[:2]:
            for statement in migration.statements:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                (migration.version, migration.name, time.time()),
            )
        conn.execute("INSERT INTO flows (flow_name, created_at, last_run_id) VALUES ('F', 1, 1)")
        conn.execute(
            "INSERT INTO runs (flow_name, run_id, user_name, status, created_at, finished_at, "
            "heartbeat_at, user_tags, system_tags) "
            "VALUES ('F', 1, 'alice', 'succeeded', 1, 2, 2, '[]', '[\"user:alice\"]')"
        )

    db.write(work)


@pytest.fixture(params=["sqlite", "postgres"])
def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    if request.param == "sqlite":
        db = open_database(str(tmp_path / "metadata.db"))
    else:
        db = open_database(request.getfixturevalue("pg_database"))
    request.addfinalizer(db.close)
    at_version_2(db)
    return db


def test_an_old_store_is_upgraded_and_keeps_its_runs(old_database: Database) -> None:
    assert current_version(old_database) == 2
    with pytest.raises(SchemaError, match="service migrate"):
        check_schema(old_database)  # the service refuses it until it is migrated
    assert migrate(old_database) == list(range(3, latest_version() + 1))
    assert check_schema(old_database) == latest_version()

    store = SqlMetadataStore(old_database)
    old = store.get_run("F", 1)
    assert old is not None and old.status == "succeeded" and old.command_line is None
    new = store.create_run(NewRun(flow_name="F", user="bob", command_line="python f.py run"))
    assert new.run_id == 2 and store.get_run("F", 2).command_line == "python f.py run"  # type: ignore[union-attr]


# -- the runner on its own (SQLite) -----------------------------------------------------------


@pytest.fixture()
def fresh(tmp_path: Path) -> Database:
    return open_database(str(tmp_path / "fresh.db"))


def test_migration_files_are_numbered_without_gaps() -> None:
    migrations = known_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert latest_version() == migrations[-1].version
    for m in migrations:
        assert m.statements and all(s and not s.lstrip().startswith("--") for s in m.statements)


def test_migrate_applies_each_pending_migration_once(fresh: Database) -> None:
    assert current_version(fresh) == 0
    assert migrate(fresh) == [m.version for m in known_migrations()]
    assert migrate(fresh) == []
    assert check_schema(fresh) == latest_version()
    rows = fresh.read(lambda c: c.execute("SELECT version, name FROM schema_migrations"))
    assert sorted(rows) == [(m.version, m.name) for m in known_migrations()]


def test_check_schema_says_what_to_do(fresh: Database) -> None:
    with pytest.raises(SchemaError, match="has schema version 0; .*flowscope service migrate"):
        check_schema(fresh)
    migrate(fresh)
    fresh.write(
        lambda c: c.execute(
            "INSERT INTO schema_migrations VALUES (?, 'future', 0)", (latest_version() + 1,)
        )
    )
    with pytest.raises(SchemaError, match="newer than the .* Upgrade flowscope"):
        check_schema(fresh)
    with pytest.raises(SchemaError, match="newer"):
        migrate(fresh)
