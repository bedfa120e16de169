"""The body of the default card: a pure function of a TaskSummary.

It shows, in order: the flow and the task's address; the task's facts (status, attempt,
start, finish, duration); the user's own components, when the step appended any; the
parameters; the artifacts (name, type, size and preview); the flow's graph with this step
highlighted; and the tail of the task's stdout and stderr.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime, timezone

from flowscope.cards.escape import clip, text
from flowscope.cards.graph_svg import GraphView, render_graph_svg
from flowscope.cards.summary import PREVIEW_LIMIT, TaskSummary, tail


def human_size(size: int | None) -> str:
    """`size` bytes as B, KiB, MiB, GiB or TiB; '' when unknown."""
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


def format_time(ts: float | None) -> str:
    """`ts` (seconds since the epoch) as an ISO 8601 UTC time; '' when unknown."""
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds")


def format_duration(seconds: float | None) -> str:
    """`seconds` as '850 ms', '12.3 s' or '4 min 05 s'; '' when unknown."""
    if seconds is None:
        return ""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest:02d} s"


@functools.lru_cache(maxsize=32)
def _cached_graph_svg(view: GraphView) -> str:
    return render_graph_svg(view)


def graph_svg(view: GraphView) -> str:
    """The graph's SVG; every task of a step draws the same one, so a hashable view (steps
    and edges as tuples) is drawn once per process and reused."""
    try:
        return _cached_graph_svg(view)
    except TypeError:  # unhashable (lists inside): draw it each time
        return render_graph_svg(view)


def _section(title: str, body: str, name: str) -> str:
    return f'<section class="fs-section fs-{name}"><h2>{text(title)}</h2>{body}</section>'


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], name: str) -> str:
    head = "".join(f"<th>{text(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (
        f'<div class="fs-component fs-table fs-{name}"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _facts(summary: TaskSummary) -> str:
    facts = [
        ("status", summary.status or ""),
        ("attempt", str(summary.attempt)),
        ("started", format_time(summary.started_at)),
        ("finished", format_time(summary.finished_at)),
        ("duration", format_duration(summary.duration)),
        *summary.extra,
    ]
    items = "".join(f"<dt>{text(k)}</dt><dd>{text(v)}</dd>" for k, v in facts if v)
    return f'<dl class="fs-facts">{items}</dl>'


def _preview(value: str | None) -> str:
    if value is None:
        return '<span class="fs-note">not previewed</span>'
    return f"<code>{text(clip(value, PREVIEW_LIMIT))}</code>"


def render_default_body(summary: TaskSummary, components_html: str = "") -> str:
    """The default card's body for `summary`, with the step's own components (already
    rendered) after the task's facts."""
    parts = [
        '<header class="fs-card-header">'
        f"<h1>{text(summary.flow_name)}</h1><p>{text(summary.pathspec)}</p></header>",
        _section("Task", _facts(summary), "task"),
    ]
    if components_html:
        parts.append(f'<section class="fs-section fs-user">{components_html}</section>')
    if summary.parameters:
        rows = [[text(n), _preview(v)] for n, v in summary.parameters]
        parts.append(
            _section("Parameters", _table(("name", "value"), rows, "parameters"), "params")
        )
    artifacts = sorted(summary.artifacts, key=lambda a: a.name)
    if artifacts:
        rows = [
            [text(a.name), text(a.type), text(human_size(a.size)), _preview(a.preview)]
            for a in artifacts
        ]
        table = _table(("name", "type", "size", "preview"), rows, "artifacts")
        parts.append(_section(f"Artifacts ({len(artifacts)})", table, "artifacts"))
    if summary.graph is not None:
        svg = graph_svg(summary.graph)
        parts.append(_section("Graph", f'<div class="fs-graph-box">{svg}</div>', "dag"))
    for name, output in (("stdout", summary.stdout_tail), ("stderr", summary.stderr_tail)):
        if output:
            pre = f'<pre class="fs-code fs-log">{text(tail(output))}</pre>'
            parts.append(_section(f"Output ({name}, last lines)", pre, name))
    return "".join(parts)
