"""Switch steps and loops, run as subprocesses (`python flow.py run`, `resume`) and asserted
through the client, over the local store and over the service (issue 11)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SUMMARIZE = Path(__file__).parent / "summarize.py"


def tasks_per_step(run) -> dict[str, int]:
    return {step.id: len(list(step)) for step in run}


def test_switches_on_str_int_and_bool_run_one_case_each(workspace):
    result = workspace.run("switch_values", "run")
    assert result.code == 0, result.output
    run = workspace.client().Flow("SwitchValuesFlow").latest_run
    assert run.successful and run.data.path == ["fast", "two", "accept"]
    assert tasks_per_step(run) == {"start": 1, "fast": 1, "two": 1, "accept": 1, "end": 1}
    for skipped in ("slow", "one", "three", "reject"):
        assert skipped not in run  # a step that did not run has no tasks
    assert run["fast"].task.metadata_dict["switch-case"] == "2"

    other = workspace.run("switch_values", "run", "--mode", "slow")
    assert other.code == 0, other.output
    run = workspace.client().Flow("SwitchValuesFlow").latest_run
    assert run.data.path == ["slow", "one", "reject"]
    assert "fast" not in run and "accept" not in run


def test_a_value_that_is_no_case_fails_the_switch_task_clearly(workspace):
    result = workspace.run("switch_values", "run", "--mode", "medium")
    assert result.code == 1
    assert "found 'medium' (str), which is none of its cases 'fast', 'slow'" in result.stderr
    assert "resume 1" in result.output
    run = workspace.client().Flow("SwitchValuesFlow").latest_run
    assert not run.successful and list(run["start"])[0].exception.type.endswith("SwitchError")
    assert "fast" not in run and "slow" not in run


@pytest.mark.parametrize("pick", ["c", "d"])
def test_a_switch_inside_a_branch_feeds_the_join_with_the_case_that_ran(workspace, pick):
    result = workspace.run("switch_branch", "run", "--pick", pick)
    assert result.code == 0, result.output
    run = workspace.client().Flow("SwitchBranchFlow").latest_run
    assert run.data.seen == ["a", pick]
    skipped = "d" if pick == "c" else "c"
    assert skipped not in run and len(list(run[pick])) == 1
    join = run["join"].task
    assert sorted(p.pathspec.split("/")[2] for p in join.parent_tasks) == ["a", pick]


def test_a_switch_inside_a_foreach_takes_each_items_case(workspace):
    result = workspace.run("switch_foreach", "run", "--max-workers", "3")
    assert result.code == 0, result.output
    run = workspace.client().Flow("SwitchForeachFlow").latest_run
    assert run.data.labels == ["even", "odd", "even", "odd", "even"]
    counts = tasks_per_step(run)
    assert (counts["work"], counts["even"], counts["odd"], counts["collect"]) == (5, 3, 2, 5)
    assert sorted(t.index for t in run["even"]) == [0, 2, 4]
    assert sorted(t.index for t in run["odd"]) == [1, 3]
    for task in run["collect"]:
        (parent,) = list(task.parent_tasks)
        assert parent.index == task.index
        assert parent.pathspec.split("/")[2] == ("even" if task.index % 2 == 0 else "odd")


@pytest.mark.parametrize(
    "args, route, ran",
    [
        ([], "deep/y", {"start", "deep", "y", "meet", "end"}),
        (["--outer", "deep", "--inner", "x"], "deep/x", {"start", "deep", "x", "meet", "end"}),
        (["--outer", "shallow"], "shallow", {"start", "shallow", "end"}),
        (["--outer", "wide"], "wide", {"start", "fan", "work", "fan_join", "end"}),
    ],
)
def test_nested_switches_run_one_path(workspace, args, route, ran):
    result = workspace.run("switch_nested", "run", *args)
    assert result.code == 0, result.output
    run = workspace.client().Flow("SwitchNestedFlow").latest_run
    assert run.data.route == route
    assert set(tasks_per_step(run)) == ran
    if route == "wide":
        assert len(list(run["work"])) == 3 and len(list(run["fan_join"].task.parent_tasks)) == 3


def test_a_loop_runs_a_task_per_pass_each_the_parent_of_the_next(workspace):
    result = workspace.run("switch_loop", "run")
    assert result.code == 0, result.output
    run = workspace.client().Flow("SwitchLoopFlow").latest_run
    assert (run.data.count, run.data.trained) == (3, 2)
    assert tasks_per_step(run) == {"start": 1, "count_up": 3, "train": 2, "evaluate": 2, "end": 1}
    counts = sorted(run["count_up"], key=lambda t: int(t.id))
    assert [t.data.count for t in counts] == [1, 2, 3]
    assert [t.metadata_dict["switch-case"] for t in counts] == ["True", "True", "False"]
    assert [p.pathspec for p in counts[1].parent_tasks] == [counts[0].pathspec]
    once = workspace.run("switch_loop", "run", "--times", "1", "--rounds", "1")
    assert once.code == 0, once.output
    run = workspace.client().Flow("SwitchLoopFlow").latest_run
    assert tasks_per_step(run) == {"start": 1, "count_up": 1, "train": 1, "evaluate": 1, "end": 1}


def test_resume_of_a_loop_clones_its_passes_up_to_the_failure(workspace):
    blocker = workspace.root / "blocked"
    blocker.write_text("")
    first = workspace.run("switch_loop", "run", "--blocker", str(blocker))
    assert first.code == 1 and "the second evaluation is blocked" in first.stderr
    blocker.unlink()
    second = workspace.run("switch_loop", "resume")
    assert second.code == 0, second.output
    fs = workspace.client()
    run = fs.Flow("SwitchLoopFlow").latest_run
    assert run.id == "2" and run.successful
    assert (run.data.count, run.data.trained) == (3, 2)
    origin = fs.Run("SwitchLoopFlow/1")
    assert tasks_per_step(run) == {"start": 1, "count_up": 3, "train": 2, "evaluate": 2, "end": 1}
    for name in ("start", "count_up", "train"):  # every task that succeeded is a clone
        cloned = sorted(run[name], key=lambda t: int(t.id))
        before = sorted(origin[name], key=lambda t: int(t.id))
        assert [t.origin_pathspec for t in cloned] == [t.pathspec for t in before]
    evaluate = sorted(run["evaluate"], key=lambda t: int(t.id))
    first_pass = sorted(origin["evaluate"], key=lambda t: int(t.id))[0]
    assert [t.origin_pathspec for t in evaluate] == [first_pass.pathspec, None]
    assert run.end_task.origin_pathspec is None


def test_resume_from_a_step_reruns_it_and_what_follows(workspace):
    assert workspace.run("switch_loop", "run").code == 0
    assert workspace.run("linear", "run").code == 0  # another flow's run changes nothing
    again = workspace.run("switch_loop", "resume", "train", "--origin-run-id", "1")
    assert again.code == 0, again.output
    fs = workspace.client()
    run = fs.Flow("SwitchLoopFlow").latest_run
    assert run.id == "2" and run.successful and run.origin_pathspec == "SwitchLoopFlow/1"
    assert all(t.origin_pathspec for t in run["count_up"])
    assert run["start"].task.origin_pathspec
    for name in ("train", "evaluate", "end"):
        assert all(t.origin_pathspec is None for t in run[name])
    # without --origin-run-id, resume STEP takes your newest finished run, succeeded or not
    newest = workspace.run("switch_loop", "resume", "evaluate")
    assert newest.code == 0, newest.output
    run = fs.Flow("SwitchLoopFlow").latest_run
    assert run.id == "3" and run.origin_pathspec == "SwitchLoopFlow/2"
    # the pass of train before evaluate is cloned; the one after evaluate's loop runs again
    trains = sorted(run["train"], key=lambda t: int(t.id))
    assert trains[0].origin_pathspec and trains[1].origin_pathspec is None
    assert all(t.origin_pathspec is None for t in run["evaluate"])


@pytest.mark.parametrize(
    "args, message",
    [
        (["resume", "trian"], "no such step. Did you mean 'train'?"),
        (["resume", "1", "--origin-run-id", "2"], "name the run once"),
        (["resume", "--origin-run-id", "x1"], "not a valid run id"),
        (["resume", "train", "--origin-run-id", "9"], "Run('SwitchLoopFlow/9') does not exist"),
    ],
)
def test_bad_resume_arguments_are_one_line_errors(workspace, args, message):
    assert workspace.run("switch_loop", "run").code == 0
    result = workspace.run("switch_loop", *args)
    assert result.code != 0 and message in result.stderr, result.output
    assert "Traceback" not in result.output


def test_help_shows_resume_step_and_origin_run_id(workspace):
    top = workspace.run("switch_loop", "--help")
    assert top.code == 0 and "from STEP" in top.stdout
    resume = workspace.run("switch_loop", "resume", "--help")
    assert resume.code == 0
    for option in ("STEP", "--origin-run-id", "--run-id-file"):
        assert option in resume.stdout


def _summary(workspace, address: str, flow: str) -> dict:
    proc = subprocess.run(
        [sys.executable, str(SUMMARIZE), address, flow],
        cwd=workspace.root,
        env=workspace.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    data.pop("provider")
    return data


@pytest.mark.parametrize(
    "flow, name", [("switch_loop", "SwitchLoopFlow"), ("switch_foreach", "SwitchForeachFlow")]
)
def test_switch_runs_recorded_to_the_service_read_the_same_as_local_ones(
    workspace, pg_service, flow, name
):
    from pg import reset_database

    reset_database(pg_service.database)
    local = workspace.run(flow, "run")
    assert local.code == 0, local.output
    workspace.env["FLOWSCOPE_SERVICE_TOKEN"] = pg_service.token
    remote = workspace.run(flow, "--metadata", pg_service.url, "run")
    assert remote.code == 0, remote.output
    here = _summary(workspace, str(workspace.root), name)
    there = _summary(workspace, pg_service.url, name)
    assert here == there and here["successful"] is True
    if flow == "switch_loop":
        assert len(here["steps"]["count_up"]) == 3 and "train" in here["steps"]


def test_resume_of_a_loop_over_the_service(workspace, pg_service):
    from pg import reset_database

    reset_database(pg_service.database)
    workspace.env["FLOWSCOPE_SERVICE_TOKEN"] = pg_service.token
    blocker = workspace.root / "blocked"
    blocker.write_text("")
    url = ["--metadata", pg_service.url]
    assert workspace.run("switch_loop", *url, "run", "--blocker", str(blocker)).code == 1
    blocker.unlink()
    resumed = workspace.run("switch_loop", *url, "resume", "--origin-run-id", "1")
    assert resumed.code == 0, resumed.output
    assert resumed.stdout.count("cloned") >= 7, resumed.stdout
    summary = _summary(workspace, pg_service.url, "SwitchLoopFlow")
    assert summary["successful"] and len(summary["steps"]["evaluate"]) == 2
