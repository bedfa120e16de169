"""NBRunner: run a flow defined in a notebook cell.

As the family's does, it takes the source of the cell being run (IPython's input history),
keeps it up to the end of the flow's class, adds `if __name__ == "__main__": TheFlow()`, and
writes that to a file that a Runner runs. The file goes in a fresh directory of its own
(inside `base_dir`, the system's temporary directory by default), because a run's code
package takes the Python files beside its flow file. Outside IPython, the source file of the
module that defines the class is used the same way.
"""

from __future__ import annotations

import ast
import inspect
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowscope.errors import RunnerError
from flowscope.runner_api.executing import ExecutingRun
from flowscope.runner_api.runner import DEFAULT_FILE_READ_TIMEOUT, Runner

if TYPE_CHECKING:
    from flowscope.client.run import Run


def _cell_source() -> str | None:
    """The source of the cell being run, when running under IPython."""
    ipython_module = sys.modules.get("IPython")
    get = getattr(ipython_module, "get_ipython", None)
    shell = get() if callable(get) else None
    history = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None)
    if history:
        return str(history[-1])
    return None


def _module_source(flow: type) -> str | None:
    try:
        return inspect.getsource(sys.modules[flow.__module__])
    except (KeyError, OSError, TypeError):
        return None


def flow_file_text(source: str, flow_name: str) -> str:
    """The cell's source up to the end of class `flow_name`, with a `__main__` block."""
    try:
        module = ast.parse(source)
    except SyntaxError as exc:
        raise RunnerError(f"The cell defining {flow_name} does not parse: {exc}") from None
    found = [n for n in module.body if isinstance(n, ast.ClassDef) and n.name == flow_name]
    if not found:
        raise RunnerError(
            f"The cell being run does not define class {flow_name}: NBRunner runs a flow "
            f"defined in the same cell, with every import it needs, NBRunner on its last line."
        )
    end = found[-1].end_lineno or len(source.splitlines())
    lines = source.splitlines()[:end]
    return "\n".join([*lines, "", "", 'if __name__ == "__main__":', f"    {flow_name}()", ""])


class NBRunner:
    """`NBRunner(MyFlow).nbrun(alpha=0.1)` runs the flow defined in this cell and returns its
    Run; `run`, `resume`, `async_run` and `async_resume` are the Runner's."""

    def __init__(
        self,
        flow: type,
        show_output: bool = True,
        env: Mapping[str, str] | None = None,
        base_dir: str | os.PathLike[str] | None = None,
        file_read_timeout: float = DEFAULT_FILE_READ_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        if not isinstance(flow, type):
            raise RunnerError(f"NBRunner takes the flow class, got {flow!r:.60}.")
        name = flow.__name__
        source = _cell_source() or _module_source(flow)
        if source is None:
            raise RunnerError(f"Cannot find the source of {name}: define it in a notebook cell.")
        text = flow_file_text(source, name)
        base = Path(base_dir) if base_dir is not None else Path(tempfile.gettempdir())
        try:
            self._directory: Path | None = Path(tempfile.mkdtemp(prefix="flowscope-nb-", dir=base))
        except OSError as exc:
            raise RunnerError(f"Cannot write the flow file in {str(base)!r}: {exc}.") from exc
        self.flow_file = self._directory / f"{name}.py"
        self.flow_file.write_text(text, encoding="utf-8")
        self.runner = Runner(
            self.flow_file,
            show_output=show_output,
            env=env,
            cwd=os.getcwd(),
            file_read_timeout=file_read_timeout,
            **kwargs,
        )

    def nbrun(self, **kwargs: Any) -> Run:
        """Run the flow, wait for it, and return its Run (temporary files are removed)."""
        try:
            return self.runner.run(**kwargs).run
        finally:
            self.cleanup()

    def nbresume(self, **kwargs: Any) -> Run:
        """Resume a run of the flow, wait for it, and return the new Run."""
        try:
            return self.runner.resume(**kwargs).run
        finally:
            self.cleanup()

    def run(self, **kwargs: Any) -> ExecutingRun:
        return self.runner.run(**kwargs)

    def resume(self, **kwargs: Any) -> ExecutingRun:
        return self.runner.resume(**kwargs)

    async def async_run(self, **kwargs: Any) -> ExecutingRun:
        return await self.runner.async_run(**kwargs)

    async def async_resume(self, **kwargs: Any) -> ExecutingRun:
        return await self.runner.async_resume(**kwargs)

    def cleanup(self) -> None:
        """Stop runs still going; remove the flow file and the runs' temporary output."""
        self.runner.cleanup()
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None
