"""Save/load speed and peak memory of the artifact data store.

Usage: python benchmarks/bench_datastore.py [--repeats N] [--dir PATH]

Prints medians over N repeats for a 200 MB float64 array and a 1M-row DataFrame: save time
(fresh store each time, so nothing is deduplicated), load time from the page cache, MB/s of
the value's in-memory size, and the peak memory a load adds, measured in a child process (Linux: /proc/self/status).
"""

from __future__ import annotations

import argparse
import functools
import gc
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from flowscope.datastore import ContentStore, LocalStorage, load_artifact, save_artifact

_CHILD = """
import sys
import numpy, pandas
from flowscope.datastore import ContentStore, LocalStorage, load_artifact
def status(field):  # VmHWM is the peak of this process image (ru_maxrss survives exec)
    with open('/proc/self/status') as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(field))
store = ContentStore(LocalStorage(sys.argv[1], memory_map=sys.argv[3] == '1'))
before = status('VmRSS:')
value = load_artifact(store, sys.argv[2])
print(status('VmHWM:') - before)
"""


def _median_seconds(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _peak_load_bytes(root: str, sha: str, memory_map: bool) -> int:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, root, sha, "1" if memory_map else "0"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(out.stdout.strip())


def _bench(name: str, value: object, nbytes: int, base: str, repeats: int) -> dict[str, float]:
    counter = iter(range(10**6))

    def save_fresh() -> None:
        root = os.path.join(base, f"{name}-{next(counter)}")
        save_artifact(ContentStore(LocalStorage(root)), value)
        shutil.rmtree(root)

    save = _median_seconds(save_fresh, repeats)
    root = os.path.join(base, name)
    info = save_artifact(ContentStore(LocalStorage(root)), value)
    results = {"save_s": save, "stored_mb": info.size / 1e6}
    for label, memory_map in (("mmap", True), ("read", False)):
        store = ContentStore(LocalStorage(root, memory_map=memory_map))
        load_artifact(store, info.sha)  # warm the page cache
        load = functools.partial(load_artifact, store, info.sha)
        results[f"load_{label}_s"] = _median_seconds(load, repeats)
        results[f"peak_{label}_x"] = _peak_load_bytes(root, info.sha, memory_map) / nbytes
    mb = nbytes / 1e6
    print(
        f"{name:10s} {mb:7.1f} MB in memory, {results['stored_mb']:7.1f} MB stored | "
        f"save {save * 1e3:7.1f} ms ({mb / save:7.0f} MB/s) | "
        f"load mmap {results['load_mmap_s'] * 1e3:6.1f} ms "
        f"({mb / results['load_mmap_s']:6.0f} MB/s, peak {results['peak_mmap_x']:.2f}x) | "
        f"load read {results['load_read_s'] * 1e3:6.1f} ms "
        f"({mb / results['load_read_s']:6.0f} MB/s, peak {results['peak_read_x']:.2f}x)"
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dir", default=None, help="where to write (default: a temp dir)")
    args = parser.parse_args()
    base = tempfile.mkdtemp(prefix="bench-datastore-", dir=args.dir)
    try:
        rng = np.random.default_rng(0)
        array = rng.random(200 * 1024 * 1024 // 8)
        frame = pd.DataFrame(
            {
                "a": np.arange(1_000_000),
                "b": rng.random(1_000_000),
                "c": ["x" + str(i % 1000) for i in range(1_000_000)],
            }
        )
        frame_bytes = int(frame.memory_usage(deep=True).sum())
        print(f"python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}")
        print(f"{os.cpu_count()} CPUs, {args.repeats} repeats, medians; store in {base}")
        a = _bench("array", array, array.nbytes, base, args.repeats)
        f = _bench("dataframe", frame, frame_bytes, base, args.repeats)
        print(f"save array + frame: {(a['save_s'] + f['save_s']) * 1e3:.0f} ms")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
