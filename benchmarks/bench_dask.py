"""The Dask executor's cost per task, side by side with the engine's own floor and with the
local fork executor, in one run.

Starts a real 2-worker cluster (`dask scheduler` + 2 x `dask worker --nthreads 1`, each in
a directory of its own, tests/dask_clusters.py), then:

- floor: raw `client.map` of a no-op (a function of flowscope, as the scheduler must
  import it) over N items, gathered;
- dask: `python foreach.py run --n N --executor dask --dask-address ...` (benchmarks/flows);
- dask, isolation host: the same with `--dask-isolation host` (no fork per attempt);
- local: the same flow on the fork executor.

Each flowscope case runs twice, with N and with 10 tasks, so that the fixed cost of a run
(interpreter start, imports, connecting, the other steps) cancels out of the cost per task:
(wall(N) - wall(10)) / (N - 10). As the floor warms both workers before it is timed, each
case first runs once with 10 tasks, discarded: a worker starts its task hosts at its first
flowscope task, once, and that start is no part of a task's cost. The floor's cost per task
is wall / N. The CPU columns add up user + system time of every process involved (the run's,
the client's for the floor, the scheduler's, the workers', their task hosts' and the forks'),
per task the same way: on a machine shared with other work, it is the steadier figure.

    python benchmarks/bench_dask.py [--n 1000] [--max-workers 16] [--nthreads 1]
        [--cases dask,host,local] [--rounds 1]

With `--rounds R` the floor and the cases run R times in turn, and the medians follow (the
"x floor" column of the medians is the median per-task cost over the median floor; the
ratios of each round, each against its own floor, are listed beside it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from dask_clusters import CliCluster  # noqa: E402


def cluster_cpu(cluster: CliCluster) -> float:
    """CPU seconds used so far by the scheduler, the workers and everything below them."""
    import psutil

    total = 0.0
    for proc in [cluster.scheduler, *cluster.workers]:
        if proc is None:
            continue
        try:
            top = psutil.Process(proc.pid)
            for p in [top, *top.children(recursive=True)]:
                t = p.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
        except psutil.NoSuchProcess:
            pass
    return total


def own_cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def floor(cluster: CliCluster, n: int) -> tuple[float, float]:
    from distributed import Client

    from flowscope.runtime.dask_worker import noop

    with Client(cluster.address, timeout=30, set_as_default=False) as client:
        client.gather(client.map(noop, range(20), pure=False))  # warm both workers
        cpu = own_cpu() + cluster_cpu(cluster)
        began = time.perf_counter()
        results = client.gather(client.map(noop, range(n), pure=False))
        wall = time.perf_counter() - began
        cpu = own_cpu() + cluster_cpu(cluster) - cpu
    assert results == list(range(n))
    return wall, cpu


def run_flow(
    root: Path, n: int, extra: list[str], env: dict[str, str], cluster: CliCluster
) -> tuple[float, float]:
    work = Path(tempfile.mkdtemp(dir=root))
    shutil.copy(HERE / "flows" / "foreach.py", work / "foreach.py")
    cpu = own_cpu() + cluster_cpu(cluster)
    began = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "foreach.py", "--quiet", "run", "--n", str(n), *extra],
        cwd=work, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    wall = time.perf_counter() - began
    cpu = own_cpu() + cluster_cpu(cluster) - cpu
    if proc.returncode != 0:
        raise SystemExit(f"the run failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return wall, cpu


def cases(cluster: CliCluster, args: argparse.Namespace) -> list[tuple[str, list[str]]]:
    """(name, run options) of each case asked for, in order."""
    on_dask = ["--executor", "dask", "--dask-address", cluster.address]
    cap = ["--max-workers", str(args.max_workers)]
    known = {
        "dask": ("flowscope on dask", on_dask + cap),
        "host": ("flowscope on dask, isolation host", [*on_dask, "--dask-isolation", "host", *cap]),
        "local": ("flowscope local forks", cap),
    }
    return [known[c] for c in args.cases.split(",") if c]


def warm_up(cluster: CliCluster, root: Path, env: dict[str, str], args: argparse.Namespace) -> None:
    """Run each case once, small, and discard it: the floor warms the workers first, and so
    must a case, or its first run alone pays for starting each worker's task host (a fresh
    interpreter, flowscope imported, warmed), which is once per worker, not per task."""
    for _, extra in cases(cluster, args):
        run_flow(root, 10, extra, env, cluster)


def one_round(
    cluster: CliCluster, root: Path, env: dict[str, str], args: argparse.Namespace
) -> list[tuple[str, float, float, float]]:
    """(case, wall s, s per task, cpu s per task) for the floor and each case, in turn."""
    n, small = args.n, 10
    raw, raw_cpu = floor(cluster, n)
    rows = [("raw client.map no-op (floor)", raw, raw / n, raw_cpu / n)]
    for name, extra in cases(cluster, args):
        big, big_cpu = run_flow(root, n, extra, env, cluster)
        little, little_cpu = run_flow(root, small, extra, env, cluster)
        per_task, cpu = (big - little) / (n - small), (big_cpu - little_cpu) / (n - small)
        rows.append((name, big, per_task, cpu))
    return rows


def show(title: str, rows: list[tuple[str, float, float, float]], spread: str = "") -> None:
    print(title)
    print(
        f"{'case':34} {'wall s':>8} {'ms/task':>8} {'x floor':>8} {'cpu ms/task':>12} "
        f"{'x floor':>8}{'  x floor, each round' if spread else ''}"
    )
    for name, wall, per_task, cpu in rows:
        print(
            f"{name:34} {wall:8.2f} {per_task * 1000:8.2f} {per_task / rows[0][2]:8.1f} "
            f"{cpu * 1000:12.2f} {cpu / rows[0][3]:8.1f}"
            + (f"  {spread_of(name)}" if spread else "")
        )


_RATIOS: dict[str, list[float]] = {}


def spread_of(name: str) -> str:
    return " ".join(f"{r:.1f}" for r in _RATIOS.get(name, []))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--max-workers", type=int, default=16)
    parser.add_argument("--nthreads", type=int, default=1, help="threads per dask worker")
    parser.add_argument(
        "--cases", default="dask,host,local", help="which to run beside the floor (comma-separated)"
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="rounds of the floor and every case, in turn"
    )
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-dask-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWSCOPE_")}
    env.update(FLOWSCOPE_USER="bench", PYTHONPATH=str(HERE.parent / "src"))
    cluster = CliCluster(root / "cluster")
    try:
        threads = ["--nthreads", str(args.nthreads)]  # the last --nthreads given wins
        cluster.start(threads, threads)
        warm_up(cluster, root, env, args)
        rounds = []
        for i in range(args.rounds):
            rows = one_round(cluster, root, env, args)
            rounds.append(rows)
            for name, _, per_task, _ in rows:  # each case against its own round's floor
                _RATIOS.setdefault(name, []).append(per_task / rows[0][2])
            load = os.getloadavg()[0]
            show(
                f"round {i + 1}: {args.n}-task foreach, 2 dask workers x {args.nthreads} "
                f"thread(s), --max-workers {args.max_workers}; load average {load:.1f}",
                rows,
            )
        if args.rounds > 1:
            medians = [
                (name, *(statistics.median(r[k][j] for r in rounds) for j in (1, 2, 3)))
                for k, (name, *_) in enumerate(rounds[0])
            ]
            show(f"medians of {args.rounds} rounds", medians, spread="yes")
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
