"""logs, dump, tag and reindex: the same client calls a notebook makes, printed for a
terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any, TextIO

from flowscope.errors import InvalidPathspec


def _objects(pathspec: str) -> Iterable[Any]:
    """The tasks a RUN/STEP or RUN/STEP/TASK pathspec (with its flow) names."""
    from flowscope.client import Step, Task

    parts = pathspec.split("/")
    if len(parts) == 4:
        return [Task(pathspec)]
    if len(parts) == 3:
        return sorted(Step(pathspec), key=lambda t: int(t.id))
    raise InvalidPathspec(
        f"{pathspec!r} does not name a step or a task: expected FLOW/RUN/STEP or FLOW/RUN/STEP/TASK."
    )


def show_logs(
    pathspec: str,
    stream: str = "stdout",
    timestamps: bool = False,
    attempt: int | None = None,
    out: TextIO | None = None,
) -> int:
    from flowscope.client import Task

    out = out or sys.stdout
    tasks = list(_objects(pathspec))
    for task in tasks:
        if attempt is not None:
            task = Task(task.pathspec, attempt=attempt)
        if len(tasks) > 1:
            out.write(f"--- {task.pathspec}\n")
        if timestamps:
            for when, line in task.loglines(stream):
                out.write(f"{when.isoformat(timespec='milliseconds')} {line}\n")
        else:
            out.write(getattr(task, stream))
    return 0


def _short(value: Any, width: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def dump(
    pathspec: str,
    values: bool = False,
    attempt: int | None = None,
    out: TextIO | None = None,
    *,
    include: str | None = None,
    file: str | None = None,
) -> int:
    """List the artifacts of a step's tasks (or one task); with `file`, write their values
    there instead (see cli/export.py); `include` keeps only the named artifacts."""
    from flowscope.cli import export
    from flowscope.client import Task

    out = out or sys.stdout
    names = export.parse_include(include)
    tasks = list(_objects(pathspec))
    if attempt is not None:
        tasks = [Task(task.pathspec, attempt=attempt) for task in tasks]
    if names is not None:
        export.check_included(names, tasks)
    if file is not None:
        written = {export.task_key(t): export.task_values(t, names) for t in tasks}
        target = export.write_pickle(file, written)
        out.write(f"Artifacts of {len(written)} task(s) written to {target}\n")
        return 0
    for task in tasks:
        out.write(f"{task.pathspec} ({'succeeded' if task.successful else 'not successful'})\n")
        for artifact in sorted(task, key=lambda a: a.id):
            if names is not None and artifact.id not in names:
                continue
            line = f"  {artifact.id:<24} {artifact.size:>10} B  {artifact.sha[:12]}"
            if values:
                line += f"  {_short(artifact.data)}"
            out.write(line + "\n")
    return 0


def tag_command(action: str, run_pathspec: str, tags: list[str], out: TextIO | None = None) -> int:
    from flowscope.client import Run

    out = out or sys.stdout
    run = Run(run_pathspec)
    if action == "add":
        run.add_tags(tags)
    elif action == "remove":
        run.remove_tags(tags)
    elif action == "replace":
        if len(tags) != 2:
            raise InvalidPathspec("tag replace takes exactly two tags: OLD NEW")
        run.replace_tag(tags[0], tags[1])
    run = Run(run_pathspec)
    out.write(
        f"{run.pathspec}\n  user tags:   {', '.join(sorted(run.user_tags)) or '-'}\n"
        f"  system tags: {', '.join(sorted(run.system_tags))}\n"
    )
    return 0


def reindex_command(flow: str | None, out: TextIO | None = None) -> int:
    from flowscope.client.context import CONTEXT
    from flowscope.reindex import reindex

    out = out or sys.stdout
    report = reindex(CONTEXT.stores(), flow)
    out.write(
        f"reindexed {report.runs} run(s): {report.parameters} parameter(s), "
        f"{report.artifacts} scalar artifact(s)"
        + (f"; {report.skipped} artifact(s) could not be read" if report.skipped else "")
        + "\n"
    )
    return 0
