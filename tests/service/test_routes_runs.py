"""Flow and run routes, in process (service/routes_runs.py)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from flowscope.metastore.queries import RunQuery
from flowscope.metastore.store import SqlMetadataStore

from .helpers import Api, error_of, seed_run

RUNS = "/flows/F/runs"


def create(api: Api, **body: Any) -> Any:
    body.setdefault("user", "alice")
    response = api.post(RUNS, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_create_run_returns_the_record(api: Api, store: SqlMetadataStore) -> None:
    run = create(
        api,
        user_tags=["b", "a"],
        system_tags=["user:alice"],
        parameters={"x": 1},
        code_key="c" * 64,
        command_line="python f.py run --x 1",
    )
    assert run["command_line"] == "python f.py run --x 1"
    assert store.get_run("F", 1).command_line == "python f.py run --x 1"  # type: ignore[union-attr]
    assert run["run_id"] == 1 and run["flow_name"] == "F" and run["status"] == "running"
    assert run["user_tags"] == ["a", "b"] and run["system_tags"] == ["user:alice"]
    assert run["code_key"] == "c" * 64
    assert store.get_parameters("F", 1) == {"x": 1}
    assert create(api)["run_id"] == 2


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"user": 5},
        {"user": "a\x00b"},
        {"user": "u", "parameters": [1]},
        {"user": "u", "created_at": "yesterday"},
        {"user": "u", "created_at": True},
        {"user": "u", "origin_run_id": 0},
        {"user": "u", "origin_run_id": 2**70},
        {"user": "u", "code_key": 7},
        {"user": "u", "command_line": ["python", "f.py"]},
        {"user": "u", "command_line": "a\x00b"},
    ],
)
def test_create_run_refuses_bad_bodies(api: Api, body: dict[str, Any]) -> None:
    assert error_of(api.post(RUNS, json=body)) == (400, "BadRequest")


@pytest.mark.parametrize("tags", ["one-string", [""], [1], {"a": 1}, ["x" * 501]])
def test_create_run_refuses_bad_tags(api: Api, tags: Any) -> None:
    assert error_of(api.post(RUNS, json={"user": "u", "user_tags": tags})) == (400, "TagError")


def test_idempotency_key_makes_create_run_retry_safe(api: Api) -> None:
    key = {"Idempotency-Key": "abcdef0123456789"}
    first = api.post(RUNS, json={"user": "u"}, headers=key).json()
    again = api.post(RUNS, json={"user": "u"}, headers=key).json()
    assert first["run_id"] == again["run_id"] == 1
    assert create(api)["run_id"] == 2
    assert api.post("/flows/G/runs", json={"user": "u"}, headers=key).json()["run_id"] == 1
    assert error_of(
        api.post(RUNS, json={"user": "u"}, headers={"Idempotency-Key": "bad key!"})
    ) == (400, "BadRequest")


def test_get_run_and_flow(api: Api) -> None:
    create(api)
    assert api.get(f"{RUNS}/1").json()["run_id"] == 1
    assert error_of(api.get(f"{RUNS}/2")) == (404, "ObjectNotFound")
    assert error_of(api.get(f"{RUNS}/0")) == (400, "InvalidPathspec")
    assert error_of(api.get(f"{RUNS}/abc")) == (400, "InvalidPathspec")
    assert error_of(api.get("/flows/9bad/runs/1")) == (400, "InvalidPathspec")
    assert api.get("/flows/F").json()["flow_name"] == "F"
    assert error_of(api.get("/flows/G")) == (404, "ObjectNotFound")
    assert [f["flow_name"] for f in api.get("/flows").json()["flows"]] == ["F"]


def test_list_runs_pages_with_cursor(api: Api, store: SqlMetadataStore) -> None:
    for _ in range(7):
        seed_run(store)
    first = api.get(RUNS, params={"limit": 3}).json()
    assert [r["run_id"] for r in first["items"]] == [7, 6, 5] and first["cursor"]
    second = api.get(RUNS, params={"limit": 3, "cursor": first["cursor"]}).json()
    assert [r["run_id"] for r in second["items"]] == [4, 3, 2]
    last = api.get(RUNS, params={"limit": 3, "cursor": second["cursor"]}).json()
    assert [r["run_id"] for r in last["items"]] == [1] and last["cursor"] is None
    summary = first["items"][0]
    assert {"status", "created_at", "finished_at", "user_tags", "system_tags"} <= set(summary)


def test_list_runs_filters(api: Api, store: SqlMetadataStore) -> None:
    now = time.time()
    seed_run(
        store, user="alice", user_tags=("x",), parameters={"a": 1, "s": "text"}, created_at=now - 20
    )
    seed_run(store, user="bob", user_tags=("y",), parameters={"a": 2}, created_at=now - 10)
    store.finish_run("F", 1, "succeeded")

    def ids(params: Any) -> list[int]:
        response = api.get(RUNS, params=params)
        assert response.status_code == 200, response.text
        return [r["run_id"] for r in response.json()["items"]]

    assert ids({"tag": "x"}) == [1] and ids([("any_tag", "x"), ("any_tag", "y")]) == [2, 1]
    assert ids([("tag", "x"), ("tag", "y")]) == []
    assert ids({"status": "succeeded"}) == [1] and ids({"status": "running"}) == [2]
    assert ids({"user": "bob"}) == [2]
    assert ids({"since": now - 15}) == [2] and ids({"until": now - 15}) == [1]
    assert ids({"param.a": "2"}) == [2] and ids({"param.a": "1"}) == [1]
    assert ids({"param.s": '"text"'}) == [1] and ids({"param.s": "text"}) == [1]  # bare text


@pytest.mark.parametrize(
    "params",
    [
        {"status": "exploded"},
        {"limit": "ten"},
        {"since": "yesterday"},
        {"until": "nan"},
        {"cursor": "abc"},
        {"cursor": str(2**80)},
        {"colour": "red"},
        {"user": "a\x00"},
    ],
)
def test_list_runs_refuses_bad_queries(api: Api, params: dict[str, str]) -> None:
    assert error_of(api.get(RUNS, params=params)) == (400, "BadRequest")


def test_list_runs_refuses_bad_tags(api: Api) -> None:
    assert error_of(api.get(RUNS, params={"tag": ""})) == (400, "TagError")
    assert error_of(api.get("/flows", params={"tag": " "})) == (400, "TagError")


def test_list_runs_limit_is_clamped_like_the_store(api: Api, store: SqlMetadataStore) -> None:
    seed_run(store)
    seed_run(store)
    assert len(api.get(RUNS, params={"limit": 0}).json()["items"]) == 1
    assert len(api.get(RUNS, params={"limit": 10**9}).json()["items"]) == 2
    assert store.list_runs("F", RunQuery(limit=0)).items[0].run_id == 2


def test_parameters_heartbeat_finish(api: Api, store: SqlMetadataStore) -> None:
    seed_run(store, parameters={"p": [1, "two"]}, created_at=time.time() - 3600)
    assert api.get(f"{RUNS}/1/parameters").json() == {"parameters": {"p": [1, "two"]}}
    assert api.get(f"{RUNS}/1").json()["status"] == "lost"
    assert api.post(f"{RUNS}/1/heartbeat", json={"tasks": []}).status_code == 204
    assert api.get(f"{RUNS}/1").json()["status"] == "running"
    assert api.post(f"{RUNS}/1/finish", json={"status": "succeeded"}).status_code == 204
    run = api.get(f"{RUNS}/1").json()
    assert run["status"] == "succeeded" and run["finished_at"] is not None
    assert error_of(api.post(f"{RUNS}/1/finish", json={"status": "lost"})) == (400, "BadRequest")
    for bad in ({"tasks": "all"}, {"tasks": [[1]]}, {"tasks": [["1", 0]]}, {"tasks": [[1, -1]]}):
        assert error_of(api.post(f"{RUNS}/1/heartbeat", json=bad)) == (400, "BadRequest")


def test_heartbeat_records_the_output_so_far_of_running_attempts(
    api: Api, store: SqlMetadataStore
) -> None:
    from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewTask

    seed_run(store)
    store.create_tasks("F", 1, [NewTask("start", 1), NewTask("end", 2)])
    store.start_attempts("F", 1, [AttemptStart(1, 0), AttemptStart(2, 0)])
    store.finish_attempts("F", 1, [AttemptResult(2, 0, "succeeded", stdout_key="f" * 64)])
    out, err = "a" * 64, "b" * 64
    body = {"tasks": [[1, 0]], "logs": [[1, 0, out, None], [2, 0, err, err]]}
    assert api.post(f"{RUNS}/1/heartbeat", json=body).status_code == 204
    running, done = store.get_task("F", 1, 1), store.get_task("F", 1, 2)
    assert running is not None and (running.stdout_key, running.stderr_key) == (out, None)
    assert done is not None and done.stdout_key == "f" * 64  # a finished attempt keeps its logs
    for bad in (
        {"logs": "x"},
        {"logs": [[1, 0, "short", None]]},
        {"logs": [[1, 0, None]]},
        {"logs": [[1, 0, "A" * 64, None]]},
    ):
        assert error_of(api.post(f"{RUNS}/1/heartbeat", json=bad)) == (400, "BadRequest")


def test_update_tags(api: Api, store: SqlMetadataStore) -> None:
    seed_run(store, user_tags=("a",), system_tags=("user:alice",))
    run = api.post(f"{RUNS}/1/tags", json={"add": ["b"], "remove": ["a"]}).json()
    assert run["user_tags"] == ["b"] and run["system_tags"] == ["user:alice"]
    assert error_of(api.post(f"{RUNS}/1/tags", json={"remove": ["user:alice"]})) == (
        400,
        "TagError",
    )
    assert error_of(api.post(f"{RUNS}/9/tags", json={"add": ["x"]})) == (404, "ObjectNotFound")
    assert error_of(api.post(f"{RUNS}/1/tags", json={"add": [None]})) == (400, "TagError")
    assert error_of(api.post(f"{RUNS}/1/tags", json={"add": 3})) == (400, "TagError")


def test_list_runs_where_answers_400_with_the_parsers_message(
    api: Api, store: SqlMetadataStore
) -> None:
    seed_run(store)
    bad = api.get(RUNS, params={"where": "status = "})
    assert error_of(bad) == (400, "QueryError")
    assert "expected a value" in bad.json()["error"]["message"]
    assert "^" in bad.json()["error"]["message"]
    typo = api.get(RUNS, params={"where": "stauts = 'failed'"})
    assert error_of(typo) == (400, "QueryError") and "did you mean 'status'" in typo.text
    too_long = api.get(RUNS, params={"where": "status = 'failed' or " * 400 + "user = 'x'"})
    assert error_of(too_long) == (400, "BadRequest")
    assert error_of(api.get(RUNS, params={"values": "maybe"})) == (400, "BadRequest")
    found = api.get(RUNS, params={"where": "status != 'failed'", "values": "true"})
    assert found.status_code == 200, found.text
    item = found.json()["items"][0]
    assert set(item) == {"run", "params", "data"} and item["run"]["flow_name"] == "F"
