"""The time a default card takes to render, for one task and per task of a 1,000-task foreach.

Usage: python benchmarks/bench_cards.py [--repeats N]

Rendering only (the pure part, flowscope.cards): a TaskSummary with 20 artifacts (name, type,
size, a preview string), 2 parameters, a 6-step graph with a foreach, and 100 lines of
stdout, rendered to the whole HTML document. Prints the median over N repeats of one render,
then of the per-task time over a loop of 1,000 tasks of a foreach step (each with its own
pathspec and previews; the summaries are built before the clock starts), and the same default card with 5 user components (Markdown, Table,
ProgressBar, ValueBox, JSONViewer). Storing the card (a blob write) and building the summary
(metadata reads) belong to the runtime and are not timed here.
"""

from __future__ import annotations

import argparse
import statistics
import time

from flowscope.cards import (
    ArtifactSummary,
    CardSpec,
    GraphStep,
    GraphView,
    JSONViewer,
    Markdown,
    ProgressBar,
    Table,
    TaskSummary,
    ValueBox,
    render_card,
)

GRAPH = GraphView(
    steps=(
        GraphStep("start", "foreach"),
        GraphStep("train"),
        GraphStep("evaluate"),
        GraphStep("join", "join"),
        GraphStep("report"),
        GraphStep("end", "end"),
    ),
    edges=(
        ("start", "train"),
        ("train", "evaluate"),
        ("evaluate", "join"),
        ("join", "report"),
        ("report", "end"),
    ),
    current="train",
)
SPEC = CardSpec()


def summary(task: int) -> TaskSummary:
    artifacts = tuple(
        ArtifactSummary(f"artifact_{i:02d}", "float", 24 + i, f"{task * 0.001 + i:.4f}")
        for i in range(20)
    )
    return TaskSummary(
        flow_name="TrainFlow",
        pathspec=f"TrainFlow/7/train/{task + 2}",
        parameters=(("alpha", "0.5"), ("epochs", "10")),
        artifacts=artifacts,
        graph=GRAPH,
        started_at=1_764_760_000.0 + task,
        finished_at=1_764_760_001.5 + task,
        status="completed",
        stdout_tail="\n".join(f"epoch {i} loss {1 / (i + 1):.4f}" for i in range(100)),
    )


def components() -> list[object]:
    return [
        Markdown("# Training\nloss went **down**"),
        Table([["accuracy", 0.93], ["loss", 0.12]], headers=["metric", "value"]),
        ProgressBar(max=10, value=10, label="epochs"),
        ValueBox(title="Accuracy", value=0.93, theme="success"),
        JSONViewer({"lr": 0.1, "layers": [64, 32]}),
    ]


def one_render(with_components: bool) -> float:
    parts, task_summary = (components() if with_components else []), summary(0)
    start = time.perf_counter()
    rendered = render_card(SPEC, parts, task_summary)
    elapsed = time.perf_counter() - start
    assert rendered.ok, rendered.problems
    return elapsed


def foreach_per_task(summaries: list[TaskSummary]) -> float:
    start = time.perf_counter()
    for task_summary in summaries:
        rendered = render_card(SPEC, [], task_summary)
        assert rendered.ok
    return (time.perf_counter() - start) / len(summaries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    first = one_render(True)  # the first render imports markdown-it-py and nh3
    single = statistics.median(one_render(False) for _ in range(args.repeats * 10))
    with_components = statistics.median(one_render(True) for _ in range(args.repeats * 10))
    summaries = [summary(task) for task in range(1000)]
    per_task = statistics.median(foreach_per_task(summaries) for _ in range(args.repeats))
    size = len(render_card(SPEC, [], summary(0)).html)
    print(f"default card, 20 artifacts:              {single * 1000:8.2f} ms  ({size:,} bytes)")
    print(f"default card + 5 components:             {with_components * 1000:8.2f} ms")
    print(f"1,000-task foreach, per task:            {per_task * 1000:8.2f} ms")
    total = per_task * len(summaries)
    print(f"1,000-task foreach, total:               {total:8.2f} s")
    print(f"first render in a process (imports):     {first * 1000:8.2f} ms")
    print(f"(medians of {args.repeats} repeats of the 1,000-task loop, {args.repeats * 10} of one)")


if __name__ == "__main__":
    main()
