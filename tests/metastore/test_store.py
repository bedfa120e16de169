"""SqlMetadataStore's own rules (metastore/store.py), beyond the provider contract: an injected
clock decides liveness, idempotency keys make create_run retry-safe, bad finishes are refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flowscope.errors import MetadataError
from flowscope.metastore.db import SqliteDatabase
from flowscope.metastore.migrations import migrate
from flowscope.metastore.records import AttemptResult, AttemptStart, NewRun, NewTask, RunQuery
from flowscope.metastore.store import SqlMetadataStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def store(tmp_path: Path, clock: Clock) -> Iterator[SqlMetadataStore]:
    db = SqliteDatabase(tmp_path / "m.db")
    migrate(db)
    s = SqlMetadataStore(db, lost_after=10.0, clock=clock)
    yield s
    s.close()


def test_the_default_description_names_the_database(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "m.db")
    assert SqlMetadataStore(db).describe() == f"sql@{tmp_path / 'm.db'}"
    assert SqlMetadataStore(db, description="local@x").describe() == "local@x"


def test_times_come_from_the_clock_and_silence_means_lost(
    store: SqlMetadataStore, clock: Clock
) -> None:
    run = store.create_run(NewRun("F", "u"))
    assert run.created_at == 1000.0 and run.status == "running"
    clock.now = 1011.0
    assert store.get_run("F", 1).status == "lost"  # type: ignore[union-attr]
    assert [r.run_id for r in store.list_runs("F", RunQuery(status="lost")).items] == [1]
    store.heartbeat("F", 1)
    assert store.get_run("F", 1).status == "running"  # type: ignore[union-attr]
    assert store.list_runs("F", RunQuery(status="lost")).items == ()


def test_running_attempts_are_lost_without_their_own_heartbeat(
    store: SqlMetadataStore, clock: Clock
) -> None:
    store.create_run(NewRun("F", "u"))
    store.create_tasks("F", 1, [NewTask("s", 1), NewTask("s", 2)])
    store.start_attempts("F", 1, [AttemptStart(1, 0), AttemptStart(2, 0)])
    clock.now += 11
    store.heartbeat("F", 1, tasks=[(1, 0)])
    assert [t.status for t in store.list_tasks("F", 1)] == ["running", "lost"]


def test_finishing_a_run_fails_its_still_running_attempts(
    store: SqlMetadataStore, clock: Clock
) -> None:
    store.create_run(NewRun("F", "u"))
    store.create_tasks("F", 1, [NewTask("s", 1), NewTask("s", 2)])
    store.start_attempts("F", 1, [AttemptStart(1, 0), AttemptStart(2, 0)])
    store.finish_attempts("F", 1, [AttemptResult(1, 0, "succeeded")])
    clock.now = 1005.0
    store.finish_run("F", 1, "failed")
    run = store.get_run("F", 1)
    assert run is not None and (run.status, run.finished_at) == ("failed", 1005.0)
    assert [t.status for t in store.list_tasks("F", 1)] == ["succeeded", "failed"]


@pytest.mark.parametrize("status", ["running", "lost", "done", ""])
def test_a_run_finishes_only_as_succeeded_or_failed(store: SqlMetadataStore, status: str) -> None:
    store.create_run(NewRun("F", "u"))
    with pytest.raises(MetadataError, match="succeeded or failed"):
        store.finish_run("F", 1, status)


def test_a_request_key_creates_one_run_however_often_it_is_sent(store: SqlMetadataStore) -> None:
    first = store.create_run(NewRun("F", "u"), request_key="k1")
    again = store.create_run(NewRun("F", "u"), request_key="k1")
    other = store.create_run(NewRun("F", "u"), request_key="k2")
    assert (first.run_id, again.run_id, other.run_id) == (1, 1, 2)
    assert [r.run_id for r in store.list_runs("F").items] == [2, 1]
    with pytest.raises(MetadataError, match="already used to create a run of 'F'"):
        store.create_run(NewRun("G", "u"), request_key="k1")


def test_run_ids_count_per_flow(store: SqlMetadataStore) -> None:
    ids = [store.create_run(NewRun(name, "u")).run_id for name in ("A", "B", "A", "A", "B")]
    assert ids == [1, 1, 2, 3, 2]


def test_an_explicit_creation_time_wins_over_the_clock(store: SqlMetadataStore) -> None:
    assert store.create_run(NewRun("F", "u", created_at=5.0)).created_at == 5.0


def test_parameters_are_kept_as_json_values(store: SqlMetadataStore) -> None:
    store.create_run(NewRun("F", "u", parameters={"n": 3, "xs": [1, "a"], "s": "v"}))
    assert store.get_parameters("F", 1) == {"n": 3, "xs": [1, "a"], "s": "v"}
