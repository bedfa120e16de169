"""Inspect the latest HelloFlow run, as a notebook would."""

from flowscope import Flow, get_metadata, namespace

namespace(None)  # every user's runs
run = Flow("HelloFlow").latest_successful_run
print(f"metadata:   {get_metadata()}")
print(
    f"run:        {run}  successful={run.successful} finished_at={run.finished_at:%Y-%m-%d %H:%M:%S %Z}"
)
print(f"command:    {run.command_line}")
print(f"tags:       {sorted(run.tags)}")
print(f"run.data.x: {run.data.x}")
print(f"message:    {run.data.message!r}")
for step in run:
    task = step.task
    print(f"  {step.id:<6} {task.pathspec:<28} ok={task.successful} stdout={task.stdout.strip()!r}")
print(f"artifacts of end: {sorted(a.id for a in run.end_task)}")
