"""Which run `resume` continues (issue 10, item 6): with no run id, the newest failed run of
the current user - never another user's, never one still running, never a succeeded one; a
run that is still running is refused, with the reason, and nothing is recorded."""

from __future__ import annotations

import textwrap

from .helpers import Project, Result, row_counts, wait_for

FLOW = """
import time
from pathlib import Path

from flowscope import FlowSpec, current, step


class ChoiceFlow(FlowSpec):
    @step
    def start(self):
        hold = Path(f"hold.{current.run_id}")
        if hold.exists():
            Path(f"holding.{current.run_id}").touch()
        deadline = time.time() + 60
        while hold.exists() and time.time() < deadline:
            time.sleep(0.02)
        if Path("fail").exists():
            raise RuntimeError("asked to fail")
        self.x = 1
        self.next(self.end)

    @step
    def end(self):
        print("done", self.x)


if __name__ == "__main__":
    ChoiceFlow()
"""


def run_as(project: Project, user: str, *args: str) -> Result:
    saved = project.env["FLOWSCOPE_USER"]
    project.env["FLOWSCOPE_USER"] = user
    try:
        return project.run("choice", *args)
    finally:
        project.env["FLOWSCOPE_USER"] = saved


def test_resume_picks_the_newest_failed_run_of_the_current_user(project: Project) -> None:
    (project.root / "choice.py").write_text(textwrap.dedent(FLOW))
    fail = project.root / "fail"
    fail.touch()
    assert run_as(project, "tester", "run").code == 1  # 1: tester, failed
    assert run_as(project, "tester", "run").code == 1  # 2: tester, failed (the one to pick)
    assert run_as(project, "bob", "run").code == 1  # 3: bob, failed, newer
    fail.unlink()
    assert run_as(project, "tester", "run").code == 0  # 4: tester, succeeded, newer

    hold = project.root / "hold.5"
    hold.touch()
    running = project.start("choice", "run")  # 5: tester, still running, newest
    wait_for((project.root / "holding.5").exists, 30, "run 5 to start")
    fs = project.client()
    assert fs.Run("ChoiceFlow/5").status == "running"

    # resuming the running run is refused, says why, and records nothing
    before = row_counts(project.store / "metadata.db")
    refused = run_as(project, "tester", "resume", "5")
    assert refused.code == 1 and "Traceback" not in refused.output, refused.output
    assert "still running" in refused.stderr and "ChoiceFlow/5" in refused.stderr
    assert row_counts(project.store / "metadata.db") == before

    result = run_as(project, "tester", "resume")
    assert result.code == 0, result.output
    fs = project.client()
    resumed = fs.Flow("ChoiceFlow").latest_run
    assert resumed.id == "6" and resumed.successful
    assert resumed.origin_pathspec == "ChoiceFlow/2", resumed.origin_pathspec

    hold.unlink()
    running.wait(timeout=30)
    assert fs.Run("ChoiceFlow/5").successful

    # bob's newest failed run is his own run 3; alice has none
    result = run_as(project, "bob", "resume")
    assert result.code == 0, result.output
    assert project.client().Run("ChoiceFlow/7").origin_pathspec == "ChoiceFlow/3"
    none = run_as(project, "alice", "resume")
    assert none.code == 1 and "Traceback" not in none.output, none.output
    assert "no failed run" in none.stderr and "alice" in none.stderr, none.stderr
