"""Ctrl-C during a run: SIGINT to the run's whole process group, as a terminal sends it. The
workers end, the run is recorded as failed, and nothing is left running."""

from __future__ import annotations

import os
import random
import signal
import time

import pytest

from .helpers import Project, alive, group_members, integrity, verify_all_blobs, wait_for
from .test_kill import make_gate, started_workers


def assert_nothing_left(pgid: int, pids: list[int]) -> None:
    wait_for(lambda: not group_members(pgid), 10, f"process group {pgid} to be empty")
    assert not [p for p in pids if alive(p)]


@pytest.mark.slow
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_interrupt_ends_workers_and_records_failure(project: Project, how: str) -> None:
    gate = make_gate(project, "hold")
    runner = project.start("gated", "run", "--n", "4", "--gate", str(gate))
    workers = wait_for(lambda: started_workers(gate, 1, 4), 30, "four body tasks to start")

    if how == "ctrl-c":
        os.killpg(runner.pid, signal.SIGINT)  # the terminal signals the foreground group
    else:
        os.kill(runner.pid, signal.SIGTERM)  # `kill PID` of the runtime alone
    assert runner.wait(timeout=20) == 130, project.output_of(runner)
    output = project.output_of(runner)
    assert "interrupted" in output and "resume 1" in output, output
    assert "Traceback" not in output, output
    assert_nothing_left(runner.pid, workers)

    fs = project.client()
    run = fs.Run("GatedFlow/1")
    assert run.status == "failed" and run.finished and not run.successful
    body = list(run["body"])
    assert len(body) == 4
    for task in body:
        assert task.finished and not task.successful
        assert task.exception.type == "KeyboardInterrupt"
        assert len(list(task)) == 0
    assert integrity(project.store / "metadata.db") == "ok"
    verify_all_blobs(project.store)

    (gate / "hold").unlink()
    result = project.run("gated", "resume", "1")
    assert result.code == 0, result.output
    assert fs.Run("GatedFlow/2").successful


@pytest.mark.slow
def test_ctrl_c_at_random_moments_never_leaves_a_running_run(project: Project) -> None:
    """A wide flow of short tasks, interrupted at random moments (while tasks start, end and
    are recorded): every run ends up failed or succeeded, never running, and nothing is left."""
    rng = random.Random(os.getpid())
    for trial in range(8):
        runner = project.start("wide", "run", "--n", "300", "--max-workers", "8")
        # wait until this trial's run is recorded (the store exists from the first trial on,
        # so its file says nothing), then interrupt a bit later, while tasks run
        wait_for(lambda r=runner: "started by" in project.output_of(r), 30, "the run to start")
        time.sleep(rng.uniform(0.2, 1.0))
        os.killpg(runner.pid, signal.SIGINT)
        code = runner.wait(timeout=30)
        assert code in (0, 130), project.output_of(runner)
        output = project.output_of(runner)
        assert "Traceback" not in output and "Exception ignored" not in output, output
        assert_nothing_left(runner.pid, [])
        fs = project.client()
        for run in fs.Flow("WideFlow"):
            assert run.status in ("failed", "succeeded"), (trial, run, run.status)
            assert run.successful == (run.status == "succeeded")
            for step in run:
                for task in step:
                    assert task.status in ("succeeded", "failed", "pending"), (task, task.status)
    assert integrity(project.store / "metadata.db") == "ok"
    verify_all_blobs(project.store)


@pytest.mark.slow
def test_ctrl_c_as_a_run_finishes_leaves_its_outcome_alone(project: Project) -> None:
    """A Ctrl-C that lands once the run is recorded as succeeded, while the process returns and
    exits, is ignored: exit code 0, no traceback, and the run stays succeeded."""
    rng = random.Random(os.getpid())
    for trial in range(10):
        runner = project.start("wide", "run", "--n", "10", "--max-workers", "4")
        out = project.root / "logs" / f"{len(project.started) - 1}.out"
        done = f"Run WideFlow/{trial + 1} succeeded in"
        wait_for(
            lambda done=done, out=out: done in out.read_text(),
            30,
            "the run's success line",
            interval=0.001,
        )
        time.sleep(rng.uniform(0, 0.004))
        try:
            os.killpg(runner.pid, signal.SIGINT)
        except ProcessLookupError:  # already gone: nothing left to test in this trial
            pass
        code = runner.wait(timeout=30)
        output = project.output_of(runner)
        assert code == 0 and "Traceback" not in output, (trial, code, output)
        run = project.client().Run(f"WideFlow/{trial + 1}")
        assert run.successful, (
            run.status,
            [(t.pathspec, t.status) for s in run for t in s],
            output,
        )
