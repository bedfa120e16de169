"""Server time of the web UI's pages: the run page of a 1,000-task foreach (target < 300 ms)
and the first page of a 100,000-run list (target < 100 ms).

Usage: python benchmarks/bench_ui.py [--runs 100000] [--tasks 1000] [--repeats 15]

The stores are built with the metadata provider's batch calls (no flow is run): one run of
start -> body (a foreach of --tasks tasks, each with 3 artifact records) -> join -> end, with
a code package holding the flow file, and --runs finished runs of another flow with 3
parameters and a tag each. A request goes through the whole app in-process (httpx's ASGI
transport: routing, the Host/Origin guard, the reads, Jinja2, the SVG renderers); the median
of --repeats requests after one warm-up is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import statistics
import tarfile
import tempfile
import time
from typing import Any

from flowscope.config import Settings
from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
from flowscope.metastore.records import ArtifactRecord
from flowscope.stores import Stores, open_stores
from flowscope.ui import create_app

FLOW_SOURCE = """from flowscope import FlowSpec, step


class WideFlow(FlowSpec):
    @step
    def start(self):
        self.items = list(range(1000))
        self.next(self.body, foreach="items")

    @step
    def body(self):
        self.value = self.input
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def _code_package(stores: Stores) -> str:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in (
            ("wide.py", FLOW_SOURCE.encode()),
            (".flowscope_code.json", json.dumps({"script_name": "wide.py"}).encode()),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return stores.datastore.put(out.getvalue())


def build_wide_run(stores: Stores, width: int) -> int:
    provider, now = stores.provider, time.time()
    run = provider.create_run(
        NewRun(flow_name="WideFlow", user="bench", parameters={"width": width},
               code_key=_code_package(stores), command_line="python wide.py run")
    )  # fmt: skip
    steps = [("start", 1)] + [("body", width)] + [("join", 1), ("end", 1)]
    tasks, task_id, t = [], 1, now - 100
    for step, count in steps:
        for i in range(count):
            tasks.append(NewTask(step, task_id, foreach_index=i if step == "body" else None,
                                 created_at=t))  # fmt: skip
            task_id += 1
    provider.create_tasks("WideFlow", run.run_id, tasks)
    provider.start_attempts(
        "WideFlow", run.run_id,
        [AttemptStart(task.task_id, 0, started_at=t + task.task_id * 0.05) for task in tasks],
    )  # fmt: skip
    blob = stores.datastore.put(b"x" * 64)
    artifacts = tuple(ArtifactRecord(f"a{i}", blob, 64, "builtins.int", "pickle") for i in range(3))
    provider.finish_attempts(
        "WideFlow", run.run_id,
        [AttemptResult(task.task_id, 0, "succeeded", finished_at=t + task.task_id * 0.05 + 0.4,
                       artifacts=artifacts) for task in tasks],
    )  # fmt: skip
    provider.finish_run("WideFlow", run.run_id, "succeeded")
    return run.run_id


def build_many_runs(stores: Stores, count: int) -> None:
    provider = stores.provider
    for i in range(count):
        run = provider.create_run(
            NewRun(flow_name="ManyFlow", user=f"user{i % 7}", user_tags=(f"exp-{i % 11}",),
                   parameters={"alpha": i * 0.001, "epochs": i % 50, "model": f"m{i % 5}"})
        )  # fmt: skip
        provider.finish_run("ManyFlow", run.run_id, "succeeded" if i % 9 else "failed")


def timed(app: Any, url: str, repeats: int) -> float:
    import httpx

    async def measure() -> list[float]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8765") as c:
            times = []
            for _ in range(repeats + 1):
                start = time.perf_counter()
                answer = await c.get(url)
                times.append(time.perf_counter() - start)
                assert answer.status_code == 200, (url, answer.status_code, answer.text[:300])
            return times[1:]

    return statistics.median(asyncio.run(measure()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as root:
        stores = open_stores(root, None, settings=Settings.from_env(), create=True)
        start = time.perf_counter()
        run_id = build_wide_run(stores, args.tasks)
        build_many_runs(stores, args.runs)
        built = time.perf_counter() - start
        app = create_app(stores)
        run_page = timed(app, f"/ui/WideFlow/{run_id}", args.repeats)
        live = timed(app, f"/ui/-/api/run/WideFlow/{run_id}", args.repeats)
        step_page = timed(app, f"/ui/WideFlow/{run_id}/body", args.repeats)
        first = timed(app, "/ui/ManyFlow", args.repeats)
        tagged = timed(app, "/ui/ManyFlow?tag=exp-3&status=succeeded", args.repeats)
        by_status = timed(app, "/ui/ManyFlow?sort=status&order=asc", args.repeats)
        by_param = timed(app, "/ui/ManyFlow?sort=param:alpha&order=asc&tag=exp-3", args.repeats)
        stores.close()
    rows = [
        (f"run page, {args.tasks:,}-task foreach", run_page, " (target < 300)"),
        ("run page live JSON, same run", live, ""),
        (f"step page, {args.tasks:,} tasks", step_page, ""),
        (f"runs list, first page of {args.runs:,}", first, " (target < 100)"),
        ("runs list, tag + status filter", tagged, ""),
        ("runs list sorted by status", by_status, " (over 2,000 runs: the page)"),
        ("runs list with a tag, sorted by a parameter", by_param, ""),
    ]
    print(f"stores built in {built:.1f} s ({args.tasks:,}-task foreach, {args.runs:,} runs)")
    for label, seconds, target in rows:
        print(f"{label:<42} {seconds * 1000:8.1f} ms{target}")
    print(f"(medians of {args.repeats} in-process requests after one warm-up)")


if __name__ == "__main__":
    main()
