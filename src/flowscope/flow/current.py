"""`current`: what a running task knows about itself.

    from flowscope import current

    @step
    def start(self):
        print(current.flow_name, current.run_id, current.pathspec, current.retry_count)

`current` is the one documented context object for this. Inside a running task its properties
are set; outside one (at import time, in a notebook) every property is None, except
`is_running_flow`, which is False. The runtime sets the fields with `current._bind(...)` before
a task's step runs and removes them with `current._clear()` afterwards.

Some fields are made on first use only, so that a task that does not read them pays nothing:
`tempdir` (a directory of the task's own, removed when the task ends), `graph` (the flow's
graph as data), and `run` / `task` (client objects). The client sits above the runtime, so
neither this module nor the runtime imports it: whoever starts the run (the command line)
hands the runtime an `ObjectOpener`, which the runtime passes on to `_bind`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final, NamedTuple, Protocol

if TYPE_CHECKING:
    from flowscope.cards.builder import CardBuilder
    from flowscope.flow.project import ProjectInfo

FIELDS: Final = (
    "flow_name",
    "run_id",
    "step_name",
    "task_id",
    "pathspec",
    "retry_count",
    "username",
    "namespace",
    "tags",
    "origin_run_id",
    "project_name",
    "branch_name",
    "project_flow_name",
    "is_production",
    "is_user_branch",
)

LAZY_FIELDS: Final = ("tempdir", "graph", "parameter_names", "parallel", "run", "task")
"""Also None outside a task; made on first use inside one (see the module docstring)."""


class Parallel(NamedTuple):
    """Where a task of a @parallel step sits in its gang, as in the family: the main node's
    address, the number of nodes, this node's index (0 is the control task) and the control
    task's id."""

    main_ip: str
    num_nodes: int
    node_index: int
    control_task_id: str


class ObjectOpener(Protocol):
    """Opens a client object: `opener("run", "Flow/12")`, `opener("task", "Flow/12/a/3")`."""

    def __call__(self, kind: str, pathspec: str) -> Any: ...


class Current:
    """Read-only facts about the running task; None outside a task (see the module doc)."""

    __slots__ = ("_card", "_fields", "_lazy")

    def __init__(self) -> None:
        self._fields: dict[str, Any] = {}
        self._lazy: dict[str, Any] = {}
        self._card: CardBuilder | None = None

    def _bind(
        self,
        *,
        flow_name: str,
        run_id: str | int,
        step_name: str,
        task_id: str | int,
        retry_count: int = 0,
        username: str | None = None,
        namespace: str | None = None,
        tags: Iterable[str] = (),
        origin_run_id: str | int | None = None,
        pathspec: str | None = None,
        is_running_flow: bool = True,
        parameter_names: Iterable[str] = (),
        flow_cls: type | None = None,
        objects: ObjectOpener | None = None,
        parallel: Parallel | None = None,
        project: ProjectInfo | None = None,
    ) -> None:
        """Set the fields for one task attempt (runtime only). `pathspec` defaults to
        flow_name/run_id/step_name/task_id; ids are stored as strings. `is_running_flow=False`
        is the same as `_clear()`. `flow_cls` gives `graph`; `objects` opens `run` and `task`;
        `parallel` is set for the tasks of a @parallel step. `project` (a flow with @project)
        sets the project fields."""
        self._clear()
        if not is_running_flow:
            return
        run, task = str(run_id), str(task_id)
        self._fields = {
            "flow_name": flow_name,
            "run_id": run,
            "step_name": step_name,
            "task_id": task,
            "pathspec": pathspec or f"{flow_name}/{run}/{step_name}/{task}",
            "retry_count": retry_count,
            "username": username,
            "namespace": namespace,
            "tags": frozenset(tags),
            "origin_run_id": None if origin_run_id is None else str(origin_run_id),
        }
        self._fields.update(
            parameter_names=tuple(parameter_names),
            flow_cls=flow_cls,
            objects=objects,
            parallel=parallel,
        )
        if project is not None:
            self._fields.update(
                project_name=project.project_name,
                branch_name=project.branch_name,
                project_flow_name=project.project_flow_name,
                is_production=project.is_production,
                is_user_branch=project.is_user_branch,
            )

    def _clear(self) -> None:
        """Forget the task (runtime only): every property reads None again; the task's
        tempdir, if it made one, is removed."""
        tempdir = self._lazy.get("tempdir")
        self._fields, self._lazy = {}, {}
        if tempdir is not None:
            import shutil  # only for a task that made a tempdir: `import flowscope` stays light

            shutil.rmtree(tempdir, ignore_errors=True)

    def _set_card(self, builder: CardBuilder | None) -> None:
        """Bind `current.card` for one task attempt, or unbind it with None (runtime only)."""
        self._card = builder

    @property
    def card(self) -> CardBuilder | None:
        """The task's cards (`append`, `extend`, `clear`, `["id"]`, `refresh()`; see
        flowscope.cards.builder); None outside a running task."""
        return self._card

    @property
    def is_running_flow(self) -> bool:
        """True inside a running task."""
        return bool(self._fields)

    @property
    def flow_name(self) -> str | None:
        """The flow's name (its class name)."""
        return self._fields.get("flow_name")

    @property
    def run_id(self) -> str | None:
        """The run id, a string such as '12'."""
        return self._fields.get("run_id")

    @property
    def step_name(self) -> str | None:
        """The name of the running step."""
        return self._fields.get("step_name")

    @property
    def task_id(self) -> str | None:
        """The task id, a string unique within the run."""
        return self._fields.get("task_id")

    @property
    def pathspec(self) -> str | None:
        """The task's address: 'Flow/run_id/step/task_id'."""
        return self._fields.get("pathspec")

    @property
    def retry_count(self) -> int | None:
        """The attempt number: 0 for the first attempt, 1 for the first retry."""
        return self._fields.get("retry_count")

    @property
    def username(self) -> str | None:
        """The user who started the run."""
        return self._fields.get("username")

    @property
    def namespace(self) -> str | None:
        """The namespace the run belongs to, e.g. 'user:alice'."""
        return self._fields.get("namespace")

    @property
    def tags(self) -> frozenset[str] | None:
        """The run's tags (system and user)."""
        return self._fields.get("tags")

    @property
    def origin_run_id(self) -> str | None:
        """For a resumed run, the id of the run it resumes; else None."""
        return self._fields.get("origin_run_id")

    @property
    def parameter_names(self) -> tuple[str, ...] | None:
        """The names of the flow's parameters."""
        return self._fields.get("parameter_names")

    @property
    def parallel(self) -> Parallel | None:
        """In a task of a @parallel step: (main_ip, num_nodes, node_index, control_task_id)."""
        return self._fields.get("parallel")

    @property
    def is_parallel(self) -> bool:
        """True in a task of a @parallel step."""
        return self._fields.get("parallel") is not None

    @property
    def trigger(self) -> None:
        """What started the run from an event, in the family's deployed flows. flowscope's
        runs are started by a person or a program, never by an event, so it is None, as in
        the family's local runs (`if current.trigger:` code reads it unchanged)."""
        return None

    @property
    def tempdir(self) -> str | None:
        """A directory of this task's own, made on first use and removed when it ends."""
        if not self._fields:
            return None
        if "tempdir" not in self._lazy:
            prefix = f"flowscope-{self._fields['step_name']}-{self._fields['task_id']}-"
            import tempfile  # on first use of current.tempdir

            self._lazy["tempdir"] = tempfile.mkdtemp(prefix=prefix)
        path: str = self._lazy["tempdir"]
        return path

    @property
    def graph(self) -> dict[str, Any] | None:
        """The flow's graph as data: its steps in order, each with type, next steps, doc
        and decorators (the same record `show` and the client read)."""
        flow_cls = self._fields.get("flow_cls")
        if flow_cls is None:
            return None
        if "graph" not in self._lazy:
            from flowscope.flow.graph import FlowGraph
            from flowscope.flow.render import graph_to_dict

            self._lazy["graph"] = graph_to_dict(FlowGraph.from_class(flow_cls))
        graph: dict[str, Any] = self._lazy["graph"]
        return graph

    @property
    def run(self) -> Any:
        """The running run as a client `Run`, opened on first use."""
        return self._object("run", f"{self.flow_name}/{self.run_id}")

    @property
    def task(self) -> Any:
        """The running task as a client `Task`, opened on first use."""
        return self._object("task", self.pathspec)

    def _object(self, kind: str, pathspec: str | None) -> Any:
        if not self._fields:
            return None
        if kind not in self._lazy:
            opener = self._fields.get("objects")
            if opener is None:
                from flowscope.errors import FlowscopeError

                raise FlowscopeError(
                    f"current.{kind} needs the client, and this run was started without one "
                    f"(run the flow with `python flow.py run`, or give the runtime an "
                    f"ObjectOpener)."
                )
            self._lazy[kind] = opener(kind, str(pathspec))
        return self._lazy[kind]

    def __repr__(self) -> str:
        if not self._fields:
            return "<current: not inside a running task>"
        return f"<current: {self._fields['pathspec']} attempt {self._fields['retry_count']}>"

    # -- @project (None for a flow without it) -------------------------------------------

    @property
    def project_name(self) -> str | None:
        """The @project name of the flow."""
        return self._fields.get("project_name")

    @property
    def branch_name(self) -> str | None:
        """The project branch of the run: 'user.<name>', 'test.<branch>', 'prod' or
        'prod.<branch>'."""
        return self._fields.get("branch_name")

    @property
    def project_flow_name(self) -> str | None:
        """'<project>.<branch>.<Flow>': the flow's name within its project and branch."""
        return self._fields.get("project_flow_name")

    @property
    def is_production(self) -> bool | None:
        """True for a run on a production branch (--production)."""
        return self._fields.get("is_production")

    @property
    def is_user_branch(self) -> bool | None:
        """True for a run on the user's own branch (no --branch, no --production)."""
        return self._fields.get("is_user_branch")


current: Final = Current()
"""The running task's context; None-valued outside a task."""
