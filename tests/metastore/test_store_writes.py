"""The store's writes (metastore/store_writes.py), beyond the provider contract: idempotency
keys make create_run retry-safe, finishes are final and checked, tags keep system tags."""

from __future__ import annotations

import pytest

from flowscope.errors import MetadataError, ObjectNotFound, RunAlreadyFinished, TagError
from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
from flowscope.metastore.records import ArtifactRecord, Fact
from flowscope.metastore.store import SqlMetadataStore

from .clock import Clock


def test_finishing_a_run_fails_its_still_running_attempts(
    clocked_store: SqlMetadataStore, clock: Clock
) -> None:
    store = clocked_store
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
def test_a_run_finishes_only_as_succeeded_or_failed(
    clocked_store: SqlMetadataStore, status: str
) -> None:
    clocked_store.create_run(NewRun("F", "u"))
    with pytest.raises(MetadataError, match="succeeded or failed"):
        clocked_store.finish_run("F", 1, status)


def test_a_finished_run_stays_finished(clocked_store: SqlMetadataStore) -> None:
    clocked_store.create_run(NewRun("F", "u"))
    clocked_store.finish_run("F", 1, "succeeded")
    clocked_store.finish_run("F", 1, "succeeded")  # the same finish again is a no-op
    with pytest.raises(RunAlreadyFinished, match=r"Run\('F/1'\) already finished as succeeded"):
        clocked_store.finish_run("F", 1, "failed")
    assert clocked_store.get_run("F", 1).status == "succeeded"  # type: ignore[union-attr]


def test_an_attempt_finishes_only_as_succeeded_or_failed(clocked_store: SqlMetadataStore) -> None:
    clocked_store.create_run(NewRun("F", "u"))
    clocked_store.create_tasks("F", 1, [NewTask("s", 1)])
    clocked_store.start_attempts("F", 1, [AttemptStart(1, 0)])
    with pytest.raises(MetadataError, match=r"not 'lost' \(task F/1/1, attempt 0\)"):
        clocked_store.finish_attempts("F", 1, [AttemptResult(1, 0, "lost")])
    assert clocked_store.list_tasks("F", 1)[0].status == "running"


def test_a_request_key_creates_one_run_however_often_it_is_sent(
    clocked_store: SqlMetadataStore,
) -> None:
    store = clocked_store
    first = store.create_run(NewRun("F", "u"), request_key="k1")
    again = store.create_run(NewRun("F", "u"), request_key="k1")
    other = store.create_run(NewRun("F", "u"), request_key="k2")
    assert (first.run_id, again.run_id, other.run_id) == (1, 1, 2)
    assert [r.run_id for r in store.list_runs("F").items] == [2, 1]
    with pytest.raises(MetadataError, match="already used to create a run of 'F'"):
        store.create_run(NewRun("G", "u"), request_key="k1")


def test_run_ids_count_per_flow(clocked_store: SqlMetadataStore) -> None:
    names = ("A", "B", "A", "A", "B")
    ids = [clocked_store.create_run(NewRun(name, "u")).run_id for name in names]
    assert ids == [1, 1, 2, 3, 2]


def test_an_explicit_creation_time_wins_over_the_clock(clocked_store: SqlMetadataStore) -> None:
    assert clocked_store.create_run(NewRun("F", "u", created_at=5.0)).created_at == 5.0


def test_parameters_are_kept_as_json_values(clocked_store: SqlMetadataStore) -> None:
    clocked_store.create_run(NewRun("F", "u", parameters={"n": 3, "xs": [1, "a"], "s": "v"}))
    assert clocked_store.get_parameters("F", 1) == {"n": 3, "xs": [1, "a"], "s": "v"}


def test_a_retried_task_or_attempt_batch_changes_nothing(
    clocked_store: SqlMetadataStore, clock: Clock
) -> None:
    store = clocked_store
    store.create_run(NewRun("F", "u"))
    store.create_tasks("F", 1, [NewTask("s", 1, foreach_index=0)])
    store.start_attempts("F", 1, [AttemptStart(1, 0, started_at=1000.0)])
    clock.now = 1003.0
    store.create_tasks("F", 1, [NewTask("s", 1, foreach_index=7)])
    store.start_attempts("F", 1, [AttemptStart(1, 0, started_at=1003.0)])
    task = store.list_tasks("F", 1)[0]
    assert (task.foreach_index, task.attempt, task.started_at) == (0, 0, 1000.0)


def test_a_later_attempt_becomes_the_tasks_latest(clocked_store: SqlMetadataStore) -> None:
    store = clocked_store
    store.create_run(NewRun("F", "u"))
    store.create_tasks("F", 1, [NewTask("s", 1)])
    store.start_attempts("F", 1, [AttemptStart(1, 0)])
    store.finish_attempts("F", 1, [AttemptResult(1, 0, "failed", exception={"type": "E"})])
    store.start_attempts("F", 1, [AttemptStart(1, 1)])
    store.start_attempts("F", 1, [AttemptStart(1, 0)])  # a late retry of the first start
    latest = store.get_task("F", 1, 1)
    first = store.get_task("F", 1, 1, attempt=0)
    assert latest is not None and (latest.attempt, latest.status) == (1, "running")
    assert first is not None and (first.status, first.exception) == ("failed", {"type": "E"})


def test_results_record_artifacts_once_and_facts_last_write_wins(
    clocked_store: SqlMetadataStore,
) -> None:
    store = clocked_store
    store.create_run(NewRun("F", "u"))
    store.create_tasks("F", 1, [NewTask("s", 1)])
    store.start_attempts("F", 1, [AttemptStart(1, 0)])
    art = ArtifactRecord("x", "a" * 64, 3, "int", "pickle")
    result = AttemptResult(1, 0, "succeeded", artifacts=(art,), facts=(Fact("f", "1", "str"),))
    store.finish_attempts("F", 1, [result])
    changed = AttemptResult(
        1,
        0,
        "succeeded",
        artifacts=(ArtifactRecord("x", "b" * 64, 4, "int", "pickle"),),
        facts=(Fact("f", "2", "int"),),
    )
    store.finish_attempts("F", 1, [changed])
    assert [(a.name, a.sha) for a in store.list_artifacts("F", 1, 1, 0)] == [("x", "a" * 64)]
    assert [(f.field, f.value, f.type) for f in store.list_facts("F", 1, 1, 0)] == [
        ("f", "2", "int")
    ]


def test_tags_are_added_and_removed_but_system_tags_stay(
    clocked_store: SqlMetadataStore,
) -> None:
    store = clocked_store
    store.create_run(NewRun("F", "u", user_tags=("a", "b"), system_tags=("sys",)))
    run = store.update_tags("F", 1, add=["c", "sys"], remove=["a"])
    assert (run.user_tags, run.system_tags) == (("b", "c"), ("sys",))
    with pytest.raises(TagError, match="Cannot remove system tag\\(s\\) 'sys'.*Nothing was"):
        store.update_tags("F", 1, add=["d"], remove=["sys"])
    assert store.get_run("F", 1).user_tags == ("b", "c")  # type: ignore[union-attr]
    assert [f.flow_name for f in store.list_flows(tag="c")] == ["F"]
    assert store.list_flows(tag="a") == []


def test_tags_of_a_missing_run_are_refused(clocked_store: SqlMetadataStore) -> None:
    with pytest.raises(ObjectNotFound, match=r"Run\('F/9'\) does not exist"):
        clocked_store.update_tags("F", 9, add=["x"])


def test_a_heartbeat_sets_logs_and_facts_of_running_attempts_only(
    clocked_store: SqlMetadataStore, clock: Clock
) -> None:
    store = clocked_store
    store.create_run(NewRun("F", "u"))
    store.create_tasks("F", 1, [NewTask("s", 1), NewTask("s", 2)])
    store.start_attempts("F", 1, [AttemptStart(1, 0), AttemptStart(2, 0)])
    store.finish_attempts("F", 1, [AttemptResult(2, 0, "succeeded", stdout_key="final")])
    clock.now = 1004.0
    logs = [(1, 0, "out-1", None), (2, 0, "late", "late")]
    facts = [(1, 0, Fact("cards", "[1]", "json")), (2, 0, Fact("cards", "[2]", "json"))]
    store.heartbeat("F", 1, tasks=[(1, 0), (2, 0)], logs=logs, facts=facts)
    running, done = store.list_tasks("F", 1)
    assert (running.stdout_key, running.stderr_key, running.heartbeat_at) == ("out-1", None, 1004.0)
    assert (done.stdout_key, done.stderr_key) == ("final", None)
    assert store.list_facts("F", 1, 1, 0) == [Fact("cards", "[1]", "json", 1004.0)]
    assert store.list_facts("F", 1, 2, 0) == []
