"""Request bodies to records (service/bodies.py): every field checked, the records' shapes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from flowscope.errors import InvalidPathspec, TagError
from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
from flowscope.metastore.records import ArtifactRecord, Fact
from flowscope.service import bodies
from flowscope.service.wire import HttpError

KEY = "0f" * 32


def _wire(record: Any) -> dict[str, Any]:
    """A record as a client sends it: to_dict() through JSON (tuples become lists)."""
    data: dict[str, Any] = json.loads(json.dumps(record.to_dict()))
    return data


def _refused(call: Callable[[], object]) -> str:
    with pytest.raises(HttpError) as info:
        call()
    assert info.value.status == 400 and info.value.kind == "BadRequest"
    return info.value.message


def test_a_new_run_round_trips_its_wire_form() -> None:
    run = NewRun("F", "ann", ("a",), ("user:ann",), {"n": [1]}, "k", 3, 1.5, "python f.py run")
    assert bodies.new_run(_wire(run), "F") == run


def test_a_minimal_run_body() -> None:
    assert bodies.new_run({"user": "u"}, "F") == NewRun("F", "u")


@pytest.mark.parametrize(
    "body,words",
    [
        ({}, "user must be a string"),
        ({"user": "u" * 501}, "limit is 500"),
        ({"user": "u", "parameters": []}, "parameters must be an object"),
        ({"user": "u", "origin_run_id": 0}, "origin_run_id must be between 1"),
        ({"user": "u", "created_at": "now"}, "created_at must be a number"),
        ({"user": "u", "command_line": 3}, "command_line must be a string"),
    ],
)
def test_bad_run_bodies(body: dict[str, Any], words: str) -> None:
    assert words in _refused(lambda: bodies.new_run(body, "F"))


def test_tags_are_tag_errors_like_the_local_store() -> None:
    with pytest.raises(TagError, match="single str"):
        bodies.new_run({"user": "u", "user_tags": "one"}, "F")
    with pytest.raises(TagError, match="must be a list of tags, got int"):
        bodies.tag_change({"add": 3})
    with pytest.raises(TagError, match="empty"):
        bodies.tag_change({"remove": [""]})
    assert bodies.tag_change({"add": ["a", "a"]}) == (("a",), ())


def test_tasks_and_attempt_starts() -> None:
    tasks = [NewTask("body", 2, 0, (["xs", 0, 0],), "F/1/body/2", 1.0), NewTask("end", 3)]
    assert bodies.new_tasks({"tasks": [_wire(t) for t in tasks]}) == [
        NewTask("body", 2, 0, (["xs", 0, 0],), "F/1/body/2", 1.0),
        NewTask("end", 3),
    ]
    starts = [AttemptStart(2, 0, 1.0), AttemptStart(3, 1)]
    assert bodies.attempt_starts({"attempts": [_wire(a) for a in starts]}) == starts
    with pytest.raises(InvalidPathspec):
        bodies.new_tasks({"tasks": [{"step_name": "no-dash", "task_id": 1}]})
    assert "tasks[0].task_id" in _refused(
        lambda: bodies.new_tasks({"tasks": [{"step_name": "s", "task_id": 0}]})
    )
    assert "foreach_stack must be a list" in _refused(
        lambda: bodies.new_tasks({"tasks": [{"step_name": "s", "task_id": 1, "foreach_stack": {}}]})
    )
    assert "tasks must be a list of objects" in _refused(lambda: bodies.new_tasks({}))


def test_batches_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bodies, "MAX_BATCH", 2)
    items = [{"task_id": 1, "attempt": 0}] * 3
    assert "the limit is 2 per call" in _refused(lambda: bodies.attempt_starts({"attempts": items}))


def test_attempt_results_with_their_artifacts_and_facts() -> None:
    result = AttemptResult(
        2,
        0,
        "succeeded",
        3.0,
        (ArtifactRecord("x", KEY, 4, "int", "pickle", 1.0),),
        (Fact("attempt", "0", "int", 1.0),),
        KEY,
        None,
        None,
        {"type": "ValueError", "message": "m"},
        blob_keys=(KEY,),
    )
    assert bodies.attempt_results({"results": [_wire(result)]}) == [result]


@pytest.mark.parametrize(
    "change,words",
    [
        ({"status": "running"}, "status must be succeeded or failed"),
        ({"exception": "boom"}, "exception must be an object"),
        ({"artifacts": [{"name": "x"}]}, "artifacts[0].sha must be a string"),
        ({"facts": [{"field": "f", "value": 1, "type": "t"}]}, "facts[0].value must be a string"),
        ({"attempt": -1}, "results[0].attempt must be between 0"),
        ({"blob_keys": "a" * 64}, "results[0].blob_keys must be a list of at most"),
        ({"blob_keys": [KEY, "../etc"]}, "results[0].blob_keys[1] must be a blob key"),
        ({"blob_keys": [KEY.upper()]}, "results[0].blob_keys[0] must be a blob key"),
        ({"blob_keys": [KEY] * 10_001}, "at most 10000 blob keys"),
    ],
)
def test_bad_attempt_results(change: dict[str, Any], words: str) -> None:
    result = {**_wire(AttemptResult(1, 0, "failed")), **change}
    assert words in _refused(lambda: bodies.attempt_results({"results": [result]}))


def test_heartbeats() -> None:
    assert bodies.heartbeat_tasks({}) == [] and bodies.heartbeat_logs({}) == []
    assert bodies.heartbeat_tasks({"tasks": [[2, 0], [3, 1]]}) == [(2, 0), (3, 1)]
    assert bodies.heartbeat_logs({"logs": [[2, 0, KEY, None]]}) == [(2, 0, KEY, None)]
    assert "tasks[0] must be a [task_id, attempt] pair" in _refused(
        lambda: bodies.heartbeat_tasks({"tasks": [[1]]})
    )
    assert "list of [task_id, attempt] pairs" in _refused(
        lambda: bodies.heartbeat_tasks({"tasks": {}})
    )
    for bad_key in ("A" * 64, "0" * 63, 5, "g" * 64):
        assert "must be a blob key" in _refused(
            lambda bad_key=bad_key: bodies.heartbeat_logs({"logs": [[1, 0, bad_key, None]]})
        )
    assert "logs[0] must be" in _refused(lambda: bodies.heartbeat_logs({"logs": [[1, 0, None]]}))


def test_heartbeat_facts() -> None:
    assert bodies.heartbeat_facts({}) == []
    fact = {"field": "cards", "value": "[]", "type": "json", "created_at": 2.0}
    assert bodies.heartbeat_facts({"facts": [[2, 0, fact]]}) == [
        (2, 0, Fact("cards", "[]", "json", 2.0))
    ]
    assert "list of [task_id, attempt, fact]" in _refused(
        lambda: bodies.heartbeat_facts({"facts": {}})
    )
    for bad in ([2, 0], [2, 0, "cards"], [0, 0, fact], [2, 0, {"field": "cards"}]):
        assert "facts[0]" in _refused(lambda bad=bad: bodies.heartbeat_facts({"facts": [bad]}))


def test_run_status() -> None:
    assert bodies.run_status({"status": "failed"}) == "failed"
    assert "got 'lost'" in _refused(lambda: bodies.run_status({"status": "lost"}))
    assert "got 'None'" in _refused(lambda: bodies.run_status({}))


def test_a_run_records_its_datastore_and_an_artifact_its_inline_blob() -> None:
    import base64

    from flowscope.metastore.records import MAX_ADDRESS, MAX_INLINE_TEXT

    run = NewRun("F", "ann", datastore="s3://team-bucket/flowscope")
    assert bodies.new_run(_wire(run), "F").datastore == "s3://team-bucket/flowscope"
    long = {**_wire(run), "datastore": "s3://" + "b" * MAX_ADDRESS}
    assert f"the limit is {MAX_ADDRESS}" in _refused(lambda: bodies.new_run(long, "F"))
    inline = base64.b64encode(b"stored form").decode()
    art = ArtifactRecord("x", KEY, 11, "bytes", "pickle", 1.0, inline=inline)
    result = AttemptResult(2, 0, "succeeded", 3.0, (art,))
    assert bodies.attempt_results({"results": [_wire(result)]}) == [result]

    def refused_inline(value: object) -> str:
        wire = _wire(result)
        wire["artifacts"][0]["inline"] = value
        return _refused(lambda: bodies.attempt_results({"results": [wire]}))

    assert "must be base64" in refused_inline("not base64!")
    assert "must be base64" in refused_inline("QUJ")  # bad padding
    assert f"the limit is {MAX_INLINE_TEXT}" in refused_inline("A" * (MAX_INLINE_TEXT + 4))
    assert "must be a string" in refused_inline(123)
