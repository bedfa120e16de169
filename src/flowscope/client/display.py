"""Notebook display: a compact HTML summary of each object (`_repr_html_`).

Summaries read metadata only (status, times, tags, children, artifact sizes), never an
artifact value. Every piece of text is escaped. Each object's `_repr_html_` calls the function
for its kind; this module imports no object class at run time.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the objects import this module, to render themselves
    from flowscope.client.artifact import DataArtifact
    from flowscope.client.flow import Flow
    from flowscope.client.root import Metaflow
    from flowscope.client.run import Run
    from flowscope.client.step import Step
    from flowscope.client.task import Task

MAX_ROWS = 20


def _text(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")
    return str(value)


def _size(size: int) -> str:
    amount = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if amount < 1024 or unit == "GiB":
            return f"{int(amount)} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{size} B"  # pragma: no cover


def _tags(tags: Iterable[str]) -> str:
    return " ".join(f"<code>{html.escape(t)}</code>" for t in sorted(tags)) or "—"


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], more: bool) -> str:
    head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(f"<td style='text-align:left'>{html.escape(_text(c))}</td>" for c in row)
        + "</tr>"
        for row in rows
    )
    tail = f"<tr><td colspan='{len(header)}'>…</td></tr>" if more else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}{tail}</tbody></table>"


def _facts(pairs: Sequence[tuple[str, str]]) -> str:
    rows = "".join(
        f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:left'>{v}</td></tr>"
        for k, v in pairs
    )
    return f"<table>{rows}</table>"


def _first(items: Iterable[Any]) -> tuple[list[Any], bool]:
    taken = list(itertools.islice(items, MAX_ROWS + 1))
    return taken[:MAX_ROWS], len(taken) > MAX_ROWS


def _wrap(title: str, facts: str, children: str = "") -> str:
    return f"<div class='flowscope'><strong>{html.escape(title)}</strong>{facts}{children}</div>"


def root_html(root: Metaflow) -> str:
    """`Metaflow()`: the namespace and the flows in it, with when each was created."""
    rows = "".join(
        f"<tr><td>{html.escape(f.id)}</td><td>{html.escape(str(f.created_at))}</td></tr>"
        for f in root.flows
    )
    ns = html.escape(str(root.namespace))
    return (
        f"<div class='flowscope'><strong>Metaflow()</strong> namespace <code>{ns}</code>"
        f"<table><thead><tr><th>flow</th><th>created</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div>"
    )


def flow_html(flow: Flow) -> str:
    """A flow: when it was created, its namespace, its newest runs."""
    runs, more = _first(flow._runs(flow._query(limit=MAX_ROWS + 1)))
    facts = _facts(
        [
            ("created", html.escape(_text(flow.created_at))),
            ("namespace", html.escape(_text(flow.namespace))),
        ]
    )
    rows = [
        (r.id, r.status, r.created_at, r.finished_at, ", ".join(sorted(r.user_tags))) for r in runs
    ]
    return _wrap(
        repr(flow), facts, _table(["run", "status", "started", "finished", "tags"], rows, more)
    )


def run_html(run: Run) -> str:
    """A run: status, times, tags, command line, its steps."""
    pairs = [
        ("status", html.escape(run.status)),
        ("started", html.escape(_text(run.created_at))),
        ("finished", html.escape(_text(run.finished_at))),
        ("tags", _tags(run.tags)),
    ]
    if run.command_line is not None:
        pairs.append(("command", f"<code>{html.escape(run.command_line)}</code>"))
    facts = _facts(pairs)
    steps, more = _first(run)
    rows = [(s.id, s._step_record().task_count, s.created_at, s.finished_at) for s in steps]
    return _wrap(repr(run), facts, _table(["step", "tasks", "started", "finished"], rows, more))


def step_html(step: Step) -> str:
    """A step: times, tags, its tasks with their status."""
    facts = _facts(
        [
            ("started", html.escape(_text(step.created_at))),
            ("finished", html.escape(_text(step.finished_at))),
            ("tags", _tags(step.tags)),
        ]
    )
    tasks, more = _first(step)
    rows = [(t.id, t.index, t.status, t.finished_at) for t in tasks]
    return _wrap(repr(step), facts, _table(["task", "index", "status", "finished"], rows, more))


def task_html(task: Task) -> str:
    """A task: status, attempt, times, tags, exception, its artifacts with sizes."""
    exception = task.exception
    pairs = [
        ("status", html.escape(task.status)),
        ("attempt", html.escape(str(task.current_attempt))),
        ("created", html.escape(_text(task.created_at))),
        ("finished", html.escape(_text(task.finished_at))),
        ("tags", _tags(task.tags)),
    ]
    if exception is not None:
        pairs.append(("exception", html.escape(exception.summary)))
    artifacts, more = _first(task)
    rows = [(a.id, a.type_name, _size(a.size)) for a in artifacts]
    return _wrap(repr(task), _facts(pairs), _table(["artifact", "type", "size"], rows, more))


def artifact_html(artifact: DataArtifact) -> str:
    """An artifact: type, size, hash and when it was recorded (never its value)."""
    facts = _facts(
        [
            ("type", html.escape(artifact.type_name)),
            ("size", html.escape(_size(artifact.size))),
            ("sha", f"<code>{html.escape(artifact.sha)}</code>"),
            ("created", html.escape(_text(artifact.created_at))),
        ]
    )
    return _wrap(repr(artifact), facts)
