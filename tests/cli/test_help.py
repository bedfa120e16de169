"""The help texts show issue 11's surface: `python flow.py --help`, `run --help`,
`resume --help`, `dump --help` (cli/flow_main.py) and `flowscope --help` (cli/main.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from flowscope.cli.main import main

FLOW = """from flowscope import FlowSpec, Parameter, step


class HelpFlow(FlowSpec):
    letters = Parameter("letters", separator=",", default="a")

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    HelpFlow()
"""


def _flow_help(tmp_path: Path, *command: str) -> str:
    path = tmp_path / "help_flow.py"
    path.write_text(FLOW)
    env = {**os.environ, "COLUMNS": "200"}  # no wrapping inside an option's name
    done = subprocess.run(
        [sys.executable, str(path), *command, "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        (
            (),
            [
                "--config NAME FILE",
                "--config-value NAME TEXT",
                "--branch NAME",
                "--production",
                "--datastore-root ROOT",
                "--environment {local,conda,pypi,uv}",
                "--pylint, --no-pylint",
                "switch step",
                "spin",
                "resume",
                "from STEP",
                "dump",
            ],
        ),
        (
            ("run",),
            [
                "--run-id-file PATH",
                "--with DECO[:K=V,...]",
                "--tag TAG",
                "--max-workers N",
                "--max-num-splits N",
                "--max-log-size MB",
                "--namespace NS",
                "--letters",
                "values separated by ','",
            ],
        ),
        (
            ("resume",),
            ["[STEP]", "--origin-run-id ID", "--run-id-file PATH", "--with", "--max-num-splits N"],
        ),
        (("dump",), ["--include NAMES", "--file PATH"]),
        (("spin",), ["STEP|RUN/STEP/TASK", "--persist", "--artifacts-module FILE"]),
    ],
)
def test_a_flow_files_help_shows_its_options(tmp_path, command, shown):
    text = _flow_help(tmp_path, *command)
    missing = [item for item in shown if item not in text]
    assert not missing, f"{' '.join(command) or 'flow.py'} --help lacks {missing}:\n{text}"


def test_flowscope_help_shows_the_flow_commands(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    for item in [
        "--config NAME FILE",
        "--config-value NAME JSON",
        "--branch NAME",
        "--production",
        "switch steps",
        "resume [STEP] [--origin-run-id ID]",
        "--run-id-file PATH",
        "--with DECO",
        "dump RUN/STEP --include a,b --file out.pkl",
        "spin STEP",
        "package list",
        "--environment pypi",
        "Runner",
    ]:
        assert item in text, f"flowscope --help lacks {item!r}"


def test_flowscope_dump_and_logs_options_have_help(capsys):
    for command in ("dump", "logs"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = capsys.readouterr().out
        lines = [line for line in text.splitlines() if line.strip().startswith("--")]
        assert lines and all(len(line.split()) > 1 for line in lines), text
