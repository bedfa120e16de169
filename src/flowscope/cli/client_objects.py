"""`current.run` and `current.task`: the client objects a running step may ask for.

The runtime sits below the client and never imports it; the command line, above both, hands
the runtime a `ClientObjects` for the run. It is plain data (two addresses, and the namespace
`run --namespace` chose), so a worker on another machine can use it as well; the client is
imported, and the run's stores opened, only in the task that first reads `current.run` or
`current.task` (or, on another machine, to set the chosen namespace: `enter`).
"""

from __future__ import annotations

import sys
from typing import Any

from flowscope.errors import FlowscopeError
from flowscope.frozen import Frozen, init


class ClientObjects(Frozen):
    """Opens client objects on the stores a run records to (`flowscope.current.ObjectOpener`).

    The task's process reads those stores from then on, as the notebook API would."""

    __slots__ = ("metadata", "datastore", "namespace")
    metadata: str  # the run's metadata address: local@DIR or service@URL
    datastore: str  # the run's datastore address
    namespace: str | None  # `run --namespace NS` ("": every namespace); None: not given

    def enter(self) -> None:
        """In a task's process that did not inherit the runner's client state (a task host's
        fork on a Dask worker): the namespace its step's client calls see, as `run
        --namespace` chose, else the run's user's. Without --namespace and with the client
        not loaded yet, there is nothing to do (it starts in the user's namespace)."""
        if self.namespace is None and "flowscope.client" not in sys.modules:
            return
        from flowscope.client import default_namespace, namespace

        if self.namespace is None:
            default_namespace()
        else:
            namespace(self.namespace or None)

    def __init__(self, metadata: str, datastore: str, namespace: str | None = None) -> None:
        init(self, "metadata", metadata)
        init(self, "datastore", datastore)
        init(self, "namespace", namespace)

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
