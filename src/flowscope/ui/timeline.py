"""The run's timeline: every task attempt as a bar, drawn as SVG by the server. Pure.

One band per step, in the order the steps started; within a band, attempts are packed into
lanes (an attempt takes the first lane free when it starts), so a 1,000-task foreach run by
8 workers is 8 lanes high, not 1,000 rows. Every bar links to its task and names it in a
tooltip. Every name is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flowscope.cards.escape import text
from flowscope.ui.graph import duration_text

WIDTH, LABEL_W, LANE_H, BAND_GAP, AXIS_H, MAX_LANES = 960, 132, 10, 8, 22, 24
COLOURS = {
    "succeeded": "#3d9a5b",
    "failed": "#d04545",
    "running": "#3b7ddd",
    "lost": "#9156c8",
    "pending": "#b5b5b5",
}


@dataclass(frozen=True)
class Bar:
    """One attempt: where it belongs, when it ran (end None: still running), how it ended."""

    step: str
    task_id: int
    attempt: int
    start: float
    end: float | None
    status: str
    href: str
    earlier: bool = False  # an attempt that was retried (drawn with a dashed outline)


def _lanes(bars: Sequence[Bar], now: float) -> list[int]:
    free_at: list[float] = []
    lanes = []
    for bar in bars:
        end = bar.end if bar.end is not None else now
        for i, t in enumerate(free_at):
            if t <= bar.start:
                free_at[i] = end
                lanes.append(i)
                break
        else:
            if len(free_at) < MAX_LANES:
                free_at.append(end)
                lanes.append(len(free_at) - 1)
            else:  # beyond the cap, bars share the lane that frees first
                i = min(range(len(free_at)), key=free_at.__getitem__)
                free_at[i] = max(free_at[i], end)
                lanes.append(i)
    return lanes


def render_timeline(bars: Sequence[Bar], now: float) -> str:
    """The SVG of `bars` (empty bars: a short note instead)."""
    if not bars:
        return '<p class="fs-note">No task has started yet.</p>'
    t0 = min(b.start for b in bars)
    t1 = max([b.end if b.end is not None else now for b in bars] + [t0 + 0.001])
    span = t1 - t0
    scale = (WIDTH - LABEL_W - 12) / span
    by_step: dict[str, list[Bar]] = {}
    for bar in sorted(bars, key=lambda b: (b.start, b.task_id, b.attempt)):
        by_step.setdefault(bar.step, []).append(bar)
    parts: list[str] = []
    y = AXIS_H
    for step, step_bars in by_step.items():
        lanes = _lanes(step_bars, now)
        height = (max(lanes) + 1) * LANE_H
        parts.append(
            f'<text x="4" y="{y + min(height, 24) / 2 + 4:.0f}" font-size="11" '
            f'font-family="sans-serif" fill="#333">{text(step[:18])}</text>'
        )
        for bar, lane in zip(step_bars, lanes, strict=True):
            end = bar.end if bar.end is not None else now
            x = LABEL_W + (bar.start - t0) * scale
            w = max((end - bar.start) * scale, 1.5)
            colour = COLOURS.get(bar.status, "#888")
            tip = (
                f"{step}/{bar.task_id} attempt {bar.attempt}: {bar.status}, "
                f"{duration_text(end - bar.start)}"
            )
            dashed = ' stroke="#222" stroke-dasharray="2 1"' if bar.earlier else ""
            parts.append(
                f'<a href="{text(bar.href)}"><rect class="fs-bar fs-status-{text(bar.status)}" '
                f'x="{x:.1f}" y="{y + lane * LANE_H + 1}" width="{w:.1f}" height="{LANE_H - 2}" '
                f'fill="{colour}"{dashed}><title>{text(tip)}</title></rect></a>'
            )
        y += height + BAND_GAP
    axis = _axis(span, scale)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="fs-timeline" role="img" '
        f'width="{WIDTH}" height="{y}" viewBox="0 0 {WIDTH} {y}" aria-label="task timeline">'
        f"<title>task timeline</title>{axis}{''.join(parts)}</svg>"
    )


def _axis(span: float, scale: float) -> str:
    step = _tick(span)
    ticks = []
    t = 0.0
    while t <= span + 1e-9:
        x = LABEL_W + t * scale
        ticks.append(
            f'<line x1="{x:.1f}" y1="{AXIS_H - 4}" x2="{x:.1f}" y2="{AXIS_H}" stroke="#999"/>'
            f'<text x="{x:.1f}" y="{AXIS_H - 7}" font-size="9" text-anchor="middle" '
            f'font-family="sans-serif" fill="#666">{text(duration_text(t) if t else "0")}</text>'
        )
        t += step
    return "".join(ticks)


def _tick(span: float) -> float:
    for candidate in (0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 600, 1800, 3600, 14400):
        if span / candidate <= 10:
            return candidate
    return span / 10
