"""Run.diff and RunDiff (client/diff*.py), against both providers (the `client` fixture)."""

from __future__ import annotations

import json

import pytest

from flowscope.client import Run
from flowscope.client.diff_logic import (
    MAX_SCALAR_BLOB,
    RunSnapshot,
    StepSnapshot,
    TaskSnapshot,
    diff_files,
    diff_snapshots,
    task_key,
)
from flowscope.errors import ComparisonError, FlowscopeError
from flowscope.metastore.records import ArtifactRecord

from .conftest import ENV, SCRIPT


def _two(builder, *, second_alpha=0.5, second_code=None, second_env=None, y_of=lambda i: i * i):
    """Two TrainFlow runs: params, a 3-way foreach `train`, an `end`."""
    runs = []
    for n, alpha in enumerate((0.5, second_alpha)):
        code = {"flow.py": SCRIPT, "helpers.py": "X = 1\n"}
        if n == 1 and second_code is not None:
            code = second_code
        run = builder.new_run(
            "TrainFlow",
            parameters={"alpha": alpha, **({"beta": 2} if n else {"gamma": 3})},
            code=code,
        )
        env = ENV if n == 0 or second_env is None else second_env
        builder.task(run, "_parameters", {"alpha": alpha}, env=env)
        builder.task(run, "start", {"rates": [1, 2, 3], "big": "x" * 5000}, env=env)
        for i in range(3):
            y = i * i if n == 0 else y_of(i)
            builder.task(run, "train", {"input": i, "y": y}, foreach_index=i, env=env)
        builder.task(run, "end", {"best": 0.9 if n == 0 else 0.95, "note": "ok"}, env=env)
        runs.append(builder.finish(run))
    return Run(runs[0].pathspec), Run(runs[1].pathspec)


def test_parameters_changed_added_removed(client, builder):
    a, b = _two(builder, second_alpha=0.2)
    params = {c.name: c for c in a.diff(b).parameters}
    assert (params["alpha"].state, params["alpha"].a, params["alpha"].b) == ("changed", 0.5, 0.2)
    assert (params["beta"].state, params["beta"].b) == ("added", 2)
    assert (params["gamma"].state, params["gamma"].a) == ("removed", 3)


def test_artifacts_compared_by_hash_with_scalar_values(client, builder):
    a, b = _two(builder, y_of=lambda i: i * i + (1 if i == 2 else 0))
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


def test_unchanged_and_non_scalar_artifacts_are_not_loaded(client, builder, monkeypatch):
    a, b = _two(builder, y_of=lambda i: i * i + 1)
    loaded = []
    import flowscope.client.diff_io as diff_io

    real = diff_io.load_value

    def spy(provider, record, owner):
        loaded.append(record.name)
        return real(provider, record, owner)

    monkeypatch.setattr(diff_io, "load_value", spy)
    a.diff(b)
    # the y values of a and b (0,1,4 and 1,2,5: five distinct blobs) and end's `best`s
    assert sorted(loaded) == ["best", "best"] + ["y"] * 5
    assert "big" not in loaded and "rates" not in loaded


def test_a_long_string_is_shown_by_hash_not_loaded(client, builder):
    run_a = builder.new_run("S")
    builder.task(run_a, "end", {"s": "a" * 5000})
    run_b = builder.new_run("S")
    builder.task(run_b, "end", {"s": "b" * 5000})
    diff = Run(run_a.pathspec).diff(Run(run_b.pathspec))
    s = diff.steps[0].tasks[0].artifacts[0]
    assert s.state == "changed" and not s.a.has_value and s.a.size <= MAX_SCALAR_BLOB * 5
    assert "builtins.str" in s.line()


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
    a, b = _two(builder, second_code=new_code)
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
    a, b = _two(builder)
    code = a.diff(b).code
    assert code.state == "same" and all(f.state == "same" for f in code.files)


def test_environment_differences(client, builder):
    env = {**ENV, "python_version": "3.12.1", "packages": {"numpy": "2.0.0", "pandas": "2.2.0"}}
    a, b = _two(builder, second_env=env)
    environment = a.diff(b).environment
    fields = {c.name: c for c in environment.fields}
    packages = {c.name: c for c in environment.packages}
    assert (fields["python_version"].a, fields["python_version"].b) == ("3.11.7", "3.12.1")
    assert fields["platform"].state == "same"
    assert (packages["numpy"].state, packages["pandas"].state) == ("changed", "added")


def test_identical_runs(client, builder):
    a, b = _two(builder)
    diff = a.diff(b)
    assert not diff.identical  # end's `best` differs
    same = Run(builder.hello().pathspec).diff(Run(builder.hello().pathspec))
    assert same.identical
    assert "no differences" in str(same)


def test_to_dict_is_json_and_can_keep_differences_only(client, builder):
    a, b = _two(builder, second_alpha=0.2)
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


def test_text_form(client, builder):
    a, b = _two(builder, second_alpha=0.2)
    text = str(a.diff(b))
    assert f"diff {a.pathspec} -> {b.pathspec}" in text
    assert "~ alpha: 0.5 -> 0.2" in text and "+ beta = 2" in text and "- gamma = 3" in text
    assert "~ best: 0.9 -> 0.95" in text
    assert "start" not in text  # the same: left out
    assert "start" in a.diff(b).text(differences_only=False)


def test_html_escapes_hostile_strings(client, builder):
    hostile = "<script>alert('x')</script>"
    runs = []
    for value in ("a", hostile):
        run = builder.new_run(
            "H", parameters={"p": value}, code={"flow.py": value + "\n", hostile: value}
        )
        builder.task(run, "end", {"x": value}, env={**ENV, "packages": {hostile: value}})
        runs.append(builder.finish(run))
    diff = Run(runs[0].pathspec).diff(Run(runs[1].pathspec))
    for page in (diff._repr_html_(), diff.view()._repr_html_()):
        assert "<script>" not in page and "&lt;script&gt;" in page
    assert "diff.view()" in diff._repr_html_()


def test_html_differences_only_by_default_and_all_on_request(client, builder):
    a, b = _two(builder, second_alpha=0.2)
    diff = a.diff(b)
    assert ">start<" not in diff._repr_html_().replace(" ", "")
    everything = diff.view()._repr_html_()
    assert "start:" in everything and "helpers.py" not in everything  # same code: not listed
    assert "the same files" in everything


def test_bad_input_is_a_clear_error(client, builder):
    a = Run(builder.hello().pathspec)
    other = Run(builder.failed().pathspec)
    with pytest.raises(ComparisonError, match="runs of one flow.*'FailFlow', 'HelloFlow'"):
        a.diff(other)
    with pytest.raises(ComparisonError, match="takes Run objects.*not str"):
        a.diff("HelloFlow/1")  # type: ignore[arg-type]
    assert issubclass(ComparisonError, FlowscopeError)


def test_queries_are_few_and_per_step(client, builder, counting):
    runs = [builder.foreach(50) for _ in range(2)]
    a, b = Run(runs[0].pathspec), Run(runs[1].pathspec)
    counting.calls.clear()
    a.diff(b)
    # per run: the run, its parameters, steps, tasks, and one artifact listing per step
    assert counting.calls["list_step_artifacts"] == 2 * 4
    assert counting.calls["list_tasks"] == 2 and counting.calls["list_artifacts"] == 0
    assert counting.total() <= 2 * (4 + 4)


# ---- the pure part, with plain values ------------------------------------------------


def _snap(pathspec, steps, **kw):
    return RunSnapshot(
        pathspec=pathspec,
        flow="F",
        status="succeeded",
        user="u",
        created_at=0.0,
        finished_at=kw.pop("finished_at", 10.0),
        parameters=kw.pop("parameters", {}),
        steps=steps,
        **kw,
    )


def _art(name, sha, type_name="builtins.int"):
    return ArtifactRecord(name, sha, 10, type_name, "pickle")


def test_pure_diff_asks_values_only_for_differing_scalars():
    def step(sha, start, end):
        task = TaskSnapshot(
            "F/1/s/1",
            (),
            "succeeded",
            {"x": _art("x", sha), "l": _art("l", "L", "builtins.list")},
            start,
            end,
        )
        return {"s": StepSnapshot("s", (task,))}

    asked = []

    def values(records):
        records = list(records)
        asked.extend(r.sha for r in records)
        return {r.sha: {"A": 1, "B": 2}[r.sha] for r in records}

    diff = diff_snapshots(
        _snap("F/1", step("A", 0.0, 2.0)), _snap("F/2", step("B", 0.0, 9.0)), values, lambda k: {}
    )
    assert sorted(asked) == ["A", "B"]
    assert diff.steps[0].slower_or_faster and diff.steps[0].duration.b == 9.0
    small = diff_snapshots(
        _snap("F/1", step("A", 0.0, 2.0)), _snap("F/2", step("A", 0.0, 2.5)), values, lambda k: {}
    )
    assert not small.steps[0].slower_or_faster and small.identical  # 0.5 s is noise


def test_task_key_reads_runtime_frames_and_bare_indexes():
    assert task_key([["start", 3, 10, False]], 3) == (3,)
    assert task_key([["a", 1, 2, False], ["b", 4, 5, False]], 4) == (1, 4)
    assert task_key((7,), 7) == (7,)
    assert task_key((), None) == ()


def test_diff_files_handles_binary_and_missing_newlines():
    files = diff_files({"a.py": b"x = 1", "b.bin": b"\0\1"}, {"a.py": b"x = 2", "b.bin": b"\0\2"})
    by = {f.path: f for f in files}
    assert by["b.bin"].binary and by["b.bin"].diff == ""
    assert "\\ No newline at end of file" in by["a.py"].diff
