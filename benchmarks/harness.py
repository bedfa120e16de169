"""What every workload shares: the two frameworks, timed child processes, rows of samples.

Everything a workload measures runs in a child process of the framework's own interpreter
(flowscope: the interpreter running the harness; Metaflow: its private venv), in a fresh
temporary directory, with stdout and stderr sent to a file so terminal speed is not timed.
The harness itself needs only the standard library.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
FLOWS_DIR = BENCH_DIR / "flows"
PROBES_DIR = BENCH_DIR / "probes"
FLOWSCOPE, METAFLOW = "flowscope", "metaflow"


class WorkloadError(Exception):
    """A child process failed: the message names the command, its directory and its output."""


@dataclass(frozen=True)
class Framework:
    name: str  # the package the flow files import: BENCH_PKG
    python: str  # the interpreter that has it installed
    env: dict[str, str]  # the whole environment of its children
    run_args: tuple[str, ...] = ()  # extra options `python flow.py run` needs on this side
    # variables that depend on the store directory a child runs in: (NAME, template with
    # {dir}, the directory's name), e.g. a datastore prefix of its own on S3 (run.py --s3)
    dir_env: tuple[tuple[str, str], ...] = ()

    def env_for(self, cwd: Path) -> dict[str, str]:
        """The environment of a child running in `cwd`."""
        return {**self.env, **{name: value.format(dir=cwd.name) for name, value in self.dir_env}}


def clean_environ() -> dict[str, str]:
    """This process's environment without either framework's settings, plus a fixed user."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FLOWSCOPE_", "METAFLOW_", "BENCH_", "PYTHON"))
    }
    env["USERNAME"] = env["USER"] = "bench"
    return env


def flowscope_framework(python: str, source: str | None = None) -> Framework:
    """flowscope as `python` imports it, or from the source directory `source` (a checkout's
    src/, first on the children's PYTHONPATH: another tree timed with the same interpreter)."""
    env = {**clean_environ(), "BENCH_PKG": FLOWSCOPE}
    if source is not None:
        env["PYTHONPATH"] = str(Path(source).resolve())
    return Framework(FLOWSCOPE, python, env)


def metaflow_framework(python: str, workdir: Path) -> Framework:
    # The client's on-disk blob cache (default /tmp/metaflow_client, never cleaned) goes into
    # the work dir: each invocation starts without it and leaves nothing behind.
    env = {
        **clean_environ(),
        "BENCH_PKG": METAFLOW,
        "METAFLOW_DEFAULT_METADATA": "local",
        "METAFLOW_DEFAULT_DATASTORE": "local",
        "METAFLOW_CLIENT_CACHE_PATH": str(workdir / "metaflow_client"),
    }
    # Metaflow refuses a foreach wider than --max-num-splits (default 100); flowscope has no
    # such limit. Raising the limit changes no work.
    return Framework(METAFLOW, python, env, run_args=("--max-num-splits", "100000"))


# ---- child processes -------------------------------------------------------------------


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no output)"


def run_timed(
    fw: Framework, argv: Sequence[str], cwd: Path, *, timeout: float = 3600, label: str = "cmd"
) -> float:
    """Wall seconds of `python ARGV` in `cwd`, from spawn to exit. Raises on a non-zero exit.

    The wait blocks in waitpid, with the timeout enforced by a timer thread: `Popen.wait` with a
    timeout polls with sleeps that grow to 50 ms, which rounds every sample up to the next step
    of 113.5, 163.5, 213.5... ms (a 100 ms run read as 114 or 164 ms)."""
    log = cwd / f"{label}.{fw.name}.log"
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [fw.python, *argv],
            cwd=cwd,
            env=fw.env_for(cwd),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            proc.kill()

        timer = threading.Timer(timeout, expire)
        timer.start()
        try:
            proc.wait()
        except BaseException:  # Ctrl-C of the benchmark: leave no child behind
            proc.kill()
            proc.wait()
            raise
        finally:
            timer.cancel()
        elapsed = time.perf_counter() - start
    if expired.is_set():
        raise WorkloadError(
            f"{fw.name}: `{_cmd(argv)}` timed out after {timeout:.0f} s in {cwd}:\n{_tail(log)}"
        )
    if proc.returncode != 0:
        raise WorkloadError(
            f"{fw.name}: `{_cmd(argv)}` exited {proc.returncode} in {cwd}:\n{_tail(log)}"
        )
    return elapsed


def run_flow(fw: Framework, flow: str, cwd: Path, *args: str, timeout: float = 3600) -> float:
    """Wall seconds of `python flows/FLOW.py run ARGS` (plus the side's run_args) in `cwd`."""
    argv = [str(FLOWS_DIR / f"{flow}.py"), "run", *args, *fw.run_args]
    return run_timed(fw, argv, cwd, timeout=timeout, label=flow)


def run_probe(
    fw: Framework,
    probe: str,
    *args: str,
    cwd: Path,
    timeout: float = 1800,
    env: dict[str, str] | None = None,
) -> dict:
    """Run probes/PROBE.py in `cwd` and return the JSON object it prints last ({} if none; a
    last line that is not JSON as {"text": line})."""
    argv = [fw.python, str(PROBES_DIR / f"{probe}.py"), *args]
    try:
        proc = subprocess.run(
            argv,
            cwd=cwd,
            env={**fw.env_for(cwd), **(env or {})},
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise WorkloadError(f"{fw.name}: probe `{probe} {_cmd(args)}` timed out in {cwd}") from None
    if proc.returncode != 0:
        err = "\n".join((proc.stderr or proc.stdout).splitlines()[-15:])
        raise WorkloadError(
            f"{fw.name}: probe `{probe} {_cmd(args)}` exited {proc.returncode} in {cwd}:\n{err}"
        )
    lines = proc.stdout.strip().splitlines()
    if not lines:
        return {}
    try:
        return json.loads(lines[-1]) if lines[-1].startswith("{") else {"text": lines[-1]}
    except json.JSONDecodeError as exc:
        raise WorkloadError(f"{fw.name}: probe `{probe}` printed {lines[-1]!r}") from exc


def _cmd(argv: Sequence[str]) -> str:
    return " ".join(Path(a).name if "/" in a else a for a in argv)


# ---- results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """`speedup`: Metaflow median / flowscope median >= value. `at_most`: flowscope median <= value
    (in the row's unit: seconds, or a multiple of the artifact's size)."""

    kind: str
    value: float

    def describe(self, unit: str) -> str:
        if self.kind == "speedup":
            return f">={self.value:g}x"
        return f"<={_fmt(self.value, unit)}"


@dataclass
class Row:
    """One line of the table: samples per framework for one measured thing."""

    workload: str
    name: str
    unit: str = "s"  # "s" (shown as s or ms) or "x size" (a multiple of an artifact's size)
    target: Target | None = None
    samples: dict[str, list[float]] = field(default_factory=dict)
    note: str = ""
    error: str | None = None

    def median(self, fw: str) -> float | None:
        values = self.samples.get(fw)
        return statistics.median(values) if values else None

    def ratio(self) -> float | None:
        ours, theirs = self.median(FLOWSCOPE), self.median(METAFLOW)
        if ours is None or theirs is None or ours <= 0:
            return None
        return theirs / ours

    def met(self) -> bool | None:
        if self.target is None or self.error:
            return None
        if self.target.kind == "speedup":
            ratio = self.ratio()
            return None if ratio is None else ratio >= self.target.value
        ours = self.median(FLOWSCOPE)
        return None if ours is None else ours <= self.target.value

    def cell(self, fw: str) -> str:
        values = self.samples.get(fw)
        if not values:
            return "-"
        med = statistics.median(values)
        if len(values) == 1:
            return _fmt(med, self.unit)
        return (
            f"{_fmt(med, self.unit)} ({_fmt(min(values), self.unit, bare=True)}-"
            f"{_fmt(max(values), self.unit, bare=True)})"
        )

    def to_dict(self) -> dict:
        return {
            "workload": self.workload,
            "name": self.name,
            "unit": self.unit,
            "target": None if self.target is None else self.target.describe(self.unit),
            "samples": self.samples,
            "median": {fw: self.median(fw) for fw in self.samples},
            "ratio": self.ratio(),
            "met": self.met(),
            "note": self.note,
            "error": self.error,
        }


def _fmt(value: float, unit: str, *, bare: bool = False) -> str:
    if unit == "s":
        if value >= 1:
            return f"{value:.2f}" if bare else f"{value:.2f} s"
        return f"{value * 1000:.1f}" if bare else f"{value * 1000:.1f} ms"
    return f"{value:.2f}" if bare else f"{value:.2f}{unit}"


# ---- the context every workload gets ---------------------------------------------------


@dataclass
class Context:
    frameworks: list[Framework]
    repeats: int
    heavy_repeats: (
        int  # cap on repeats of a case one run of which takes minutes (Metaflow W2 1,000)
    )
    quick: bool
    workdir: Path
    log: Callable[[str], None]
    keep: bool = False
    foreach_sizes: tuple[int, ...] | None = None  # W2's task counts, when not the default
    fixtures: dict[tuple[str, ...], Path] = field(default_factory=dict)
    _count: int = 0

    def fresh_dir(self, label: str) -> Path:
        self._count += 1
        path = self.workdir / f"{self._count:03d}-{label}"
        path.mkdir(parents=True)
        return path

    def discard(self, path: Path) -> None:
        if not self.keep and path not in self.fixtures.values():
            shutil.rmtree(path, ignore_errors=True)

    def measure(
        self,
        row: Row,
        sample: Callable[[Framework, bool], float],
        *,
        heavy: bool = False,
        warmup: bool = True,
    ) -> Row:
        """Fill `row` with `repeats` samples per framework, the two sides interleaved repeat by
        repeat (so slow drift of a shared machine hits both), after one discarded warm-up
        each. `sample(fw, is_warmup)` returns one value; a heavy row gives a side whose one
        sample takes over a minute at most `heavy_repeats` samples."""
        limits = {}
        for fw in self.frameworks:
            limits[fw.name] = self.repeats
        passes = self.repeats + (1 if warmup else 0)
        try:
            for i in range(passes):
                for fw in self.frameworks:
                    got = row.samples.setdefault(fw.name, [])
                    if len(got) >= limits[fw.name]:
                        continue
                    is_warmup = warmup and i == 0
                    began = time.perf_counter()
                    value = sample(fw, is_warmup)
                    took = time.perf_counter() - began
                    if heavy and took > 60:
                        limits[fw.name] = min(limits[fw.name], self.heavy_repeats)
                    tag = "warm-up" if is_warmup else f"{len(got) + 1}/{limits[fw.name]}"
                    self.log(
                        f"[{row.workload}] {row.name} | {fw.name} {tag}: {_fmt(value, row.unit)}"
                    )
                    if not is_warmup:
                        got.append(value)
        except Exception as exc:  # one failing row must not stop the others
            row.error = f"{type(exc).__name__}: {exc}"
            self.log(f"[{row.workload}] {row.name} FAILED: {row.error}")
        return row

    def fail(self, row: Row, exc: BaseException) -> Row:
        row.error = f"{type(exc).__name__}: {exc}"
        self.log(f"[{row.workload}] {row.name} FAILED: {row.error}")
        return row


def new_workdir(base: str | None) -> Path:
    root = Path(base) if base else Path(tempfile.gettempdir())
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="flowscope-bench-", dir=root))


def python_can_import(python: str, module: str) -> bool:
    return (
        subprocess.run(
            [python, "-c", f"import {module}"], capture_output=True, env=clean_environ()
        ).returncode
        == 0
    )


def machine_info() -> dict[str, str]:
    import platform

    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(next(line.split()[1] for line in f if line.startswith("MemTotal")))
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": mem,
        "python": sys.version.split()[0],
        "os": platform.platform(),
    }
