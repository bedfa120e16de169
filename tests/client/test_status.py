"""status, finished, successful and finished_at of runs and tasks (client/status.py)."""

from __future__ import annotations

import pytest

from flowscope.client import Flow, Run, Task


@pytest.fixture
def hello(client, builder):
    return builder.hello()


@pytest.fixture
def failed(client, builder):
    return builder.failed()


# ---- runs ------------------------------------------------------------------------------


def test_status_of_finished_runs(client, builder):
    ok, bad = builder.hello(), builder.failed()
    assert Run(ok.pathspec).status == "succeeded"
    assert (Run(ok.pathspec).finished, Run(ok.pathspec).successful) == (True, True)
    failed = Run(bad.pathspec)
    assert (failed.status, failed.finished, failed.successful) == ("failed", True, False)
    assert failed.finished_at is not None


def test_running_run(client, builder):
    run = Run(builder.running().pathspec)
    assert (run.status, run.finished, run.successful, run.finished_at) == (
        "running",
        False,
        False,
        None,
    )
    assert run.end_task is None and run.data is None


def test_lost_run_is_not_finished_and_not_running_for_ever(client, builder):
    run = Run(builder.lost().pathspec)
    assert run.status == "lost"
    assert not run.finished and not run.successful and run.finished_at is None
    task = run["start"].task
    assert task.status == "lost" and not task.finished


def test_a_running_runs_status_is_refetched(client, builder):
    recorded = builder.running()
    run = Run(recorded.pathspec)
    assert run.status == "running"
    builder.finish(recorded, "succeeded")
    assert run.status == "succeeded" and run.finished and run.finished_at is not None


def test_a_finished_runs_status_is_not_refetched(client, builder, counting):
    run = Run(builder.hello().pathspec)
    counting.calls.clear()
    for _ in range(3):
        assert run.successful and run.finished and run.status == "succeeded"
    assert counting.total() == 0


# ---- tasks -----------------------------------------------------------------------------


def test_status_of_finished_tasks(hello, failed):
    ok = Task(hello.task("hello"))
    assert (ok.status, ok.successful, ok.finished) == ("succeeded", True, True)
    assert ok.finished_at >= ok.created_at
    bad = Task(failed.task("bad"))
    assert (bad.status, bad.successful, bad.finished) == ("failed", False, True)


def test_a_handled_failure_is_finished_and_not_successful(client, builder):
    run = builder.new_run("CatchFlow")
    builder.task(run, "start", {"caught": "ValueError"}, status="failed")
    task = Task(run.task("start"))
    assert task.finished and not task.successful
    assert task.data.caught == "ValueError"  # a failed attempt may still record artifacts


# ---- one access, one query -------------------------------------------------------------


def test_a_listed_running_run_answers_its_first_read_from_the_listing(client, builder, counting):
    builder.running()
    (run,) = Flow("SlowFlow")
    counting.calls.clear()
    assert run.status == "running"  # the record the listing fetched a moment ago
    assert counting.calls.get("get_run", 0) == 0
    assert not run.finished  # a later read asks again: the run may have ended meanwhile
    assert counting.calls["get_run"] == 1
