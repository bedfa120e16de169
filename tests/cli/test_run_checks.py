"""What run/resume/spin check before anything runs (cli/run_checks.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from flowscope import FlowSpec, kubernetes, pypi, step
from flowscope.cli.run_checks import check_surroundings
from flowscope.errors import EnvironmentMismatch


def _flow(deco=None) -> type:
    def start(self) -> None:
        self.next(self.end)

    def end(self) -> None:
        pass

    start = step(start)
    if deco is not None:
        start = deco(start)
    return type("ChecksFlow", (FlowSpec,), {"start": start, "end": step(end)})


def test_a_plain_flow_has_nothing_to_say() -> None:
    assert check_surroundings(_flow(), ["start", "end"], "local") == []


def test_an_unmet_pin_refuses_the_run_naming_the_package_and_the_fix() -> None:
    cls = _flow(pypi(packages={"flowscope-absent": ">=2"}))
    with pytest.raises(EnvironmentMismatch) as caught:
        check_surroundings(cls, ["start", "end"], "local")
    text = str(caught.value)
    assert "step 'start': flowscope-absent>=2 (not installed)" in text
    assert "pip install 'flowscope-absent>=2'" in text and sys.executable in text
    assert caught.value.exit_code == 2


def test_a_compute_layer_is_noticed_with_the_executor() -> None:
    (notice,) = check_surroundings(_flow(kubernetes(cpu=2)), ["start", "end"], "dask")
    assert "runs on the Dask cluster" in notice


def test_a_plain_flow_loads_neither_module() -> None:
    code = (
        "import sys\n"
        "from flowscope import FlowSpec, step\n"
        "from flowscope.cli.run_checks import check_surroundings\n"
        "class F(FlowSpec):\n"
        "    @step\n"
        "    def start(self): self.next(self.end)\n"
        "    @step\n"
        "    def end(self): pass\n"
        "check_surroundings(F, ['start', 'end'], 'local')\n"
        "print(sorted(m for m in sys.modules if m in ('flowscope.flow.packages', "
        "'flowscope.flow.compute', 'importlib.metadata')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert (
        "flowscope.flow.packages" not in out.stdout and "flowscope.flow.compute" not in out.stdout
    )
