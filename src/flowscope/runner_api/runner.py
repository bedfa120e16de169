"""Runner: start and resume runs of a flow file from Python, through its real command line.

    with Runner("train.py", metadata="/data/store").run(alpha=0.1) as running:
        print(running.status, running.run.data.best)

`run()` and `resume()` block until the run ends; `async_run()` and `async_resume()` return as
soon as the run is recorded. A run that fails is not an exception (its status says so); a
command that ends before recording a run (a bad parameter, a broken flow) raises RunnerError
with its message.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from flowscope.errors import RunnerError
from flowscope.runner_api.command import option_args, resume_args, split_top_level
from flowscope.runner_api.executing import ExecutingRun, ExecutingTask
from flowscope.runner_api.flowfile import flow_name_of, separators_of
from flowscope.runner_api.process import CommandProcess

if TYPE_CHECKING:
    from typing_extensions import Self

    from flowscope.client.run import Run
    from flowscope.client.task import Task

DEFAULT_FILE_READ_TIMEOUT = 3600.0  # seconds a command may take to record its run


class Runner:
    """Runs `flow_file` (a path, relative to `cwd`) in a subprocess. `show_output` copies its
    output to this process's while `run()`/`resume()` wait; `env` adds to (or overrides) the
    environment; `cwd` is where it runs (its store is found from there); further keyword
    arguments are the flow's top-level options (`metadata=`, `datastore=`, `quiet=`,
    `config=[(NAME, FILE)]`, `config_value=[(NAME, VALUE)]`) and `decospecs=[SPEC, ...]`,
    which every run and resume started here gets as `--with SPEC`."""

    def __init__(
        self,
        flow_file: str | os.PathLike[str],
        show_output: bool = True,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        file_read_timeout: float = DEFAULT_FILE_READ_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        self.cwd = Path(cwd if cwd is not None else os.getcwd()).absolute()
        path = Path(flow_file)
        self.flow_file = path if path.is_absolute() else self.cwd / path
        if not self.flow_file.is_file():
            raise RunnerError(f"There is no flow file {str(flow_file)!r} in {str(self.cwd)!r}.")
        self.flow_name = flow_name_of(self.flow_file)
        self.separators = separators_of(self.flow_file)
        self.show_output = show_output
        self.env = {**os.environ, **dict(env or {})}
        self.env.setdefault("PYTHONUNBUFFERED", "1")
        self.file_read_timeout = float(file_read_timeout)
        self.top_level = dict(kwargs)
        # bad options fail here, not in the child
        self._top_args, self._each_args = split_top_level(self.top_level)
        self._directory: Path | None = None
        self._processes: list[CommandProcess] = []

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.cleanup()

    def cleanup(self) -> None:
        """Stop runs still going and remove the temporary files (their output)."""
        for process in self._processes:
            process.kill()
        self._processes.clear()
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None

    # ---- commands ----------------------------------------------------------------------
    def run(self, **kwargs: Any) -> ExecutingRun:
        """Run the flow and wait for it to end. Keyword arguments are its parameters and run
        options (`tags=[...]`, `max_workers=N`, `decospecs=[...]`); a list for a parameter
        with `separator=` is joined with it."""
        return self._blocking(["run", *self._run_args(kwargs)])

    def resume(self, **kwargs: Any) -> ExecutingRun:
        """Resume a run (`origin_run_id=`, default: your newest failed run) and wait."""
        return self._blocking(["resume", *resume_args(kwargs)])

    def spin(self, step: str, **kwargs: Any) -> ExecutingTask:
        """Run one step again on a past task's inputs and wait (`python flow.py spin`):
        `step` is a step (your latest run's first task of it) or `RUN/STEP/TASK`;
        `persist=True` keeps the task for `.task`; `artifacts_module=FILE` overrides inputs."""
        process = self._start(["spin", step, *option_args(kwargs)])
        try:
            process.wait_blocking(self.show_output)
        except BaseException:
            process.kill()
            raise
        return ExecutingTask(process, process.run_id(), self._open_spin_run, self._open_spin_task)

    async def async_run(self, **kwargs: Any) -> ExecutingRun:
        """Start the flow and return once its run is recorded (see `ExecutingRun.wait`)."""
        return await self._started(["run", *self._run_args(kwargs)])

    async def async_resume(self, **kwargs: Any) -> ExecutingRun:
        """Start a resume and return once its run is recorded."""
        return await self._started(["resume", *resume_args(kwargs)])

    # ---- plumbing ----------------------------------------------------------------------
    def _run_args(self, options: Mapping[str, Any]) -> list[str]:
        return option_args(options, self.separators)

    def _start(self, command: list[str]) -> CommandProcess:
        if self._directory is None:
            self._directory = Path(tempfile.mkdtemp(prefix="flowscope-runner-"))
        directory = Path(tempfile.mkdtemp(prefix=f"{command[0]}-", dir=self._directory))
        argv = [
            sys.executable,
            str(self.flow_file),
            *self._top_args,
            command[0],
            "--run-id-file",
            str(directory / "run-id"),
            *command[1:],
            *self._each_args,
        ]
        process = CommandProcess(argv, directory, self.cwd, self.env)
        self._processes.append(process)
        return process

    def _blocking(self, command: list[str]) -> ExecutingRun:
        process = self._start(command)
        try:
            process.wait_blocking(self.show_output)
        except BaseException:  # Ctrl-C while waiting: the run stops too
            process.kill()
            raise
        run_id = process.run_id()
        if run_id is None:
            raise process.not_started()
        return ExecutingRun(process, run_id, self._open_run)

    async def _started(self, command: list[str]) -> ExecutingRun:
        process = self._start(command)
        run_id = await process.wait_for_run_id(self.file_read_timeout)
        return ExecutingRun(process, run_id, self._open_run)

    def _spin_provider(self) -> Any:
        from flowscope.client.context import CONTEXT
        from flowscope.config import SPIN_DIRNAME

        return CONTEXT.stores_for(str(self.cwd / SPIN_DIRNAME)).provider

    def _open_spin_run(self, run_id: str) -> Run:
        from flowscope.client.run import Run

        record = self._spin_provider().get_run(self.flow_name, int(run_id))
        return Run._from_record(self._spin_provider(), None, record)

    def _open_spin_task(self, run_id: str) -> Task:
        """The task a `spin --persist` kept: its run's one task that is not the parameters'."""
        from flowscope.client.lineage import PARAMETERS_STEP
        from flowscope.client.task import Task

        provider = self._spin_provider()
        run = provider.get_run(self.flow_name, int(run_id))
        listed = provider.list_tasks(self.flow_name, int(run_id))
        tasks = [t for t in listed if t.step_name != PARAMETERS_STEP]
        return Task._from_record(provider, None, tasks[0], run)

    def _open_run(self, run_id: str) -> Run:
        """The run in the store the command recorded it in (whatever the namespace)."""
        from flowscope.client.context import CONTEXT
        from flowscope.client.run import Run
        from flowscope.config import Settings
        from flowscope.errors import ObjectNotFound
        from flowscope.metastore.providers import default_address

        metadata = self.top_level.get("metadata")
        datastore = self.top_level.get("datastore")
        if metadata is None:
            address = default_address(Settings.from_env(self.env), self.cwd)
        elif "://" in str(metadata) or "@" in str(metadata):
            address = str(metadata)
        else:
            address = str(self.cwd / Path(str(metadata)).expanduser())
        stores = CONTEXT.stores_for(address, None if datastore is None else str(datastore))
        record = stores.provider.get_run(self.flow_name, int(run_id))
        if record is None:
            raise ObjectNotFound(
                f"Run('{self.flow_name}/{run_id}') was started but is not in {address}."
            )
        return Run._from_record(stores.provider, None, record)
