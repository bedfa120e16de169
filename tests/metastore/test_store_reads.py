"""The store's record reads (metastore/store_reads.py): flows, steps, one task, a task's
artifacts and facts, a step's artifact index, and live logs read from the live directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowscope.metastore.db import SqliteDatabase
from flowscope.metastore.migrations import migrate
from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
from flowscope.metastore.records import ArtifactRecord, Fact
from flowscope.metastore.store import SqlMetadataStore, live_log_path

from .clock import Clock


def _art(name: str, sha: str) -> ArtifactRecord:
    return ArtifactRecord(name, sha * 64, 1, "int", "pickle", created_at=1.0)


def _run_two_steps(store: SqlMetadataStore, clock: Clock) -> None:
    store.create_run(NewRun("F", "u"))
    store.create_tasks("F", 1, [NewTask("start", 1)])
    store.start_attempts("F", 1, [AttemptStart(1, 0)])
    clock.now = 1002.0
    store.finish_attempts(
        "F", 1, [AttemptResult(1, 0, "succeeded", artifacts=(_art("x", "a"), _art("y", "b")))]
    )
    clock.now = 1003.0
    store.create_tasks("F", 1, [NewTask("work", 2, foreach_index=0), NewTask("work", 3, 1)])
    store.start_attempts("F", 1, [AttemptStart(2, 0), AttemptStart(3, 0)])
    clock.now = 1004.0
    store.finish_attempts(
        "F",
        1,
        [
            AttemptResult(
                2, 0, "succeeded", artifacts=(_art("z", "c"),), facts=(Fact("k", "v", "str"),)
            )
        ],
    )


def test_flows_are_listed_by_name_and_found_by_name(clocked_store: SqlMetadataStore) -> None:
    for name in ("B", "A", "B"):
        clocked_store.create_run(NewRun(name, "u"))
    assert [f.flow_name for f in clocked_store.list_flows()] == ["A", "B"]
    flow = clocked_store.get_flow("B")
    assert flow is not None and (flow.flow_name, flow.created_at) == ("B", 1000.0)
    assert clocked_store.get_flow("C") is None


def test_a_steps_finish_waits_for_its_last_task(
    clocked_store: SqlMetadataStore, clock: Clock
) -> None:
    _run_two_steps(clocked_store, clock)
    start, work = clocked_store.list_steps("F", 1)
    assert (start.step_name, start.task_count, start.finished_at) == ("start", 1, 1002.0)
    assert (work.step_name, work.task_count, work.finished_at) == ("work", 2, None)
    assert work.created_at == 1003.0
    assert clocked_store.list_steps("F", 2) == []


def test_a_task_and_its_artifacts_and_facts(clocked_store: SqlMetadataStore, clock: Clock) -> None:
    _run_two_steps(clocked_store, clock)
    task = clocked_store.get_task("F", 1, 3)
    assert task is not None and (task.step_name, task.foreach_index, task.status) == (
        "work",
        1,
        "running",
    )
    assert clocked_store.get_task("F", 1, 9) is None
    assert clocked_store.get_task("F", 1, 1, attempt=1) is None
    assert [a.name for a in clocked_store.list_artifacts("F", 1, 1, 0)] == ["x", "y"]
    assert clocked_store.list_artifacts("F", 1, 1, 1) == []
    assert clocked_store.list_facts("F", 1, 2, 0) == [Fact("k", "v", "str", 1004.0)]


def test_a_steps_artifact_index_by_task_optionally_by_name(
    clocked_store: SqlMetadataStore, clock: Clock
) -> None:
    _run_two_steps(clocked_store, clock)
    index = clocked_store.list_step_artifacts("F", 1, "start")
    assert {t: [a.name for a in arts] for t, arts in index.items()} == {1: ["x", "y"]}
    only_y = clocked_store.list_step_artifacts("F", 1, "start", names=["y", "nope"])
    assert only_y == {1: [_art("y", "b")]}
    assert clocked_store.list_step_artifacts("F", 1, "work") == {2: [_art("z", "c")]}


@pytest.fixture()
def live_store(tmp_path: Path) -> SqlMetadataStore:
    db = SqliteDatabase(tmp_path / "m.db")
    migrate(db)
    return SqlMetadataStore(db, live_dir=tmp_path / "live")


def test_live_logs_are_read_from_the_live_directory(
    live_store: SqlMetadataStore, tmp_path: Path
) -> None:
    assert live_store.live_log_dir() == tmp_path / "live"
    path = live_log_path(tmp_path / "live", "F", 1, 2, 0, "stdout")
    assert path == tmp_path / "live" / "F" / "1" / "2.0.stdout"
    assert live_store.read_live_log("F", 1, 2, 0, "stdout") is None  # not written yet
    path.parent.mkdir(parents=True)
    path.write_bytes(b"hello\n")
    assert live_store.read_live_log("F", 1, 2, 0, "stdout") == b"hello\n"
    assert live_store.read_live_log("F", 1, 2, 0, "stderr") is None


def test_only_stdout_and_stderr_are_live_logs(live_store: SqlMetadataStore, tmp_path: Path) -> None:
    secret = tmp_path / "live" / "F" / "1" / "2.0.other"
    secret.parent.mkdir(parents=True)
    secret.write_bytes(b"x")
    assert live_store.read_live_log("F", 1, 2, 0, "other") is None


def test_without_a_live_directory_there_are_no_live_logs(clocked_store: SqlMetadataStore) -> None:
    assert clocked_store.live_log_dir() is None
    assert clocked_store.read_live_log("F", 1, 2, 0, "stdout") is None
