"""Start-up cost of two source trees, timed interleaved in one sitting: a hello run and imports.

Usage: python benchmarks/bench_startup.py --trees /work/base /work/wt-x [--rounds 8]
                                          [--only hello,import,four] [--code "import ..."]

Each tree is a checkout whose `src/` is put first on PYTHONPATH of the timed child (the
interpreter is the one running this script; its installed flowscope is shadowed). The trees
are byte-compiled first and the children run without PYTHONDONTWRITEBYTECODE, so a run does
not recompile its sources. Rounds alternate the trees (A B A B ...), so a change of load on a
shared machine hits both alike. Rows:

- hello: `python examples/hello.py --quiet run` of the tree's own example, in an empty
  directory (a fresh local store each time);
- import: `import flowscope`;
- four: `from flowscope import FlowSpec, step, Flow, namespace`;
- code: the statement given with --code.

For each row and tree: the median and the minimum wall time, and the median CPU time (user +
sys of the child and its children, from getrusage) which moves less with the load. Also the
number of modules each process ends with (`sys.modules`), and of flowscope's own.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROWS = {
    "hello": None,
    "import": "import flowscope",
    "four": "from flowscope import FlowSpec, step, Flow, namespace",
}
_COUNT = (
    "import sys; n = len(sys.modules); f = sum(m.split('.')[0] == 'flowscope' for m in sys.modules)"
)


def _env(tree: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLOWSCOPE_", "PYTHON"))}
    env["PYTHONPATH"] = str(tree / "src")
    return env


def _command(tree: Path, code: str | None) -> list[str]:
    if code is None:
        return [sys.executable, str(tree / "examples" / "hello.py"), "--quiet", "run"]
    return [sys.executable, "-c", code]


def _timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one child (CPU: user + sys, with its own children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _modules(tree: Path, code: str | None, cwd: Path) -> tuple[int, int]:
    """(all modules, flowscope's) at the end of the row's process."""
    if code is None:  # the hello run: count at exit, in the runner's process
        hello = tree / "examples" / "hello.py"
        code = (
            f"import runpy, sys; sys.argv = [{str(hello)!r}, '--quiet', 'run']\n"
            f"try:\n    runpy.run_path(sys.argv[0], run_name='__main__')\n"
            f"except SystemExit:\n    pass\n"
        )
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\n{_COUNT}; print(n, f)"],
        env=_env(tree),
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    total, own = out.stdout.split()[-2:]
    return int(total), int(own)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trees", nargs="+", required=True, type=Path, metavar="DIR")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--only", default="hello,import,four", help="rows, comma-separated")
    parser.add_argument("--code", help="also time this statement (row 'code')")
    args = parser.parse_args()
    trees = [t.resolve() for t in args.trees]
    rows = {name: ROWS[name] for name in args.only.split(",") if name}
    if args.code:
        rows["code"] = args.code
    for tree in trees:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "src")], check=True)
    work = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    try:
        for row, code in rows.items():
            samples: dict[Path, list[tuple[float, float]]] = {t: [] for t in trees}
            for _ in range(args.rounds):
                for tree in trees:
                    shutil.rmtree(work / ".flowscope", ignore_errors=True)
                    samples[tree].append(_timed(_command(tree, code), _env(tree), work))
            for tree in trees:
                walls = [w for w, _ in samples[tree]]
                cpus = [c for _, c in samples[tree]]
                shutil.rmtree(work / ".flowscope", ignore_errors=True)
                total, own = _modules(tree, code, work)
                print(
                    f"{row:7s} {str(tree):28s} wall median {1000 * statistics.median(walls):6.1f} "
                    f"ms, min {1000 * min(walls):6.1f}; CPU median "
                    f"{1000 * statistics.median(cpus):6.1f} ms; modules {total} ({own} flowscope)"
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
