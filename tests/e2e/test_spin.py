"""`python flow.py spin`: one step again on a past task's inputs, as a user runs it (and through
`Runner.spin`). Nothing is recorded in the run's stores; `--persist` keeps a one-task run in
./.flowscope_spin, which `inspect_spin` reads."""

from __future__ import annotations

import sqlite3

import pytest


def _counts(workspace) -> tuple[int, int, int]:
    root = workspace.root / ".flowscope"
    db = sqlite3.connect(root / "metadata.db")
    try:
        runs = db.execute("SELECT count(*) FROM runs").fetchone()[0]
        attempts = db.execute("SELECT count(*) FROM attempts").fetchone()[0]
    finally:
        db.close()
    blobs = sum(1 for p in (root / "blobs").rglob("*") if p.is_file())
    return runs, attempts, blobs


def test_spin_reruns_a_foreach_task_on_its_inputs_and_changes_nothing(workspace):
    assert workspace.run("spin_me", "run").code == 0
    before = _counts(workspace)
    result = workspace.run("spin_me", "spin", "body")
    assert result.code == 0, result.output
    assert "on the inputs of SpinMeFlow/1/body/3" in result.output  # the first body task
    assert "body 1 -> 12" in result.stdout
    assert _counts(workspace) == before  # no run, attempt or blob was added
    assert not (workspace.root / ".flowscope_spin").exists()


def test_a_named_task_a_join_and_start_spin_too(workspace):
    assert workspace.run("spin_me", "run", "--alpha", "3").code == 0
    third = workspace.run("spin_me", "spin", "1/body/5")
    assert third.code == 0 and "body 3 -> 19" in third.stdout, third.output
    join = workspace.run("spin_me", "spin", "join")
    assert join.code == 0 and "total 48" in join.stdout, join.output
    assert workspace.run("spin_me", "spin", "start").code == 0


def test_persist_keeps_a_run_of_one_task_that_inspect_spin_reads(workspace):
    assert workspace.run("spin_me", "run").code == 0
    (workspace.root / "overrides.py").write_text('ARTIFACTS = {"base": 100, "alpha": 5}\n')
    result = workspace.run(
        "spin_me", "spin", "1/body/4", "--persist", "--artifacts-module", "overrides.py"
    )
    assert result.code == 0, result.output
    flowscope = workspace.client()
    flowscope.inspect_spin(str(workspace.root))
    run = flowscope.Flow("SpinMeFlow").latest_run
    assert {"spin", "spin-of:SpinMeFlow/1/body/4"} <= set(run.system_tags)
    task = run["body"].task
    assert task.data.out == 2 * 5 + 100 and task.data.seen_index == 1
    assert task.data.items == [1, 2, 3]  # passed on unchanged: its blob was copied over
    assert task.stdout == "body 2 -> 110\n"
    assert task.origin_pathspec == "SpinMeFlow/1/body/4"
    from flowscope.cards import get_cards

    assert len(get_cards(task)) == 1  # @card renders in a spin, and is kept with it
    flowscope.metadata(str(workspace.root))
    assert len(list(flowscope.Flow("SpinMeFlow"))) == 1  # the project's store has one run


def test_a_failing_step_fails_the_spin_with_its_message(workspace):
    assert workspace.run("spin_me", "run").code == 0
    workspace.env["SPIN_FAIL"] = "body"
    result = workspace.run("spin_me", "spin", "body")
    assert result.code == 1
    assert "ValueError: asked to fail" in result.output
    assert "Step 'body' failed" in result.output


def test_bad_targets_and_modules_are_named(workspace):
    none_yet = workspace.run("spin_me", "spin", "body")
    assert none_yet.code == 1 and "no flowscope store" in none_yet.stderr
    assert workspace.run("spin_me", "run").code == 0
    (workspace.root / "bad.py").write_text("ARTIFACTS = [1]\n")
    (workspace.root / "broken.py").write_text("1 / 0\n")
    (workspace.root / "private.py").write_text("ARTIFACTS = {'_fs_x': 1}\n")
    cases = {
        ("bodyy",): "SpinMeFlow has no step 'bodyy'",
        ("9/body/3",): "Run('SpinMeFlow/9') does not exist",
        ("1/body",): "give a step (train) or a task (12/train/40)",
        ("body", "--artifacts-module", "bad.py"): "must define ARTIFACTS as a dict",
        ("body", "--artifacts-module", "broken.py"): "raised ZeroDivisionError",
        ("body", "--artifacts-module", "nowhere.py"): "there is no such file",
        ("body", "--artifacts-module", "private.py"): "'_fs_x' is not an artifact name",
    }
    for args, message in cases.items():
        result = workspace.run("spin_me", "spin", *args)
        assert result.code in (1, 2), (args, result.output)
        assert message in result.stderr and "Traceback" not in result.output, result.stderr


def test_the_runner_api_spins_and_reads_the_kept_task(workspace):
    assert workspace.run("spin_me", "run").code == 0
    from flowscope import Runner
    from flowscope.errors import RunnerError

    runner = Runner("spin_me.py", show_output=False, env=workspace.env, cwd=workspace.root)
    with runner.spin("body", persist=True) as spun:
        assert spun.status == "successful"
        assert spun.task["out"].data == 12
        assert spun.run.successful
    with runner.spin("body") as transient:
        assert transient.status == "successful" and "body 1 -> 12" in transient.stdout
        with pytest.raises(RunnerError, match="persist=True"):
            _ = transient.task


@pytest.mark.s3
def test_a_run_on_s3_spins_from_the_datastore_it_recorded(workspace, s3_url, s3_env):
    workspace.env.update(s3_env)
    assert workspace.run("spin_me", "--datastore", s3_url, "run").code == 0
    result = workspace.run("spin_me", "spin", "body")  # no --datastore: the run's record says
    assert result.code == 0, result.output
    assert "body 1 -> 12" in result.stdout
