"""ExecutingRun: a run started by the Runner API, while it runs and after it ended."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import TYPE_CHECKING

from flowscope.runner_api.process import CommandProcess

if TYPE_CHECKING:
    from typing_extensions import Self

    from flowscope.client.run import Run
    from flowscope.client.task import Task


class ExecutingRun:
    """What `Runner.run()` and `async_run()` return (a context manager that stops a run still
    going when it exits). `run` is the client's Run; `status` is 'running', 'successful' or
    'failed', from the command's exit code; `stdout` and `stderr` are its whole output so
    far, and `stream_log()` follows it as it comes."""

    def __init__(
        self, process: CommandProcess, run_id: str, open_run: Callable[[str], Run]
    ) -> None:
        self._process = process
        self._run_id = run_id
        self._open_run = open_run
        self._run: Run | None = None

    def __repr__(self) -> str:
        return f"<ExecutingRun run_id={self._run_id!r} status={self.status!r}>"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._process.kill()

    @property
    def run(self) -> Run:
        """The run, as the client sees it (`running.run.data.x` once it has ended)."""
        if self._run is None:
            self._run = self._open_run(self._run_id)
        else:
            self._run.refresh()
        return self._run

    @property
    def command(self) -> str:
        """The command line that runs the flow."""
        return self._process.command

    @property
    def returncode(self) -> int | None:
        """The command's exit code, None while it runs."""
        return self._process.returncode

    @property
    def status(self) -> str:
        """'running', 'successful' (exit code 0) or 'failed'."""
        code = self.returncode
        if code is None:
            return "running"
        return "successful" if code == 0 else "failed"

    @property
    def stdout(self) -> str:
        """Everything the run printed to standard output so far."""
        return self._process.read("stdout")

    @property
    def stderr(self) -> str:
        """Everything the run printed to standard error so far."""
        return self._process.read("stderr")

    async def wait(self, timeout: float | None = None, stream: str | None = None) -> Self:
        """Wait for the run to end (printing `stream`, 'stdout' or 'stderr', as it comes).
        After `timeout` seconds the run is stopped and RunnerError raised, as the family's."""
        if stream is not None:
            async for _, line in self.stream_log(stream):
                print(line)
        await self._process.wait(timeout)
        return self

    def stream_log(
        self, stream: str, position: int | None = None
    ) -> AsyncIterator[tuple[int, str]]:
        """`async for position, line in running.stream_log('stdout')`: each line from byte
        `position` (the start when None) until the run ends; `position` is where the next
        line starts, to resume streaming from later."""
        return self._process.stream(stream, position)

    def kill(self) -> None:
        """Stop the run now (it is recorded as failed, and can be resumed)."""
        self._process.kill()


class ExecutingTask(ExecutingRun):
    """What `Runner.spin()` returns: the spin's status and output, and with `persist=True`
    the spun task as the client reads it from the spin store (`task`, `run`)."""

    def __init__(
        self,
        process: CommandProcess,
        run_id: str | None,
        open_run: Callable[[str], Run],
        open_task: Callable[[str], Task],
    ) -> None:
        super().__init__(process, run_id or "", open_run)
        self._kept = run_id
        self._open_task = open_task

    def __repr__(self) -> str:
        return f"<ExecutingTask status={self.status!r} kept={self._kept is not None}>"

    @property
    def task(self) -> Task:
        """The spun task, with its artifacts and output (`spin(..., persist=True)` only)."""
        return self._open_task(self._needs_kept())

    @property
    def run(self) -> Run:
        """The one-task run the spin store keeps (`spin(..., persist=True)` only)."""
        self._needs_kept()
        return super().run

    def _needs_kept(self) -> str:
        if self._kept is None:
            from flowscope.errors import RunnerError

            raise RunnerError(
                "This spin kept nothing to read: call spin(..., persist=True) to keep its task "
                "and artifacts."
            )
        return self._kept
