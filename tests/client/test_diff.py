"""Run.diff and the RunDiff it returns (client/diff.py), against both providers."""

from __future__ import annotations

import json

import pytest

from flowscope.client import Run
from flowscope.client.diff_logic import MAX_SCALAR_BLOB
from flowscope.errors import ComparisonError, FlowscopeError

from .conftest import ENV, SCRIPT
from .diff_fixtures import LONG, two_runs


def test_parameters_changed_added_removed(client, builder):
    a, b = two_runs(builder, second_alpha=0.2)
    params = {c.name: c for c in a.diff(b).parameters}
    assert (params["alpha"].state, params["alpha"].a, params["alpha"].b) == ("changed", 0.5, 0.2)
    assert (params["beta"].state, params["beta"].b) == ("added", 2)
    assert (params["gamma"].state, params["gamma"].a) == ("removed", 3)


def test_artifacts_compared_by_hash_with_scalar_values(client, builder):
    a, b = two_runs(builder, y_of=lambda i: i * i + (1 if i == 2 else 0))
    diff = a.diff(b)
    steps = {s.name: s for s in diff.steps}
    assert "_parameters" not in steps
    assert steps["start"].state == "same"
    train = steps["train"]
    assert train.state == "changed"
    changed = [t for t in train.tasks if t.state != "same"]
    assert [t.key for t in changed] == [(2,)]
    y = next(x for x in changed[0].artifacts if x.name == "y")
    assert (y.state, y.a.value, y.b.value, y.a.has_value) == ("changed", 4, 5, True)
    best = next(x for x in steps["end"].tasks[0].artifacts if x.name == "best")
    assert (best.a.value, best.b.value) == (0.9, 0.95)
    note = next(x for x in steps["end"].tasks[0].artifacts if x.name == "note")
    assert note.state == "same" and note.a.sha == note.b.sha


def test_a_long_string_is_shown_by_type_and_hash_not_value(client, builder):
    runs = []
    for c in "ab":
        run = builder.new_run("S")
        builder.task(run, "end", {"rep": c * 5000, "rnd": LONG + c})
        runs.append(Run(builder.finish(run).pathspec))
    artifacts = {x.name: x for x in runs[0].diff(runs[1]).steps[0].tasks[0].artifacts}
    rep, rnd = artifacts["rep"], artifacts["rnd"]
    assert rep.state == rnd.state == "changed"
    assert rep.a.size <= MAX_SCALAR_BLOB < rnd.a.size  # compressed; random letters are not
    assert not rep.a.has_value and not rnd.a.has_value  # neither is shown
    assert "<builtins.str " in rep.line() and "<builtins.str " in rnd.line()


def test_foreach_tasks_matched_by_index_and_tasks_in_one_run_only(client, builder):
    runs = []
    for n in (3, 4):
        run = builder.new_run("F")
        for i in reversed(range(n)):  # task ids in another order than the indexes
            builder.task(run, "train", {"input": i}, foreach_index=i)
        runs.append(builder.finish(run))
    diff = Run(runs[0].pathspec).diff(Run(runs[1].pathspec))
    tasks = diff.steps[0].tasks
    assert [t.key for t in tasks] == [(0,), (1,), (2,), (3,)]
    assert [t.state for t in tasks] == ["same", "same", "same", "added"]
    assert tasks[3].task_a is None and tasks[3].task_b.startswith(runs[1].pathspec)


def test_steps_in_one_run_only_and_status_changes(client, builder):
    ok = builder.hello(flow="FailFlow")
    failed = builder.failed()
    diff = Run(ok.pathspec).diff(Run(failed.pathspec))
    steps = {s.name: s.state for s in diff.steps}
    assert steps["hello"] == "removed" and steps["bad"] == "added" and steps["end"] == "removed"
    run = {c.name: c for c in diff.run}
    assert (run["status"].a, run["status"].b) == ("succeeded", "failed")
    bad = next(s for s in diff.steps if s.name == "bad").tasks[0]
    assert bad.status.b == "failed"


def test_code_unified_diff_by_file(client, builder):
    new_code = {"flow.py": SCRIPT.replace("pass", "print('done')"), "extra.py": "Y = 2\n"}
    a, b = two_runs(builder, second_code=new_code)
    code = a.diff(b).code
    files = {f.path: f for f in code.files}
    assert code.state == "changed"
    assert files["helpers.py"].state == "removed" and files["extra.py"].state == "added"
    assert (
        "-        pass" in files["flow.py"].diff
        and "+        print('done')" in files["flow.py"].diff
    )
    assert files["flow.py"].diff.startswith("--- a/flow.py\n+++ b/flow.py\n")
    assert ".flowscope_code.json" not in files


def test_same_code_package_is_not_loaded(client, builder):
    a, b = two_runs(builder)
    code = a.diff(b).code
    assert code.state == "same" and all(f.state == "same" for f in code.files)


def test_environment_differences(client, builder):
    env = {**ENV, "python_version": "3.12.1", "packages": {"numpy": "2.0.0", "pandas": "2.2.0"}}
    a, b = two_runs(builder, second_env=env)
    environment = a.diff(b).environment
    fields = {c.name: c for c in environment.fields}
    packages = {c.name: c for c in environment.packages}
    assert (fields["python_version"].a, fields["python_version"].b) == ("3.11.7", "3.12.1")
    assert fields["platform"].state == "same"
    assert (packages["numpy"].state, packages["pandas"].state) == ("changed", "added")


def test_identical_runs(client, builder):
    a, b = two_runs(builder)
    diff = a.diff(b)
    assert not diff.identical  # end's `best` differs
    same = Run(builder.hello().pathspec).diff(Run(builder.hello().pathspec))
    assert same.identical
    assert "no differences" in str(same)


def test_to_dict_is_json_and_can_keep_differences_only(client, builder):
    a, b = two_runs(builder, second_alpha=0.2)
    full = a.diff(b).to_dict()
    assert json.loads(json.dumps(full, allow_nan=False))["flow"] == "TrainFlow"
    nan_runs = []
    for value in (1.0, float("nan")):
        run = builder.new_run("N")
        builder.task(run, "end", {"v": value})
        nan_runs.append(Run(builder.finish(run).pathspec))
    strict = json.dumps(nan_runs[0].diff(nan_runs[1]).to_dict(), allow_nan=False)
    assert '"value": "nan"' in strict  # strict JSON: a non-finite float as its repr
    only = a.diff(b).to_dict(differences_only=True)
    assert [s["name"] for s in only["steps"]] == ["end"]
    assert len(full["steps"]) == 3 and all(p["state"] != "same" for p in only["parameters"])


def test_bad_input_is_a_clear_error(client, builder):
    a = Run(builder.hello().pathspec)
    other = Run(builder.failed().pathspec)
    with pytest.raises(ComparisonError, match="runs of one flow.*'FailFlow', 'HelloFlow'"):
        a.diff(other)
    with pytest.raises(ComparisonError, match="takes Run objects.*not str"):
        a.diff("HelloFlow/1")  # type: ignore[arg-type]
    assert issubclass(ComparisonError, FlowscopeError)
