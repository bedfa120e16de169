"""The store's listings (metastore/store_listings.py): pages of runs with their cursors, tasks
with their liveness, rows with their scalar values, filters, and iter_all_runs."""

from __future__ import annotations

import json

import pytest

from flowscope.errors import MetadataError, QueryError
from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
from flowscope.metastore.queries import RunQuery
from flowscope.metastore.records import ArtifactRecord
from flowscope.metastore.store import SqlMetadataStore, iter_all_runs

from .clock import Clock


def _runs(store: SqlMetadataStore, count: int) -> None:
    for n in range(count):
        store.create_run(NewRun("F", "u", parameters={"n": n}))


def test_runs_come_newest_first_in_pages_joined_by_cursors(
    clocked_store: SqlMetadataStore,
) -> None:
    _runs(clocked_store, 5)
    first = clocked_store.list_runs("F", RunQuery(limit=2))
    assert [r.run_id for r in first.items] == [5, 4] and first.cursor == "4"
    second = clocked_store.list_runs("F", RunQuery(limit=2, cursor=first.cursor))
    assert [r.run_id for r in second.items] == [3, 2] and second.cursor == "2"
    last = clocked_store.list_runs("F", RunQuery(limit=2, cursor=second.cursor))
    assert [r.run_id for r in last.items] == [1] and last.cursor is None
    with pytest.raises(MetadataError, match="Invalid page cursor 'x'"):
        clocked_store.list_runs("F", RunQuery(cursor="x"))


def test_iter_all_runs_follows_the_cursors(clocked_store: SqlMetadataStore) -> None:
    _runs(clocked_store, 5)
    assert [r.run_id for r in iter_all_runs(clocked_store, "F", RunQuery(limit=2))] == [
        5,
        4,
        3,
        2,
        1,
    ]
    assert list(iter_all_runs(clocked_store, "G")) == []


def test_run_rows_carry_their_parameters_and_filters_apply(
    clocked_store: SqlMetadataStore,
) -> None:
    _runs(clocked_store, 3)
    page = clocked_store.list_run_rows("F", RunQuery(where="params.n >= 1"))
    assert [(row.run.run_id, dict(row.params)) for row in page.items] == [
        (3, {"n": 2}),
        (2, {"n": 1}),
    ]
    assert page.cursor is None
    paged = clocked_store.list_run_rows("F", RunQuery(limit=1))
    assert [row.run.run_id for row in paged.items] == [3] and paged.cursor == "3"
    assert [
        r.run_id for r in clocked_store.list_runs("F", RunQuery(where="params.n = 0")).items
    ] == [1]


def test_running_attempts_are_lost_without_their_own_heartbeat(
    clocked_store: SqlMetadataStore, clock: Clock
) -> None:
    store = clocked_store
    store.create_run(NewRun("F", "u"))
    store.create_tasks("F", 1, [NewTask("s", 1), NewTask("s", 2)])
    store.start_attempts("F", 1, [AttemptStart(1, 0), AttemptStart(2, 0)])
    clock.now += 11
    store.heartbeat("F", 1, tasks=[(1, 0)])
    assert [t.status for t in store.list_tasks("F", 1)] == ["running", "lost"]


def _scored_tasks(store: SqlMetadataStore) -> None:
    store.create_run(NewRun("F", "u"))
    store.create_tasks("F", 1, [NewTask("a", 1), NewTask("b", 2), NewTask("b", 3)])
    store.start_attempts("F", 1, [AttemptStart(t, 0) for t in (1, 2, 3)])
    store.finish_attempts(
        "F",
        1,
        [
            AttemptResult(
                t,
                0,
                "succeeded",
                artifacts=(
                    ArtifactRecord("score", "a" * 64, 1, "int", "pickle", scalar=json.dumps(t)),
                ),
                input=None if t == 1 else json.dumps(f"item{t}"),
            )
            for t in (1, 2, 3)
        ],
    )


def test_tasks_of_a_run_or_of_one_step_in_task_order(clocked_store: SqlMetadataStore) -> None:
    _scored_tasks(clocked_store)
    assert [t.task_id for t in clocked_store.list_tasks("F", 1)] == [1, 2, 3]
    assert [t.task_id for t in clocked_store.list_tasks("F", 1, "b")] == [2, 3]
    assert [t.task_id for t in clocked_store.list_tasks("F", 1, "b", where="data.score > 2")] == [3]
    assert clocked_store.list_tasks("F", 1, "nope") == []


def test_a_tasks_filter_needs_a_step(clocked_store: SqlMetadataStore) -> None:
    _scored_tasks(clocked_store)
    with pytest.raises(QueryError, match="applies to the tasks of one step: name the step"):
        clocked_store.list_tasks("F", 1, where="data.score > 2")


def test_task_rows_carry_scalar_artifacts_and_foreach_inputs(
    clocked_store: SqlMetadataStore,
) -> None:
    _scored_tasks(clocked_store)
    rows = clocked_store.list_task_rows("F", 1, "b")
    assert [(r.task.task_id, dict(r.data), r.input) for r in rows] == [
        (2, {"score": 2}, "item2"),
        (3, {"score": 3}, "item3"),
    ]
    assert [
        r.task.task_id for r in clocked_store.list_task_rows("F", 1, "b", "data.score = 2")
    ] == [2]
    (only,) = clocked_store.list_task_rows("F", 1, "a")
    assert only.input is None and dict(only.data) == {"score": 1}
