"""Behaviours (retry, catch, failure, crashes, parameters, include file, resume), run as
subprocesses and asserted through the client API."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest


def test_parameters_are_typed_recorded_and_visible_everywhere(workspace):
    (workspace.root / "notes.txt").write_text("some notes\n")
    result = workspace.run(
        "behaviours",
        "run",
        "--ratio",
        "0.25",
        "--count",
        "9",
        "--verbose",
        "yes",
        "--config",
        '{"a": 1}',
        "--notes",
        "notes.txt",
    )
    assert result.code == 0, result.output
    run = workspace.client().Flow("BehaviourFlow").latest_run
    assert run.data.params_seen == ("ok", 0.25, 9, True, {"a": 1})
    assert run.data.notes_seen == "some notes\n"
    assert run.data.ratio == 0.25 and run.data.count == 9
    assert "_parameters" in run and "_parameters" not in [s.id for s in run]
    python = Path(sys.executable).name
    assert run.command_line == (
        f"{python} {workspace.root / 'behaviours.py'} run --ratio 0.25 "
        "--count 9 --verbose yes --config '{\"a\": 1}' --notes notes.txt"
    )


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--count", "many"], "count"),
        (["--ratio", "x1"], "ratio"),
        (["--config", "{bad json"], "config"),
        (["--notes", "missing.txt"], "missing.txt"),
    ],
)
def test_bad_parameter_values_are_one_line_errors_naming_the_parameter(workspace, args, needle):
    result = workspace.run("behaviours", "run", *args)
    assert result.code != 0
    assert needle in result.stderr
    assert "Traceback" not in result.output
    assert not (workspace.root / ".flowscope").exists(), "nothing is recorded for a bad value"


def test_flaky_step_is_retried_and_earlier_attempts_are_readable(workspace):
    result = workspace.run("behaviours", "run", "--mode", "flaky")
    assert result.code == 0, result.output
    fs = workspace.client()
    run = fs.Flow("BehaviourFlow").latest_run
    task = run["work"].task
    assert task.successful and task.data.attempts_seen == 2
    first = fs.Task(task.pathspec, attempt=0)
    assert not first.successful and first.finished
    assert first.exception.type == "RuntimeError"
    assert "attempt 0" in first.exception.message
    assert "flaky failure" in first.stderr


def test_failure_fails_the_run_and_records_the_exception(workspace):
    result = workspace.run("behaviours", "run", "--mode", "fail")
    assert result.code == 1
    assert "resume 1" in result.output
    # the step's own traceback is shown, starting in the user's code, not in flowscope's
    assert 'behaviours.py", line' in result.stderr
    assert "flowscope/runtime" not in result.stderr
    run = workspace.client().Flow("BehaviourFlow").latest_run
    assert not run.successful and run.finished
    assert run.end_task is None
    task = run["work"].task
    assert task.finished and not task.successful
    assert task.exception.type == "ValueError"
    assert task.exception.message == "deliberate failure in work"
    assert "deliberate failure" in task.exception.traceback
    assert workspace.client().Flow("BehaviourFlow").latest_successful_run is None


@pytest.mark.parametrize("mode, needle", [("exit", "sys.exit(3)"), ("segv", "SIGSEGV")])
def test_a_crashing_worker_fails_only_its_task(workspace, mode, needle):
    result = workspace.run("behaviours", "run", "--mode", mode)
    assert result.code == 1
    run = workspace.client().Flow("BehaviourFlow").latest_run
    assert run.finished and not run.successful
    task = run["work"].task
    assert needle in task.exception.message
    if mode == "segv":  # said where the user looks, with the Python frames of the crash
        assert f"flowscope: {task.exception.message}" in task.stderr
        assert "segmentation fault" in task.stderr.lower() and "in work" in task.stderr
    assert run["start"].task.successful


def test_catch_stores_the_failure_and_the_flow_goes_on(workspace):
    result = workspace.run("behaviours", "run", "--mode", "catch")
    assert result.code == 0, result.output
    run = workspace.client().Flow("BehaviourFlow").latest_run
    assert run.successful
    guarded = run["guarded"].task
    assert guarded.finished and not guarded.successful
    assert guarded.data.problem.type == "builtins.KeyError"
    assert run.data.problem.type == "builtins.KeyError"


def test_timeout_stops_a_slow_step(workspace):
    result = workspace.run("behaviours", "run", "--mode", "timeout")
    assert result.code == 1
    task = workspace.client().Flow("BehaviourFlow").latest_run["slow"].task
    assert task.exception.type == "TimeoutError"
    assert "timeout" in task.exception.message


def test_resume_clones_successful_tasks_and_reruns_from_the_failure(workspace):
    marker = workspace.root / "fixed"
    first = workspace.run("behaviours", "run", "--mode", "resume", "--marker", str(marker))
    assert first.code == 1
    marker.write_text("fixed")
    second = workspace.run("behaviours", "resume")
    assert second.code == 0, second.output
    fs = workspace.client()
    run = fs.Flow("BehaviourFlow").latest_run
    assert run.id == "2" and run.successful
    start = run["start"].task
    assert (
        start.origin_pathspec
        == f"BehaviourFlow/1/start/{fs.Run('BehaviourFlow/1')['start'].task.id}"
    )
    assert run["work"].task.origin_pathspec is None
    assert run.data.worked is True
    assert run.data.mode == "resume"
    assert run.command_line.endswith("behaviours.py resume")
    assert fs.Run("BehaviourFlow/1").command_line.endswith(f"run --mode resume --marker {marker}")


def test_current_tells_a_running_task_everything_about_itself(workspace):
    result = workspace.run("current_fields", "run", "--tag", "mine")
    assert result.code == 0, result.output
    check_current(workspace.client().Flow("CurrentFlow").latest_run)


def check_current(run) -> None:
    """What CurrentFlow (flows/current_fields.py) recorded, run with --tag mine."""
    start = run["start"].task
    facts = start.data.facts
    assert facts == {
        "flow_name": "CurrentFlow",
        "run_id": run.id,
        "step_name": "start",
        "task_id": start.id,
        "retry_count": 0,
        "origin_run_id": None,
        "pathspec": start.pathspec,
        "namespace": "user:tester",
        "username": "tester",
        "is_running_flow": True,
        "is_parallel": False,
    }
    assert set(start.data.tags_seen) == set(run.tags) | set(run.system_tags)
    assert "mine" in start.data.tags_seen
    assert start.data.parameter_names_seen == ["alpha"]
    assert start.data.graph_steps == [("start", "start"), ("end", "end")]
    # the client objects: the task sees itself running, and its run
    assert start.data.task_seen == (start.pathspec, False)
    pathspec, finished, tags = start.data.run_seen
    assert pathspec == run.pathspec and finished is False and "mine" in tags
    # the task's tempdir is its own and goes with it
    assert run["end"].task.data.scratch_removed is True
    assert run["end"].task.data.end_facts["step_name"] == "end"
    assert run["end"].task.data.parallel_seen is None


def test_a_failed_gang_fails_the_run_and_resume_runs_the_gang_again(workspace):
    marker = workspace.root / "ready"
    first = workspace.run("gang", "run", "--marker", str(marker))
    assert first.code == 1
    assert "node 1 is not ready" in first.output and "its @parallel gang failed" in first.output
    fs = workspace.client()
    failed = fs.Run("GangFlow/1")
    assert not failed.successful and "join" not in failed
    marker.write_text("ready")
    second = workspace.run("gang", "resume")
    assert second.code == 0, second.output
    run = fs.Flow("GangFlow").latest_run
    assert run.id == "2" and run.successful
    assert run["start"].task.origin_pathspec is not None
    assert all(t.origin_pathspec is None for t in run["train"])
    assert run.data.nodes == [0, 1, 2]


def test_the_familys_input_timeout_and_catch_behaviours(workspace):
    result = workspace.run("compat", "run")
    assert result.code == 0, result.output
    run = workspace.client().Flow("CompatFlow").latest_run
    assert run.data.seen == [("x", "x"), ("y", "y")]
    assert run.data.caught == [False, True]
    slow = next(t for t in run["second"] if t.index == 1)
    assert slow.data.at_second == "y"  # set before the timeout, kept by @catch
    assert slow.data.timed_out.type == "builtins.TimeoutError"
    assert "exceeded its @timeout of 1 seconds" in slow.data.timed_out.exception
    assert slow.data.timed_out.stacktrace.startswith("Traceback")
