"""W3: saving a 200 MB float64 array and a 1M-row DataFrame, loading them back, peak memory.

Save: `flows/save.py` makes both values in its start step; with `--save 1` it keeps them as
artifacts, with `--save 0` it does not. Each repeat runs both in fresh stores; the save cost
is the difference of the two wall times (same process start, imports, data generation and
task overhead on both sides of the subtraction). The total of the saving run is shown too.

Load: in a fresh interpreter per repeat, with numpy and pandas already imported (as in a
notebook; otherwise unpickling imports them inside the clock, ~0.5 s on both sides),
`Run(pathspec).data.arr` (or `.df`) and then one pass over every value (`arr.sum()`; each
numeric column of the frame summed), so a lazily mapped value pays for reading its pages as
an eagerly loaded one does (the frame's strings are Python objects both sides create
eagerly). The page cache is warm (the blobs were just written, and a warm-up load is
discarded).
Metaflow's client keeps an on-disk cache of the blobs it has read, decompressed; the warm-up
fills it, so the measured Metaflow loads read an uncompressed pickle from it (its steady
state). The "client cache empty" rows give it a new cache directory each time (the first read
of an artifact on a machine: gunzip first); flowscope has no such cache and does the same
work in both rows.
Peak memory: in the same process, the rise of VmHWM over VmRSS across the load and the pass
(VmHWM is reset first through /proc/self/clear_refs; ru_maxrss would carry the parent's peak
across fork+exec), as a multiple of `arr.nbytes`.
"""

from __future__ import annotations

from harness import Context, Row, Target, run_flow, run_probe

ID = "W3"
TITLE = "artifacts: save, load, peak memory"


def sizes(ctx: Context) -> tuple[int, int]:
    """(array MB, frame rows)."""
    return (20, 100_000) if ctx.quick else (200, 1_000_000)


def run(ctx: Context) -> list[Row]:
    array_mb, rows = sizes(ctx)
    label = f"{array_mb} MB array + {rows:,}-row frame"
    totals = Row(ID, "  run that saves them, total (wall)", note="info")
    save = Row(ID, f"save {label} (run - baseline)", target=Target("speedup", 6))
    stores = {}

    def sample(fw, warmup):
        mb, n = (array_mb, rows) if not warmup else (max(array_mb // 10, 1), max(rows // 10, 1))
        args = ("--array_mb", str(mb), "--rows", str(n))
        base_dir = ctx.fresh_dir(f"save0-{fw.name}")
        base = run_flow(fw, "save", base_dir, "--save", "0", *args)
        ctx.discard(base_dir)
        save_dir = ctx.fresh_dir(f"save1-{fw.name}")
        total = run_flow(fw, "save", save_dir, "--save", "1", *args)
        if warmup:
            ctx.discard(save_dir)
        else:
            totals.samples.setdefault(fw.name, []).append(total)
            old = stores.pop(fw.name, None)
            if old is not None:
                ctx.fixtures.pop(("save", fw.name), None)
                ctx.discard(old)
            stores[fw.name] = ctx.fixtures[("save", fw.name)] = save_dir
        return total - base

    result = [ctx.measure(save, sample), totals]
    missing = [fw.name for fw in ctx.frameworks if fw.name not in stores]
    if missing:
        return result + [
            ctx.fail(
                Row(ID, "array and frame loads"),
                RuntimeError(f"no saved run to load for {missing}"),
            )
        ]
    return result + _loads(ctx, stores)


def _loads(ctx: Context, stores) -> list[Row]:
    paths = {}
    for fw in ctx.frameworks:
        paths[fw.name] = run_probe(fw, "last_run", "SaveFlow", cwd=stores[fw.name])["text"]

    access = {
        "arr": Row(ID, "  of which run.data.arr alone", note="info"),
        "df": Row(ID, "  of which run.data.df alone", note="info"),
    }
    cold = {
        "arr": Row(ID, "  same, Metaflow's client cache empty", note="info"),
        "df": Row(ID, "  same, Metaflow's client cache empty", note="info"),
    }
    peak = Row(
        ID, "peak RSS loading the array (x its size)", unit="x", target=Target("at_most", 1.2)
    )
    rows = []
    for name, target in (("arr", 8), ("df", 5)):

        def sample(fw, warmup, name=name):
            got = run_probe(fw, "client_ops", "load", paths[fw.name], name, cwd=stores[fw.name])
            if not warmup:
                access[name].samples.setdefault(fw.name, []).append(got["access_seconds"])
                if name == "arr" and got["peak_bytes"] is not None:
                    peak.samples.setdefault(fw.name, []).append(got["peak_bytes"] / got["nbytes"])
            return got["seconds"]

        def sample_cold(fw, warmup, name=name):  # a new, empty client cache every time
            cache = ctx.fresh_dir(f"client-cache-{fw.name}")
            try:
                return run_probe(
                    fw,
                    "client_ops",
                    "load",
                    paths[fw.name],
                    name,
                    cwd=stores[fw.name],
                    # (flowscope's cache of blobs read from S3 too, with run.py --s3)
                    env={
                        "METAFLOW_CLIENT_CACHE_PATH": str(cache),
                        "FLOWSCOPE_BLOB_CACHE": str(cache / "flowscope"),
                    },
                )["seconds"]
            finally:
                ctx.discard(cache)

        what = "array" if name == "arr" else "frame"
        row = Row(ID, f"{what} load: run.data.{name} + one pass", target=Target("speedup", target))
        rows += [ctx.measure(row, sample), access[name], ctx.measure(cold[name], sample_cold)]
        if name == "arr":
            rows.append(peak)
    return rows
