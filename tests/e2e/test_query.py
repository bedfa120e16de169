"""where= and to_pandas() over runs recorded by the real runtime (scalars carried by it)."""

from __future__ import annotations

import pytest

from flowscope.errors import QueryError


def test_runs_and_tasks_filtered_on_what_the_runtime_recorded(workspace):
    for n in ("2", "4"):
        assert workspace.run("foreach", "run", "--n", n).code == 0
    fs = workspace.client()
    flow = fs.Flow("ForeachFlow")
    assert [r.id for r in flow.runs(where="params.n > 3")] == ["2"]
    assert [r.id for r in flow.runs(where="data.n = 2 and status = 'succeeded'")] == ["1"]
    table = flow.runs().to_pandas()
    assert list(table["id"]) == ["2", "1"]
    assert list(table["params.n"]) == [4, 2]
    assert list(table["data.n"]) == [4, 2]  # the end task's scalar artifacts
    assert "data.items" not in table.columns  # a list is not a scalar
    assert set(table["status"]) == {"succeeded"} and (table["duration"] > 0).all()
    run = flow["2"]
    body = run["body"]
    assert [(t.id, t.index) for t in body.tasks(where="input = 'item1'")] == [
        (next(t.id for t in body if t.index == 1), 1)
    ]
    assert sorted(t.index for t in body.tasks(where="data.position >= 2")) == [2, 3]
    with pytest.raises(QueryError, match="did you mean 'params.n'"):
        flow.runs(where="params.m > 3")
