"""Lists of records as columns (metastore/columns.py): the two listings' wire forms round trip,
and every malformed, mismatched or oversized object is refused before a record is built."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

import pytest

from flowscope.metastore.columns import (
    ARTIFACT_COLUMNS,
    TASK_COLUMNS,
    step_artifacts_from_wire,
    step_artifacts_to_wire,
    tasks_from_wire,
    tasks_to_wire,
)
from flowscope.metastore.records import MAX_INLINE_TEXT, ArtifactRecord, TaskRecord


def _wrong(expected: str) -> ValueError:
    return ValueError(f"expected {expected}")


TASKS = [
    TaskRecord("F", 3, "start", 1, 1.0, status="succeeded", started_at=1.5, env_key="e"),
    TaskRecord(
        "F", 3, "body", 2, 2, attempt=1, status="failed", foreach_index=0,
        foreach_stack=(["items", 0, 2],), exception={"type": "ValueError", "message": "no"},
    ),
]  # fmt: skip
ARTIFACTS = {
    2: [
        ArtifactRecord("a", "a" * 64, 3, "int", "pickle", 2.0, inline="AAEC"),
        ArtifactRecord("z", "c" * 64, 9, "list", "pickle", 2.5),
    ],
    1: [ArtifactRecord("a", "b" * 64, 3, "int", "pickle", 1.0)],
}


def _all(record: ArtifactRecord) -> str | None:
    return record.inline


def test_the_columns_are_the_records_fields_in_order() -> None:
    assert [f.name for f in fields(TaskRecord)][2:] == [c.name for c in TASK_COLUMNS]
    names = [f.name for f in fields(ArtifactRecord) if f.name != "scalar"]
    assert names == [c.name for c in ARTIFACT_COLUMNS[1:]]


def test_both_listings_round_trip_through_json() -> None:
    wire = json.loads(json.dumps(tasks_to_wire(TASKS)))
    assert wire["columns"]["task_id"] == [1, 2] and "flow_name" not in wire["columns"]
    assert tasks_from_wire(wire, "F", 3, _wrong) == TASKS
    assert tasks_from_wire(tasks_to_wire([]), "F", 3, _wrong) == []
    wire = json.loads(json.dumps(step_artifacts_to_wire(ARTIFACTS, _all)))
    assert wire["columns"]["task_id"] == [2, 2, 1]
    found = step_artifacts_from_wire(wire, _wrong)
    assert found == ARTIFACTS and list(found) == [2, 1]  # the service's task order is kept
    assert step_artifacts_from_wire(step_artifacts_to_wire({}, _all), _wrong) == {}


def test_the_inline_budget_decides_per_record_and_a_missing_column_is_none() -> None:
    wire = step_artifacts_to_wire(ARTIFACTS, lambda record: None)
    assert wire["columns"]["inline"] == [None, None, None]
    del wire["columns"]["inline"]
    found = step_artifacts_from_wire(wire, _wrong)
    assert [a.inline for a in found[2]] == [None, None]


def _tasks() -> dict[str, Any]:
    return json.loads(json.dumps(tasks_to_wire(TASKS)))


def _arts() -> dict[str, Any]:
    return json.loads(json.dumps(step_artifacts_to_wire(ARTIFACTS, _all)))


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: [], "columns that is an object of columns"),
        (lambda: {"columns": []}, "columns that is an object of columns"),
        (lambda: {"tasks": {}}, "columns that is an object of columns"),
        (lambda: {**_tasks(), "columns": {**_tasks()["columns"], "status": None}}, "status is a"),
        (lambda: _set(_tasks(), "task_id", [1]), "task_id is a list as long as the others"),
        (lambda: _set(_tasks(), "task_id", [1, True]), "task_id holds no bool"),
        (lambda: _set(_tasks(), "created_at", [1.0, "2"]), "created_at holds no str"),
        (lambda: _set(_tasks(), "foreach_stack", [[], "x"]), "foreach_stack holds no str"),
        (lambda: _set(_tasks(), "exception", [None, []]), "exception holds no list"),
        (lambda: _set(_tasks(), "status", [None, "failed"]), "status holds no NoneType"),
    ],
)
def test_a_malformed_task_listing_is_refused(make: Any, expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        tasks_from_wire(make(), "F", 3, _wrong)


def _set(wire: dict[str, Any], name: str, values: Any) -> dict[str, Any]:
    wire["columns"][name] = values
    return wire


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: {"columns": "x"}, "columns that is an object of columns"),
        (lambda: _set(_arts(), "sha", ["a" * 64]), "sha is a list as long as the others"),
        (lambda: _set(_arts(), "task_id", ["2", 2, 1]), "task_id holds no str"),
        (lambda: _set(_arts(), "size", [3, 9.5, 3]), "size holds no float"),
        (lambda: _set(_arts(), "name", ["a", None, "a"]), "name holds no NoneType"),
        (lambda: _set(_arts(), "inline", ["x" * (MAX_INLINE_TEXT + 1), None, None]), "at most"),
        (lambda: _set(_arts(), "inline", [None, None]), "inline is a list as long"),
        (lambda: _set(_arts(), "inline", [{}, None, None]), "inline holds no dict"),
    ],
)
def test_a_malformed_artifact_listing_is_refused(make: Any, expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        step_artifacts_from_wire(make(), _wrong)


def test_the_longest_inline_copy_is_accepted() -> None:
    wire = _set(_arts(), "inline", ["A" * MAX_INLINE_TEXT, None, None])
    assert len(step_artifacts_from_wire(wire, _wrong)[2][0].inline or "") == MAX_INLINE_TEXT
