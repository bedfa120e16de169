"""One client operation, timed inside a fresh interpreter of either framework.

    BENCH_PKG=flowscope|metaflow python client_ops.py OP [ARGS...]     (cwd: the store's parent)

Prints one JSON object on the last line of stdout: the operation's first call after imports and
`namespace(None)` (`seconds`), the same call again in the process (`second_seconds`), and the
whole of import + `namespace(None)` + first call (`cold_seconds`).
Both frameworks find their store by walking up from the working directory.

OPs:
  load PATHSPEC NAME        `Run(PATHSPEC).data.NAME`, then one full pass over the value;
                            also the peak RSS that loading and the pass added (VmHWM - VmRSS).
                            numpy and pandas are imported before the clock starts.
  list FLOW                 `list(Flow(FLOW))`
  latest FLOW               `Flow(FLOW).latest_successful_run`
  run_artifacts FLOW NAME   `[r.data.NAME for r in Flow(FLOW)]`
  task_artifacts PATHSPEC STEP NAME   `[t.data.NAME for t in Run(PATHSPEC)[STEP]]`
  flows                     `Metaflow().flows`
"""

import time

PROCESS_START = time.perf_counter()  # before the framework's import: "import + first call"

import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

pkg = importlib.import_module(os.environ["BENCH_PKG"])
Flow, Run, Metaflow = pkg.Flow, pkg.Run, pkg.Metaflow
pkg.namespace(None)  # every user's runs, on both sides


def _status(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(field))


def _reset_peak():
    """Make VmHWM start from the current RSS (Linux >= 4.0); False where not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _one_pass(value):
    """Read every byte once, so a lazily mapped value pays for its pages as an eagerly loaded one
    did. A frame's numeric columns are summed one by one (no copy); its string column is made
    of Python objects that unpickling creates eagerly on both sides, so it is not walked."""
    if hasattr(value, "select_dtypes"):
        return sum(float(value[c].to_numpy().sum()) for c in value.select_dtypes("number"))
    return float(value.sum())


def load(pathspec, name):
    import numpy  # noqa: F401  (a notebook has them imported already: their import time is
    import pandas  # noqa: F401  neither framework's, yet unpickling would pay it in the clock)

    run = Run(pathspec)
    reset = _reset_peak()
    before = _status("VmRSS:")
    start = time.perf_counter()
    value = getattr(run.data, name)
    accessed = time.perf_counter()
    _one_pass(value)
    done = time.perf_counter()
    peak = _status("VmHWM:") - before if reset else None
    nbytes = (
        int(value.nbytes) if hasattr(value, "nbytes") else int(value.memory_usage(deep=False).sum())
    )
    return {
        "seconds": done - start,
        "access_seconds": accessed - start,
        "peak_bytes": peak,
        "nbytes": nbytes,
    }


def timed(action):
    """The first call of the process (lazy imports, opening the store), then the same call
    again with new client objects (whatever either side caches in the process is warm)."""
    start = time.perf_counter()
    result = action()
    first = time.perf_counter()
    action()
    second = time.perf_counter()
    return {
        "seconds": first - start,
        "second_seconds": second - first,
        "cold_seconds": first - PROCESS_START,
        "count": len(result) if result is not None else 0,
    }


OPS = {
    "load": load,
    "list": lambda flow: timed(lambda: list(Flow(flow))),
    "latest": lambda flow: timed(lambda: [Flow(flow).latest_successful_run.id]),
    "run_artifacts": lambda flow, name: timed(lambda: [getattr(r.data, name) for r in Flow(flow)]),
    "task_artifacts": lambda pathspec, step, name: timed(
        lambda: [getattr(t.data, name) for t in Run(pathspec)[step]]
    ),
    "flows": lambda: timed(lambda: Metaflow().flows),
}

if __name__ == "__main__":
    op, *args = sys.argv[1:]
    print(json.dumps(OPS[op](*args)))
