"""Resume: which tasks of an earlier run can be reused as they are.

A task is cloned when the origin run has a successful task at the same place in the graph
(same step, same path through splits, same pass round a loop) and every input of the new task
was cloned too; from the first task that must run again, everything downstream runs again.
`resume STEP` also runs again STEP and every step after it (`rerun_steps`), cloning only
what comes before. A switch task is cloned with the case it chose, recorded with it as the
fact `switch-case`; when that key is no longer one of the switch's cases, it runs again.

The origin's tasks are not recorded with their pass: the tasks of one step at one stack are
created one after another (a loop goes round only once its previous pass has finished), so
the pass of each is its rank among them by task id.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import Any

from flowscope.errors import RunError
from flowscope.flow import FlowGraph
from flowscope.flow.graph import StepNode
from flowscope.flow.names import did_you_mean
from flowscope.flow.source import CaseKey
from flowscope.flow.switch import match_case
from flowscope.metastore.new_records import AttemptResult
from flowscope.metastore.provider import MetadataProvider
from flowscope.metastore.records import ArtifactRecord, Fact, TaskRecord
from flowscope.runtime.spec import PARAMETERS_STEP, Frame, TaskSpec, stack_key, task_key

SWITCH_CASE = "switch-case"  # the fact that records which case a switch task chose


def case_facts(case: CaseKey | None) -> tuple[Fact, ...]:
    """The fact recorded with a switch task's succeeded attempt: the key it chose, typed."""
    if case is None:
        return ()
    kind = "bool" if isinstance(case, bool) else "int" if isinstance(case, int) else "str"
    return (Fact(SWITCH_CASE, str(case), kind),)


def recorded_case(facts: Collection[Fact]) -> CaseKey | None:
    """The key a switch task chose, read back from its facts (None when none is recorded)."""
    for fact in facts:
        if fact.field == SWITCH_CASE:
            if fact.type == "bool":
                return fact.value == "True"
            if fact.type == "int":
                return int(fact.value)
            return fact.value
    return None


def rerun_steps(graph: FlowGraph, step: str) -> frozenset[str]:
    """`resume STEP`: STEP and every step after it. A loop's way back is not followed: the
    passes before STEP's first task came before it and are cloned; the passes after it run
    again anyway, as their inputs do."""
    if step not in graph.nodes:
        raise RunError(
            f"Cannot resume from step '{step}': {graph.flow_name} has no such step."
            f"{did_you_mean(step, graph.nodes)} Its steps: {', '.join(graph.sorted_nodes)}."
        )
    back = set(graph.topology.loops)
    seen, todo = {step}, [step]
    while todo:
        parent = todo.pop()
        for child in graph[parent].out_funcs:
            if child in graph.nodes and child not in seen and (parent, child) not in back:
                seen.add(child)
                todo.append(child)
    return frozenset(seen)


class ResumePlan:
    """`live_within`: a run whose runner sent a heartbeat this recently is still being run,
    and is not resumed (a run whose runner died or gave up may be, before it shows as lost).
    `rerun`: steps never cloned (`resume STEP`, see `rerun_steps`; it may be set once the
    flow's graph is known)."""

    def __init__(
        self,
        provider: MetadataProvider,
        flow_name: str,
        origin_run_id: int,
        *,
        live_within: float = 15.0,
        rerun: Collection[str] = (),
    ) -> None:
        run = provider.get_run(flow_name, origin_run_id)
        if run is None:
            raise RunError(f"Cannot resume: Run('{flow_name}/{origin_run_id}') does not exist.")
        age = time.time() - (run.heartbeat_at or run.created_at)
        if run.status == "running" and age < live_within:
            raise RunError(
                f"Cannot resume Run('{flow_name}/{origin_run_id}'): it is still running (its "
                f"runner's last heartbeat was {max(age, 0):.0f} s ago). Wait for it to end, or "
                f"stop it (Ctrl-C, or kill its process), then resume it."
            )
        self.provider = provider
        self.flow_name = flow_name
        self.origin_run_id = origin_run_id
        self.origin_status = run.status
        self.parameters: dict[str, Any] = provider.get_parameters(flow_name, origin_run_id)
        self.rerun = frozenset(rerun)
        self._by_key: dict[tuple[Any, ...], TaskRecord] = {}
        self._params_task: TaskRecord | None = None
        passes: dict[tuple[Any, ...], int] = {}
        for task in sorted(provider.list_tasks(flow_name, origin_run_id), key=_by_id):
            if task.step_name == PARAMETERS_STEP:
                self._params_task = task
                continue
            stack = tuple(
                Frame(str(f[0]), int(f[1]), int(f[2]), bool(f[3])) for f in task.foreach_stack
            )
            place = (task.step_name, stack_key(stack))
            number = passes.get(place, 0)
            passes[place] = number + 1
            if task.status == "succeeded":
                self._by_key[task_key(task.step_name, stack, number)] = task
        self._step_index: dict[str, dict[int, list[ArtifactRecord]]] = {}

    def find(self, spec: TaskSpec) -> TaskRecord | None:
        if spec.step in self.rerun:
            return None
        return self._by_key.get(spec.key)

    def origin_pathspec(self, spec: TaskSpec, inputs_cloned: bool) -> str | None:
        task = self.find(spec) if inputs_cloned else None
        return task.pathspec if task else None

    def artifacts_of(self, task: TaskRecord) -> list[ArtifactRecord]:
        index = self._step_index.get(task.step_name)
        if index is None:
            index = self.provider.list_step_artifacts(
                self.flow_name, self.origin_run_id, task.step_name
            )
            self._step_index[task.step_name] = index
        return list(index.get(task.task_id, []))

    def facts_of(self, task: TaskRecord) -> list[Fact]:
        return self.provider.list_facts(
            self.flow_name, self.origin_run_id, task.task_id, task.attempt
        )

    def foreach_count(self, task: TaskRecord) -> int | None:
        return _foreach_count(self.facts_of(task))

    def parameter_artifacts(self) -> list[ArtifactRecord]:
        if self._params_task is None:
            return []
        return self.artifacts_of(self._params_task)

    def clone(
        self, task_id: int, origin: TaskRecord, node: StepNode | None = None
    ) -> tuple[AttemptResult, int | None, CaseKey | None] | None:
        """The succeeded attempt that makes task `task_id` a clone of `origin`, the origin's
        foreach item count (for a foreach split) and the case it chose (for a switch, when
        `node`, the step as the flow reads now, is one). None when the case it chose is not
        one of `node`'s cases: the task must run again."""
        recorded = self.facts_of(origin)
        count, case = _foreach_count(recorded), None
        if node is not None and node.is_switch:
            case = recorded_case(recorded)
            if case is None or match_case(dict(node.switch_cases), case) is None:
                return None
        records = self.artifacts_of(origin)
        facts = [Fact("origin-pathspec", origin.pathspec, "str")]
        if count is not None:
            facts.append(Fact("foreach-count", str(count), "int"))
        facts.extend(case_facts(case))
        result = AttemptResult(
            task_id,
            0,
            "succeeded",
            artifacts=tuple(records),
            facts=tuple(facts),
            stdout_key=origin.stdout_key,
            stderr_key=origin.stderr_key,
            env_key=origin.env_key,
        )
        return result, count, case


def _by_id(task: TaskRecord) -> int:
    return task.task_id


def _foreach_count(facts: Collection[Fact]) -> int | None:
    for fact in facts:
        if fact.field == "foreach-count":
            return int(fact.value)
    return None
