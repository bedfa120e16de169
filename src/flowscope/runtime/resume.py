"""Resume: which tasks of an earlier run can be reused as they are.

A task is cloned when the origin run has a successful task at the same place in the graph
(same step, same path through splits) and every input of the new task was cloned too; from
the first task that must run again, everything downstream runs again.
"""

from __future__ import annotations

import time
from typing import Any

from flowscope.errors import RunError
from flowscope.metastore.provider import MetadataProvider
from flowscope.metastore.records import ArtifactRecord, AttemptResult, Fact, TaskRecord
from flowscope.runtime.spec import PARAMETERS_STEP, Frame, TaskSpec, task_key


class ResumePlan:
    """`live_within`: a run whose runner sent a heartbeat this recently is still being run,
    and is not resumed (a run whose runner died or gave up may be, before it shows as lost)."""

    def __init__(
        self,
        provider: MetadataProvider,
        flow_name: str,
        origin_run_id: int,
        *,
        live_within: float = 15.0,
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
        self._by_key: dict[tuple[Any, ...], TaskRecord] = {}
        self._params_task: TaskRecord | None = None
        for task in provider.list_tasks(flow_name, origin_run_id):
            if task.step_name == PARAMETERS_STEP:
                self._params_task = task
                continue
            if task.status != "succeeded":
                continue
            stack = tuple(
                Frame(str(f[0]), int(f[1]), int(f[2]), bool(f[3])) for f in task.foreach_stack
            )
            self._by_key[task_key(task.step_name, stack)] = task
        self._step_index: dict[str, dict[int, list[ArtifactRecord]]] = {}

    def find(self, spec: TaskSpec) -> TaskRecord | None:
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

    def foreach_count(self, task: TaskRecord) -> int | None:
        for fact in self.provider.list_facts(
            self.flow_name, self.origin_run_id, task.task_id, task.attempt
        ):
            if fact.field == "foreach-count":
                return int(fact.value)
        return None

    def parameter_artifacts(self) -> list[ArtifactRecord]:
        if self._params_task is None:
            return []
        return self.artifacts_of(self._params_task)

    def clone(self, task_id: int, origin: TaskRecord) -> tuple[AttemptResult, int | None]:
        """The succeeded attempt that makes task `task_id` a clone of `origin`, and the origin's
        foreach item count (for a foreach split)."""
        records, count = self.artifacts_of(origin), self.foreach_count(origin)
        facts = [Fact("origin-pathspec", origin.pathspec, "str")]
        if count is not None:
            facts.append(Fact("foreach-count", str(count), "int"))
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
        return result, count
