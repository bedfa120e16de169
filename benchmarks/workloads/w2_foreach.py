"""W2: wall time of a foreach of N tiny tasks, joined (`flows/foreach.py`), fresh store each time.

Both sides run with `--max-workers 16` (on a 2-core machine: what is measured is the
per-task overhead). Metaflow also gets `--max-num-splits 100000` so it accepts N > 100.
The store of the last 1,000-task run is kept for W4's read of 1,000 task artifacts.
"""

from __future__ import annotations

from harness import Context, Row, Target, run_flow

ID = "W2"
TITLE = "foreach of tiny tasks"
MAX_WORKERS = 16


def sizes(ctx: Context) -> list[tuple[int, float]]:
    """(tasks, speedup target); --quick shrinks 200 -> 20 and 1,000 -> 50; --foreach-sizes
    chooses the counts (the target of the nearest default size)."""
    if ctx.foreach_sizes:
        return [(n, 20 if n < 600 else 30) for n in ctx.foreach_sizes]
    return [(20, 20), (50, 30)] if ctx.quick else [(200, 20), (1000, 30)]


def foreach_fixture_key(fw_name: str, n: int) -> tuple[str, ...]:
    return ("foreach", fw_name, str(n))


def run_foreach(fw, cwd, n: int) -> float:
    return run_flow(fw, "foreach", cwd, "--n", str(n), "--max-workers", str(MAX_WORKERS))


def run(ctx: Context) -> list[Row]:
    rows = []
    big = sizes(ctx)[-1][0]
    for n, target in sizes(ctx):

        def sample(fw, warmup, n=n):
            cwd = ctx.fresh_dir(f"foreach{n}-{fw.name}")
            if warmup:  # the same code paths, small: compiles, page cache, no minutes lost
                seconds = run_foreach(fw, cwd, 10)
                ctx.discard(cwd)
                return seconds
            seconds = run_foreach(fw, cwd, n)
            key = foreach_fixture_key(fw.name, n)
            if n == big:  # keep the newest store of the big case for W4
                old = ctx.fixtures.pop(key, None)
                if old is not None:
                    ctx.discard(old)
                ctx.fixtures[key] = cwd
            else:
                ctx.discard(cwd)
            return seconds

        row = Row(
            ID,
            f"foreach {n} tasks, --max-workers {MAX_WORKERS} (wall)",
            target=Target("speedup", target),
        )
        rows.append(ctx.measure(row, sample, heavy=True))
    return rows
