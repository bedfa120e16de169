"""The state the store's parts share (metastore/store_base.py): its description, and records
decoded against the injected clock, so that silence longer than `lost_after` reads as lost."""

from __future__ import annotations

from pathlib import Path

from flowscope.metastore.db import SqliteDatabase
from flowscope.metastore.new_records import NewRun
from flowscope.metastore.queries import RunQuery
from flowscope.metastore.store import SqlMetadataStore

from .clock import Clock


def test_the_default_description_names_the_database(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "m.db")
    assert SqlMetadataStore(db).describe() == f"sql@{tmp_path / 'm.db'}"
    assert SqlMetadataStore(db, description="local@x").describe() == "local@x"


def test_times_come_from_the_clock_and_silence_means_lost(
    clocked_store: SqlMetadataStore, clock: Clock
) -> None:
    store = clocked_store
    run = store.create_run(NewRun("F", "u"))
    assert run.created_at == 1000.0 and run.status == "running"
    clock.now = 1011.0
    assert store.get_run("F", 1).status == "lost"  # type: ignore[union-attr]
    assert [r.run_id for r in store.list_runs("F", RunQuery(status="lost")).items] == [1]
    store.heartbeat("F", 1)
    assert store.get_run("F", 1).status == "running"  # type: ignore[union-attr]
    assert store.list_runs("F", RunQuery(status="lost")).items == ()


def test_lost_starts_only_after_lost_after_seconds(
    clocked_store: SqlMetadataStore, clock: Clock
) -> None:
    clocked_store.create_run(NewRun("F", "u"))
    clock.now = 1009.5
    assert clocked_store.get_run("F", 1).status == "running"  # type: ignore[union-attr]
    clock.now = 1010.5
    assert clocked_store.get_run("F", 1).status == "lost"  # type: ignore[union-attr]


def test_get_run_of_an_unknown_run_or_flow_is_none(clocked_store: SqlMetadataStore) -> None:
    clocked_store.create_run(NewRun("F", "u"))
    assert clocked_store.get_run("F", 2) is None
    assert clocked_store.get_run("G", 1) is None
    record = clocked_store.get_run("F", 1)
    assert record is not None and (record.flow_name, record.run_id, record.user) == ("F", 1, "u")


def test_close_closes_the_database(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "m.db")
    store = SqlMetadataStore(db)
    closed: list[bool] = []
    db.close = lambda: closed.append(True)  # type: ignore[method-assign]
    store.close()
    assert closed == [True]
