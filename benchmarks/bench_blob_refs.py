"""What a garbage collector's question costs: `unreferenced(keys)` over the blob references
table (metastore/blob_refs.py), on SQLite and on PostgreSQL (tests/pg.py starts one).

A store is filled with `--runs` runs of `--tasks` finished attempts, each referencing
`--keys-per-attempt` blob keys (half of them shared with the previous attempt, as
pass-through artifacts are), written through `finish_attempts` as the runtime writes them.
Then `unreferenced` is asked about `--ask` keys, half referenced and half not, as a
collector asks about a datastore's listing. Prints the table size and the medians.

    python benchmarks/bench_blob_refs.py                       # 100,000 keys asked
    python benchmarks/bench_blob_refs.py --no-postgres --ask 10000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"


def key(n: int) -> str:
    return f"{n:064x}"


def fill(store: object, runs: int, tasks: int, per_attempt: int) -> int:
    """Record the runs; the number of distinct keys referenced (0 .. n-1)."""
    from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask

    next_key = 0
    for _ in range(runs):
        run = store.create_run(NewRun("GcFlow", "bench")).run_id  # type: ignore[attr-defined]
        store.create_tasks("GcFlow", run, [NewTask("body", t) for t in range(1, tasks + 1)])  # type: ignore[attr-defined]
        store.start_attempts("GcFlow", run, [AttemptStart(t, 0) for t in range(1, tasks + 1)])  # type: ignore[attr-defined]
        results = []
        for t in range(1, tasks + 1):
            shared = max(next_key - per_attempt // 2, 0)
            keys = tuple(key(n) for n in range(shared, next_key + per_attempt - per_attempt // 2))
            next_key += per_attempt - per_attempt // 2
            results.append(AttemptResult(t, 0, "succeeded", blob_keys=keys))
        store.finish_attempts("GcFlow", run, results)  # type: ignore[attr-defined]
    return next_key


def measure(store: object, distinct: int, ask: int, repeats: int) -> dict[str, float]:
    referenced = [key(n) for n in range(0, distinct, max(distinct // (ask // 2), 1))][: ask // 2]
    unknown = [key(10**12 + n) for n in range(ask - len(referenced))]
    asked = [k for pair in zip(referenced, unknown, strict=False) for k in pair]
    asked += referenced[len(unknown) :] + unknown[len(referenced) :]
    times, found = [], set()
    for _ in range(repeats):
        began = time.perf_counter()
        found = store.unreferenced(asked)  # type: ignore[attr-defined]
        times.append(time.perf_counter() - began)
    assert found == set(unknown), "the answer is every key asked that nothing references"
    rows = store.db.read(lambda c: c.execute("SELECT COUNT(*) FROM blob_refs"))  # type: ignore[attr-defined]
    return {"seconds": statistics.median(times), "rows": int(rows[0][0]), "asked": len(asked)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--keys-per-attempt", type=int, default=10)
    parser.add_argument("--ask", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    from flowscope.metastore.db import open_database
    from flowscope.metastore.migrations import migrate
    from flowscope.metastore.store import SqlMetadataStore

    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="flowscope-gc-") as work:
        db = open_database(str(Path(work) / "metadata.db"))
        migrate(db)
        store = SqlMetadataStore(db)
        distinct = fill(store, args.runs, args.tasks, args.keys_per_attempt)
        results["sqlite"] = measure(store, distinct, args.ask, args.repeats)
        store.close()
        if not args.no_postgres:
            sys.path.insert(0, str(TESTS))
            from pg import PgServer

            server = PgServer()
            server.start()
            try:
                url = server.create_database("gc_bench")
                db = open_database(url)
                migrate(db)
                store = SqlMetadataStore(db)
                fill(store, args.runs, args.tasks, args.keys_per_attempt)
                results["postgres"] = measure(store, distinct, args.ask, args.repeats)
                store.close()
            finally:
                server.stop()
    print(
        f"unreferenced() over blob_refs: {args.runs} runs x {args.tasks} attempts x "
        f"{args.keys_per_attempt} keys; medians of {args.repeats}; load {os.getloadavg()[0]:.1f}"
    )
    print(f"{'database':<9} {'rows':>10} {'keys asked':>11} {'time':>9} {'per 1k keys':>12}")
    for name, r in results.items():
        per = r["seconds"] / r["asked"] * 1000
        print(
            f"{name:<9} {r['rows']:>10,.0f} {r['asked']:>11,.0f} {r['seconds'] * 1000:>7.0f}ms"
            f" {per * 1000:>10.2f}ms"
        )


if __name__ == "__main__":
    main()
