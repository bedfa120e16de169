"""`current.run` and `current.task`: the client objects a running step may ask for.

The runtime sits below the client and never imports it; the command line, above both, hands
the runtime a `ClientObjects` for the run. It is plain data (two addresses), so a worker on
another machine can use it as well; the client is imported, and the run's stores opened, only
in the task that first reads `current.run` or `current.task`.
"""

from __future__ import annotations

from typing import Any

from flowscope.errors import FlowscopeError
from flowscope.frozen import Frozen, init


class ClientObjects(Frozen):
    """Opens client objects on the stores a run records to (`flowscope.current.ObjectOpener`).

    The task's process reads those stores from then on, as the notebook API would."""

    __slots__ = ("metadata", "datastore")
    metadata: str  # the run's metadata address: local@DIR or service@URL
    datastore: str  # the run's datastore address

    def __init__(self, metadata: str, datastore: str) -> None:
        init(self, "metadata", metadata)
        init(self, "datastore", datastore)

    def __call__(self, kind: str, pathspec: str) -> Any:
        from flowscope.client import Run, Task
        from flowscope.client.context import CONTEXT

        if CONTEXT.get_metadata() != self.metadata:
            CONTEXT.set_stores(self.metadata, self.datastore)
        if kind == "run":
            return Run(pathspec)
        if kind == "task":
            return Task(pathspec)
        raise FlowscopeError(f"current has no client object {kind!r}; use current.run or .task.")
