"""Throughput and latency of the metadata service under concurrent readers.

Starts a throwaway PostgreSQL and a real `flowscope service` (uvicorn, --workers N) on
loopback, loads N runs with tasks, attempts and artifact indexes straight through the SQL
store, then runs C client processes (each its own HttpMetadataProvider, so its own
keep-alive connection) that list runs and read task metadata until a time or request bound.
Prints requests/s and latency percentiles, overall and per call.

    python benchmarks/bench_service.py                # 1,000 runs x 20 tasks, 16 clients, 10 s
    python benchmarks/bench_service.py --quick        # CI smoke: small and short
    python benchmarks/bench_service.py --workers 1 --clients 8 --duration 5

Needs the PostgreSQL server binaries (apt-get install -y postgresql-15). Numbers depend on the
machine: the clients, the service and PostgreSQL share its cores.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from flowscope.metastore.db import open_database
from flowscope.metastore.http import HttpMetadataProvider
from flowscope.metastore.migrations import migrate
from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
from flowscope.metastore.queries import RunQuery
from flowscope.metastore.records import ArtifactRecord
from flowscope.metastore.store import SqlMetadataStore
from pg import PgServer, ServiceProcess

FLOW = "BenchFlow"
STEPS = ("start", "body", "join", "end")


def load(url: str, runs: int, tasks: int) -> float:
    """Record `runs` finished runs of `tasks` tasks each; return the seconds it took."""
    started = time.perf_counter()
    db = open_database(url)
    migrate(db)
    store = SqlMetadataStore(db)
    arts = tuple(ArtifactRecord(f"a{i}", f"{i:064x}", 100 + i, "int", "pickle") for i in range(5))
    for r in range(runs):
        tag = f"team:{r % 4}"
        run_id = store.create_run(
            NewRun(
                FLOW,
                f"user{r % 8}",
                user_tags=(tag,),
                system_tags=(f"user:user{r % 8}",),
                parameters={"alpha": r % 10},
            )
        ).run_id
        new = [
            NewTask(
                STEPS[min(t, 1) if t < tasks - 2 else 2 + (t == tasks - 1)], t + 1, foreach_index=t
            )
            for t in range(tasks)
        ]
        store.create_tasks(FLOW, run_id, new)
        store.start_attempts(FLOW, run_id, [AttemptStart(t + 1, 0) for t in range(tasks)])
        store.finish_attempts(
            FLOW,
            run_id,
            [AttemptResult(t + 1, 0, "succeeded", artifacts=arts) for t in range(tasks)],
        )
        store.finish_run(FLOW, run_id, "succeeded" if r % 7 else "failed")
    store.close()
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:  # what autovacuum does in steady state
        conn.execute("ANALYZE")
    return time.perf_counter() - started


def operations(p: HttpMetadataProvider, runs: int, tasks: int) -> dict[str, Callable[[], Any]]:
    rnd = random.Random(os.getpid())

    def run_id() -> int:
        return rnd.randint(1, runs)

    return {
        "list_runs": lambda: p.list_runs(FLOW, RunQuery(limit=50)),
        "list_runs_filtered": lambda: p.list_runs(
            FLOW, RunQuery(tags_all=(f"team:{rnd.randint(0, 3)}",), status="succeeded", limit=20)
        ),
        "get_run": lambda: p.get_run(FLOW, run_id()),
        "list_tasks": lambda: p.list_tasks(FLOW, run_id(), "body"),
        "get_task": lambda: p.get_task(FLOW, run_id(), rnd.randint(1, tasks)),
        "list_artifacts": lambda: p.list_artifacts(FLOW, run_id(), rnd.randint(1, tasks), 0),
        "list_step_artifacts": lambda: p.list_step_artifacts(FLOW, run_id(), "body"),
    }


def client(
    url: str,
    token: str,
    runs: int,
    tasks: int,
    stop_at: float,
    max_requests: int,
    queue: multiprocessing.Queue[Any],
) -> None:
    provider = HttpMetadataProvider(url, token=token, timeout=10)
    ops = operations(provider, runs, tasks)
    names = list(ops)
    latencies: dict[str, list[float]] = {name: [] for name in names}
    errors = 0
    done = 0
    rnd = random.Random(os.getpid() + 1)
    while done < max_requests and time.time() < stop_at:
        name = rnd.choice(names)
        start = time.perf_counter()
        try:
            ops[name]()
        except Exception:  # noqa: BLE001 - counted
            errors += 1
        latencies[name].append(time.perf_counter() - start)
        done += 1
    provider.close()
    queue.put((latencies, errors))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(results: list[tuple[dict[str, list[float]], int]], elapsed: float) -> dict[str, Any]:
    merged: dict[str, list[float]] = {}
    errors = 0
    for latencies, errs in results:
        errors += errs
        for name, values in latencies.items():
            merged.setdefault(name, []).extend(values)
    every = [v for values in merged.values() for v in values]
    summary = {
        "requests": len(every),
        "errors": errors,
        "seconds": round(elapsed, 2),
        "req_per_s": round(len(every) / elapsed, 1),
        "p50_ms": round(percentile(every, 0.50) * 1000, 2),
        "p99_ms": round(percentile(every, 0.99) * 1000, 2),
    }
    print(f"\n{'call':<22}{'count':>8}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name, values in sorted(merged.items()):
        print(
            f"{name:<22}{len(values):>8}{percentile(values, 0.5) * 1e3:>9.2f}"
            f"{percentile(values, 0.9) * 1e3:>9.2f}{percentile(values, 0.99) * 1e3:>9.2f}"
            f"{max(values, default=0) * 1e3:>9.2f}"
        )
    print(
        f"{'all':<22}{len(every):>8}{percentile(every, 0.5) * 1e3:>9.2f}"
        f"{percentile(every, 0.9) * 1e3:>9.2f}{percentile(every, 0.99) * 1e3:>9.2f}"
        f"{max(every, default=0) * 1e3:>9.2f}"
    )
    print(
        f"\n{summary['requests']} requests in {elapsed:.1f} s: {summary['req_per_s']} req/s, "
        f"p50 {summary['p50_ms']} ms, p99 {summary['p99_ms']} ms, {errors} errors"
    )
    if errors:
        print("WARNING: some requests failed")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--tasks", type=int, default=20, help="tasks per run")
    parser.add_argument("--clients", type=int, default=16, help="client processes")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load")
    parser.add_argument("--max-requests", type=int, default=200_000, help="per client")
    parser.add_argument("--workers", type=int, default=2, help="service worker processes")
    parser.add_argument("--pool-size", type=int, default=8, help="PG connections per worker")
    parser.add_argument("--quick", action="store_true", help="CI smoke: 50 runs, 4 clients, 2 s")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.tasks, args.clients, args.duration = 50, 10, 4, 2.0

    server = PgServer()
    blob_root = tempfile.mkdtemp(prefix="flowscope-bench-blobs-")
    service: ServiceProcess | None = None
    try:
        server.start()
        url = server.create_database("bench")
        seconds = load(url, args.runs, args.tasks)
        print(f"loaded {args.runs} runs x {args.tasks} tasks (5 artifacts each) in {seconds:.1f} s")
        service = ServiceProcess(
            url,
            blob_root,
            workers=args.workers,
            extra_args=("--pool-size", str(args.pool_size), "--log-level", "warning"),
        )
        service.start()
        print(
            f"service: {args.workers} worker(s) on {service.url}; {args.clients} clients, "
            f"{args.duration:g} s or {args.max_requests} requests each"
        )
        ctx = multiprocessing.get_context("fork")
        queue: multiprocessing.Queue[Any] = ctx.Queue()
        stop_at = time.time() + args.duration
        procs = [
            ctx.Process(
                target=client,
                args=(
                    service.url,
                    service.token,
                    args.runs,
                    args.tasks,
                    stop_at,
                    args.max_requests,
                    queue,
                ),
            )
            for _ in range(args.clients)
        ]
        print("load average before: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
        started = time.perf_counter()
        for proc in procs:
            proc.start()
        results = [queue.get(timeout=args.duration + 120) for _ in procs]
        elapsed = time.perf_counter() - started
        for proc in procs:
            proc.join()
        summary = report(results, elapsed)
        return 1 if summary["errors"] else 0
    finally:
        if service is not None:
            service.cleanup()
        server.cleanup()
        shutil.rmtree(blob_root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
