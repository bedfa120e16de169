"""W4: the client reading many runs and tasks, each operation in a fresh interpreter.

Stores (made once per invocation, then only read):
- 200 real runs of `flows/tiny.py` (and one of hello.py, so there are two flows), two runs
  at a time; --quick makes 10.
- the 1,000-task foreach run W2 kept (made here when W2 did not run); --quick: 50 tasks.
- 10,000 runs (--quick: 200): one real tiny run, then copies. flowscope's copies go through
  its metadata provider API (probes/synth_runs_flowscope.py: the template's tasks, attempts
  and artifact records, committed as the runtime commits them). Metaflow's are copies of the
  real run's `_meta/_self.json` under new run ids and older timestamps: listing runs reads
  exactly that file of every run directory, and `latest_successful_run` reads only the
  newest run, the real one. The steps and tasks under the copies are left out (10,000 x ~100
  files); no operation measured here opens them.
Each operation is timed inside the child (probes/client_ops.py), page cache warm. The judged
number is the steady state: the same call made a second time in a process, with new client
objects (what a notebook pays from its second query on). Shown below each, for information:
the first call of a fresh process after imports (flowscope defers most of its imports and
opening the store to it; Metaflow does that work in `import metaflow`, timed in W5), and
import + `namespace(None)` + first call together, which is what a cold notebook pays.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from harness import (
    FLOWS_DIR,
    METAFLOW,
    Context,
    Framework,
    Row,
    Target,
    WorkloadError,
    run_flow,
    run_probe,
)

from workloads.w2_foreach import foreach_fixture_key, run_foreach, sizes as foreach_sizes

ID = "W4"
TITLE = "client: listing and reading many runs"


def counts(ctx: Context) -> tuple[int, int]:
    """(real runs, runs in the big listing)."""
    return (10, 200) if ctx.quick else (200, 10_000)


def make_runs(fw: Framework, cwd: Path, n: int, parallel: int = 2) -> None:
    """n real runs of flows/tiny.py in cwd, `parallel` at a time (both sides alike)."""
    argv = [fw.python, str(FLOWS_DIR / "tiny.py"), "run", *fw.run_args]
    pending = list(range(n))
    running: list[tuple[int, subprocess.Popen]] = []
    log = open(cwd / f"runs.{fw.name}.log", "ab")
    try:
        first_done = False
        while pending or running:
            # the first run alone: both frameworks create their store on first use, and
            # Metaflow's local store creation races (FileExistsError on `.metaflow`)
            limit = parallel if first_done else 1
            while pending and len(running) < limit:
                i = pending.pop(0)
                running.append(
                    (
                        i,
                        subprocess.Popen(
                            [*argv, "--i", str(i)],
                            cwd=cwd,
                            env=fw.env_for(cwd),
                            stdout=log,
                            stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL,
                        ),
                    )
                )
            i, proc = running.pop(0)
            first_done = True
            if proc.wait() != 0:
                raise WorkloadError(
                    f"{fw.name}: tiny run {i} exited {proc.returncode} in {cwd}; "
                    f"see {cwd / f'runs.{fw.name}.log'}"
                )
    finally:
        for _, proc in running:
            proc.kill()
        log.close()


def _copy_metaflow_runs(cwd: Path, flow: str, total: int) -> None:
    flow_dir = cwd / ".metaflow" / flow
    real = [p for p in flow_dir.iterdir() if p.name.isdigit()]
    if len(real) != 1:
        raise WorkloadError(f"expected one real {flow} run in {flow_dir}, found {len(real)}")
    me = json.loads((real[0] / "_meta" / "_self.json").read_text())
    base_id, base_ts = int(me["run_number"]), int(me["ts_epoch"])
    for i in range(1, total):
        meta = flow_dir / str(base_id - i * 1000) / "_meta"
        meta.mkdir(parents=True)
        copy = {**me, "run_number": str(base_id - i * 1000), "ts_epoch": base_ts - i * 1000}
        (meta / "_self.json").write_text(json.dumps(copy))


def _many_runs(ctx: Context, fw: Framework, total: int) -> Path:
    cwd = ctx.fresh_dir(f"runs{total}-{fw.name}")
    make_runs(fw, cwd, 1)
    if fw.name == METAFLOW:
        _copy_metaflow_runs(cwd, "TinyFlow", total)
    else:
        run_probe(
            fw, "synth_runs_flowscope", str(cwd / ".flowscope"), "TinyFlow", str(total - 1), cwd=cwd
        )
        run_probe(fw, "client_ops", "list", "TinyFlow", cwd=cwd)  # sanity: it opens
    return cwd


def _foreach_store(ctx: Context, fw: Framework, n: int) -> Path:
    key = foreach_fixture_key(fw.name, n)
    if key not in ctx.fixtures:
        cwd = ctx.fresh_dir(f"foreach{n}-{fw.name}")
        ctx.log(f"[W4] making a {n}-task foreach run for {fw.name}")
        run_foreach(fw, cwd, n)
        ctx.fixtures[key] = cwd
    return ctx.fixtures[key]


def run(ctx: Context) -> list[Row]:
    n_runs, n_many = counts(ctx)
    n_tasks = foreach_sizes(ctx)[-1][0]
    rows: list[Row] = []

    small: dict[str, Path] = {}
    try:
        for fw in ctx.frameworks:
            ctx.log(f"[W4] making {n_runs} tiny runs for {fw.name}")
            small[fw.name] = cwd = ctx.fresh_dir(f"runs{n_runs}-{fw.name}")
            make_runs(fw, cwd, n_runs)
            run_flow(fw, "hello", cwd)
    except Exception as exc:
        return [ctx.fail(Row(ID, f"{n_runs} runs"), exc)]

    def measure_op(row, stores, *args):
        """The judged row is the steady state: the call made again in a process that made it
        once (a notebook's second cell). Below it, for information, the first call of a fresh
        process after imports, and import + first call (what a cold notebook pays)."""
        first = Row(ID, "  first call of a fresh process (imports done)", note="info")
        cold = Row(ID, "  import + namespace(None) + first call", note="info")

        def sample(fw, warmup):  # an argument given as a dict has a value per framework
            argv = [a[fw.name] if isinstance(a, dict) else a for a in args]
            got = run_probe(fw, "client_ops", *argv, cwd=stores[fw.name])
            if not warmup:
                first.samples.setdefault(fw.name, []).append(got["seconds"])
                cold.samples.setdefault(fw.name, []).append(got["cold_seconds"])
            return got["second_seconds"]

        rows.extend([ctx.measure(row, sample), first, cold])

    measure_op(
        Row(ID, f"list {n_runs} runs: list(Flow(..))", target=Target("speedup", 5)),
        small,
        "list",
        "TinyFlow",
    )
    measure_op(
        Row(ID, f"latest_successful_run ({n_runs} runs)", target=Target("speedup", 5)),
        small,
        "latest",
        "TinyFlow",
    )
    measure_op(
        Row(ID, f"one artifact of each of {n_runs} runs", target=Target("speedup", 5)),
        small,
        "run_artifacts",
        "TinyFlow",
        "x",
    )
    measure_op(Row(ID, "Metaflow().flows", target=Target("speedup", 5)), small, "flows")

    row = Row(ID, f"one artifact of each of {n_tasks} foreach tasks", target=Target("speedup", 10))
    try:
        stores = {fw.name: _foreach_store(ctx, fw, n_tasks) for fw in ctx.frameworks}
        paths = {
            fw.name: run_probe(fw, "last_run", "ForeachFlow", cwd=stores[fw.name])["text"]
            for fw in ctx.frameworks
        }
    except Exception as exc:
        rows.append(ctx.fail(row, exc))
    else:
        measure_op(row, stores, "task_artifacts", paths, "body", "x")

    row = Row(ID, f"list {n_many:,} runs", target=Target("at_most", 0.05))
    try:
        many = {}
        for fw in ctx.frameworks:
            ctx.log(f"[W4] making {n_many:,} runs for {fw.name}")
            many[fw.name] = _many_runs(ctx, fw, n_many)
    except Exception as exc:
        return rows + [ctx.fail(row, exc)]
    measure_op(row, many, "list", "TinyFlow")
    measure_op(
        Row(ID, f"latest_successful_run ({n_many:,} runs)", target=Target("speedup", 5)),
        many,
        "latest",
        "TinyFlow",
    )
    return rows
