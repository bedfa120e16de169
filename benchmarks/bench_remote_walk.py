"""A notebook's walk over every artifact of a 300-task run: local, through the service, on S3.

One run of a foreach of `--tasks` tasks, each storing a few small artifacts, is recorded in a
local store. The same run is then read three ways, each walk in a fresh client process:

    local    the store directory itself (metadata and blobs)
    service  `flowscope service` over the same database and blob directory (SQLite), read
             with only its URL and token (metadata and blobs over HTTP)
    s3       the local metadata, its blobs copied into a radosgw bucket (tests/s3.py starts
             one), read with FLOWSCOPE_DATASTORE=s3://...

The walk is `for step in run: for task in step: for artifact in task: artifact.data`, timed
from opening the run to the last value (imports excluded). "cold" starts with an empty blob
cache, "warm" repeats it with the cache the cold walk left. The stores take turns within each
repeat, so they share the machine's load; prints the medians side by side, with the cold
walk's CPU time (user+sys of the client process) and the load average.

    python benchmarks/bench_remote_walk.py                  # 300 tasks, 5 repeats
    python benchmarks/bench_remote_walk.py --tasks 50 --repeats 3 --no-s3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
TOKEN = "bench-token-0123456789"

FLOW = """
from flowscope import FlowSpec, Parameter, step


class WalkFlow(FlowSpec):
    n = Parameter("n", default=300, type=int)

    @step
    def start(self):
        self.items = list(range(self.n))
        self.next(self.body, foreach="items")

    @step
    def body(self):
        self.x = self.input * 3
        self.label = f"item {self.input}"
        self.vec = [self.input / (k + 1) for k in range(64)]
        self.stats = {"i": self.input, "square": self.input ** 2}
        self.next(self.join)

    @step
    def join(self, inputs):
        self.total = sum(i.x for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    WalkFlow()
"""

WALK = """
import json, sys, time
import flowscope
from flowscope import Run, metadata
metadata(sys.argv[1])
start, cpu = time.perf_counter(), time.process_time()
count = 0
for step in Run(sys.argv[2]):
    for task in step:
        for artifact in task:
            artifact.data
            count += 1
print(json.dumps({"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu,
                  "values": count}))
"""


def record_run(work: Path, tasks: int, env: dict[str, str]) -> tuple[str, float]:
    (work / "walk_flow.py").write_text(FLOW)
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "walk_flow.py", "run", "--n", str(tasks)],
        cwd=work,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    took = time.perf_counter() - began
    return f"WalkFlow/{_latest_run(work, env)}", took


def metadata_bytes(work: Path) -> tuple[int, int]:
    """The metadata database's size, and the bytes of inline blobs (base64) it holds."""
    import sqlite3

    db = work / ".flowscope" / "metadata.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        inline = conn.execute("SELECT COALESCE(SUM(LENGTH(inline_blob)), 0) FROM artifacts")
        held = int(inline.fetchone()[0])
    return db.stat().st_size, held


def _latest_run(work: Path, env: dict[str, str]) -> int:
    code = "from flowscope import Flow, metadata; import sys; metadata(sys.argv[1]); "
    code += "print(Flow('WalkFlow').latest_run.id)"
    out = subprocess.run(
        [sys.executable, "-c", code, str(work)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


def walk(address: str, run: str, env: dict[str, str], cache: Path) -> tuple[float, float, int]:
    out = subprocess.run(
        [sys.executable, "-c", WALK, address, run],
        env={**env, "FLOWSCOPE_BLOB_CACHE": str(cache)},
        capture_output=True,
        text=True,
        check=True,
    )
    answer = json.loads(out.stdout.strip().splitlines()[-1])
    return float(answer["seconds"]), float(answer["cpu"]), int(answer["values"])


Target = tuple[str, dict[str, str]]  # the address to read and the walk's environment


def measure(targets: dict[str, Target], run: str, repeats: int, work: Path) -> dict:
    """Each target's medians: cold and warm walk wall time, and the cold walk's CPU time (the
    client process only). The targets take turns within each repeat, so that they share
    whatever load the machine has."""
    samples: dict[str, dict[str, list[float]]] = {
        name: {"cold": [], "warm": [], "cpu": []} for name in targets
    }
    values: dict[str, set[int]] = {name: set() for name in targets}
    for i in range(repeats):
        for name, (address, env) in targets.items():
            cache = work / f"cache-{time.monotonic_ns()}-{i}"
            seconds, cpu, count = walk(address, run, env, cache)
            samples[name]["cold"].append(seconds)
            samples[name]["cpu"].append(cpu)
            seconds, _, count2 = walk(address, run, env, cache)
            samples[name]["warm"].append(seconds)
            values[name] |= {count, count2}
            shutil.rmtree(cache, ignore_errors=True)
    return {
        name: {key: statistics.median(got) for key, got in found.items()} | {"values": values[name]}
        for name, found in samples.items()
    }


def start_service(work: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    sys.path.insert(0, str(TESTS))
    from pg import free_port

    port = free_port()
    (work / "token").write_text(TOKEN)
    store = work / ".flowscope"
    process = subprocess.Popen(
        [sys.executable, "-m", "flowscope.cli.main", "service", "--database",
         str(store / "metadata.db"), "--blob-root", str(store / "blobs"), "--port", str(port),
         "--token-file", str(work / "token")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/v1/health", timeout=1).read()
            return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the service did not start within 30 s")


def copy_to_s3(blob_dir: Path, url: str) -> int:
    from flowscope.datastore import open_storage

    storage = open_storage(url)
    files = [p for p in blob_dir.rglob("*") if p.is_file() and len(p.name) == 64]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda p: storage.write(p.name, [p.read_bytes()]), files))
    return len(files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-s3", action="store_true", help="skip the radosgw part")
    parser.add_argument(
        "--inline-max",
        type=int,
        default=None,
        help="FLOWSCOPE_INLINE_BLOB_MAX for the run (0: no blob inline; default: the setting's)",
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="flowscope-walk-"))
    base = {k: v for k, v in os.environ.items() if not k.startswith(("FLOWSCOPE_", "AWS_"))}
    base["FLOWSCOPE_USER"] = "bench"
    results: dict[str, dict] = {}
    service = gateway = None
    recording = dict(base)
    if args.inline_max is not None:
        recording["FLOWSCOPE_INLINE_BLOB_MAX"] = str(args.inline_max)
    try:
        run, run_seconds = record_run(work, args.tasks, recording)
        db_size, inline_bytes = metadata_bytes(work)
        targets: dict[str, Target] = {"local": (str(work), base)}
        service, url = start_service(work, base)
        targets["service"] = (url, {**base, "FLOWSCOPE_SERVICE_TOKEN": TOKEN})
        if not args.no_s3:
            sys.path.insert(0, str(TESTS))
            from s3 import RadosGateway

            gateway = RadosGateway().start()
            s3_env = {**base, **gateway.env()}
            os.environ.update(gateway.env())
            s3_url = f"s3://{gateway.bucket}/walk"
            copied = copy_to_s3(work / ".flowscope" / "blobs", s3_url)
            print(f"copied {copied} blobs to {s3_url}", file=sys.stderr)
            targets["s3"] = (str(work), {**s3_env, "FLOWSCOPE_DATASTORE": s3_url})
        load = os.getloadavg()[0]
        results = measure(targets, run, args.repeats, work)
        load = max(load, os.getloadavg()[0])
    finally:
        if service is not None:
            service.terminate()
            service.wait(10)
        if gateway is not None:
            gateway.cleanup()
        shutil.rmtree(work, ignore_errors=True)

    local, local_cpu = results["local"]["cold"], results["local"]["cpu"]
    print(
        f"walk of every artifact of {run} ({args.tasks} tasks), medians of {args.repeats}, "
        f"stores interleaved; 1-minute load average up to {load:.1f}"
    )
    print(
        f"the run took {run_seconds:.2f} s; metadata.db {db_size / 1024:.0f} KiB "
        f"({db_size / args.tasks:.0f} B per task), of which inline blobs "
        f"{inline_bytes / 1024:.0f} KiB ({inline_bytes / args.tasks:.0f} B per task)"
    )
    print(
        textwrap.dedent(f"""\
        {"store":<8} {"values":>7} {"cold cache":>11} {"warm cache":>11} {"cold / local":>13} \
{"cold CPU":>9} {"CPU / local":>12}""")
    )
    for name, result in results.items():
        values = ",".join(str(v) for v in sorted(result["values"]))
        print(
            f"{name:<8} {values:>7} {result['cold'] * 1000:>9.0f}ms {result['warm'] * 1000:>9.0f}ms"
            f" {result['cold'] / local:>12.2f}x {result['cpu'] * 1000:>7.0f}ms"
            f" {result['cpu'] / local_cpu:>11.2f}x"
        )


if __name__ == "__main__":
    main()
