"""flowscope and Metaflow side by side: the same flows and client calls, one table of medians.

    .venv/bin/python benchmarks/run.py                   # everything, 5 repeats (~30 min)
    .venv/bin/python benchmarks/run.py --quick           # 1 repeat, small sizes (~2 min; CI)
    .venv/bin/python benchmarks/run.py --only W1,W3 --repeats 3 --json out.json
    .venv/bin/python benchmarks/run.py --s3 --only W2,W3,W4 --repeats 3   # both on radosgw
    .venv/bin/python benchmarks/run.py --flowscope-only --source ../wt-x/src --only W1,W5

flowscope is the interpreter running this script; Metaflow is installed on first use into
benchmarks/.venv-metaflow (see metaflow_env.py). Exits 1 when a workload failed (not when a
target was missed), 2 on bad usage.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import metaflow_env  # noqa: E402
from harness import (  # noqa: E402
    FLOWSCOPE,
    METAFLOW,
    Context,
    Row,
    flowscope_framework,
    machine_info,
    metaflow_framework,
    new_workdir,
    python_can_import,
)
from workloads import WORKLOADS  # noqa: E402


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="1 repeat and small sizes (foreach 20/50, 20 MB, 10/200 runs)",
    )
    parser.add_argument(
        "--repeats", type=int, help="measured repeats per case (default 5, quick 1)"
    )
    parser.add_argument(
        "--heavy-repeats",
        type=int,
        default=3,
        help="at most this many repeats of a case one run of which takes over a "
        "minute (in practice Metaflow's foreach runs; default 3)",
    )
    parser.add_argument("--only", help="comma-separated workloads, e.g. W1,W3 (default: all)")
    parser.add_argument("--json", metavar="PATH", help="also write every sample as JSON here")
    parser.add_argument(
        "--flowscope-only",
        action="store_true",
        help="skip Metaflow (no ratios; absolute targets only)",
    )
    parser.add_argument(
        "--metaflow-venv",
        metavar="DIR",
        default=str(metaflow_env.VENV_DIR),
        help="where Metaflow is installed (default benchmarks/.venv-metaflow)",
    )
    parser.add_argument(
        "--workdir", metavar="DIR", help="parent of the temp dirs (default $TMPDIR)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp stores for inspection")
    parser.add_argument(
        "--source",
        metavar="DIR",
        help="time the flowscope of this source directory (a checkout's src/, put first on "
        "the children's PYTHONPATH) instead of the one installed in this interpreter",
    )
    parser.add_argument(
        "--s3",
        action="store_true",
        help="keep both sides' artifacts on one radosgw S3 server started for the run "
        "(flowscope --datastore s3://..., Metaflow METAFLOW_DEFAULT_DATASTORE=s3); needs the "
        "Debian radosgw packages",
    )
    parser.add_argument(
        "--foreach-sizes",
        metavar="N,N",
        help="W2's task counts instead of 200,1000 (e.g. 200: when the family's foreach on S3 "
        "takes seconds per task, its 1,000-task case takes over an hour)",
    )
    args = parser.parse_args(argv)
    try:
        args.foreach_sizes = (
            tuple(int(n) for n in args.foreach_sizes.split(",")) if args.foreach_sizes else None
        )
    except ValueError:
        parser.error(
            f"--foreach-sizes takes task counts such as 200,1000, not {args.foreach_sizes!r}"
        )
    args.repeats = args.repeats or (1 if args.quick else 5)
    if args.repeats < 1 or args.heavy_repeats < 1:
        parser.error("--repeats and --heavy-repeats must be at least 1")
    wanted = [w.strip().upper() for w in args.only.split(",")] if args.only else list(WORKLOADS)
    unknown = [w for w in wanted if w not in WORKLOADS]
    if unknown:
        parser.error(
            f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(WORKLOADS)}"
        )
    args.workloads = wanted
    return args


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def frameworks(args: argparse.Namespace, workdir: Path) -> list:
    if not python_can_import(sys.executable, "flowscope"):
        raise SystemExit(
            f"{sys.executable} cannot import flowscope: run this script with the "
            f"project's venv (.venv/bin/python benchmarks/run.py)."
        )
    fws = [flowscope_framework(sys.executable, source=args.source)]
    if not args.flowscope_only:
        log(f"Metaflow {metaflow_env.METAFLOW_VERSION}: checking {args.metaflow_venv}")
        python = metaflow_env.ensure(Path(args.metaflow_venv), pins=metaflow_env.pins_of_this_env())
        fws.append(metaflow_framework(str(python), workdir))
    return fws


def render(rows: list[Row]) -> str:
    header = [
        "workload",
        f"{FLOWSCOPE} median (min-max)",
        f"{METAFLOW} median (min-max)",
        "ratio",
        "target",
        "met?",
    ]
    table = [header]
    for row in rows:
        ratio = row.ratio()
        met = row.met()
        table.append(
            [
                f"{row.workload} {row.name}",
                "ERROR" if row.error else row.cell(FLOWSCOPE),
                "ERROR" if row.error else row.cell(METAFLOW),
                "-" if ratio is None else f"{ratio:.1f}x",
                "" if row.target is None else row.target.describe(row.unit),
                "" if met is None else ("yes" if met else "NO"),
            ]
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    lines = []
    for i, r in enumerate(table):
        cells = [r[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)
        ]
        lines.append(" | ".join(cells).rstrip())
        if i == 0:
            lines.append("-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = new_workdir(args.workdir)
    gateway = None
    try:
        fws = frameworks(args, workdir)
        if args.s3:
            import s3_env

            log("starting radosgw (1 mon + 1 in-memory OSD) for --s3")
            gateway = s3_env.start_gateway()
            fws = [s3_env.on_s3(fw, gateway, workdir) for fw in fws]
    except BaseException:
        if gateway is not None:
            gateway.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    ctx = Context(
        frameworks=fws,
        repeats=args.repeats,
        heavy_repeats=args.heavy_repeats,
        quick=args.quick,
        workdir=workdir,
        log=log,
        keep=args.keep,
        foreach_sizes=args.foreach_sizes,
    )
    log(
        f"workdir {workdir}; {args.repeats} repeat(s) after a discarded warm-up; "
        f"{'quick' if args.quick else 'full'} sizes; frameworks: {', '.join(f.name for f in fws)}"
    )
    started = time.time()
    rows: list[Row] = []
    try:
        for wid in args.workloads:
            module = WORKLOADS[wid]
            log(f"== {wid}: {module.TITLE}")
            try:
                rows += module.run(ctx)
            except Exception as exc:  # a bug in a workload is reported like a failed case
                rows.append(ctx.fail(Row(wid, module.TITLE), exc))
    finally:
        if gateway is not None:
            gateway.cleanup()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    elapsed = time.time() - started

    info = machine_info()
    stamp = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    print()
    print(
        f"flowscope vs Metaflow {metaflow_env.METAFLOW_VERSION} | {stamp} | "
        f"{info['cpu']}, {info['cores']} cores, {info['memory']} | Python {info['python']} | "
        f"{'quick' if args.quick else 'full'}, {args.repeats} repeat(s), "
        f"{'artifacts on radosgw S3, ' if args.s3 else ''}took {elapsed / 60:.1f} min"
    )
    print("ratio = Metaflow median / flowscope median (higher: flowscope faster or smaller)")
    print(render(rows))
    failed = [r for r in rows if r.error]
    for row in failed:
        print(f"\nERROR {row.workload} {row.name}:\n{row.error}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "date": stamp,
                    "machine": info,
                    "quick": args.quick,
                    "repeats": args.repeats,
                    "heavy_repeats": args.heavy_repeats,
                    "metaflow_version": metaflow_env.METAFLOW_VERSION,
                    "seconds": elapsed,
                    "rows": [r.to_dict() for r in rows],
                },
                indent=2,
            )
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
