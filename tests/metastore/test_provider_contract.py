"""One contract, every metadata provider: the same assertions on each.

PROVIDERS names a fixture per implementation (defined in tests/metastore/conftest.py); add a
name here (and its fixture) to hold a new provider to the same contract. Each fixture gives an
empty store. The service-backed providers run a real `flowscope service` subprocess, over
SQLite and over a real PostgreSQL.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from typing import Any

import pytest

from flowscope.errors import MetadataError, ObjectNotFound, QueryError, RunAlreadyFinished, TagError
from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
from flowscope.metastore.provider import MetadataProvider
from flowscope.metastore.queries import RunQuery
from flowscope.metastore.records import ArtifactRecord, Fact
from flowscope.metastore.run_table import unpack

PROVIDERS = [
    "provider_sqlite",
    "provider_postgres",
    "provider_http_sqlite",
    "provider_http_postgres",
]


@pytest.fixture(params=PROVIDERS)
def provider(request: pytest.FixtureRequest) -> MetadataProvider:
    store: MetadataProvider = request.getfixturevalue(request.param)
    return store


def new_run(p: MetadataProvider, flow: str = "F", **kw: Any) -> int:
    kw.setdefault("user", "alice")
    kw.setdefault("system_tags", (f"user:{kw['user']}",))
    return p.create_run(NewRun(flow_name=flow, **kw)).run_id


def art(name: str, sha: str = "a" * 64, size: int = 3) -> ArtifactRecord:
    return ArtifactRecord(name=name, sha=sha, size=size, type_name="int", serializer="pickle")


def ids(page_items: Any) -> list[int]:
    return [r.run_id for r in page_items]


# ---- runs ------------------------------------------------------------------------------
def test_run_ids_increase_per_flow(provider: MetadataProvider) -> None:
    assert [new_run(provider) for _ in range(3)] == [1, 2, 3]
    assert new_run(provider, "G") == 1
    run = provider.get_run("F", 2)
    assert run is not None and run.run_id == 2 and run.status == "running"
    assert run.user == "alice" and run.system_tags == ("user:alice",)
    assert [f.flow_name for f in provider.list_flows()] == ["F", "G"]
    flow = provider.get_flow("G")
    assert flow is not None and flow.flow_name == "G"


def test_a_run_keeps_the_command_line_that_started_it(provider: MetadataProvider) -> None:
    command = "python3.11 flow.py run --alpha 'a b' --tag x"
    new_run(provider, command_line=command)
    new_run(provider)  # started through the API: no command line
    assert provider.get_run("F", 1).command_line == command  # type: ignore[union-attr]
    assert provider.get_run("F", 2).command_line is None  # type: ignore[union-attr]
    assert {r.run_id: r.command_line for r in provider.list_runs("F").items} == {
        1: command,
        2: None,
    }


def test_a_run_keeps_the_datastore_it_was_recorded_with(provider: MetadataProvider) -> None:
    new_run(provider, datastore="s3://team-bucket/flowscope")
    new_run(provider)  # the metadata store's own datastore: nothing recorded
    assert provider.get_run("F", 1).datastore == "s3://team-bucket/flowscope"  # type: ignore[union-attr]
    assert provider.get_run("F", 2).datastore is None  # type: ignore[union-attr]
    assert [r.datastore for r in provider.list_runs("F").items] == [
        None,
        "s3://team-bucket/flowscope",
    ]
    rows = provider.list_run_rows("F").items
    assert [row.run.datastore for row in rows] == [None, "s3://team-bucket/flowscope"]


def test_small_blobs_come_back_inline_with_the_listings(provider: MetadataProvider) -> None:
    import base64

    inline = base64.b64encode(bytes(range(256)) * 4).decode()
    new_run(provider)
    provider.create_tasks("F", 1, [NewTask("body", 1)])
    provider.start_attempts("F", 1, [AttemptStart(1, 0)])
    small = replace(art("small"), inline=inline)
    provider.finish_attempts(
        "F", 1, [AttemptResult(1, 0, "succeeded", artifacts=(small, art("large", "b" * 64)))]
    )
    listed = {a.name: a.inline for a in provider.list_artifacts("F", 1, 1, 0)}
    assert listed == {"small": inline, "large": None}
    index = provider.list_step_artifacts("F", 1, "body")
    assert {a.name: a.inline for a in index[1]} == {"small": inline, "large": None}
    run_index = provider.list_run_index("F", 1)  # what a run diff reads: no blob for "small"
    assert {a.name: a.inline for a in run_index.artifacts[1]} == {"small": inline, "large": None}


def test_run_ids_unique_under_concurrent_creation(provider: MetadataProvider) -> None:
    got: list[int] = []
    errors: list[BaseException] = []

    def create() -> None:
        try:
            for _ in range(5):
                got.append(new_run(provider))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(got) == list(range(1, 41))


def test_missing_objects_are_none(provider: MetadataProvider) -> None:
    assert provider.get_flow("Nope") is None
    assert provider.get_run("Nope", 1) is None
    new_run(provider)
    assert provider.get_run("F", 2) is None
    assert provider.get_task("F", 1, 1) is None
    assert provider.list_steps("F", 1) == [] and provider.list_tasks("F", 1) == []
    assert provider.get_parameters("F", 5) == {}
    assert provider.list_artifacts("F", 1, 1, 0) == [] and provider.list_facts("F", 1, 1, 0) == []
    assert provider.list_step_artifacts("F", 1, "start") == {}
    assert provider.list_runs("Nope").items == ()


def test_parameters_round_trip(provider: MetadataProvider) -> None:
    params = {
        "alpha": 0.5,
        "n": 3,
        "name": "héllo ☃",
        "flag": True,
        "none": None,
        "nested": {"a": [1, 2, {"b": "c"}]},
    }
    new_run(provider, parameters=params)
    assert provider.get_parameters("F", 1) == params


def test_finish_run(provider: MetadataProvider) -> None:
    new_run(provider)
    provider.create_tasks("F", 1, [NewTask("start", 1)])
    provider.start_attempts("F", 1, [AttemptStart(1, 0)])
    provider.finish_run("F", 1, "failed")
    run = provider.get_run("F", 1)
    assert run is not None and run.status == "failed" and run.finished_at is not None
    task = provider.get_task("F", 1, 1)
    assert task is not None and task.status == "failed"  # its worker is gone
    with pytest.raises(MetadataError):
        provider.finish_run("F", 1, "weird")
    finished = provider.get_run("F", 1)
    provider.finish_run("F", 1, "failed")  # the same finish again: a no-op
    with pytest.raises(RunAlreadyFinished, match="F/1"):  # a finished run's status is final
        provider.finish_run("F", 1, "succeeded")
    assert provider.get_run("F", 1) == finished


# ---- tags ------------------------------------------------------------------------------
def test_tags_update_and_system_tags(provider: MetadataProvider) -> None:
    new_run(provider, user_tags=("a", "b"))
    run = provider.update_tags("F", 1, add=["c", "user:alice"], remove=["a"])
    assert run.user_tags == ("b", "c") and run.system_tags == ("user:alice",)
    assert run.tags == ("b", "c", "user:alice")
    with pytest.raises(TagError):
        provider.update_tags("F", 1, add=["d"], remove=["user:alice"])
    again = provider.get_run("F", 1)
    assert again is not None and again.user_tags == ("b", "c")  # nothing changed
    for bad in ("", " ", "x" * 501, "nul\x00"):
        with pytest.raises(TagError):
            provider.update_tags("F", 1, add=[bad])
    with pytest.raises(TagError):
        provider.update_tags("F", 1, add="single-string")  # type: ignore[arg-type]
    with pytest.raises(ObjectNotFound):
        provider.update_tags("F", 9, add=["x"])
    with pytest.raises(KeyError):  # ObjectNotFound is a KeyError too
        provider.update_tags("F", 9, add=["x"])
    assert [f.flow_name for f in provider.list_flows(tag="c")] == ["F"]
    assert provider.list_flows(tag="a") == []
    with pytest.raises(TagError):
        provider.list_flows(tag="")


# ---- listing ---------------------------------------------------------------------------
def test_paging_with_cursor(provider: MetadataProvider) -> None:
    for _ in range(25):
        new_run(provider)
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        page = provider.list_runs("F", RunQuery(limit=10, cursor=cursor))
        seen += ids(page.items)
        pages += 1
        cursor = page.cursor
        if cursor is None:
            break
    assert pages == 3 and seen == list(range(25, 0, -1))
    with pytest.raises(MetadataError):
        provider.list_runs("F", RunQuery(cursor="not-a-cursor"))
    assert ids(provider.list_runs("F", RunQuery(limit=0)).items) == [25]  # clamped to one


def test_filters(provider: MetadataProvider) -> None:
    now = time.time()
    new_run(
        provider,
        user="alice",
        user_tags=("x", "y"),
        parameters={"alpha": 1, "s": "a"},
        created_at=now - 30,
    )
    new_run(
        provider,
        user="bob",
        user_tags=("y",),
        parameters={"alpha": 2, "s": "b"},
        created_at=now - 20,
    )
    new_run(
        provider, user="carol", user_tags=("z",), parameters={"alpha": 1.5}, created_at=now - 10
    )
    provider.finish_run("F", 1, "succeeded")
    provider.finish_run("F", 2, "failed")

    def q(**kw: Any) -> list[int]:
        return ids(provider.list_runs("F", RunQuery(**kw)).items)

    assert q() == [3, 2, 1]
    assert q(tags_all=("y",)) == [2, 1] and q(tags_all=("x", "y")) == [1]
    assert q(tags_any=("x", "z")) == [3, 1] and q(tags_any=("nope",)) == []
    assert q(tags_all=("user:bob",)) == [2]  # system tags are searchable
    assert q(status="succeeded") == [1] and q(status="failed") == [2]
    assert q(status="running") == [3] and q(status="lost") == []
    assert q(user="bob") == [2] and q(user="nobody") == []
    assert q(since=now - 25) == [3, 2] and q(until=now - 15) == [2, 1]
    assert q(since=now - 25, until=now - 15) == [2]
    assert q(parameters={"alpha": 1}) == [1] and q(parameters={"alpha": 1.5}) == [3]
    assert q(parameters={"s": "b", "alpha": 2}) == [2] and q(parameters={"s": "c"}) == []
    assert q(tags_all=("y",), user="alice", status="succeeded") == [1]
    with pytest.raises(MetadataError):
        q(status="exploded")
    with pytest.raises(TagError):
        q(tags_all=("",))


def test_injection_attempts_are_plain_values(provider: MetadataProvider) -> None:
    new_run(provider, user_tags=("a",))
    evil = "x' OR '1'='1"
    for query in (
        RunQuery(tags_all=(evil,)),
        RunQuery(user=evil),
        RunQuery(tags_any=(evil, "b")),
        RunQuery(parameters={evil: evil}),
        RunQuery(user="%"),
        RunQuery(user="?"),
    ):
        assert provider.list_runs("F", query).items == ()
    assert provider.list_flows(tag="a' --") == []
    assert ids(provider.list_runs("F").items) == [1]


def test_lost_runs(provider: MetadataProvider) -> None:
    stale = new_run(provider, created_at=time.time() - 3600)  # no heartbeat for an hour
    fresh = new_run(provider)
    run = provider.get_run("F", stale)
    assert run is not None and run.status == "lost"
    assert ids(provider.list_runs("F", RunQuery(status="lost")).items) == [stale]
    assert ids(provider.list_runs("F", RunQuery(status="running")).items) == [fresh]
    provider.heartbeat("F", stale)
    run = provider.get_run("F", stale)
    assert run is not None and run.status == "running"
    assert ids(provider.list_runs("F", RunQuery(status="running")).items) == [fresh, stale]


# ---- tasks, attempts, artifacts, facts ---------------------------------------------------
def test_tasks_and_attempts_round_trip(provider: MetadataProvider) -> None:
    new_run(provider)
    now = time.time()
    provider.create_tasks(
        "F",
        1,
        [
            NewTask("start", 1, created_at=now - 2),
            NewTask(
                "body", 2, foreach_index=0, foreach_stack=(["items", 0, 2],), created_at=now - 1
            ),
            NewTask(
                "body",
                3,
                foreach_index=1,
                foreach_stack=(["items", 1, 2],),
                origin_pathspec="F/0/body/3",
                created_at=now - 1,
            ),
        ],
    )
    pending = provider.get_task("F", 1, 2)
    assert pending is not None and pending.status == "pending" and pending.attempt == 0
    assert pending.foreach_index == 0 and pending.foreach_stack == (["items", 0, 2],)
    assert [t.task_id for t in provider.list_tasks("F", 1)] == [1, 2, 3]
    assert [t.task_id for t in provider.list_tasks("F", 1, "body")] == [2, 3]
    assert provider.list_tasks("F", 1, "end") == []
    third = provider.get_task("F", 1, 3)
    assert third is not None and third.origin_pathspec == "F/0/body/3"
    assert third.pathspec == "F/1/body/3"

    provider.start_attempts("F", 1, [AttemptStart(1, 0), AttemptStart(2, 0)])
    task = provider.get_task("F", 1, 1)
    assert task is not None and task.status == "running" and task.started_at is not None
    provider.finish_attempts(
        "F",
        1,
        [
            AttemptResult(1, 0, "succeeded", stdout_key="b" * 64, stderr_key="c" * 64),
            AttemptResult(
                2,
                0,
                "failed",
                exception={"type": "ValueError", "message": "boom", "traceback": ["line 1"]},
            ),
        ],
    )
    provider.start_attempts("F", 1, [AttemptStart(2, 1)])
    latest = provider.get_task("F", 1, 2)
    assert latest is not None and latest.attempt == 1 and latest.status == "running"
    first = provider.get_task("F", 1, 2, attempt=0)
    assert first is not None and first.status == "failed"
    assert first.exception == {"type": "ValueError", "message": "boom", "traceback": ["line 1"]}
    assert provider.get_task("F", 1, 2, attempt=7) is None
    done = provider.get_task("F", 1, 1)
    assert done is not None and done.stdout_key == "b" * 64 and done.finished_at is not None

    steps = {s.step_name: s for s in provider.list_steps("F", 1)}
    assert steps["start"].task_count == 1 and steps["start"].finished_at is not None
    assert steps["body"].task_count == 2 and steps["body"].finished_at is None
    assert [s.step_name for s in provider.list_steps("F", 1)] == ["start", "body"]  # by time
    assert steps["body"].created_at == pytest.approx(now - 1)


def test_artifacts_visible_only_after_finish(provider: MetadataProvider) -> None:
    new_run(provider)
    provider.create_tasks("F", 1, [NewTask("body", 1), NewTask("body", 2)])
    provider.start_attempts("F", 1, [AttemptStart(1, 0), AttemptStart(2, 0)])
    assert provider.list_artifacts("F", 1, 1, 0) == []
    assert provider.list_step_artifacts("F", 1, "body") == {}
    provider.finish_attempts(
        "F",
        1,
        [
            AttemptResult(
                1,
                0,
                "succeeded",
                artifacts=(art("x"), art("y", "b" * 64, 10)),
                facts=(Fact("host", "h1", "str"),),
            ),
        ],
    )
    names = [a.name for a in provider.list_artifacts("F", 1, 1, 0)]
    assert names == ["x", "y"]
    y = provider.list_artifacts("F", 1, 1, 0)[1]
    assert (y.sha, y.size, y.type_name, y.serializer) == ("b" * 64, 10, "int", "pickle")
    assert y.created_at > 0
    assert list(provider.list_step_artifacts("F", 1, "body")) == [1]  # task 2 not finished
    provider.finish_attempts("F", 1, [AttemptResult(2, 0, "succeeded", artifacts=(art("x"),))])
    index = provider.list_step_artifacts("F", 1, "body")
    assert {k: [a.name for a in v] for k, v in index.items()} == {1: ["x", "y"], 2: ["x"]}
    only_y = provider.list_step_artifacts("F", 1, "body", names=["y"])
    assert {k: [a.name for a in v] for k, v in only_y.items()} == {1: ["y"]}
    # a retry supersedes: the step index follows the latest attempt
    provider.start_attempts("F", 1, [AttemptStart(2, 1)])
    assert list(provider.list_step_artifacts("F", 1, "body")) == [1]


def test_facts_round_trip(provider: MetadataProvider) -> None:
    new_run(provider)
    provider.create_tasks("F", 1, [NewTask("start", 1)])
    provider.start_attempts("F", 1, [AttemptStart(1, 0)])
    provider.finish_attempts(
        "F",
        1,
        [
            AttemptResult(
                1,
                0,
                "succeeded",
                facts=(Fact("b", "2", "int", created_at=5.0), Fact("a", "x", "str")),
            )
        ],
    )
    facts = provider.list_facts("F", 1, 1, 0)
    assert [(f.field, f.value, f.type) for f in facts] == [("a", "x", "str"), ("b", "2", "int")]
    assert facts[1].created_at == 5.0


def test_heartbeat_marks_attempts_alive(provider: MetadataProvider) -> None:
    new_run(provider)
    provider.create_tasks("F", 1, [NewTask("start", 1)])
    provider.start_attempts("F", 1, [AttemptStart(1, 0)])
    before = provider.get_task("F", 1, 1)
    time.sleep(0.01)
    provider.heartbeat("F", 1, [(1, 0)])
    after = provider.get_task("F", 1, 1)
    assert before is not None and after is not None
    assert after.heartbeat_at is not None and before.heartbeat_at is not None
    assert after.heartbeat_at > before.heartbeat_at
    provider.heartbeat("F", 99, [(1, 0)])  # an unknown run is not an error


def test_heartbeat_facts_are_set_only_while_the_attempt_runs(provider: MetadataProvider) -> None:
    new_run(provider)
    provider.create_tasks("F", 1, [NewTask("start", 1), NewTask("start", 2)])
    provider.start_attempts("F", 1, [AttemptStart(1, 0), AttemptStart(2, 0)])
    live = [(1, 0, Fact("cards", '["first"]', "json", 3.0)), (9, 0, Fact("cards", "x", "json"))]
    provider.heartbeat("F", 1, [(1, 0)], (), live)  # an unknown task is no error
    provider.heartbeat("F", 1, [(1, 0)], (), [(1, 0, Fact("cards", '["second"]', "json", 4.0))])
    ((fact,),) = [provider.list_facts("F", 1, 1, 0)]
    assert (fact.field, fact.value, fact.type) == ("cards", '["second"]', "json")
    final = AttemptResult(1, 0, "succeeded", facts=(Fact("cards", '["final"]', "json", 5.0),))
    provider.finish_attempts("F", 1, [final, AttemptResult(2, 0, "succeeded")])
    late = [(1, 0, Fact("cards", '["late"]', "json")), (2, 0, Fact("cards", '["late"]', "json"))]
    provider.heartbeat("F", 1, [], (), late)  # the attempts have ended: nothing changes
    assert [f.value for f in provider.list_facts("F", 1, 1, 0)] == ['["final"]']
    assert provider.list_facts("F", 1, 2, 0) == []


def test_batch_writes_are_idempotent(provider: MetadataProvider) -> None:
    new_run(provider)
    tasks = [NewTask("body", i, foreach_index=i - 1) for i in range(1, 301)]
    for _ in range(2):
        provider.create_tasks("F", 1, tasks)
        provider.start_attempts("F", 1, [AttemptStart(i, 0) for i in range(1, 301)])
    results = [AttemptResult(i, 0, "succeeded", artifacts=(art("x"),)) for i in range(1, 301)]
    provider.finish_attempts("F", 1, results)
    provider.finish_attempts("F", 1, results)
    provider.start_attempts("F", 1, [AttemptStart(5, 0)])  # a late duplicate changes nothing
    listed = provider.list_tasks("F", 1, "body")
    assert len(listed) == 300 and all(t.status == "succeeded" for t in listed)
    assert len(provider.list_step_artifacts("F", 1, "body")) == 300


def test_identity_and_no_content_store(provider: MetadataProvider) -> None:
    assert provider.describe().split("@")[0] in ("local", "sql", "service")
    assert not hasattr(provider, "content_store")  # the datastore is chosen on its own
    assert provider.read_live_log("F", 1, 1, 0, "stdout") is None


# ---- where= filters and run rows (the query index) ---------------------------------------
def _scored_run(p: MetadataProvider, alpha: Any, score: Any, **kw: Any) -> int:
    """A finished run whose end task recorded `score` (and a non-scalar artifact)."""
    run_id = new_run(p, parameters={"alpha": alpha, "label": f"a{alpha}"}, **kw)
    p.create_tasks("F", run_id, [NewTask("start", 1), NewTask("end", 2)])
    p.start_attempts("F", run_id, [AttemptStart(1, 0), AttemptStart(2, 0)])
    end = [
        ArtifactRecord("score", "b" * 64, 3, "float", "pickle", scalar=json.dumps(score)),
        ArtifactRecord("model", "c" * 64, 9, "dict", "pickle"),
    ]
    p.finish_attempts(
        "F",
        run_id,
        [AttemptResult(1, 0, "succeeded"), AttemptResult(2, 0, "succeeded", artifacts=tuple(end))],
    )
    p.finish_run("F", run_id, "succeeded")
    return run_id


def _where(p: MetadataProvider, text: str, **kw: Any) -> list[int]:
    return ids(p.list_runs("F", RunQuery(where=text, **kw)).items)


def test_where_filters_on_parameters_and_end_task_artifacts(provider: MetadataProvider) -> None:
    a = _scored_run(provider, 0.05, 0.95)
    b = _scored_run(provider, 0.2, 0.91)
    c = _scored_run(provider, 0.3, 0.5)
    d = new_run(provider, parameters={"alpha": 0.4})  # still running, no end task
    assert _where(provider, "params.alpha > 0.1 and data.score >= 0.9") == [b]
    assert _where(provider, "params.alpha > 0.1 or data.score >= 0.9") == [d, c, b, a]
    assert _where(provider, "params.alpha in (0.05, 0.3)") == [c, a]
    assert _where(provider, "not data.score >= 0.9") == [d, c]  # missing: not matched, negated
    assert _where(provider, "data.score != 0.5") == [b, a]  # != never matches a missing value
    assert _where(provider, "params.label = 'a0.2'") == [b]
    assert _where(provider, "status = 'running'") == [d]
    assert _where(provider, "status in ('succeeded') and user = 'alice'") == [c, b, a]
    assert _where(provider, "finished_at >= '2000-01-01' and duration >= 0") == [c, b, a]
    assert _where(provider, "tags contains 'user:alice' and not tags contains 'x'") == [d, c, b, a]
    # pages follow the filter
    first = provider.list_runs("F", RunQuery(where="data.score > 0", limit=2))
    assert ids(first.items) == [c, b] and first.cursor is not None
    rest = provider.list_runs("F", RunQuery(where="data.score > 0", limit=2, cursor=first.cursor))
    assert ids(rest.items) == [a]


def test_where_reports_unknown_fields_and_type_mismatches(provider: MetadataProvider) -> None:
    _scored_run(provider, 0.05, 0.95)
    with pytest.raises(QueryError, match=r"params\.alpah.*did you mean 'params\.alpha'"):
        _where(provider, "params.alpah > 0.1")
    with pytest.raises(QueryError, match=r"params\.alpha holds numbers.*the string 'x'"):
        _where(provider, "params.alpha > 'x'")
    with pytest.raises(QueryError, match=r"expected a value.*position 16"):
        _where(provider, "params.alpha > ")
    with pytest.raises(QueryError, match="status is one of"):
        _where(provider, "status = 'done'")


def test_where_values_are_bound_not_spliced(provider: MetadataProvider) -> None:
    run = new_run(provider, parameters={"name": "x'); DROP TABLE runs; --"})
    assert _where(provider, "params.name = 'x\\'); DROP TABLE runs; --'") == [run]
    assert ids(provider.list_runs("F").items) == [run]


def test_run_rows_carry_scalar_parameters_and_artifacts(provider: MetadataProvider) -> None:
    a = _scored_run(provider, 0.05, 0.95)
    b = _scored_run(provider, 2, None)
    page = provider.list_run_rows("F", RunQuery(where="params.alpha >= 0"))
    assert [r.run.run_id for r in page.items] == [b, a]
    assert page.items[0].params == {"alpha": 2, "label": "a2"}
    assert page.items[0].data == {"score": None}  # a None artifact is a scalar; model is not
    assert page.items[1].data == {"score": 0.95}
    assert page.items[1].run == provider.get_run("F", a)


def test_run_table_is_the_run_rows_as_columns(provider: MetadataProvider) -> None:
    a = _scored_run(provider, 0.05, 0.95)
    b = _scored_run(provider, 2, None)
    c = new_run(provider, parameters={"alpha": 2**60, "flag": True, "label": "é\u2603"})
    _scored_run(provider, -1, 1.0, user="bob", system_tags=("user:bob",))
    query = RunQuery(where="params.alpha >= 0")
    table = provider.list_run_table("F", query)
    rows = provider.list_run_rows("F", query).items
    assert list(table.run_ids) == [c, b, a] == [r.run.run_id for r in rows]
    assert list(table.statuses) == ["running", "succeeded", "succeeded"]
    assert list(table.users) == ["alice"] * 3 and table.tags[0] == ("user:alice",)
    assert list(table.created_at) == [r.run.created_at for r in rows]
    assert table.finished_at[0] is None and table.finished_at[1] == rows[1].run.finished_at
    params, data = unpack(table.params, "params."), unpack(table.data, "data.")
    assert params == {
        "params.alpha": [2**60, 2, 0.05],
        "params.flag": [True, None, None],
        "params.label": ["é\u2603", "a2", "a0.05"],
    }
    assert [type(v) for v in params["params.alpha"]] == [int, int, float]
    assert data == {"data.score": [None, None, 0.95]}  # c has no end task; b's score is None
    first = provider.list_run_table("F", replace(query, limit=2))
    assert list(first.run_ids) == [c, b] and first.cursor is not None
    rest = provider.list_run_table("F", replace(query, limit=2, cursor=first.cursor))
    assert list(rest.run_ids) == [a] and rest.cursor is None
    assert len(provider.list_run_table("F", RunQuery(where="params.alpha > 1e300"))) == 0


def test_check_filter_reads_no_run_and_names_the_problem(provider: MetadataProvider) -> None:
    run_id = _scored_run(provider, 0.05, 0.95)
    provider.check_filter("F", "params.alpha > 0.1 and data.score >= 0.9")
    with pytest.raises(QueryError, match=r"did you mean 'params\.alpha'"):
        provider.check_filter("F", "params.alpah > 0.1")
    with pytest.raises(QueryError, match="position"):
        provider.check_filter("F", "params.alpha >")
    provider.check_filter("F", "index = 1", step_name="end")
    with pytest.raises(QueryError, match="field of runs"):
        provider.check_filter("F", "status = 'failed'", step_name="end")
    assert ids(provider.list_runs("F").items) == [run_id]


def test_run_index_is_the_tasks_and_their_artifact_listings(provider: MetadataProvider) -> None:
    run_id = _scored_run(provider, 0.05, 0.95)
    provider.create_tasks("F", run_id, [NewTask("train", 3, foreach_index=0)])
    provider.start_attempts("F", run_id, [AttemptStart(3, 0)])
    provider.finish_attempts("F", run_id, [AttemptResult(3, 0, "failed", artifacts=(art("x"),))])
    provider.start_attempts("F", run_id, [AttemptStart(3, 1)])  # running: its artifacts none yet
    index = provider.list_run_index("F", run_id)
    assert list(index.tasks) == provider.list_tasks("F", run_id)
    expected = {}
    for step in ("start", "end", "train"):
        expected.update(provider.list_step_artifacts("F", run_id, step))
    assert {t: list(found) for t, found in index.artifacts.items()} == expected
    assert sorted(index.artifacts) == [2] and [a.name for a in index.artifacts[2]] == [
        "model",
        "score",
    ]
    assert provider.list_run_index("F", 999) == type(index)((), {})


def test_tasks_where_filters_on_foreach_inputs_and_data(provider: MetadataProvider) -> None:
    run_id = new_run(provider)
    provider.create_tasks(
        "F", run_id, [NewTask("train", i, foreach_index=i - 1) for i in (1, 2, 3)]
    )
    provider.start_attempts("F", run_id, [AttemptStart(i, 0) for i in (1, 2, 3)])
    provider.finish_attempts(
        "F",
        run_id,
        [
            AttemptResult(
                i,
                0,
                "succeeded",
                input=json.dumps(x),
                artifacts=(replace(art("loss", size=i), scalar=json.dumps(i * 1.5)),),
            )
            for i, x in ((1, 0.1), (2, 0.2), (3, "big"))
        ],
    )

    def tasks(where: str) -> list[int]:
        return [t.task_id for t in provider.list_tasks("F", run_id, "train", where=where)]

    assert tasks("input = 0.1") == [1]
    rows = provider.list_task_rows("F", run_id, "train", where="index >= 1")
    assert [(r.task.task_id, r.input, r.data) for r in rows] == [
        (2, 0.2, {"loss": 3.0}),
        (3, "big", {"loss": 4.5}),
    ]
    assert [r.task for r in rows] == provider.list_tasks("F", run_id, "train", where="index >= 1")
    assert tasks("input = 'big' or data.loss < 2") == [1, 3]
    assert tasks("index >= 1") == [2, 3]
    with pytest.raises(QueryError, match="did you mean 'data.loss'"):
        tasks("data.los = 1")
