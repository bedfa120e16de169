"""The flow graph drawn as SVG: steps as boxes in layers, transitions as arrows.

    svg = render_graph_svg(GraphView(
        steps=(GraphStep("start", "foreach"), GraphStep("train"), GraphStep("join", "join"),
               GraphStep("end", "end")),
        edges=(("start", "train"), ("train", "join"), ("join", "end")),
        current="train"))

A pure function of a small value, shared by the default card and the web UI: a step may
carry a second text line (`label`, e.g. "12 tasks · 3.4 s") and a `status` (drawn in its
colour, and as the class `fs-status-STATUS` for a stylesheet). The current step is outlined
thick. Steps a foreach fans out to are drawn as a stack with dashed arrows into them; a
split, join or switch step is marked with its kind. Every name is escaped; long names are
shortened on the box and given whole in its tooltip. Layers are the longest path from the
start; within a layer, steps sit under the mean position of their parents (and parents
over their children's), at least a box apart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from flowscope.cards.escape import css_name, text
from flowscope.errors import CardError

NODE_W, NODE_H, LABEL_H, GAP_X, GAP_Y, MARGIN = 168, 40, 16, 28, 44, 16
NAME_CHARS = 22
STATUS_FILL = {
    "completed": "#e3f4e8",
    "succeeded": "#e3f4e8",
    "running": "#e3eefc",
    "failed": "#fde7e7",
    "lost": "#f3e8fd",
    "pending": "#f2f2f2",
}
MARKED_TYPES = ("split", "join", "switch", "foreach")


@dataclass(frozen=True)
class GraphStep:
    """One step: its name, its type (start, linear, split, foreach, join, switch, end), and
    optionally a second text line and a status."""

    name: str
    type: str = "linear"
    label: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class GraphView:
    """The steps in source order, the transitions between them, and the step to highlight."""

    steps: Sequence[GraphStep]
    edges: Sequence[tuple[str, str]]
    current: str | None = None
    title: str = field(default="flow graph")


def layers(view: GraphView) -> dict[str, tuple[int, int]]:
    """(layer, position in layer) of every step. Raises CardError for an edge to no step."""
    names = [s.name for s in view.steps]
    known = set(names)
    if len(known) != len(names):
        raise CardError("the graph names a step twice")
    children: dict[str, list[str]] = {n: [] for n in names}
    parents: dict[str, list[str]] = {n: [] for n in names}
    for src, dst in view.edges:
        if src not in known or dst not in known:
            raise CardError(f"the graph has an edge {src!r} -> {dst!r} to a step it does not list")
        children[src].append(dst)
        parents[dst].append(src)
    rank = {n: 0 for n in names}
    waiting = {n: len(parents[n]) for n in names}
    ready = [n for n in names if waiting[n] == 0]
    placed: list[str] = []
    while ready:
        node = ready.pop(0)
        placed.append(node)
        for child in children[node]:
            rank[child] = max(rank[child], rank[node] + 1)
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    bottom = max(rank.values(), default=0)
    for node in names:  # steps on a cycle (a recursive switch): one layer each, below the rest
        if node not in placed:
            bottom += 1
            rank[node] = bottom
    by_layer: dict[int, list[str]] = {}
    for node in names:
        by_layer.setdefault(rank[node], []).append(node)
    position: dict[str, tuple[int, int]] = {}
    for layer in sorted(by_layer):
        order = {n: i for i, n in enumerate(by_layer[layer])}

        def centre(node: str, order: Mapping[str, int] = order) -> tuple[float, int]:
            above = [position[p][1] for p in parents[node] if p in position]
            return (sum(above) / len(above) if above else order[node], order[node])

        for index, node in enumerate(sorted(by_layer[layer], key=centre)):
            position[node] = (layer, index)
    return position


def columns(view: GraphView, position: Mapping[str, tuple[int, int]]) -> dict[str, float]:
    """The horizontal place of every step, in box widths from the left edge: a step sits
    under the mean of its parents and a split over the mean of its branches, as far as
    keeping boxes one width apart allows (so a long edge does not run through a box)."""
    parents: dict[str, list[str]] = {n: [] for n in position}
    children: dict[str, list[str]] = {n: [] for n in position}
    for src, dst in view.edges:
        parents[dst].append(src)
        children[src].append(dst)
    by_layer: dict[int, list[str]] = {}
    for name, (layer, _) in sorted(position.items(), key=lambda item: item[1]):
        by_layer.setdefault(layer, []).append(name)
    x: dict[str, float] = {}

    def spread(names: list[str], wanted: Mapping[str, float]) -> None:
        cursor = -math.inf
        for name in names:  # already in layer order; keep it, one width apart at least
            x[name] = max(wanted[name], cursor + 1.0)
            cursor = x[name]

    for layer in sorted(by_layer):  # top down: under the parents
        names = by_layer[layer]
        spread(
            names, {n: _mean([x[p] for p in parents[n] if p in x], i) for i, n in enumerate(names)}
        )
    for layer in sorted(by_layer, reverse=True)[1:]:  # bottom up: a split over its branches
        names = by_layer[layer]
        below = {n: [x[c] for c in children[n] if position[c][0] > layer] for n in names}
        wanted = {n: _mean(below[n], x[n]) if len(below[n]) > 1 else x[n] for n in names}
        spread(names, wanted)
    left = min(x.values(), default=0.0)
    return {name: value - left for name, value in x.items()}


def _mean(values: list[float], default: float) -> float:
    return sum(values) / len(values) if values else default


def _short(name: str) -> str:
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…"


def render_graph_svg(view: GraphView, id_prefix: str = "fs-graph") -> str:
    """The graph of `view` as an inline `<svg>` element."""
    prefix = css_name(id_prefix, "graph id prefix")
    position = layers(view)
    across = columns(view, position)
    steps = {s.name: s for s in view.steps}
    rows = 1 + max((layer for layer, _ in position.values()), default=0)
    row_h = NODE_H + (LABEL_H if any(s.label for s in view.steps) else 0)
    width = MARGIN * 2 + NODE_W + max(across.values(), default=0.0) * (NODE_W + GAP_X)
    height = MARGIN * 2 + rows * row_h + (rows - 1) * GAP_Y

    def box(name: str) -> tuple[float, float]:
        layer = position[name][0]
        return MARGIN + across[name] * (NODE_W + GAP_X), MARGIN + layer * (row_h + GAP_Y)

    fanned = {dst for src, dst in view.edges if steps[src].type == "foreach"}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="fs-graph" role="img" '
        f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'aria-label="{text(view.title)}"><title>{text(view.title)}</title>'
        f'<defs><marker id="{prefix}-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0 0L10 5L0 10z" fill="#667"/></marker></defs>'
    ]
    for src, dst in view.edges:
        (x1, y1), (x2, y2) = box(src), box(dst)
        x1, y1, x2 = x1 + NODE_W / 2, y1 + row_h, x2 + NODE_W / 2
        bend = max(abs(y2 - y1) / 2, GAP_Y / 2)
        dash = ' stroke-dasharray="5 4"' if steps[src].type == "foreach" else ""
        out.append(
            f'<path class="fs-edge" d="M{x1:.1f} {y1:.1f}C{x1:.1f} {y1 + bend:.1f} '
            f'{x2:.1f} {y2 - bend:.1f} {x2:.1f} {y2 - 1:.1f}" fill="none" stroke="#667" '
            f'stroke-width="1.5"{dash} marker-end="url(#{prefix}-arrow)"/>'
        )
    for step in view.steps:
        out.append(
            _node(step, box(step.name), row_h, step.name == view.current, step.name in fanned)
        )
    out.append("</svg>")
    return "".join(out)


def _node(step: GraphStep, at: tuple[float, float], row_h: int, current: bool, fanned: bool) -> str:
    x, y = at
    classes = ["fs-node", f"fs-type-{css_name(step.type, 'step type')}"]
    if step.status is not None:
        classes.append(f"fs-status-{css_name(step.status, 'step status')}")
    if current:
        classes.append("fs-current")
    fill = "#fff4c2" if current else STATUS_FILL.get(step.status or "", "#ffffff")
    stroke, stroke_w = ("#b7791f", 3) if current else ("#556", 1.2)
    parts = [f'<g class="{" ".join(classes)}"><title>{text(step.name)}</title>']
    if fanned:  # a foreach body: several tasks, drawn as a stack
        for offset in (8, 4):
            parts.append(
                f'<rect x="{x + offset:.1f}" y="{y - offset:.1f}" width="{NODE_W}" '
                f'height="{row_h}" rx="6" fill="#fafafa" stroke="#99a" stroke-width="1"/>'
            )
    parts.append(
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{NODE_W}" height="{row_h}" rx="6" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="{stroke_w}"/>'
    )
    name_y = y + (NODE_H / 2 + 5 if not step.label else NODE_H / 2)
    parts.append(
        f'<text x="{x + NODE_W / 2:.1f}" y="{name_y:.1f}" text-anchor="middle" '
        f'font-family="sans-serif" font-size="13" fill="#222">{text(_short(step.name))}</text>'
    )
    if step.label:
        parts.append(
            f'<text x="{x + NODE_W / 2:.1f}" y="{name_y + LABEL_H:.1f}" text-anchor="middle" '
            f'font-family="sans-serif" font-size="11" fill="#555">'
            f"{text(_short(step.label))}</text>"
        )
    if step.type in MARKED_TYPES:
        parts.append(
            f'<text x="{x + NODE_W - 6:.1f}" y="{y + 11:.1f}" text-anchor="end" '
            f'font-family="sans-serif" font-size="9" fill="#778">{step.type}</text>'
        )
    parts.append("</g>")
    return "".join(parts)
