"""The time `Run.diff` takes for two runs with 1,000 tasks each, and the family's way.

Usage: python benchmarks/bench_diff.py [--tasks N] [--repeats N] [--service]

Two runs of one flow are recorded in a temporary local store by direct provider batch calls
(what the runtime writes, without running tasks): start, a 1,000-way foreach `train` whose
tasks store `input`, `score` (a float), `weights` (a 200-float list) and the parameter
`alpha`, a join and an end. The second run has another `alpha`, a different score in 10
tasks, one changed file in its code package and a newer numpy in its environment.

Timed, each over N repeats (median, min-max), in one process:
  diff         Run(a).diff(Run(b)) with new Run objects (nothing cached), and its str()
  family loop  what a notebook does without a diff: for each step and task of both runs,
               load every artifact through the client (`task.data`) and compare the values
Target: diff under 200 ms. With --service, the same store is then served by a real
`flowscope service` process (SQLite, on a free local port) and both are timed again through it.
"""

from __future__ import annotations

import argparse
import io
import json
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flowscope.client import Run, metadata, namespace
from flowscope.config import Settings
from flowscope.datastore import save_artifact
from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
from flowscope.metastore.records import ArtifactRecord
from flowscope.stores import open_stores

FLOW = "BenchDiffFlow"
TARGET_MS = 200.0
SCRIPT = "from flowscope import FlowSpec, step\n\n\nclass BenchDiffFlow(FlowSpec):\n    pass\n"


def _code(version: int) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        files = {
            "flow.py": SCRIPT + f"\nVERSION = {version}\n",
            "helpers.py": "def helper():\n    return 1\n",
            ".flowscope_code.json": json.dumps({"script_name": "flow.py", "flow_name": FLOW}),
        }
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def record_run(stores: Any, n: int, variant: int) -> str:
    """One run with an n-way foreach, written in batches; `variant` 1 differs a little."""
    provider, store = stores.provider, stores.datastore
    now = time.time()
    alpha = 0.1 if variant == 0 else 0.2
    env = {
        "python_version": "3.11.7",
        "python_implementation": "CPython",
        "platform": "Linux-x86_64",
        "packages": {"numpy": "1.26.0" if variant == 0 else "2.0.0", "pandas": "2.2.0"},
        "runtime": "local",
        "flowscope_version": "0.1.0",
    }
    env_key = store.put(json.dumps(env).encode())
    run = provider.create_run(
        NewRun(
            FLOW,
            "bench",
            system_tags=("user:bench",),
            parameters={"alpha": alpha},
            code_key=store.put(_code(variant)),
            created_at=now,
        )
    )
    saved: dict[Any, ArtifactRecord] = {}

    def art(name: str, value: Any) -> ArtifactRecord:
        key = (name, repr(value))
        if key not in saved:
            info = save_artifact(store, value)
            saved[key] = ArtifactRecord(
                name, info.sha, info.size, info.type_name, info.serializer, now
            )
        return saved[key]

    weights = [0.5] * 200
    tasks: list[tuple[NewTask, tuple[ArtifactRecord, ...]]] = []
    tasks.append((NewTask("_parameters", 1, created_at=now), (art("alpha", alpha),)))
    tasks.append(
        (NewTask("start", 2, created_at=now), (art("alpha", alpha), art("items", list(range(n)))))
    )
    for i in range(n):
        score = i / n + (0.5 if variant == 1 and i % (n // 10 or 1) == 0 else 0.0)
        values = (
            art("alpha", alpha),
            art("input", i),
            art("score", score),
            art("weights", weights),
        )
        tasks.append(
            (
                NewTask(
                    "train",
                    3 + i,
                    foreach_index=i,
                    foreach_stack=(["start", i, n, False],),
                    created_at=now,
                ),
                values,
            )
        )
    tasks.append((NewTask("join", 3 + n, created_at=now), (art("alpha", alpha), art("best", 0.99))))
    tasks.append((NewTask("end", 4 + n, created_at=now), (art("alpha", alpha), art("best", 0.99))))
    provider.create_tasks(FLOW, run.run_id, [t for t, _ in tasks])
    provider.start_attempts(FLOW, run.run_id, [AttemptStart(t.task_id, 0, now) for t, _ in tasks])
    provider.finish_attempts(
        FLOW,
        run.run_id,
        [
            AttemptResult(t.task_id, 0, "succeeded", now + 1 + variant, arts, env_key=env_key)
            for t, arts in tasks
        ],
    )
    provider.finish_run(FLOW, run.run_id, "succeeded")
    return f"{FLOW}/{run.run_id}"


def family_loop(a: str, b: str) -> int:
    """Load every artifact of every task of both runs through the client; count differences."""
    values: list[dict[tuple[str, Any, str], Any]] = []
    for pathspec in (a, b):
        found: dict[tuple[str, Any, str], Any] = {}
        for step in Run(pathspec):
            for task in step:
                for name in task.data:
                    found[(step.id, task.index, name)] = getattr(task.data, name)
        values.append(found)
    return sum(
        1 for k in values[0].keys() | values[1].keys() if values[0].get(k) != values[1].get(k)
    )


def timed(fn: Callable[[], Any], repeats: int) -> tuple[list[float], list[float]]:
    """Wall and CPU ms of this process per repeat (on a busy machine the wall time also
    counts waiting for a core; the CPU time does not, nor a service's own work)."""
    samples, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return samples, cpu


def report(
    name: str, timings: tuple[list[float], list[float]], target: float | None = None
) -> None:
    samples, cpu = timings
    median = statistics.median(samples)
    verdict = "" if target is None else ("  OK" if median < target else f"  OVER {target:.0f} ms")
    print(
        f"{name:<14} median {median:9.1f} ms  (min {min(samples):.1f}, max {max(samples):.1f}; "
        f"CPU {statistics.median(cpu):.1f} ms){verdict}"
    )


@contextmanager
def service(root: str) -> Iterator[str]:
    """A `flowscope service` serving the local store in `root`; yields its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = Path(root) / ".flowscope"
    command = [
        sys.executable,
        "-m",
        "flowscope.cli.main",
        "service",
        "--database",
        str(store / "metadata.db"),
        "--blob-root",
        str(store / "blobs"),
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def measure(a: str, b: str, repeats: int, label: str) -> None:
    report(f"diff{label}", timed(lambda: str(Run(a).diff(Run(b))), repeats), TARGET_MS)
    report(f"family{label}", timed(lambda: family_loop(a, b), max(1, min(repeats, 3))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--service", action="store_true", help="also time through a service")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-diff-") as root:
        stores = open_stores(root, None, settings=Settings.from_env({}), create=True)
        a, b = record_run(stores, args.tasks, 0), record_run(stores, args.tasks, 1)
        stores.provider.close()
        metadata(str(Path(root)))
        namespace(None)
        diff = Run(a).diff(Run(b))
        changed = sum(1 for s in diff.steps for t in s.tasks if t.state != "same")
        print(f"{args.tasks} tasks per run; the diff finds {changed} changed tasks")
        measure(a, b, args.repeats, " (local)")
        if args.service:
            with service(root) as url:
                metadata(url)
                namespace(None)
                measure(a, b, args.repeats, " (service)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
