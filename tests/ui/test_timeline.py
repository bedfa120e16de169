"""The Gantt SVG (timeline.py): lanes, attempts, links and escaping."""

from __future__ import annotations

import re

from flowscope.ui.timeline import MAX_LANES, Bar, render_timeline


def bar(step: str, task: int, start: float, end: float | None, **kw: object) -> Bar:
    return Bar(step, task, kw.pop("attempt", 0), start, end, kw.pop("status", "succeeded"),  # type: ignore[arg-type]
               f"/ui/F/1/{step}/{task}", **kw)  # type: ignore[arg-type]  # fmt: skip


def _ys(svg: str) -> list[str]:
    return re.findall(r'class="fs-bar[^"]*" x="[^"]+" y="(\d+)"', svg)


def test_no_bars_is_a_note() -> None:
    assert "No task has started" in render_timeline([], 0.0)


def test_overlapping_tasks_take_lanes_and_sequential_ones_share() -> None:
    parallel = render_timeline([bar("s", i, 0.0, 1.0) for i in range(3)], 2.0)
    assert len(set(_ys(parallel))) == 3
    sequential = render_timeline([bar("s", i, float(i), i + 0.5) for i in range(3)], 5.0)
    assert len(set(_ys(sequential))) == 1


def test_lanes_are_capped_for_a_wide_foreach() -> None:
    svg = render_timeline([bar("s", i, 0.0, 1.0) for i in range(1000)], 2.0)
    assert svg.count('class="fs-bar') == 1000 and len(set(_ys(svg))) == MAX_LANES


def test_running_and_retried_attempts_and_links() -> None:
    svg = render_timeline(
        [bar("s", 1, 0.0, 1.0, status="failed", earlier=True), bar("s", 1, 1.0, None, attempt=1,
         status="running")], now=3.0,
    )  # fmt: skip
    assert "fs-status-running" in svg and 'stroke-dasharray="2 1"' in svg
    assert 'href="/ui/F/1/s/1"' in svg and "attempt 1: running" in svg


def test_names_are_escaped() -> None:
    svg = render_timeline([bar("<script>", 1, 0.0, 1.0)], 1.0)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
