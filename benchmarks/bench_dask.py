"""The Dask executor's cost per task, side by side with the engine's own floor and with the
local fork executor, in one run.

Starts a real 2-worker cluster (`dask scheduler` + 2 x `dask worker --nthreads 1`, each in
a directory of its own, tests/dask_clusters.py), then:

- floor: raw `client.map` of a no-op (a function of flowscope, as the scheduler must
  import it) over N items, gathered;
- dask: `python foreach.py run --n N --executor dask --dask-address ...` (benchmarks/flows);
- local: the same flow on the fork executor.

Each flowscope case runs twice, with N and with 10 tasks, so that the fixed cost of a run
(interpreter start, imports, connecting, the other steps) cancels out of the cost per task:
(wall(N) - wall(10)) / (N - 10). The floor's cost per task is wall / N.

    python benchmarks/bench_dask.py [--n 1000] [--max-workers 16] [--nthreads 1]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from dask_clusters import CliCluster  # noqa: E402


def floor(address: str, n: int) -> float:
    from distributed import Client

    from flowscope.runtime.dask_worker import noop

    with Client(address, timeout=30, set_as_default=False) as client:
        client.gather(client.map(noop, range(20), pure=False))  # warm both workers
        began = time.perf_counter()
        results = client.gather(client.map(noop, range(n), pure=False))
        wall = time.perf_counter() - began
    assert results == list(range(n))
    return wall


def run_flow(root: Path, n: int, extra: list[str], env: dict[str, str]) -> float:
    work = Path(tempfile.mkdtemp(dir=root))
    shutil.copy(HERE / "flows" / "foreach.py", work / "foreach.py")
    began = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "foreach.py", "--quiet", "run", "--n", str(n), *extra],
        cwd=work, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    wall = time.perf_counter() - began
    if proc.returncode != 0:
        raise SystemExit(f"the run failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--max-workers", type=int, default=16)
    parser.add_argument("--nthreads", type=int, default=1, help="threads per dask worker")
    args = parser.parse_args()
    n, small = args.n, 10
    root = Path(tempfile.mkdtemp(prefix="bench-dask-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWSCOPE_")}
    env.update(FLOWSCOPE_USER="bench", PYTHONPATH=str(HERE.parent / "src"))
    cluster = CliCluster(root / "cluster")
    try:
        threads = ["--nthreads", str(args.nthreads)]  # the last --nthreads given wins
        cluster.start(threads, threads)
        raw = floor(cluster.address, n)
        on_dask = ["--executor", "dask", "--dask-address", cluster.address]
        cap = ["--max-workers", str(args.max_workers)]
        rows = [("raw client.map no-op (floor)", raw, raw / n)]
        for name, extra in (("flowscope on dask", on_dask + cap), ("flowscope local forks", cap)):
            big, little = run_flow(root, n, extra, env), run_flow(root, small, extra, env)
            rows.append((name, big, (big - little) / (n - small)))
        print(
            f"{n}-task foreach, 2 dask workers x {args.nthreads} thread(s), "
            f"--max-workers {args.max_workers}"
        )
        print(f"{'case':32} {'wall s':>8} {'ms/task':>8} {'x floor':>8}")
        for name, wall, per_task in rows:
            print(f"{name:32} {wall:8.2f} {per_task * 1000:8.2f} {per_task / rows[0][2]:8.1f}")
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
