"""NBRunner (runner_api/notebook.py): the cell's flow written to a file of its own, and run."""

from __future__ import annotations

import sys
import types

import pytest

from flowscope.errors import RunnerError
from flowscope.runner_api.notebook import NBRunner, flow_file_text

CELL = """from flowscope import FlowSpec, step


class CellFlow(FlowSpec):
    @step
    def start(self):
        self.x = 41
        self.next(self.end)

    @step
    def end(self):
        self.x += 1


NBRunner(CellFlow).nbrun()"""


def test_the_cell_is_kept_up_to_the_flow_with_a_main_block():
    text = flow_file_text(CELL, "CellFlow")
    assert "NBRunner(" not in text
    assert text.rstrip().endswith('if __name__ == "__main__":\n    CellFlow()')
    with pytest.raises(RunnerError, match="does not define class Other"):
        flow_file_text(CELL, "Other")


def test_nbrun_runs_the_cell_from_ipython_history(project, monkeypatch, tmp_path):
    namespace: dict[str, object] = {}
    exec(compile(CELL.rsplit("\n", 1)[0], "<cell>", "exec"), namespace)
    shell = types.SimpleNamespace(history_manager=types.SimpleNamespace(input_hist_raw=["", CELL]))
    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: shell  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake)
    monkeypatch.chdir(project)
    base = tmp_path / "nb"
    base.mkdir()
    nb = NBRunner(namespace["CellFlow"], show_output=False, base_dir=base)  # type: ignore[arg-type]
    assert nb.flow_file.parent.parent == base and nb.flow_file.name == "CellFlow.py"
    run = nb.nbrun()
    assert run.successful and run.data.x == 42
    assert list(base.iterdir()) == []  # cleaned up
    assert (project / ".flowscope").is_dir()  # recorded where the notebook runs
