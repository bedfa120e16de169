"""Issue 10 item 11: a disk that fills up while a run records it. Every write on the way out
is guarded, so the run ends with the one clean message (its progress could not be recorded,
and the resume command), never a chained traceback, and leaves no worker behind."""

from __future__ import annotations

import shutil
import sys

import pytest

from .helpers import FLOWS, Project, alive, group_members, wait_for
from .test_kill import make_gate, started_workers


@pytest.mark.slow
@pytest.mark.parametrize("width", [1, 4])
def test_a_full_disk_mid_run_ends_with_the_resume_hint_not_a_traceback(
    project: Project, width: int
) -> None:
    gate = make_gate(project)
    wrapper = project.root / "fulldisk.py"
    shutil.copy(FLOWS / "fulldisk.py", wrapper)
    full = project.root / "disk-is-full"
    argv = ["run", "--n", str(width), "--gate", str(gate)]
    project.command = lambda flow, *args: [  # type: ignore[method-assign]
        sys.executable,
        str(wrapper),
        str(full),
        str(project.script(flow)),
        *args,
    ]
    runner = project.start("chatty", *argv)
    workers = wait_for(lambda: started_workers(gate, 1, width), 30, "the body tasks to start")
    full.touch()  # the disk is full from now on, while the tasks keep printing
    code = runner.wait(timeout=60)
    output = project.output_of(runner)
    assert code == 1, output
    assert "could not be recorded" in output and "resume 1" in output, output
    assert "Traceback" not in output and "During handling" not in output, output
    wait_for(lambda: not group_members(runner.pid), 10, "the run's processes to end")
    assert not [p for p in workers if alive(p)]
