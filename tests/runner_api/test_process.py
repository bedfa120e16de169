"""One command subprocess (runner_api/process.py): output files, run id, waits, kill."""

from __future__ import annotations

import asyncio
import os
import sys
import time

import pytest

from flowscope.errors import RunnerError
from flowscope.runner_api.process import CommandProcess


def _start(tmp_path, code: str) -> CommandProcess:
    return CommandProcess([sys.executable, "-c", code], tmp_path, tmp_path, dict(os.environ))


def test_output_run_id_and_exit_code(tmp_path, capsys):
    code = (
        "import sys, pathlib; print('out'); print('err', file=sys.stderr); "
        f"pathlib.Path({str(tmp_path / 'run-id')!r}).write_text('7')"
    )
    process = _start(tmp_path, code)
    assert process.wait_blocking(show_output=True) == 0
    assert process.read("stdout") == "out\n" and process.read("stderr") == "err\n"
    assert process.run_id() == "7"
    assert capsys.readouterr().out == "out\n"


def test_a_command_that_ends_without_a_run_id_says_why(tmp_path):
    process = _start(tmp_path, "import sys; sys.exit('bad parameter')")
    with pytest.raises(RunnerError, match="exit code 1.*\n.*bad parameter"):
        asyncio.run(process.wait_for_run_id(30))


def test_streaming_lines_with_positions(tmp_path):
    process = _start(
        tmp_path,
        "import time\nfor i in range(3):\n    print(i, flush=True); time.sleep(0.1)\nprint('tail', end='')",
    )

    async def collect():
        return [item async for item in process.stream("stdout")]

    items = asyncio.run(collect())
    assert [line for _, line in items] == ["0", "1", "2", "tail"]
    assert [pos for pos, _ in items] == [2, 4, 6, 10]

    async def again():
        return [line async for _, line in process.stream("stdout", position=4)]

    assert asyncio.run(again()) == ["2", "tail"]


def test_a_timeout_stops_the_command(tmp_path):
    process = _start(tmp_path, "import time; time.sleep(60)")
    began = time.monotonic()
    with pytest.raises(RunnerError, match="did not finish within"):
        asyncio.run(process.wait(timeout=0.3))
    assert process.returncode is not None and time.monotonic() - began < 10
    with pytest.raises(RunnerError, match="'stdout' or 'stderr'"):
        process.read("other")
