"""`spin`: one step run again, in a fork, on the inputs a past task had.

The command line finds the task and its inputs (flowscope.cli.spin_cmd); this runs the step
once, as a task of that run would have run (its foreach item, its parents' artifacts, the
run's parameters, @timeout and @catch; no retries), printing its output as it comes. The
store it is given reads the run's blobs and writes elsewhere (datastore/overlay.py), so the
run is never changed. With `record_spin`, the task and its artifacts are kept in a store of
their own, a run of one task that the client can read.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flowscope.config import Settings
from flowscope.datastore import ContentStore
from flowscope.flow import FlowGraph
from flowscope.flow.render import STEP_GRAPH_FACT, step_successors
from flowscope.flow.spec import warm_static
from flowscope.logs import LogRecord
from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
from flowscope.metastore.provider import MetadataProvider
from flowscope.metastore.records import ArtifactRecord, Fact
from flowscope.runtime.card_policy import CardPolicy, warm_cards
from flowscope.runtime.console import Console
from flowscope.runtime.executor import Done
from flowscope.runtime.livelogs import LiveLogs
from flowscope.runtime.recording import system_tags
from flowscope.runtime.spec import PARAMETERS_STEP, Parent, TaskSpec, step_rules
from flowscope.runtime.task import RunWork, TaskOutcome, crash_info
from flowscope.runtime.workers import ForkExecutor

SPIN_TAG = "spin"  # a system tag of every run `spin --persist` records


@dataclass(frozen=True)
class SpinResult:
    pathspec: str  # the task spun: the past task's place, in its run
    outcome: TaskOutcome
    stdout_key: str | None
    stderr_key: str | None
    seconds: float

    @property
    def ok(self) -> bool:
        return self.outcome.ok


def spin_task(
    flow_cls: type,
    graph: FlowGraph,
    spec: TaskSpec,
    *,
    run_id: int,
    user: str,
    parameters: Mapping[str, Any],
    store: ContentStore,
    settings: Settings,
    console: Console,
) -> SpinResult:
    """Run `spec` (attempt 0) in a fork; Ctrl-C stops it."""
    rules = step_rules(graph)
    warm_static(flow_cls, list(graph.nodes))
    warm_cards(flow_cls, rules)
    flow_name = graph.flow_name
    work = RunWork(
        flow_cls,
        store,
        flow_name,
        run_id,
        user,
        (),
        None,
        dict(parameters),
        rules,
        cards=CardPolicy.of(settings, None),
        parameter_names=tuple(p.name for p in graph.parameters.values()),
    )
    key = (spec.task_id, 0)
    pathspec = spec.pathspec(flow_name, run_id)
    logs = LiveLogs(console, store, flow_name, run_id, None)
    executor: ForkExecutor[TaskSpec, TaskOutcome] = ForkExecutor(work, logs.line, 1)
    began = time.time()
    logs.begin(key, pathspec)
    try:
        executor.submit(key, spec, rules[spec.step].hard_timeout)
        done: list[Done[TaskOutcome]] = []
        while not done:
            done = list(executor.poll(0.5))
    finally:
        executor.shutdown()
    outcome = done[0].outcome
    if outcome is None:  # the fork crashed, or ran out of time
        info = crash_info(
            done[0].failure or "the task ended without a result", spec, rules[spec.step]
        )
        logs.line(key, "stderr", LogRecord(time.time(), f"flowscope: {info['message']}"))
        outcome = TaskOutcome(ok=False, exception=info)
    stdout_key, stderr_key = logs.end(key)
    return SpinResult(pathspec, outcome, stdout_key, stderr_key, time.time() - began)


def record_spin(
    provider: MetadataProvider,
    graph: FlowGraph,
    spec: TaskSpec,
    result: SpinResult,
    *,
    user: str,
    parameters: Mapping[str, Any],
    parameter_task: Parent | None,
) -> int:
    """Keep a spun task in `provider` (a spin store, not the run's): a run of the parameters'
    task and that one task, tagged `spin` and `spin-of:<the task it replayed>`. Its blobs must
    be in the spin store's datastore already. Returns the new run's id."""
    flow_name = graph.flow_name
    record = provider.create_run(
        NewRun(
            flow_name=flow_name,
            user=user,
            system_tags=(*system_tags(user), SPIN_TAG, f"spin-of:{result.pathspec}"),
            parameters=dict(parameters),
        )
    )
    run_id = record.run_id
    now = time.time()
    params = tuple(parameter_task.index.values()) if parameter_task else ()
    shape = Fact(STEP_GRAPH_FACT, json.dumps(step_successors(graph)), "json", now)
    spun = NewTask(
        spec.step,
        spec.task_id,
        spec.foreach_index,
        tuple(f.to_json() for f in spec.stack),
        origin_pathspec=result.pathspec,
    )
    tasks = [NewTask(PARAMETERS_STEP, 1), spun]
    provider.create_tasks(flow_name, run_id, tasks)
    provider.start_attempts(flow_name, run_id, [AttemptStart(1, 0), AttemptStart(spec.task_id, 0)])
    outcome = result.outcome
    artifacts = _with(list(outcome.artifacts), params) if outcome.ok or outcome.handled else []
    provider.finish_attempts(
        flow_name,
        run_id,
        [
            AttemptResult(1, 0, "succeeded", now, params, (shape,)),
            AttemptResult(
                spec.task_id,
                0,
                "succeeded" if outcome.ok else "failed",
                now,
                tuple(artifacts),
                outcome.facts,
                result.stdout_key,
                result.stderr_key,
                exception=outcome.exception,
            ),
        ],
    )
    provider.finish_run(flow_name, run_id, "succeeded" if outcome.ok else "failed")
    return run_id


def _with(
    artifacts: list[ArtifactRecord], params: tuple[ArtifactRecord, ...]
) -> list[ArtifactRecord]:
    names = {a.name for a in artifacts}
    return sorted(artifacts + [p for p in params if p.name not in names], key=lambda a: a.name)
