"""The graph SVG: layers, the highlighted step, foreach stacks, labels, statuses, escaping."""

from __future__ import annotations

import pytest

from flowscope.cards.escape import text
from flowscope.cards.graph_svg import GraphStep, GraphView, columns, layers, render_graph_svg
from flowscope.errors import CardError

from .html_check import assert_inert, parse

FOREACH = GraphView(
    steps=(
        GraphStep("start", "foreach"),
        GraphStep("train", label="3 tasks", status="running"),
        GraphStep("join", "join"),
        GraphStep("end", "end"),
    ),
    edges=(("start", "train"), ("train", "join"), ("join", "end")),
    current="train",
)
BRANCH = GraphView(
    steps=tuple(GraphStep(n, t) for n, t in
                [("start", "split"), ("a", "linear"), ("b", "linear"), ("join", "join"), ("end", "end")]),
    edges=(("start", "a"), ("start", "b"), ("a", "join"), ("b", "join"), ("join", "end")),
)  # fmt: skip


def test_layers_follow_the_longest_path_and_branches_sit_side_by_side() -> None:
    assert layers(FOREACH) == {"start": (0, 0), "train": (1, 0), "join": (2, 0), "end": (3, 0)}
    where = layers(BRANCH)
    assert where["a"] == (1, 0) and where["b"] == (1, 1) and where["join"] == (2, 0)


def test_a_cycle_is_still_laid_out() -> None:
    loop = GraphView(
        steps=(GraphStep("start"), GraphStep("again", "switch"), GraphStep("end", "end")),
        edges=(("start", "again"), ("again", "again"), ("again", "end")),
    )
    assert set(layers(loop)) == {"start", "again", "end"}
    assert_inert(render_graph_svg(loop))


def test_the_current_step_is_highlighted_and_every_step_drawn() -> None:
    svg = render_graph_svg(FOREACH)
    parsed = assert_inert(svg)
    assert parsed.elements[0].tag == "svg"
    current = [e for e in parsed.elements if e.tag == "g" and "fs-current" in e.attrs["class"]]
    assert len(current) == 1
    assert "fs-status-running" in current[0].attrs["class"]
    for name in ("start", "train", "join", "end", "3 tasks"):
        assert name in parsed.joined_text
    assert len(parsed.find("path", "fs-edge")) == 3


def test_foreach_bodies_are_stacked_with_dashed_arrows_in() -> None:
    parsed = parse(render_graph_svg(FOREACH))
    dashed = [e for e in parsed.find("path", "fs-edge") if "stroke-dasharray" in e.attrs]
    assert len(dashed) == 1
    assert len(parsed.find("rect")) == 4 + 2  # a box per step, plus the stack behind train


def test_names_are_escaped_and_long_ones_shortened_with_the_whole_in_the_tooltip() -> None:
    hostile = "<script>alert(1)</script>" + "x" * 40
    view = GraphView(steps=(GraphStep(hostile),), edges=(), current=hostile)
    svg = render_graph_svg(view)
    parsed = assert_inert(svg)
    assert f"<title>{text(hostile)}</title>" in svg  # the tooltip holds the whole name
    assert [t for t in parsed.text if t.strip()] == [hostile[:21] + "…"]


@pytest.mark.parametrize(
    "view",
    [
        GraphView(steps=(GraphStep("a"),), edges=(("a", "ghost"),)),
        GraphView(steps=(GraphStep("a"), GraphStep("a")), edges=()),
        GraphView(steps=(GraphStep("a", status="bad status"),), edges=()),
        GraphView(steps=(GraphStep("a", type='x"y'),), edges=()),
    ],
)
def test_an_inconsistent_view_is_a_card_error(view: GraphView) -> None:
    with pytest.raises(CardError):
        render_graph_svg(view)


def test_the_size_grows_with_the_widest_layer() -> None:
    narrow = parse(render_graph_svg(FOREACH)).elements[0].attrs
    wide = parse(render_graph_svg(BRANCH)).elements[0].attrs
    assert int(wide["width"]) > int(narrow["width"])
    assert int(narrow["height"]) > int(wide["height"])  # 4 layers against 4, plus labels


def test_a_branch_keeps_its_column_so_long_edges_pass_beside_it() -> None:
    view = GraphView(
        steps=tuple(GraphStep(n) for n in ("start", "a", "b", "inner", "join_b", "join", "end")),
        edges=(("start", "a"), ("start", "b"), ("b", "inner"), ("inner", "join_b"),
               ("join_b", "join"), ("a", "join"), ("join", "end")),
    )  # fmt: skip
    x = columns(view, layers(view))
    assert x["inner"] == x["join_b"] == x["b"] != x["a"]
    assert x["start"] == (x["a"] + x["b"]) / 2 and x["join"] == x["start"]
    assert min(x.values()) == 0.0
    where = layers(view)
    for layer in {lay for lay, _ in where.values()}:
        row = sorted(x[n] for n, (lay, _) in where.items() if lay == layer)
        assert all(b - a >= 1.0 for a, b in zip(row, row[1:], strict=False))
