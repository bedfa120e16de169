"""Finding runs: a two-field filter plus to_pandas(), in SQL, against the family's way.

Usage: python benchmarks/bench_query.py [--runs 100000] [--loop-runs 500] [--repeats 7]

Builds a local store of RUNS runs with 10 parameters and 10 scalar end-task artifacts each
(direct batch writes of the store's rows in one transaction; no flow is run), then prints
the median time of

    Flow("QueryFlow").runs(where="params.p0 > 0.8 and data.m0 >= 0.9").to_pandas()

on SQLite (the local provider) and through a real `flowscope service` over the same SQLite
file. For comparison, the same question answered the family's way, a Python loop over the
client loading each run's parameters and artifacts, on a smaller store with real artifact
blobs (LOOP_RUNS runs), scaled to RUNS. Targets: < 100 ms on SQLite, < 200 ms via the service.

The timing boundary: in a warm process (pandas imported, the provider opened and used once),
from the `Flow(...).runs(where=...)` call to the DataFrame it returns: the filter check, every
page of the table and the DataFrame. Wall and CPU time of this process are both printed
(through the service, the CPU is the client's). The first call of a fresh process (imports of
flowscope and pandas excluded, the database file's pages not yet in this process) is
measured separately, in a subprocess per repeat.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import flowscope
from flowscope.datastore import ContentStore, LocalStorage, save_artifact
from flowscope.metastore import query_index
from flowscope.metastore.db import Connection
from flowscope.metastore.local import open_local
from flowscope.metastore.scalars import stored
from pg import ServiceProcess

FLOW = "QueryFlow"
WHERE = "params.p0 > 0.8 and data.m0 >= 0.9"
PARAMS = 10
METRICS = 10
T0 = 1_700_000_000.0


def build(root: Path, runs: int, blobs: bool, seed: int = 7) -> float:
    """A store of `runs` finished runs (start and end tasks); real blobs when `blobs`."""
    started = time.perf_counter()
    store = open_local(root / ".flowscope", create=True)
    content = ContentStore(LocalStorage(root / ".flowscope" / "blobs")) if blobs else None
    rng = random.Random(seed)
    fake_sha = "0" * 64

    def sha_of(value: Any) -> tuple[str, int]:
        if content is None:
            return fake_sha, 20
        info = save_artifact(content, value)
        return info.sha, info.size

    runs_rows, tag_rows, param_rows, scalar_params, task_rows, attempt_rows = [], [], [], [], [], []
    artifact_rows, scalar_rows = [], []
    for run_id in range(1, runs + 1):
        created = T0 + run_id * 10
        params = {f"p{i}": rng.random() for i in range(PARAMS)}
        metrics = {f"m{i}": rng.random() for i in range(METRICS)}
        runs_rows.append((FLOW, run_id, created, created + 5, created + 5))
        tag_rows.append((FLOW, run_id, "user:ana", True))
        param_rows += [(FLOW, run_id, k, repr(v)) for k, v in params.items()]
        scalar_params += [(FLOW, run_id, k, *stored(v)) for k, v in params.items()]
        task_rows += [(FLOW, run_id, 1, "start", created), (FLOW, run_id, 2, "end", created + 1)]
        attempt_rows += [
            (FLOW, run_id, 1, created, created + 1),
            (FLOW, run_id, 2, created + 1, created + 5),
        ]
        values = {**params, **metrics}
        for name, v in values.items():
            sha, size = sha_of(v)
            artifact_rows.append((FLOW, run_id, name, sha, size, created + 5))
            scalar_rows.append((FLOW, run_id, name, *stored(v)))

    def work(conn: Connection) -> None:
        conn.execute("PRAGMA cache_size = -400000")  # 400 MB: the indexes are built at random
        conn.execute(
            "INSERT INTO flows (flow_name, created_at, last_run_id) VALUES (?, ?, ?)",
            (FLOW, T0, runs),
        )
        conn.executemany(
            "INSERT INTO runs (flow_name, run_id, user_name, status, created_at, finished_at, "
            "heartbeat_at, user_tags, system_tags) VALUES "
            "(?, ?, 'ana', 'succeeded', ?, ?, ?, '[]', '[\"user:ana\"]')",
            runs_rows,
        )
        conn.executemany(
            "INSERT INTO run_tags (flow_name, run_id, tag, is_system) VALUES (?, ?, ?, ?)",
            tag_rows,
        )
        conn.executemany(
            "INSERT INTO run_params (flow_name, run_id, name, value) VALUES (?, ?, ?, ?)",
            param_rows,
        )
        conn.executemany("INSERT INTO scalar_params VALUES (?, ?, ?, ?, ?, ?)", scalar_params)
        conn.executemany(
            "INSERT INTO tasks (flow_name, run_id, task_id, step_name, created_at, "
            "foreach_stack, last_attempt) VALUES (?, ?, ?, ?, ?, '[]', 0)",
            task_rows,
        )
        conn.executemany(
            "INSERT INTO attempts (flow_name, run_id, task_id, attempt, status, started_at, "
            "finished_at) VALUES (?, ?, ?, 0, 'succeeded', ?, ?)",
            attempt_rows,
        )
        conn.executemany(
            "INSERT INTO artifacts (flow_name, run_id, task_id, attempt, name, sha, size, "
            "type_name, serializer, created_at) VALUES (?, ?, 2, 0, ?, ?, ?, 'float', "
            "'pickle', ?)",
            artifact_rows,
        )
        conn.executemany(
            "INSERT INTO scalar_artifacts (flow_name, run_id, task_id, attempt, step_name, "
            "name, kind, num, txt) VALUES (?, ?, 2, 0, 'end', ?, ?, ?, ?)",
            scalar_rows,
        )
        # the catalog, as the store's query-index writes leave it
        query_index.record_parameters(conn, FLOW, 1, {f"p{i}": 0.5 for i in range(PARAMS)})
        query_index.record_artifact_rows(
            conn, FLOW, 1, [(2, 0, "end", row[2], stored(0.5)) for row in scalar_rows[:20]]
        )

    store.db.write(work)
    store.db.write(lambda c: query_index.repack(c, FLOW))  # the packed rows to_pandas reads
    store.db.read(lambda c: c.execute("ANALYZE"))  # statistics for the query planner
    store.close()
    return time.perf_counter() - started


def median_ms(action: Callable[[], object], repeats: int) -> tuple[float, float, object]:
    """Median wall time and median CPU time of this process (ms): on a shared, busy machine
    the wall time includes waiting for a core; the CPU time does not."""
    times, cpu, result = [], [], None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = action()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(times) * 1000, statistics.median(cpu) * 1000, result


def query() -> Any:
    return flowscope.Flow(FLOW).runs(where=WHERE).to_pandas()


_FIRST_CALL = """
import sys, time
import pandas, flowscope
flowscope.namespace(None)
flowscope.metadata(sys.argv[1])
start, cpu = time.perf_counter(), time.process_time()
table = flowscope.Flow(sys.argv[2]).runs(where=sys.argv[3]).to_pandas()
print((time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000, len(table))
"""


def first_call(metadata: str, repeats: int) -> tuple[float, float]:
    """Median wall and CPU ms of the first call in a fresh process (imports not timed)."""
    walls, cpus = [], []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", _FIRST_CALL, metadata, FLOW, WHERE],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        walls.append(float(out[0]))
        cpus.append(float(out[1]))
    return statistics.median(walls), statistics.median(cpus)


def ensure_packed(root: Path) -> None:
    """A store built before the packed rows existed gets them (as `flowscope reindex` would)."""
    store = open_local(root / ".flowscope", create=False)  # migrates it
    try:
        found = store.db.read(lambda c: c.execute("SELECT COUNT(*) FROM run_values"))[0][0]
        if not found:
            started = time.perf_counter()
            store.db.write(lambda c: query_index.repack(c, FLOW))
            print(f"packed the runs' values in {time.perf_counter() - started:.1f} s")
    finally:
        store.close()


def family_loop() -> list[dict[str, Any]]:
    """The family's answer: load every run, test in Python, build the rows."""
    rows = []
    for run in flowscope.Flow(FLOW):
        data = run.data
        if data.p0 > 0.8 and data.m0 >= 0.9:
            row = {"id": run.id, "finished_at": run.finished_at}
            row.update({f"p{i}": getattr(data, f"p{i}") for i in range(PARAMS)})
            row.update({f"m{i}": getattr(data, f"m{i}") for i in range(METRICS)})
            rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--loop-runs", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--dir", help="keep the big store here and reuse it when it exists (it takes minutes)"
    )
    args = parser.parse_args(argv)
    token = secrets.token_urlsafe(24)
    os.environ["FLOWSCOPE_SERVICE_TOKEN"] = token  # before the client reads its settings
    big = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="flowscope-bench-query-"))
    small = Path(tempfile.mkdtemp(prefix="flowscope-bench-query-loop-"))
    service: ServiceProcess | None = None
    try:
        if (big / ".flowscope" / "metadata.db").exists():
            print(f"reusing the store in {big}")
            ensure_packed(big)
        else:
            big.mkdir(parents=True, exist_ok=True)
            seconds = build(big, args.runs, blobs=False)
            print(
                f"built {args.runs} runs x ({PARAMS} params + {METRICS} scalars) in {seconds:.1f} s"
            )
        flowscope.namespace(None)

        flowscope.metadata(str(big))
        query()  # warm: the provider opened and used once
        ms, cpu, table = median_ms(query, args.repeats)
        print(
            f"sqlite   where + to_pandas: {ms:7.1f} ms median (CPU {cpu:.1f} ms; {len(table)} "
            f"rows)  [target 100]"
        )
        ms, cpu = first_call(str(big), max(1, args.repeats // 3))
        print(f"sqlite   first call of a fresh process: {ms:7.1f} ms median (CPU {cpu:.1f} ms)")

        db = str(big / ".flowscope" / "metadata.db")
        service = ServiceProcess(db, str(big / ".flowscope" / "blobs"), token=token, workers=1)
        service.start()
        flowscope.metadata(service.url)
        query()
        ms, cpu, table = median_ms(query, args.repeats)
        print(
            f"service  where + to_pandas: {ms:7.1f} ms median (client CPU {cpu:.1f} ms; "
            f"{len(table)} rows)  [target 200]"
        )
        ms, cpu = first_call(service.url, max(1, args.repeats // 3))
        print(f"service  first call of a fresh process: {ms:7.1f} ms median (CPU {cpu:.1f} ms)")
        service.cleanup()
        service = None

        build(small, args.loop_runs, blobs=True)
        flowscope.metadata(str(small))
        ms, _, rows = median_ms(family_loop, max(1, args.repeats // 3))
        scaled = ms * args.runs / args.loop_runs
        print(
            f"family loop over the client: {ms:7.1f} ms for {args.loop_runs} runs "
            f"({len(rows)} matched); scaled to {args.runs} runs: {scaled / 1000:.1f} s"
        )
        print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    finally:
        if service is not None:
            service.cleanup()
        flowscope.default_metadata()
        if not args.dir:
            shutil.rmtree(big, ignore_errors=True)
        shutil.rmtree(small, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
