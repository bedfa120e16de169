"""Records (metastore/records.py, and the write-side and query values built on the same base):
frozen values that round-trip through JSON-safe dicts."""

from __future__ import annotations

import dataclasses
import json

import pytest

from flowscope.frozen import Frozen, fields
from flowscope.metastore import new_records, queries, records
from flowscope.metastore.new_records import AttemptResult, NewRun, NewTask
from flowscope.metastore.queries import RunQuery
from flowscope.metastore.records import PENDING, ArtifactRecord, RunRecord, TaskRecord


def _wire(record: object) -> dict[str, object]:
    data: dict[str, object] = json.loads(json.dumps(record.to_dict()))  # type: ignore[attr-defined]
    return data


def test_a_run_round_trips_through_json() -> None:
    run = RunRecord("F", 3, "ann", "running", 1.5, user_tags=("b", "a"), system_tags=("user:ann",))
    assert RunRecord.from_dict(_wire(run)) == run  # lists come back as tuples
    assert run.tags == ("a", "b", "user:ann")


def test_a_task_round_trips_and_names_its_pathspec() -> None:
    task = TaskRecord("F", 3, "body", 7, 2.0, foreach_stack=(("x", 1, 0),), exception={"type": "E"})
    assert task.status == PENDING and task.attempt == 0
    assert task.pathspec == "F/3/body/7"
    back = TaskRecord.from_dict(_wire(task))
    assert back.foreach_stack == (["x", 1, 0],) and back.exception == {"type": "E"}


def test_unknown_keys_are_ignored_so_newer_services_stay_readable() -> None:
    data = {**NewTask("s", 1).to_dict(), "added_later": True}
    assert NewTask.from_dict(data) == NewTask("s", 1)


def test_records_are_frozen_and_compact() -> None:
    run = NewRun("F", "u")
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.user = "v"  # type: ignore[misc]
    assert not hasattr(run, "__dict__")  # slots


RECORDS = sorted(
    {
        v
        for module in (records, new_records, queries)
        for v in vars(module).values()
        if isinstance(v, type) and issubclass(v, records.Record)
    },
    key=lambda cls: cls.__name__,
)


def test_every_record_takes_its_fields_in_slot_order_and_reflects_them() -> None:
    assert len(RECORDS) == 15  # the base and the fourteen records
    for cls in RECORDS:
        if cls is records.Record:
            continue
        code = cls.__init__.__code__
        params = code.co_varnames[1 : code.co_argcount]
        assert params == tuple(f.name for f in fields(cls)), cls
        assert tuple(f.name for f in dataclasses.fields(cls)) == params, cls
        assert set(params) <= set(cls.__annotations__), cls  # typed, as answers.py reads them
        assert issubclass(cls, Frozen) and "__slots__" in vars(cls), cls


def test_records_with_mapping_fields_get_a_fresh_one_each() -> None:
    first, second = NewRun("F", "u"), NewRun("F", "u")
    assert first.parameters == {} and first.parameters is not second.parameters
    assert RunQuery().parameters is not RunQuery().parameters


def test_to_dict_copies_nested_records_and_mappings_as_asdict_did() -> None:
    result = AttemptResult(
        1,
        0,
        "failed",
        artifacts=(ArtifactRecord("x", "ab", 1, "int", "pickle"),),
        exception={"type": "E", "frames": [{"line": 1}]},
    )
    plain = result.to_dict()
    assert plain == dataclasses.asdict(result)
    assert plain["artifacts"][0] == {**ArtifactRecord("x", "ab", 1, "int", "pickle").to_dict()}
    assert plain["exception"] is not result.exception
