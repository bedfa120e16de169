"""`python flow.py COMMAND` (cli/flow_main.py): check and show,
parameter resolution, and logs/dump/tag over a recorded run. Running flows end to end is in
tests/e2e/test_cli.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowscope import FlowSpec, IncludeFile, Parameter, step
from flowscope.cli import flow_main
from flowscope.errors import InvalidPathspec, RunError
from flowscope.metastore.local import open_local
from flowscope.metastore.new_records import NewRun

from .conftest import Workspace


class HelloFlow(FlowSpec):
    """Says hello.

    More text that is not the description."""

    alpha = Parameter("alpha", default=1, help="how many")
    who = Parameter("who", required=True)
    notes = IncludeFile("notes", help="a text file")

    @step
    def start(self) -> None:
        self.next(self.end)

    @step
    def end(self) -> None:
        pass


class BrokenFlow(FlowSpec):
    @step
    def start(self) -> None:
        self.next(self.nowhere)

    @step
    def end(self) -> None:
        pass


def _main(flow: type, argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        flow_main.main(flow, argv)
    captured = capsys.readouterr()
    return int(info.value.code or 0), captured.out, captured.err


def test_branch_without_project_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _main(HelloFlow, ["--branch", "x", "check"], capsys)
    assert code == 2 and "--branch is for flows with @project; HelloFlow has none" in err


def test_check_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert _main(HelloFlow, ["check"], capsys) == (
        0,
        "The graph of HelloFlow is valid (2 steps).\n",
        "",
    )
    code, out, _ = _main(HelloFlow, ["show"], capsys)
    assert code == 0 and "start" in out and "end" in out


def test_a_broken_graph_is_reported_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _main(BrokenFlow, ["check"], capsys)
    assert code == 2 and err.startswith("error: The flow graph is invalid") and "nowhere" in err
    assert "Traceback" not in err


def test_logs_dump_and_tag_read_the_flows_own_runs(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _main(HelloFlow, ["logs", "1/start/1"], capsys)[:2] == (0, "hello from 1\n")
    assert _main(HelloFlow, ["logs", "--stderr", "1/start"], capsys)[1] == "warning 1\n"
    assert _main(HelloFlow, ["dump", "1/start/1"], capsys)[1].startswith(
        "HelloFlow/1/start/1 (succeeded)"
    )
    assert "user tags:   mine, x" in _main(HelloFlow, ["tag", "add", "1", "x"], capsys)[1]
    assert "user tags:   mine, x" in _main(HelloFlow, ["tag", "list", "1"], capsys)[1]


def test_tag_changes_need_a_tag(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _main(HelloFlow, ["tag", "add", "1"], capsys)
    assert code == 2 and err == "error: tag add needs at least one TAG.\n"


def test_the_origin_of_a_resume(tmp_path: Path) -> None:
    provider = open_local(tmp_path, create=True)
    try:
        with pytest.raises(RunError, match="no failed run of HelloFlow by user 'u'"):
            flow_main._origin_run(provider, "HelloFlow", None, "u")
        for user, status in [("u", "failed"), ("u", "failed"), ("v", "failed"), ("u", None)]:
            run = provider.create_run(NewRun("HelloFlow", user))
            if status:
                provider.finish_run("HelloFlow", run.run_id, status)
        # the newest failed run of u: not v's run 3, not the running run 4
        assert flow_main._origin_run(provider, "HelloFlow", None, "u") == 2
        assert flow_main._origin_run(provider, "HelloFlow", None, "v") == 3
        assert flow_main._origin_run(provider, "HelloFlow", "4", "u") == 4  # named: as asked
        with pytest.raises(InvalidPathspec):
            flow_main._origin_run(provider, "HelloFlow", "latest", "u")
        done = provider.create_run(NewRun("HelloFlow", "u"))
        provider.finish_run("HelloFlow", done.run_id, "succeeded")
        # resume STEP starts from the newest run that ended, succeeded too; plain resume not
        assert flow_main._origin_run(provider, "HelloFlow", None, "u", any_end=True) == 5
        assert flow_main._origin_run(provider, "HelloFlow", None, "u") == 2
    finally:
        provider.close()


def test_the_command_line_is_shell_quoted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.argv", ["flow.py", "run", "--who", "two words"])
    assert flow_main._command_line().endswith("flow.py run --who 'two words'")
