"""The client: inspect flows, runs, steps, tasks and artifacts, mostly from notebooks.

    from flowscope import Flow
    run = Flow('HelloFlow').latest_successful_run
    run.data.x

context.py   the one piece of state: provider and namespace (`namespace()`, `metadata()`)
base.py      what every object shares: address, identity, pickling, parent, times, tags,
             errors; the generic containers (`Container[Parent, Child]`)
registry.py  the classes by kind, so parents and pickles need no upward import
status.py    status / finished / successful / finished_at of runs and tasks
root.py      Metaflow()            flow.py  Flow        run.py       Run
step.py      Step                  task.py  Task        artifact.py  DataArtifact
data.py      task.data / task.artifacts, lazy;  prefetch.py  one index query per step
code.py      Code (run.code);  values.py  TaskException, Metadata, LogLine
display.py   `_repr_html_` summaries
diff.py      RunDiff (`run.diff(other)`): diff_values.py its parts, diff_logic.py (pure) builds
             it from what diff_io.py reads; diff_text.py / diff_html.py render it
comparison.py  `compare(runs)`: N runs side by side in a pandas DataFrame

Modules import downwards only (root -> flow -> run -> step -> task -> artifact -> data ->
base -> context, registry); the class above a module is named under TYPE_CHECKING, for its
type, and found at run time in the registry. tests/client/test_imports.py checks it.
"""

from __future__ import annotations

import typing

from flowscope.client.artifact import DataArtifact
from flowscope.client.code import Code
from flowscope.client.context import (
    default_metadata,
    default_namespace,
    get_metadata,
    get_namespace,
    inspect_spin,
    metadata,
    namespace,
)
from flowscope.client.data import TaskArtifacts, TaskData
from flowscope.client.flow import Flow
from flowscope.client.root import Metaflow
from flowscope.client.run import Run
from flowscope.client.step import Step
from flowscope.client.task import Task
from flowscope.client.values import LogLine, Metadata, TaskException

if typing.TYPE_CHECKING:
    from flowscope.client.comparison import compare
    from flowscope.client.diff import DiffView, RunDiff

# on-demand features: loaded by their first use, not by `from flowscope import Flow`
_ON_DEMAND = {
    "compare": "flowscope.client.comparison",
    "DiffView": "flowscope.client.diff",
    "RunDiff": "flowscope.client.diff",
}


def __getattr__(name: str) -> typing.Any:
    module = _ON_DEMAND.get(name)
    if module is None:
        raise AttributeError(f"module 'flowscope.client' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "Code",
    "DataArtifact",
    "DiffView",
    "Flow",
    "LogLine",
    "Metadata",
    "Metaflow",
    "Run",
    "RunDiff",
    "Step",
    "Task",
    "TaskArtifacts",
    "TaskData",
    "TaskException",
    "compare",
    "default_metadata",
    "default_namespace",
    "get_metadata",
    "get_namespace",
    "inspect_spin",
    "metadata",
    "namespace",
]
