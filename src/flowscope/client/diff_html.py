"""A RunDiff as notebook HTML (`diff._repr_html_()`, `diff.view()`). Pure; every piece of
text is escaped. A step lists at most MAX_TASK_ROWS tasks, then says how many more."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from flowscope.client.diff_values import SAME, mark, seconds

if TYPE_CHECKING:
    from flowscope.client.diff import RunDiff
    from flowscope.client.diff_values import StepChange, ValueChange

MAX_TASK_ROWS = 200
_COLOUR = {"same": "inherit", "changed": "#b58900", "added": "#2a7d2a", "removed": "#c0392b"}


def _cell(text: str, state: str | None = None) -> str:
    style = "text-align:left;vertical-align:top"
    if state is not None:
        style += f";color:{_COLOUR.get(state, 'inherit')}"
    return f"<td style='{style}'>{html.escape(text)}</td>"


def _table(header: Sequence[str], rows: Iterable[str]) -> str:
    head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in header)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _section(title: str, body: str) -> str:
    return f"<details open><summary><strong>{html.escape(title)}</strong></summary>{body}</details>"


def _values(items: Iterable[ValueChange], only: bool) -> list[str]:
    return [
        "<tr>"
        + _cell(mark(c.state), c.state)
        + _cell(c.name)
        + _cell("" if c.state == "added" else c.shown(c.a))
        + _cell("" if c.state == "removed" else c.shown(c.b), c.state)
        + "</tr>"
        for c in items
        if not only or c.state != SAME
    ]


def _step_rows(step: StepChange, only: bool) -> list[str]:
    rows: list[str] = []
    shown = 0
    tasks = [t for t in step.tasks if not only or t.state != SAME]
    for task in tasks[:MAX_TASK_ROWS]:
        shown += 1
        artifacts = [a for a in task.artifacts if not only or a.state != SAME]
        if task.status.state != SAME or not artifacts:
            rows.append(
                "<tr>"
                + _cell(mark(task.state), task.state)
                + _cell(task.label)
                + _cell("status")
                + _cell(str(task.status.a or "—"))
                + _cell(str(task.status.b or "—"), task.status.state)
                + "</tr>"
            )
        for a in artifacts:
            rows.append(
                "<tr>"
                + _cell(mark(a.state), a.state)
                + _cell(task.label)
                + _cell(a.name)
                + _cell("" if a.a is None else a.a.shown())
                + _cell("" if a.b is None else a.b.shown(), a.state)
                + "</tr>"
            )
    if len(tasks) > shown:
        rows.append(f"<tr><td colspan='5'>… {len(tasks) - shown} more tasks</td></tr>")
    return rows


def _steps(diff: RunDiff, only: bool) -> str:
    parts = []
    for step in diff.steps:
        if only and not step.different:
            continue
        differing = sum(1 for t in step.tasks if t.state != SAME)
        title = (
            f"{mark(step.state)} {step.name}: {seconds(step.duration.a)} → "
            f"{seconds(step.duration.b)}, {differing} of {len(step.tasks)} tasks differ"
        )
        rows = _step_rows(step, only)
        table = _table(["", "task", "artifact", diff.a, diff.b], rows) if rows else ""
        parts.append(f"<div>{html.escape(title)}{table}</div>")
    return "".join(parts)


def _code(diff: RunDiff, only: bool) -> str:
    code = diff.code
    if code.state == SAME:
        return (
            f"<p>the same files <code>{html.escape((code.sha_a or 'no package')[:12])}</code></p>"
        )
    if not code.files:
        side = diff.a if code.sha_a is not None else diff.b
        return f"<p>only {html.escape(side)} saved a code package</p>"
    parts = []
    for change in code.files:
        if only and change.state == SAME:
            continue
        label = f"{mark(change.state)} {change.path}"
        body = "binary files differ" if change.binary else change.diff
        parts.append(
            f"<div style='color:{_COLOUR[change.state]}'>{html.escape(label)}</div>"
            f"<pre style='margin:0 0 0.5em 1em'>{html.escape(body)}</pre>"
        )
    return "".join(parts)


def render_html(diff: RunDiff, differences_only: bool = True) -> str:
    only = differences_only
    header = ["", "name", diff.a, diff.b]
    title = f"diff {diff.a} → {diff.b}" + (" (differences only)" if only else "")
    body = [f"<strong>{html.escape(title)}</strong>"]
    if only:
        body.append("<p><code>diff.view()</code> shows everything.</p>")
    if only and diff.identical:
        body.append("<p>No differences in parameters, artifacts, tasks, code or environment.</p>")
    for name, items in (("run", diff.run), ("parameters", diff.parameters)):
        rows = _values(items, only)
        if rows:
            body.append(_section(name, _table(header, rows)))
    steps = _steps(diff, only)
    if steps:
        body.append(_section("steps", steps))
    if not only or diff.code.state != SAME:
        body.append(_section("code", _code(diff, only)))
    env = diff.environment
    rows = _values(env.fields, only) + _values(env.packages, only)
    if rows:
        body.append(_section("environment", _table(header, rows)))
    return f"<div class='flowscope flowscope-diff'>{''.join(body)}</div>"
