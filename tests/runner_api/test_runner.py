"""Runner (runner_api/runner.py): real runs of a flow file in a subprocess."""

from __future__ import annotations

import asyncio

import pytest

from flowscope import Runner
from flowscope.errors import RunnerError


def test_run_blocks_and_gives_the_client_run(project, capsys):
    with Runner("train.py", cwd=project).run(alpha=0.1, tags=["exp", "b"]) as running:
        assert running.status == "successful" and running.returncode == 0
        run = running.run
        assert run.pathspec == "TrainFlow/1" and run.successful
        assert run.data.best == pytest.approx(0.01)
        assert {"exp", "b"} <= run.user_tags
        assert "starting with 0.1" in running.stdout
        assert "to stderr 0.01" in running.stderr
    shown = capsys.readouterr()
    assert "best 0.01" in shown.out and "to stderr" in shown.err  # show_output=True


def test_a_failed_run_is_a_status_not_an_exception_and_resume_clones(project):
    with Runner("train.py", cwd=project, show_output=False) as runner:
        (project / "FAIL").touch()
        failed = runner.run()
        assert failed.status == "failed" and failed.returncode == 1
        assert not failed.run.successful and "asked to fail" in failed.stderr
        (project / "FAIL").unlink()
        resumed = runner.resume(origin_run_id=failed.run.id)
    assert resumed.status == "successful", resumed.stderr
    run = resumed.run
    assert run.origin_pathspec == failed.run.pathspec and run.data.best == pytest.approx(0.05)
    start = run["start"].task
    assert start.origin_pathspec is not None
    facts = start.metadata_dict
    assert facts["origin-run-id"] == failed.run.id
    assert facts["origin-task-id"] == start.origin_pathspec.rsplit("/", 1)[-1]
    # lineage over a real run: start -> two train tasks -> join
    trains = sorted(t.pathspec for t in run["train"])
    assert sorted(start.child_task_pathspecs) == trains
    assert sorted(run["join"].task.parent_task_pathspecs) == trains
    assert [t.pathspec for t in run["end"].task.parent_tasks] == [run["join"].task.pathspec]


def test_a_command_that_records_no_run_raises_with_its_message(project):
    runner = Runner("train.py", cwd=project, show_output=False)
    with pytest.raises(RunnerError, match="alpha") as caught:
        runner.run(alpha="not-a-number")
    assert "before a run was recorded" in str(caught.value)
    with pytest.raises(RunnerError, match="no flow file"):
        Runner("missing.py", cwd=project)
    with pytest.raises(RunnerError, match="set by the Runner API"):
        runner.run(run_id_file="x")
    runner.cleanup()


def test_async_run_returns_once_recorded_then_streams_and_waits(project):
    async def scenario():
        runner = Runner("train.py", cwd=project, show_output=False)
        running = await runner.async_run(alpha=1.0)
        assert running.run.id == "1"
        lines = [line async for _, line in running.stream_log("stdout")]
        await running.wait(timeout=120)
        runner.cleanup()
        return running, lines

    running, lines = asyncio.run(scenario())
    assert running.status == "successful"
    assert any("starting with 1.0" in line for line in lines)
    assert any(line.endswith("best 0.1") for line in lines)


def test_async_resume(project):
    async def scenario():
        with Runner("train.py", cwd=project, show_output=False) as runner:
            (project / "FAIL").touch()
            first = await runner.async_run()
            await first.wait()
            (project / "FAIL").unlink()
            second = await runner.async_resume(origin_run_id=first.run.id)
            await second.wait()
            return first.status, second.status, second.run.origin_pathspec

    assert asyncio.run(scenario()) == ("failed", "successful", "TrainFlow/1")


def test_over_the_service(project, sqlite_service, monkeypatch):
    from tests.pg import reset_database

    from flowscope.client.context import CONTEXT

    reset_database(sqlite_service.database)
    monkeypatch.setenv("FLOWSCOPE_SERVICE_TOKEN", sqlite_service.token)
    CONTEXT.reset()
    with Runner("train.py", cwd=project, show_output=False, metadata=sqlite_service.url) as r:
        running = r.run(alpha=0.2)
        assert running.status == "successful", running.stderr
        run = running.run
        assert run.data.best == pytest.approx(0.02)
        assert sorted(run["join"].task.parent_task_pathspecs) == sorted(
            t.pathspec for t in run["train"]
        )
    assert not (project / ".flowscope").exists()


OPTIONS_FLOW = """from flowscope import Config, FlowSpec, Parameter, current, step


class OptionsFlow(FlowSpec):
    cfg = Config("cfg", default_value={"size": 1})
    extra = Config("extra", default_value={"k": "none"})
    letters = Parameter("letters", separator=",", default="z")

    @step
    def start(self):
        if current.retry_count == 0:
            raise RuntimeError("first attempt fails")
        self.size = self.cfg.size
        self.k = self.extra.k
        self.got = list(self.letters)
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    OptionsFlow()
"""


def test_configs_separated_lists_and_decospecs_reach_the_run(project):
    (project / "options.py").write_text(OPTIONS_FLOW)
    (project / "extra.json").write_text('{"k": "from file"}')
    with Runner(
        "options.py",
        cwd=project,
        show_output=False,
        config_value=[("cfg", {"size": 7})],
        config={"extra": "extra.json"},
        decospecs=["retry:times=1"],
    ) as runner:
        running = runner.run(letters=["a", "b", "c"])
        assert running.status == "successful", running.stderr
        data = running.run["start"].task.data
        assert (data.size, data.k, data.got) == (7, "from file", ["a", "b", "c"])
        assert running.run.data.cfg == {"size": 7}
    # without --with the first attempt's failure fails the run
    with Runner("options.py", cwd=project, show_output=False) as runner:
        assert runner.run().status == "failed"
