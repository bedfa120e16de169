"""Add COUNT runs to a flowscope store through its metadata provider API, each a copy of the
shape of the flow's latest run: same tasks, same attempts, same artifact records (pointing at
the template's blobs), finished as the template finished. Fast enough for 10,000 runs.

    python synth_runs_flowscope.py STORE_DIR FLOW COUNT      (STORE_DIR: the .flowscope dir)
"""

import sys
import time
from dataclasses import replace
from pathlib import Path

try:  # the package was renamed from flowscope.metadata to flowscope.metastore
    from flowscope.metastore import AttemptResult, AttemptStart, NewRun, NewTask, RunQuery
    from flowscope.metastore.local import open_local
except ImportError:
    from flowscope.metadata import AttemptResult, AttemptStart, NewRun, NewTask, RunQuery
    from flowscope.metadata.local import open_local


def main(store_dir, flow, count):
    store = open_local(Path(store_dir), create=True)
    template = store.list_runs(flow, RunQuery(limit=1)).items[0]
    params = store.get_parameters(flow, template.run_id)
    tasks = store.list_tasks(flow, template.run_id)
    artifacts = {
        t.task_id: store.list_artifacts(flow, template.run_id, t.task_id, t.attempt) for t in tasks
    }
    facts = {
        t.task_id: store.list_facts(flow, template.run_id, t.task_id, t.attempt) for t in tasks
    }
    for _ in range(count):
        now = time.time()
        run = store.create_run(
            NewRun(
                flow_name=flow,
                user=template.user,
                user_tags=template.user_tags,
                system_tags=template.system_tags,
                parameters=params,
                code_key=template.code_key,
            )
        )
        store.create_tasks(
            flow,
            run.run_id,
            [
                NewTask(
                    step_name=t.step_name,
                    task_id=t.task_id,
                    foreach_index=t.foreach_index,
                    foreach_stack=t.foreach_stack,
                    created_at=now,
                )
                for t in tasks
            ],
        )
        store.start_attempts(
            flow,
            run.run_id,
            [AttemptStart(task_id=t.task_id, attempt=t.attempt, started_at=now) for t in tasks],
        )
        store.finish_attempts(
            flow,
            run.run_id,
            [
                AttemptResult(
                    task_id=t.task_id,
                    attempt=t.attempt,
                    status=t.status,
                    finished_at=now,
                    artifacts=tuple(replace(a, created_at=now) for a in artifacts[t.task_id]),
                    facts=tuple(facts[t.task_id]),
                    stdout_key=t.stdout_key,
                    stderr_key=t.stderr_key,
                    env_key=t.env_key,
                    exception=t.exception,
                )
                for t in tasks
            ],
        )
        store.finish_run(flow, run.run_id, template.status)
    store.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
