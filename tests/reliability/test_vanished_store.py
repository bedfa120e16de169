"""Issue 10 item 17: the `.flowscope` store deleted while a run records into it. Resuming
cannot work (the run's record is gone), so the run must say the store vanished, and not
advise `resume`."""

from __future__ import annotations

import shutil

import pytest

from .helpers import Project, alive, group_members, wait_for
from .test_kill import make_gate, started_workers


@pytest.mark.slow
@pytest.mark.parametrize("when", ["while tasks run", "as tasks finish"])
def test_a_store_deleted_mid_run_is_reported_as_gone(project: Project, when: str) -> None:
    gate = make_gate(project)
    runner = project.start("chatty", "run", "--n", "3", "--gate", str(gate))
    workers = wait_for(lambda: started_workers(gate, 1, 3), 30, "the body tasks to start")
    shutil.rmtree(project.store)
    if when == "as tasks finish":
        (gate / "open").touch()
    code = runner.wait(timeout=60)
    output = project.output_of(runner)
    assert code == 1, output
    assert f"no longer exists: {project.store}" in output, output
    assert "resume" not in output and "Traceback" not in output, output
    wait_for(lambda: not group_members(runner.pid), 10, "the run's processes to end")
    assert not [p for p in workers if alive(p)]
    # nothing the run wrote afterwards can pass for a store: no metadata database came back
    assert not (project.store / "metadata.db").exists()
