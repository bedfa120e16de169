"""The `flowscope` command (cli/main.py): the parser, and each command over a recorded run."""

from __future__ import annotations

import subprocess
import sys

import pytest

import flowscope
from flowscope.cli.main import build_parser, main

from .conftest import Workspace


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_every_command_has_help() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    names = set(sub.choices)  # type: ignore[arg-type]
    assert names == {
        "flows",
        "runs",
        "logs",
        "dump",
        "tag",
        "diff",
        "service",
        "ui",
        "version",
        "reindex",
    }
    helps = {a.dest: a.help for a in sub._choices_actions}  # type: ignore[attr-defined]
    assert all(helps[name] for name in names)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["version"], capsys) == (0, f"{flowscope.__version__}\n", "")


def test_flows_and_runs(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["flows"], capsys) == (0, "HelloFlow\n", "")
    code, out, _ = _run(["runs", "HelloFlow"], capsys)
    assert code == 0
    assert out.split()[:2] == ["HelloFlow/1", "succeeded"] and out.rstrip().endswith("mine")
    assert _run(["runs", "HelloFlow", "--tag", "nope"], capsys)[1] == ""
    assert _run(["runs", "HelloFlow", "--limit", "0"], capsys)[1] == ""


def test_an_explicit_metadata_address_and_namespace(
    workspace: Workspace, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FLOWSCOPE_ROOT")
    monkeypatch.chdir("/")
    assert _run(["--metadata", str(workspace.root), "flows"], capsys)[1] == "HelloFlow\n"
    code, out, err = _run(
        ["--metadata", str(workspace.root), "--namespace", "user:bob", "runs", "HelloFlow"], capsys
    )
    assert (code, out) == (1, "") and "user:bob" in err


def test_logs_dump_and_tag_dispatch(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(["logs", f"{workspace.run}/start/1"], capsys)[1] == "hello from 1\n"
    assert _run(["logs", "--stderr", f"{workspace.run}/start/1"], capsys)[1] == "warning 1\n"
    assert _run(["dump", f"{workspace.run}/start/1"], capsys)[1].startswith(
        f"{workspace.run}/start/1"
    )
    assert "user tags:   mine, new" in _run(["tag", "add", workspace.run, "new"], capsys)[1]


@pytest.mark.parametrize(
    "argv,code,words",
    [
        (["logs", "HelloFlow/9/start/1"], 1, "error: "),
        (["logs", "HelloFlow/x"], 2, "error: "),
        (["tag", "replace", "HelloFlow/1", "one"], 2, "exactly two tags"),
    ],
)
def test_mistakes_are_one_line_errors(
    workspace: Workspace, capsys: pytest.CaptureFixture[str], argv: list[str], code: int, words: str
) -> None:
    got, out, err = _run(argv, capsys)
    assert got == code and words in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    with pytest.raises(SystemExit):
        main(["runs"])


def test_service_is_handed_to_its_own_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["service", "--help"])
    assert info.value.code == 0
    assert "migrate" in capsys.readouterr().out


def test_runs_as_a_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flowscope.cli.main", "version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, f"{flowscope.__version__}\n")


def test_runs_where_and_reindex(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    # the fixture records its artifacts without scalars, as runs recorded before the index
    code, out, err = _run(["runs", "HelloFlow", "--where", "data.x = 1"], capsys)
    assert code == 2 and out == "" and "Unknown field 'data.x'" in err and "reindex" in err
    code, out, _ = _run(["reindex", "HelloFlow"], capsys)
    assert (code, out) == (0, "reindexed 1 run(s): 0 parameter(s), 4 scalar artifact(s)\n")
    assert _run(["reindex"], capsys)[1] == out  # idempotent, every flow
    from flowscope.client import Step

    body = Step(f"{workspace.run}/body")
    assert [t.id for t in body.tasks(where="data.alpha >= 3")] == ["3"]
    assert [t.id for t in Step(f"{workspace.run}/start").tasks(where="data.long != 'y'")] == ["1"]
    code, out, err = _run(["runs", "HelloFlow", "--where", "status = 'succeeded'"], capsys)
    assert code == 0 and out.split()[:1] == ["HelloFlow/1"]
    assert _run(["runs", "HelloFlow", "--where", "user = 'nobody'"], capsys)[1] == ""
    code, _, err = _run(["runs", "HelloFlow", "--where", "status =="], capsys)
    assert code == 2 and "position" in err and "^" in err
