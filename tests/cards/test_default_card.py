"""The default card body: golden structure of every section for a known summary."""

from __future__ import annotations

from flowscope.cards.default_card import (
    format_duration,
    format_time,
    graph_svg,
    human_size,
    render_default_body,
)
from flowscope.cards.graph_svg import GraphStep, GraphView, render_graph_svg
from flowscope.cards.summary import ArtifactSummary, TaskSummary

from .html_check import assert_inert, parse

SUMMARY = TaskSummary(
    flow_name="TrainFlow",
    pathspec="TrainFlow/3/train/4",
    parameters=(("alpha", "0.5"),),
    artifacts=(
        ArtifactSummary("score", "float", 24, "0.93"),
        ArtifactSummary("model", "bytes", 3 * 1024**3, None),
    ),
    graph=GraphView(
        steps=(GraphStep("start", "foreach"), GraphStep("train"), GraphStep("end", "end")),
        edges=(("start", "train"), ("train", "end")),
        current="train",
    ),
    started_at=1_764_760_000.0,
    finished_at=1_764_760_003.25,
    attempt=1,
    status="completed",
    stdout_tail="epoch 1\nepoch 2\n",
    stderr_tail="",
    extra=(("worker", "w-1"),),
)


def _section_titles(html: str) -> list[str]:
    parsed = parse(html)
    titles, inside = [], False
    from html.parser import HTMLParser

    class P(HTMLParser):
        def handle_starttag(self, tag: str, attrs: object) -> None:
            nonlocal inside
            inside = tag == "h2"

        def handle_data(self, data: str) -> None:
            if inside:
                titles.append(data)

        def handle_endtag(self, tag: str) -> None:
            nonlocal inside
            inside = False

    P().feed(html)
    assert parsed.find("section")
    return titles


def test_sections_come_in_order() -> None:
    html = render_default_body(SUMMARY, '<p class="mine">mine</p>')
    assert _section_titles(html) == [
        "Task", "Parameters", "Artifacts (2)", "Graph", "Output (stdout, last lines)",
    ]  # fmt: skip
    parsed = assert_inert(html)
    sections = [e.attrs["class"] for e in parsed.find("section")]
    assert sections[1] == "fs-section fs-user"  # the step's own components, after the facts


def test_facts_parameters_and_artifacts_are_shown() -> None:
    parsed = parse(render_default_body(SUMMARY))
    for shown in (
        "TrainFlow", "TrainFlow/3/train/4", "completed", "2025-12-03T11:06:40+00:00",
        "3.2 s", "worker", "w-1", "alpha", "0.5", "score", "float", "24 B", "0.93",
        "model", "3.0 GiB", "not previewed", "epoch 2",
    ):  # fmt: skip
        assert shown in parsed.joined_text, shown
    names = [e for e in parsed.find("div", "fs-artifacts")]
    assert names  # the artifacts table
    assert "stderr" not in parsed.joined_text  # empty output is left out


def test_the_graph_highlights_this_step() -> None:
    parsed = parse(render_default_body(SUMMARY))
    (svg,) = parsed.find("svg")
    current = [e for e in parsed.find("g") if "fs-current" in e.attrs["class"]]
    assert svg and len(current) == 1


def test_artifacts_are_sorted_and_previews_clipped() -> None:
    summary = TaskSummary(
        "F", "F/1/s/1",
        artifacts=(ArtifactSummary("b", "str", 1, "y" * 10_000), ArtifactSummary("a", "int", 1, "1")),
    )  # fmt: skip
    parsed = parse(render_default_body(summary))
    cells = [t for t in parsed.text if t in ("a", "b")]
    assert cells == ["a", "b"]
    assert max(len(t) for t in parsed.text) < 400


def test_a_bare_summary_has_just_the_header_and_facts() -> None:
    html = render_default_body(TaskSummary("F", "F/1/s/1"))
    assert _section_titles(html) == ["Task"] and not parse(html).find("svg")


def test_formatting_helpers() -> None:
    assert [human_size(n) for n in (None, 5, 2048, 5 * 1024**2, 2 * 1024**4)] == [
        "", "5 B", "2.0 KiB", "5.0 MiB", "2.0 TiB",
    ]  # fmt: skip
    assert [format_duration(s) for s in (None, 0.25, 12.34, 245)] == [
        "", "250 ms", "12.3 s", "4 min 05 s",
    ]  # fmt: skip
    assert format_time(None) == "" and format_time(0) == "1970-01-01T00:00:00+00:00"


def test_a_hashable_graph_is_drawn_once_and_a_list_based_one_still_works() -> None:
    assert graph_svg(SUMMARY.graph) is graph_svg(SUMMARY.graph)  # type: ignore[arg-type]
    listed = GraphView(steps=[GraphStep("start")], edges=[])
    assert graph_svg(listed) == render_graph_svg(listed)
