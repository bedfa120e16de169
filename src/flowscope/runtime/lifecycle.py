"""A run's start and its stop: its record in the metadata store and the parts that serve it
from then on (the work every attempt runs, the journal, the live logs, the heartbeat); and,
when it is stopped (Ctrl-C, SIGTERM, an executor lost), the record of what was in flight.

The runner (`runtime/runner.py`) calls `store_code_and_environment` first, `start_run` once
they are stored, `record_parameters` for the run's first task, and `stop_run` when a stop
ends its loop.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from flowscope.errors import ExecutorLost, MetadataError, RunError
from flowscope.flow.render import STEP_GRAPH_FACT, step_successors
from flowscope.frozen import Frozen, init
from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
from flowscope.metastore.records import Fact, RunRecord
from flowscope.runtime.card_policy import CardPolicy
from flowscope.runtime.heartbeat import Heartbeat
from flowscope.runtime.journal import Journal
from flowscope.runtime.livelogs import LiveLogs
from flowscope.runtime.outcomes import interrupted_result, stopped_error
from flowscope.runtime.recording import (
    code_package,
    environment_info,
    parameter_artifacts,
    system_tags,
)
from flowscope.runtime.spec import PARAMETERS_STEP, Parent
from flowscope.runtime.task import RunWork

if TYPE_CHECKING:
    from flowscope.runtime.executor import Executor
    from flowscope.runtime.runner import RunDriver
    from flowscope.runtime.spec import TaskSpec
    from flowscope.runtime.task import TaskOutcome


class RunParts(Frozen):
    __slots__ = ("record", "work", "journal", "logs", "heartbeat")
    record: RunRecord
    work: RunWork
    journal: Journal
    logs: LiveLogs
    heartbeat: Heartbeat

    def __init__(
        self,
        record: RunRecord,
        work: RunWork,
        journal: Journal,
        logs: LiveLogs,
        heartbeat: Heartbeat,
    ) -> None:
        init(self, "record", record)
        init(self, "work", work)
        init(self, "journal", journal)
        init(self, "logs", logs)
        init(self, "heartbeat", heartbeat)


def store_code_and_environment(driver: RunDriver) -> tuple[str | None, str]:
    """Store the run's code package (when it runs from a script) and its environment record,
    before the run is recorded; their keys."""
    code_key = None
    if driver.script is not None:
        code_key = driver.store.put(code_package(driver.script, driver.flow_name))
    return code_key, driver.store.put(json.dumps(environment_info()).encode())


def start_run(driver: RunDriver, code_key: str | None) -> RunParts:
    """Record the run `driver` is about to drive (resuming its origin, if any), and build
    what serves it."""
    user = driver.settings.user
    origin_run_id = driver.resume.origin_run_id if driver.resume else None
    project_tags = driver.project.tags if driver.project else ()
    record = driver.provider.create_run(
        NewRun(
            flow_name=driver.flow_name,
            user=user,
            user_tags=driver.tags,
            system_tags=system_tags(user) + project_tags,
            parameters=driver.parameters,
            code_key=code_key,
            origin_run_id=origin_run_id,
            command_line=driver.command_line,
            datastore=driver.store.address,
        )
    )
    run_id = record.run_id
    live_dir = driver.provider.live_log_dir()
    work = RunWork(
        driver.flow_cls,
        driver.store,
        driver.flow_name,
        run_id,
        user,
        record.tags,
        origin_run_id,
        driver.parameters,
        driver.rules,
        driver.project,
        CardPolicy.of(driver.settings, live_dir),
        objects=driver.objects,
        parameter_names=tuple(p.name for p in driver.graph.parameters.values()),
        code_key=code_key,
        max_num_splits=driver.max_num_splits,
    )
    logs = LiveLogs(
        driver.console,
        driver.store,
        driver.flow_name,
        run_id,
        live_dir,
        max_log_bytes=driver.max_log_bytes,
    )
    heartbeat = Heartbeat(
        driver.provider,
        driver.flow_name,
        run_id,
        driver.settings.heartbeat_interval,
        logs,
        snapshots=live_dir is None,
    )
    return RunParts(
        record, work, Journal(driver.provider, driver.flow_name, run_id), logs, heartbeat
    )


def stop_run(
    driver: RunDriver,
    executor: Executor[TaskSpec, TaskOutcome],
    began: float,
    lost: ExecutorLost | None = None,
) -> RunError:
    """Ctrl-C or SIGTERM (or the executor lost its engine): end the workers, record every
    attempt not yet recorded as interrupted and the run as failed, and say how to go on.
    The run's finish is tried even when the last results are refused: it marks the attempts
    still `running` failed too, so the run never stays `running` while the store takes
    writes."""
    pathspec, hint = (
        f"{driver.flow_name}/{driver.run_id}",
        f"Continue it with: {driver.resume_command}",
    )
    executor.shutdown()
    for key in list(driver.running):
        spec = driver.running.pop(key)
        logs = driver.logs.end(key, best_effort=True)
        driver.journal.results.append(interrupted_result(spec, logs, driver.env_key))
    unrecorded = None
    try:
        driver.journal.flush()
    except MetadataError as exc:
        unrecorded = exc
    try:
        driver.provider.finish_run(driver.flow_name, driver.run_id, "failed")
    except MetadataError as exc:
        return stopped_error(pathspec, hint, lost, unfinished=exc)
    driver.console.run_finished(
        pathspec, "interrupted" if lost is None else "failed", time.time() - began
    )
    return stopped_error(pathspec, hint, lost, unrecorded=unrecorded)


def record_parameters(driver: RunDriver) -> Parent:
    """Journal the run's first task, which holds its parameters (the origin's, on resume) and
    the step graph, as succeeded; the parent of the start step."""
    task_id = driver.scheduler.new_id()
    if driver.resume is not None:
        records = driver.resume.parameter_artifacts()
    else:
        records = parameter_artifacts(driver.store, driver.parameters)
    driver.cloned.add(task_id)
    driver.journal.tasks.append(NewTask(PARAMETERS_STEP, task_id))
    driver.journal.starts.append(AttemptStart(task_id, 0))
    successors = json.dumps(step_successors(driver.graph))
    graph = Fact(STEP_GRAPH_FACT, successors, "json", time.time())
    driver.journal.results.append(
        AttemptResult(task_id, 0, "succeeded", artifacts=tuple(records), facts=(graph,))
    )
    return Parent(task_id, PARAMETERS_STEP, (), {r.name: r for r in records})
