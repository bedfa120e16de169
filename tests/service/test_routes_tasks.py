"""Step, task, attempt, artifact and fact routes, in process (service/routes_tasks.py)."""

from __future__ import annotations

from typing import Any

import pytest

from flowscope.metastore.store import SqlMetadataStore

from .helpers import Api, error_of, seed_run

RUN = "/flows/F/runs/1"
ART = {"name": "x", "sha": "a" * 64, "size": 3, "type_name": "int", "serializer": "pickle"}


@pytest.fixture()
def run(store: SqlMetadataStore) -> int:
    return seed_run(store)


def test_batch_writes_and_reads(api: Api, run: int) -> None:
    tasks = [{"step_name": "start", "task_id": 1}]
    tasks += [
        {
            "step_name": "body",
            "task_id": i,
            "foreach_index": i - 2,
            "foreach_stack": [["items", i - 2, 3]],
        }
        for i in range(2, 5)
    ]
    assert api.post(f"{RUN}/tasks", json={"tasks": tasks}).status_code == 204
    assert api.post(f"{RUN}/tasks", json={"tasks": tasks}).status_code == 204  # retry: no-op
    attempts = [{"task_id": i, "attempt": 0} for i in range(1, 5)]
    assert api.post(f"{RUN}/attempts", json={"attempts": attempts}).status_code == 204
    results = [
        {
            "task_id": 1,
            "attempt": 0,
            "status": "succeeded",
            "artifacts": [ART],
            "facts": [{"field": "host", "value": "h", "type": "str"}],
        },
        {
            "task_id": 2,
            "attempt": 0,
            "status": "failed",
            "exception": {"type": "ValueError", "message": "no"},
        },
    ]
    assert api.post(f"{RUN}/attempts/finish", json={"results": results}).status_code == 204

    listed = api.get(f"{RUN}/tasks").json()["tasks"]
    assert [t["task_id"] for t in listed] == [1, 2, 3, 4]
    assert [t["status"] for t in listed] == ["succeeded", "failed", "running", "running"]
    body = api.get(f"{RUN}/tasks", params={"step": "body"}).json()["tasks"]
    assert body[0]["foreach_stack"] == [["items", 0, 3]]
    steps = {s["step_name"]: s for s in api.get(f"{RUN}/steps").json()["steps"]}
    assert steps["body"]["task_count"] == 3 and steps["start"]["finished_at"] is not None

    task = api.get(f"{RUN}/tasks/2").json()
    assert task["exception"] == {"type": "ValueError", "message": "no"}
    assert api.get(f"{RUN}/tasks/2", params={"attempt": 0}).json()["status"] == "failed"
    assert error_of(api.get(f"{RUN}/tasks/2", params={"attempt": 3})) == (404, "ObjectNotFound")
    assert error_of(api.get(f"{RUN}/tasks/9")) == (404, "ObjectNotFound")

    arts = api.get(f"{RUN}/tasks/1/attempts/0/artifacts").json()["artifacts"]
    assert [a["name"] for a in arts] == ["x"] and arts[0]["sha"] == "a" * 64
    facts = api.get(f"{RUN}/tasks/1/attempts/0/facts").json()["facts"]
    assert [(f["field"], f["value"]) for f in facts] == [("host", "h")]
    index = api.get(f"{RUN}/steps/start/artifacts").json()["tasks"]
    assert list(index) == ["1"] and index["1"][0]["name"] == "x"
    named = api.get(f"{RUN}/steps/start/artifacts", params=[("name", "y"), ("name", "z")])
    assert named.json() == {"tasks": {}}


@pytest.mark.parametrize(
    "path,params",
    [
        (f"{RUN}/tasks", {"step": "not a step"}),
        (f"{RUN}/tasks/0", {}),
        (f"{RUN}/tasks/x", {}),
        (f"{RUN}/tasks/1", {"attempt": "-1"}),
        (f"{RUN}/tasks/1", {"attempt": "first"}),
        (f"{RUN}/tasks/1/attempts/x/artifacts", {}),
        (f"{RUN}/tasks/1/attempts/99999999999/facts", {}),
        (f"{RUN}/steps/1bad/artifacts", {}),
    ],
)
def test_bad_paths_and_params_are_400(api: Api, run: int, path: str, params: Any) -> None:
    status, _ = error_of(api.get(path, params=params))
    assert status == 400


@pytest.mark.parametrize(
    "route,body",
    [
        ("tasks", {"tasks": [{"step_name": "s", "task_id": 0}]}),
        ("tasks", {"tasks": [{"step_name": "s", "task_id": True}]}),
        ("tasks", {"tasks": [{"step_name": "s", "task_id": 2**63}]}),
        ("tasks", {"tasks": [{"step_name": "s", "task_id": 1, "foreach_stack": "x"}]}),
        ("tasks", {"tasks": [{"step_name": "s", "task_id": 1, "created_at": "now"}]}),
        ("tasks", {"tasks": "all"}),
        ("tasks", {"tasks": [5]}),
        ("tasks", {}),
        ("attempts", {"attempts": [{"task_id": 1}]}),
        ("attempts", {"attempts": [{"task_id": 1, "attempt": 1.5}]}),
        ("attempts/finish", {"results": [{"task_id": 1, "attempt": 0, "status": "running"}]}),
        (
            "attempts/finish",
            {"results": [{"task_id": 1, "attempt": 0, "status": "succeeded", "artifacts": "x"}]},
        ),
        (
            "attempts/finish",
            {
                "results": [
                    {
                        "task_id": 1,
                        "attempt": 0,
                        "status": "succeeded",
                        "artifacts": [{**ART, "size": -1}],
                    }
                ]
            },
        ),
        (
            "attempts/finish",
            {
                "results": [
                    {
                        "task_id": 1,
                        "attempt": 0,
                        "status": "succeeded",
                        "facts": [{"field": "f", "value": 1, "type": "int"}],
                    }
                ]
            },
        ),
        (
            "attempts/finish",
            {"results": [{"task_id": 1, "attempt": 0, "status": "failed", "exception": "text"}]},
        ),
    ],
)
def test_bad_bodies_are_400(api: Api, run: int, route: str, body: Any) -> None:
    status, kind = error_of(api.post(f"{RUN}/{route}", json=body))
    assert status == 400 and kind in ("BadRequest", "InvalidPathspec")


def test_step_name_in_a_task_body_is_checked(api: Api, run: int) -> None:
    body = {"tasks": [{"step_name": "../etc", "task_id": 1}]}
    assert error_of(api.post(f"{RUN}/tasks", json=body)) == (400, "InvalidPathspec")


def test_a_listing_carries_inline_blobs_up_to_its_budget(
    api: Api, store: SqlMetadataStore, run: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import base64

    from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewTask
    from flowscope.metastore.records import ArtifactRecord
    from flowscope.service import routes_tasks

    inline = base64.b64encode(bytes(300)).decode()  # 400 characters each
    store.create_tasks("F", run, [NewTask("wide", i) for i in range(100, 110)])
    store.start_attempts("F", run, [AttemptStart(i, 0) for i in range(100, 110)])
    art = ArtifactRecord("x", "a" * 64, 300, "bytes", "pickle", 1.0, inline=inline)
    store.finish_attempts(
        "F", run, [AttemptResult(i, 0, "succeeded", artifacts=(art,)) for i in range(100, 110)]
    )
    monkeypatch.setattr(routes_tasks, "INLINE_BUDGET", 1000)  # room for two copies
    index = api.get(f"{RUN}/steps/wide/artifacts").json()["tasks"]
    copies = [a["inline"] for arts in index.values() for a in arts]
    assert len(copies) == 10 and copies.count(inline) == 2 and copies.count(None) == 8
    columns = api.get(f"{RUN}/steps/wide/artifacts", params={"columns": "true"}).json()
    copies = columns["columns"]["inline"]
    assert len(copies) == 10 and copies.count(inline) == 2 and copies.count(None) == 8
    one = api.get(f"{RUN}/tasks/100/attempts/0/artifacts").json()["artifacts"]
    assert one[0]["inline"] == inline


def test_columns_answers_are_the_record_listings_as_columns(
    api: Api, store: SqlMetadataStore, run: int
) -> None:
    import base64

    from flowscope.metastore.columns import step_artifacts_from_wire, tasks_from_wire
    from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewTask
    from flowscope.metastore.records import ArtifactRecord

    inline = base64.b64encode(b"tiny").decode()
    store.create_tasks("F", run, [NewTask("wide", i, foreach_index=i) for i in (7, 8)])
    store.start_attempts("F", run, [AttemptStart(i, 0) for i in (7, 8)])
    small = ArtifactRecord("x", "a" * 64, 4, "bytes", "pickle", 1.0, inline=inline)
    large = ArtifactRecord("y", "b" * 64, 9000, "bytes", "pickle", 1.0)
    store.finish_attempts(
        "F", run, [AttemptResult(i, 0, "succeeded", artifacts=(small, large)) for i in (7, 8)]
    )

    def wrong(expected: str) -> AssertionError:
        return AssertionError(expected)

    answer = api.get(f"{RUN}/tasks", params={"step": "wide", "columns": "true"}).json()
    assert tasks_from_wire(answer, "F", run, wrong) == store.list_tasks("F", run, "wide")
    answer = api.get(f"{RUN}/tasks", params={"columns": "true"}).json()  # every step
    assert tasks_from_wire(answer, "F", run, wrong) == store.list_tasks("F", run)
    answer = api.get(f"{RUN}/steps/wide/artifacts", params={"columns": "true"}).json()
    assert answer["columns"]["inline"] == [inline, None, inline, None]
    found = step_artifacts_from_wire(answer, wrong)
    assert found == store.list_step_artifacts("F", run, "wide")
    named = api.get(f"{RUN}/steps/wide/artifacts", params=[("columns", "true"), ("name", "y")])
    assert named.json()["columns"]["name"] == ["y", "y"]
    plain = api.get(f"{RUN}/tasks", params={"step": "wide", "columns": "false"}).json()
    assert [t["task_id"] for t in plain["tasks"]] == [7, 8]  # the record form, as before


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (f"{RUN}/tasks", {"columns": "yes"}),
        (f"{RUN}/tasks", {"step": "start", "columns": "true", "values": "true"}),
        (f"{RUN}/steps/start/artifacts", {"columns": "1"}),
    ],
)
def test_a_bad_columns_key_is_refused(api: Api, run: int, path: str, params: Any) -> None:
    assert error_of(api.get(path, params=params)) == (400, "BadRequest")
