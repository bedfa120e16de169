"""The time a default card takes to render, for one task and per task of a 1,000-task foreach,
and the time it adds to real tasks.

Usage: python benchmarks/bench_cards.py [--repeats N] [--tasks N] [--render-only]

Rendering only (the pure part, flowscope.cards): a TaskSummary with 20 artifacts (name, type,
size, a preview string), 2 parameters, a 6-step graph with a foreach, and 100 lines of
stdout, rendered to the whole HTML document. Prints the median over N repeats of one render,
then of the per-task time over a loop of 1,000 tasks of a foreach step (each with its own
pathspec and previews; the summaries are built before the clock starts), and the same default card with 5 user components (Markdown, Table,
ProgressBar, ValueBox, JSONViewer). Storing the card (a blob write) and building the summary
(metadata reads) belong to the runtime and are timed by the second part:

- one task with 20 artifacts, executed in this process exactly as a worker executes it
  (RunWork), with and without a default @card: the median over repeats of each, and the
  difference (building the summary from the stored artifacts, rendering, storing the blob);
- a real run (`python flow.py run`, forked workers, local store) whose flow has two identical
  1,000-task foreach steps of 20 artifacts each, one with a default @card and one without:
  the median task duration and the wall time of each step, as recorded by the runner.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


FLOW = """
from flowscope import FlowSpec, card, step


def fill(flow):
    for i in range(20):
        setattr(flow, f"artifact_{i:02d}", flow.input * 0.001 + i)


class BenchCardsFlow(FlowSpec):
    @step
    def start(self):
        self.items = list(range(int(__import__("os").environ["BENCH_TASKS"])))
        self.next(self.plain, foreach="items")

    @step
    def plain(self):
        fill(self)
        self.next(self.join_plain)

    @step
    def join_plain(self, inputs):
        self.items = inputs[0].items
        self.next(self.carded, foreach="items")

    @card
    @step
    def carded(self):
        fill(self)
        self.next(self.join_carded)

    @step
    def join_carded(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    BenchCardsFlow()
"""


def in_process_task(repeats: int) -> tuple[float, float]:
    """Median seconds of one 20-artifact task without and with a default card."""
    sys.path.insert(0, tempfile.mkdtemp())
    module_dir = Path(sys.path[0])
    (module_dir / "bench_cards_flow.py").write_text(FLOW)
    os.environ["BENCH_TASKS"] = "1"
    import bench_cards_flow  # noqa: I001  (written just above)

    from flowscope.datastore import ContentStore, save_artifact
    from flowscope.datastore.memory import MemoryStorage
    from flowscope.flow import FlowGraph
    from flowscope.metastore.records import ArtifactRecord
    from flowscope.runtime.spec import Frame, Parent, TaskSpec, step_rules
    from flowscope.runtime.task import RunWork

    flow_cls = bench_cards_flow.BenchCardsFlow
    store = ContentStore(MemoryStorage())
    rules = step_rules(FlowGraph.from_class(flow_cls))
    work = RunWork(flow_cls, store, "BenchCardsFlow", 1, "bench", (), None, {}, rules)
    info = save_artifact(store, [0])
    items = ArtifactRecord("items", info.sha, info.size, info.type_name, info.serializer)
    parent = Parent(1, "start", (), {"items": items})
    frame = Frame("start", 0, 1, True, "items", "0")

    def once(step: str) -> float:
        spec = TaskSpec(2, step, (frame,), (parent,), foreach_var="items")
        began = time.perf_counter()
        outcome = work(spec)
        elapsed = time.perf_counter() - began
        assert outcome.ok, outcome.exception
        return elapsed

    once("carded")  # imports and the first render
    plain = statistics.median(once("plain") for _ in range(repeats))
    carded = statistics.median(once("carded") for _ in range(repeats))
    return plain, carded


def real_run(tasks: int) -> dict[str, tuple[float, float]]:
    """{step: (median task seconds, step wall seconds)} of one real run."""
    root = Path(tempfile.mkdtemp(prefix="bench-cards-"))
    (root / "flow.py").write_text(FLOW)
    env = dict(os.environ, BENCH_TASKS=str(tasks), FLOWSCOPE_USER="bench")
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    subprocess.run(
        [sys.executable, "flow.py", "--quiet", "run", "--max-workers", "4"],
        cwd=root,
        env=env,
        check=True,
    )
    import flowscope

    flowscope.metadata(str(root))
    flowscope.namespace(None)
    run = flowscope.Flow("BenchCardsFlow").latest_run
    assert run is not None and run.successful
    found = {}
    for step_name in ("plain", "carded"):
        step = run[step_name]
        spans = [(t.started_at, t.finished_at) for t in step]
        durations = [(b - a).total_seconds() for a, b in spans if a and b]
        wall = (max(b for _, b in spans if b) - min(a for a, _ in spans if a)).total_seconds()
        found[step_name] = (statistics.median(durations), wall)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--tasks", type=int, default=1000, help="tasks per foreach step")
    parser.add_argument("--render-only", action="store_true", help="skip the real tasks")
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
    if args.render_only:
        return
    plain, carded = in_process_task(args.repeats * 30)
    print(f"task, 20 artifacts, in process, no card: {plain * 1000:8.2f} ms")
    print(f"task, 20 artifacts, in process, @card:   {carded * 1000:8.2f} ms"
          f"  (+{(carded - plain) * 1000:.2f} ms)")  # fmt: skip
    steps = real_run(args.tasks)
    (p_task, p_wall), (c_task, c_wall) = steps["plain"], steps["carded"]
    print(f"real run, {args.tasks}-task foreach, no card: median task {p_task * 1000:7.1f} ms, "
          f"step {p_wall:6.2f} s")  # fmt: skip
    print(f"real run, {args.tasks}-task foreach, @card:   median task {c_task * 1000:7.1f} ms, "
          f"step {c_wall:6.2f} s  (+{(c_task - p_task) * 1000:.1f} ms a task, "
          f"+{c_wall - p_wall:.2f} s the step)")  # fmt: skip


if __name__ == "__main__":
    main()
