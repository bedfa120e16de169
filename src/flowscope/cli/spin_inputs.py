"""Which past task `spin` replays, and that task's inputs as the runtime takes them.

`find_task` reads the stores through the client (the lineage of a task is the client's);
`task_spec` turns what it found into a `TaskSpec` whose parents carry their artifact indexes,
with the overrides of an artifacts module saved beside them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flowscope.errors import ObjectNotFound, ParameterError
from flowscope.flow.names import did_you_mean
from flowscope.metastore.records import ArtifactRecord, TaskRecord

RUNS_LOOKED_AT = 100  # `spin STEP`: how many of your latest runs are searched for the step


@dataclass(frozen=True)
class FoundTask:
    flow_name: str
    run_id: int
    record: TaskRecord
    parents: tuple[tuple[TaskRecord, dict[str, ArtifactRecord]], ...]  # in join order
    parameters: dict[str, Any]
    datastore: Any = None  # the ContentStore holding the run's data (the one it recorded)

    @property
    def pathspec(self) -> str:
        return f"{self.flow_name}/{self.run_id}/{self.record.step_name}/{self.record.task_id}"


def find_task(stores: Any, graph: Any, target: str) -> FoundTask:
    """The task `target` names (`RUN/STEP/TASK`), or the first task of step `target` in
    your latest run that has one."""
    from flowscope.client import Flow, Task, namespace
    from flowscope.client.context import CONTEXT

    CONTEXT.set_stores(stores.metadata_address, stores.datastore_address)
    name = graph.flow_name
    parts = target.split("/")
    step = parts[1] if len(parts) == 3 else target
    if len(parts) not in (1, 3) or not all(parts):
        raise ParameterError(f"spin {target!r}: give a step (train) or a task (12/train/40).")
    if step not in graph.nodes:
        raise ParameterError(
            f"spin {target}: {name} has no step '{step}'.{did_you_mean(step, graph.nodes)} "
            f"Its steps: {', '.join(graph.sorted_nodes)}."
        )
    if len(parts) == 3:
        namespace(None)  # a task named in full is found whoever ran it
        task = Task(f"{name}/{target}")
        task.created_at  # noqa: B018 -- looked up now, so a missing task is this error
    else:
        task = _latest_task(Flow(name), step)
    return _found(task)


def _latest_task(flow: Any, step: str) -> Any:
    for i, run in enumerate(flow.runs()):
        if i >= RUNS_LOOKED_AT:
            break
        if step in run:
            tasks = sorted(run[step], key=lambda t: int(t.id))
            if tasks:
                return tasks[0]
    raise ObjectNotFound(
        f"spin {step}: none of your latest runs of {flow.id} has a task of step '{step}'. "
        f"Run the flow first (python {flow.id}.py run), or name a task: spin RUN/{step}/TASK."
    )


def _found(task: Any) -> FoundTask:
    from flowscope.client.context import CONTEXT

    flow_name, run_id, step, _ = task.pathspec.split("/")
    provider = task._provider
    if step == "start":
        hidden = provider.list_tasks(flow_name, int(run_id), "_parameters")
        parents = tuple(
            (r, {a.name: a for a in provider.list_artifacts(flow_name, int(run_id), r.task_id, 0)})
            for r in hidden
        )
    else:
        parents = tuple((p._task_record(), dict(p._artifact_index())) for p in task.parent_tasks)
    return FoundTask(
        flow_name,
        int(run_id),
        task._task_record(),
        parents,
        provider.get_parameters(flow_name, int(run_id)),
        CONTEXT.datastore_for(provider, task._run_record()),
    )


def task_spec(
    found: FoundTask, graph: Any, store: Any, overrides: Mapping[str, Any]
) -> tuple[Any, Any, dict[str, Any]]:
    """(the TaskSpec to run, the parameters' Parent or None, the parameter values), with
    `overrides` saved into `store` and put in every parent's index (and the parameters)."""
    from flowscope.datastore import save_artifact
    from flowscope.flow.gang import PARALLEL_VAR
    from flowscope.metastore.scalars import scalar_text
    from flowscope.runtime.scheduler import FlowGraphView
    from flowscope.runtime.spec import PARAMETERS_STEP, Frame, Parent, TaskSpec

    view = FlowGraphView(graph)
    replaced: dict[str, ArtifactRecord] = {}
    for name, value in overrides.items():
        info = save_artifact(store, value)
        replaced[name] = ArtifactRecord(
            name, info.sha, info.size, info.type_name, info.serializer, 0.0, scalar_text(value)
        )
    parameters = dict(found.parameters)
    parameters.update({k: v for k, v in overrides.items() if k in parameters})

    def frames(record: TaskRecord) -> tuple[Frame, ...]:
        out = []
        for step, index, count, foreach in (tuple(f) for f in record.foreach_stack):
            var = (view.foreach_var(step) or "") if foreach and step in graph.nodes else ""
            out.append(Frame(str(step), int(index), int(count), bool(foreach), var))
        return tuple(out)

    parents = tuple(
        Parent(record.task_id, record.step_name, frames(record), {**index, **replaced})
        for record, index in found.parents
    )
    step = found.record.step_name
    stack = frames(found.record)
    foreach_var = None  # the first step of a foreach body (or a @parallel node) reads its item
    if len(parents) == 1 and parents[0].step in graph.nodes:
        split = view.foreach_var(parents[0].step)
        if split is not None and stack and stack[-1].foreach and stack[-1].step == parents[0].step:
            foreach_var = split
    spec = TaskSpec(
        found.record.task_id,
        step,
        stack,
        parents,
        foreach_var,
        gang=(found.record.task_id,) if foreach_var == PARALLEL_VAR else (),  # a gang of one
    )
    params = next((p for p in parents if p.step == PARAMETERS_STEP), None)
    return spec, params, parameters
