"""Flow.runs(where=...), RunList.to_pandas() and Step.tasks(where=...) (client/query.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from flowscope.client import Flow, Run, namespace
from flowscope.errors import QueryError


def test_runs_where_filters_in_the_store_newest_first(client, builder):
    for alpha in (0.1, 0.5, 0.9):
        builder.hello(alpha=alpha)
    builder.hello(alpha=0.7, finish=False)
    flow = Flow("HelloFlow")
    assert [r.id for r in flow.runs(where="params.alpha > 0.3")] == ["4", "3", "2"]
    assert [r.id for r in flow.runs(where="params.alpha > 0.3 and finished_at > 0")] == ["3", "2"]
    assert [r.id for r in flow.runs(where="data.message = 'hi' and status = 'succeeded'")] == [
        "3",
        "2",
        "1",
    ]
    assert [r.id for r in flow.runs(where="finished_at > '2000-01-01'")] == ["3", "2", "1"]
    runs = list(flow.runs(where="params.alpha = 0.5"))
    assert runs == [Run("HelloFlow/2")] and runs[0].data.alpha == 0.5


def test_where_and_tags_and_the_namespace_combine(client, builder):
    builder.hello(tags=["keeper"], alpha=0.2)
    builder.hello(tags=["keeper"], alpha=0.2, user="bob")
    builder.hello(alpha=0.2)
    flow = Flow("HelloFlow")
    assert [r.id for r in flow.runs("keeper", where="params.alpha = 0.2")] == ["1"]
    namespace(None)
    assert [r.id for r in Flow("HelloFlow").runs("keeper", where="user = 'bob'")] == ["2"]
    assert [r.id for r in Flow("HelloFlow").runs(where="tags contains 'keeper'")] == ["2", "1"]


def test_a_bad_filter_fails_at_the_call_not_as_an_empty_loop(client, builder):
    builder.hello()
    flow = Flow("HelloFlow")
    with pytest.raises(QueryError, match=r"'params\.alpah'.*did you mean 'params\.alpha'"):
        flow.runs(where="params.alpah > 0.1")
    with pytest.raises(QueryError, match=r"holds numbers.*the string 'x'"):
        flow.runs(where="params.alpha > 'x'")
    with pytest.raises(QueryError, match=r"position 15:\n  params\.alpha >>"):
        flow.runs(where="params.alpha >> 1")


def test_to_pandas_has_one_row_per_run_and_a_column_per_scalar(client, builder):
    builder.hello(alpha=0.1)
    builder.hello(alpha=0.9, tags=["best"])
    builder.hello(alpha=0.4, finish=False)
    table = Flow("HelloFlow").runs().to_pandas()
    assert list(table.columns) == [
        "id",
        "status",
        "user",
        "started_at",
        "finished_at",
        "duration",
        "tags",
        "params.alpha",
        "data.alpha",
        "data.message",
        "data.x",
    ]  # data.result is a list: not a scalar
    assert list(table["id"]) == ["3", "2", "1"]
    assert list(table["params.alpha"]) == [0.4, 0.9, 0.1]
    assert list(table["status"]) == ["running", "succeeded", "succeeded"]
    assert table["data.x"].tolist() == [3, 3, 3]
    assert table["duration"].isna().tolist() == [True, False, False]  # still running
    assert table["duration"].iloc[1] > 0 and table["started_at"].iloc[0].tzinfo is not None
    assert "best" in table["tags"].iloc[1] and "user:alice" in table["tags"].iloc[1]
    picked = Flow("HelloFlow").runs(where="params.alpha > 0.2").to_pandas(["id", "data.x"])
    assert picked.to_dict("list") == {"id": ["3", "2"], "data.x": [3, 3]}
    with pytest.raises(QueryError, match="did you mean 'data.x'"):
        Flow("HelloFlow").runs().to_pandas(["data.y"])


def test_run_list_iterates_lazily(client, builder, monkeypatch):
    for _ in range(3):
        builder.hello()
    flow = Flow("HelloFlow")
    calls, checks = [], []
    real, check = flow._provider.list_runs, flow._provider.check_filter
    monkeypatch.setattr(flow._provider, "list_runs", lambda *a: calls.append(a) or real(*a))
    monkeypatch.setattr(flow._provider, "check_filter", lambda *a: checks.append(a) or check(*a))
    runs = flow.runs(where="params.alpha > 0")
    assert checks == [("HelloFlow", "params.alpha > 0")]  # the up-front check: no run read
    assert calls == []
    assert next(runs).id == "3" and len(calls) == 1
    assert [r.id for r in runs] == ["2", "1"] and len(calls) == 1
    unfiltered = flow.runs()
    assert len(calls) == 1 and iter(unfiltered) is unfiltered and len(checks) == 1


def test_tasks_where_selects_foreach_tasks_by_input_index_and_data(client, builder):
    run = builder.foreach(4)
    step = Run(run.pathspec)["square"]
    by_index = {t.index: t.id for t in step}
    assert [t.id for t in step.tasks(where="data.y >= 4")] == [by_index[3], by_index[2]]
    assert [t.id for t in step.tasks(where="index = 1")] == [by_index[1]]
    assert [t.id for t in step.tasks("nope", where="index = 1")] == []
    with pytest.raises(QueryError, match="did you mean 'data.y'"):
        step.tasks(where="data.yy = 1")


def test_pandas_is_imported_only_by_to_pandas(tmp_path):
    code = (
        "import sys, flowscope\n"
        "from flowscope.client import query, flow\n"
        "assert 'pandas' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path)


def test_tasks_to_pandas_has_one_row_per_task(client, builder):
    run = builder.foreach(3)
    step = Run(run.pathspec)["square"]
    table = step.tasks().to_pandas()
    assert list(table.columns) == [
        "id",
        "status",
        "started_at",
        "finished_at",
        "duration",
        "index",
        "input",
        "data.input",
        "data.y",
    ]  # data.items is a list
    assert list(table["index"]) == [2, 1, 0] and list(table["data.y"]) == [4, 1, 0]
    assert list(table["id"]) == [t.id for t in step]
    picked = step.tasks(where="data.y >= 1").to_pandas(["index", "data.y"])
    assert picked.to_dict("list") == {"index": [2, 1], "data.y": [4, 1]}
    assert len(step.tasks("nope").to_pandas()) == 0
