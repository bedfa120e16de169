"""A run's task and artifact index and its columnar wire form (metastore/run_index.py). Pure."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

import pytest

from flowscope.metastore.columns import ARTIFACT_COLUMNS, TASK_COLUMNS
from flowscope.metastore.records import ArtifactRecord, TaskRecord
from flowscope.metastore.run_index import RunIndex, from_wire, to_wire


def _index() -> RunIndex:
    tasks = (
        TaskRecord("F", 3, "start", 1, 1.0, status="succeeded", started_at=1.5, env_key="e"),
        TaskRecord(
            "F",
            3,
            "train",
            2,
            2.0,
            attempt=1,
            status="failed",
            foreach_index=0,
            foreach_stack=(["items", 0, 2],),
            exception={"type": "ValueError", "message": "no"},
        ),
        TaskRecord("F", 3, "train", 3, 2, foreach_index=1, foreach_stack=(["items", 1, 2],)),
    )
    artifacts = {
        1: (ArtifactRecord("a", "a" * 64, 3, "int", "pickle", 1.0),),
        2: (
            ArtifactRecord("a", "b" * 64, 3, "int", "pickle", 2.0),
            ArtifactRecord("z", "c" * 64, 9, "list", "pickle", 2.5),
        ),
    }
    return RunIndex(tasks, artifacts)


def _wrong(expected: str) -> ValueError:
    return ValueError(f"expected {expected}")


def test_the_columns_are_the_records_fields_in_order() -> None:
    assert [f.name for f in fields(TaskRecord)][2:] == [c.name for c in TASK_COLUMNS]
    names = [f.name for f in fields(ArtifactRecord) if f.name != "scalar"]
    assert names == [c.name for c in ARTIFACT_COLUMNS[1:]]


def test_an_index_round_trips_through_json() -> None:
    index = _index()
    wire = json.loads(json.dumps(to_wire(index)))
    assert wire["artifacts"]["task_id"] == [1, 2, 2]
    assert from_wire(wire, "F", 3, _wrong) == index
    empty = RunIndex((), {})
    assert from_wire(to_wire(empty), "F", 3, _wrong) == empty


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda w: w.pop("tasks"), "tasks that is an object of columns"),
        (lambda w: w["tasks"].pop("status"), "tasks whose status is a list"),
        (lambda w: w["tasks"].update(task_id=[1, 2]), "tasks whose task_id is a list as long"),
        (lambda w: w["tasks"].update(task_id=[1, True, 3]), "tasks whose task_id holds no bool"),
        (lambda w: w["tasks"].update(foreach_stack=[[], {}, []]), "foreach_stack holds no dict"),
        (lambda w: w["artifacts"].update(size=["3", 3, 9]), "artifacts whose size holds no str"),
        (lambda w: w["artifacts"].update(inline=["x" * 10**6, None, None]), "at most 87384"),
        (lambda w: w["artifacts"].update(inline=[3, None, None]), "inline holds no int"),
    ],
)
def test_a_malformed_index_is_refused(change: Any, expected: str) -> None:
    wire = to_wire(_index())
    change(wire)
    with pytest.raises(ValueError, match=expected):
        from_wire(wire, "F", 3, _wrong)


def test_inline_copies_travel_and_an_older_service_without_them_reads_as_none() -> None:
    index = _index()
    copy = ArtifactRecord("a", "a" * 64, 3, "int", "pickle", 1.0, inline="AAEC")
    with_copy = RunIndex(index.tasks, {**index.artifacts, 1: (copy,)})
    wire = json.loads(json.dumps(to_wire(with_copy)))
    assert wire["artifacts"]["inline"] == ["AAEC", None, None]
    assert from_wire(wire, "F", 3, _wrong) == with_copy
    del wire["artifacts"]["inline"]  # as a service from before schema version 5 answers
    assert from_wire(wire, "F", 3, _wrong) == index
