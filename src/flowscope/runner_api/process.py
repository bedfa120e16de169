"""One `python flow.py ...` subprocess: its output files, its run-id file, waiting for it.

Output goes to files in the Runner's temporary directory (never to a pipe that could fill and
block the child), so it can be read whole at any time and streamed from any position.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import TextIO

from flowscope.errors import RunnerError

STREAMS = ("stdout", "stderr")
POLL = 0.05  # seconds between looks at the child and its files
STOP_GRACE = 5.0  # seconds a child has to stop after SIGTERM, before SIGKILL


class CommandProcess:
    """A started command. `directory` holds its stdout, stderr and run-id files."""

    def __init__(
        self, argv: Sequence[str], directory: Path, cwd: Path, env: Mapping[str, str]
    ) -> None:
        self.argv = list(argv)
        self.directory = directory
        self.run_id_file = directory / "run-id"
        self.paths = {name: directory / f"{name}.log" for name in STREAMS}
        files = {name: open(path, "wb") for name, path in self.paths.items()}  # noqa: SIM115
        try:
            self.popen = subprocess.Popen(
                self.argv,
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=files["stdout"],
                stderr=files["stderr"],
                start_new_session=True,  # a Ctrl-C in the notebook does not reach the run
            )
        except OSError as exc:
            raise RunnerError(f"Cannot start `{self.command}`: {exc.strerror or exc}.") from exc
        finally:
            for f in files.values():
                f.close()

    @property
    def command(self) -> str:
        return shlex.join(self.argv)

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    def read(self, stream: str) -> str:
        """Everything the command wrote to `stream` so far."""
        if stream not in STREAMS:
            raise RunnerError(f"A stream is 'stdout' or 'stderr', not {stream!r:.40}.")
        try:
            return self.paths[stream].read_bytes().decode("utf-8", "replace")
        except FileNotFoundError:  # cleaned up
            return ""

    def run_id(self) -> str | None:
        """The run id the command wrote, None before it has."""
        try:
            text = self.run_id_file.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return text or None

    def not_started(self) -> RunnerError:
        code = self.returncode
        reason = self.read("stderr").strip() or self.read("stdout").strip() or "no output"
        lines = reason.splitlines()
        tail = "\n".join(lines[-20:])
        return RunnerError(
            f"`{self.command}` ended (exit code {code}) before a run was recorded:\n{tail}"
        )

    # ---- waiting -----------------------------------------------------------------------
    def wait_blocking(self, show_output: bool) -> int:
        """Wait for the command to end, copying its output to this process's as it comes."""
        offsets = dict.fromkeys(STREAMS, 0)
        outs: dict[str, TextIO] = {"stdout": sys.stdout, "stderr": sys.stderr}
        while True:
            code = self.popen.poll()
            if show_output:
                for stream in STREAMS:
                    offsets[stream] = self._copy(stream, offsets[stream], outs[stream])
            if code is not None:
                return code
            time.sleep(POLL)

    def _copy(self, stream: str, offset: int, out: TextIO) -> int:
        try:
            with open(self.paths[stream], "rb") as f:
                f.seek(offset)
                data = f.read()
        except FileNotFoundError:
            return offset
        cut = data.rfind(b"\n") + 1  # whole lines only, the rest next time
        if cut:
            out.write(data[:cut].decode("utf-8", "replace"))
            out.flush()
        return offset + cut

    async def wait_for_run_id(self, timeout: float) -> str:
        """The run id, as soon as the command has written it."""
        deadline = time.monotonic() + timeout
        while True:
            run_id = self.run_id()
            if run_id is not None:
                return run_id
            if self.returncode is not None:
                run_id = self.run_id()
                if run_id is not None:
                    return run_id
                raise self.not_started()
            if time.monotonic() >= deadline:
                self.kill()
                raise RunnerError(
                    f"`{self.command}` recorded no run within {timeout:g} s; it was stopped. "
                    f"Give a larger file_read_timeout= if starting takes that long."
                )
            await asyncio.sleep(POLL)

    async def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            code = self.returncode
            if code is not None:
                return code
            if deadline is not None and time.monotonic() >= deadline:
                self.kill()
                raise RunnerError(
                    f"`{self.command}` did not finish within {timeout:g} s; it was stopped."
                )
            await asyncio.sleep(POLL)

    async def stream(
        self, stream: str, position: int | None = None
    ) -> AsyncIterator[tuple[int, str]]:
        """(position after the line, line) for each line of `stream` from byte `position`,
        until the command has ended and everything it wrote was read."""
        if stream not in STREAMS:
            raise RunnerError(f"A stream is 'stdout' or 'stderr', not {stream!r:.40}.")
        offset = position or 0
        pending = b""
        while True:
            ended = self.returncode is not None
            try:
                with open(self.paths[stream], "rb") as f:
                    f.seek(offset)
                    data = f.read()
            except FileNotFoundError:
                return
            offset += len(data)
            pending += data
            start = offset - len(pending)
            while b"\n" in pending:
                line, _, pending = pending.partition(b"\n")
                start += len(line) + 1
                yield start, line.decode("utf-8", "replace")
            if ended:
                if pending:
                    yield offset, pending.decode("utf-8", "replace")
                return
            await asyncio.sleep(POLL)

    def kill(self) -> None:
        """Stop the command (its whole process group): SIGTERM, then SIGKILL after a grace
        period, as `timeout` does. The run is recorded as failed by its own runner."""
        if self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()
        except ProcessLookupError:
            pass
