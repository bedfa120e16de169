"""What `run`, `resume` and `spin` check about the flow's surroundings before anything runs.

- @pypi/@conda (flow/packages.py): every pin is held against this interpreter; a run with an
  unmet one is refused, naming each and the pip command that meets them.
- @kubernetes/@batch (flow/compute.py): one notice line per layer, saying where the steps run.

A flow with none of these decorators pays a scan of its steps' decorator names and loads
neither module.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from flowscope.errors import EnvironmentMismatch
from flowscope.flow.decorators import flow_decorators, step_decorators

_PACKAGES = frozenset({"pypi", "conda", "pypi_base", "conda_base"})
_COMPUTE = frozenset({"kubernetes", "batch"})


def check_surroundings(flow_cls: type, steps: Iterable[str], executor: str) -> list[str]:
    """The notices to print at run start; raise EnvironmentMismatch for unmet @pypi/@conda."""
    names = {getattr(d, "name", None) for d in flow_decorators(flow_cls)}
    for step in steps:
        names.update(d.name for d in step_decorators(getattr(flow_cls, step)))
    if names & _PACKAGES:
        from flowscope.flow.packages import pip_line, unmet_requirements

        problems = unmet_requirements(flow_cls)
        if problems:
            listed = "\n".join(f"  {problem}" for problem in problems)
            raise EnvironmentMismatch(
                f"{flow_cls.__name__} expects what this interpreter ({sys.executable}) does "
                f"not have:\n{listed}\nflowscope runs steps in this interpreter and builds no "
                f"environments: @pypi and @conda are checked, not installed. Install what is "
                f"missing ({pip_line(problems)}), or give the decorator disabled=True."
            )
    if not names & _COMPUTE:
        return []
    from flowscope.flow.compute import notices

    return notices(flow_cls, "on the Dask cluster" if executor == "dask" else "on this machine")


def executor_name(args: Any, settings: Any) -> str:
    return str(getattr(args, "executor", None) or settings.executor or "local")
