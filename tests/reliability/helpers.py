"""Helpers for the reliability scenarios: flows run as users run them (`python flow.py run` in a fresh
directory, as a real subprocess in its own process group), then damaged, killed, interrupted
or fed hostile input, and inspected through the public client.

Every wait is bounded: subprocess calls have timeouts, and `wait_for` polls with a deadline.
Every process a test starts is in a process group that `Project.cleanup` ends.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

FLOWS = Path(__file__).parent / "flows"
T = TypeVar("T")

HEARTBEAT = "0.3"  # seconds between the runtime's heartbeats in these tests
LOST_AFTER = "2"  # seconds without one before the client reports a run as lost


def wait_for(check: Callable[[], T], timeout: float, what: str, interval: float = 0.02) -> T:
    """Poll `check` until it returns something truthy; fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes whose process group is `pgid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(int(entry))
    return found


@dataclass
class Project:
    """A fresh directory to run flows in; the store is `root/.flowscope`."""

    root: Path
    env: dict[str, str]
    started: list[subprocess.Popen[str]] = field(default_factory=list)

    @property
    def store(self) -> Path:
        return self.root / ".flowscope"

    def script(self, flow: str) -> Path:
        path = self.root / f"{flow}.py"
        if not path.exists():
            shutil.copy(FLOWS / f"{flow}.py", path)
        return path

    def command(self, flow: str, *args: str) -> list[str]:
        return [sys.executable, str(self.script(flow)), *args]

    def run(self, flow: str, *args: str, timeout: float = 60) -> Result:
        return self.call(self.command(flow, *args), timeout=timeout)

    def call(self, argv: list[str], timeout: float = 60, cwd: Path | None = None) -> Result:
        proc = subprocess.run(
            argv,
            check=False,
            cwd=cwd or self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def start(self, flow: str, *args: str) -> subprocess.Popen[str]:
        """Start `python flow.py ARGS` in its own session (so its process group is its pid,
        like a job in a terminal); output goes to files under root/logs."""
        logs = self.root / "logs"
        logs.mkdir(exist_ok=True)
        n = len(self.started)
        with open(logs / f"{n}.out", "w") as out, open(logs / f"{n}.err", "w") as err:
            proc = subprocess.Popen(
                self.command(flow, *args),
                cwd=self.root,
                env=self.env,
                text=True,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
        self.started.append(proc)
        return proc

    def output_of(self, proc: subprocess.Popen[str]) -> str:
        n = self.started.index(proc)
        logs = self.root / "logs"
        return (logs / f"{n}.out").read_text() + (logs / f"{n}.err").read_text()

    def client(self, address: str | None = None, **env: str) -> Any:
        """The public client, reading this project's store (or `address`) in the global
        namespace; `env` (such as FLOWSCOPE_LOST_AFTER) is applied while the provider is opened.
        Each test starts with a fresh context (tests/conftest.py), so the first call of a test
        is the one whose `env` the settings are read with."""
        import flowscope.client as fs

        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            fs.metadata(address or str(self.root))
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        fs.namespace(None)
        return fs

    def cleanup(self) -> None:
        for proc in self.started:
            for pid in group_members(proc.pid):  # the group of a process this test started
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass


def make_project(root: Path, **extra_env: str) -> Project:
    """A Project in `root` whose runs record to the local store there, unless `extra_env`
    names a service (FLOWSCOPE_SERVICE_URL)."""
    root.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    for name in ("FLOWSCOPE_SERVICE_URL", "FLOWSCOPE_ROOT", "FLOWSCOPE_LOST_AFTER"):
        env.pop(name, None)
    env.update(
        FLOWSCOPE_USER="tester", FLOWSCOPE_HEARTBEAT_INTERVAL=HEARTBEAT, PYTHONUNBUFFERED="1"
    )
    env.update(extra_env)
    return Project(root, env)


# ---- store inspection ----------------------------------------------------------------


def row_counts(db: Path) -> dict[str, int]:
    """Rows per table of a SQLite metadata database (read-only connection)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


def integrity(db: Path) -> str:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def tree(root: Path) -> dict[str, tuple[int, float]]:
    """Every file under `root` (relative path -> size, mtime), the SQLite database excepted
    (a reader may checkpoint its WAL into it: compare it by `row_counts` instead)."""
    found = {}
    for path in root.rglob("*"):
        if path.is_file() and not path.name.startswith("metadata.db"):
            st = path.stat()
            found[str(path.relative_to(root))] = (st.st_size, st.st_mtime)
    return found


def verify_all_blobs(store: Path) -> int:
    """Read every blob in the store through the content store (which checks each against its
    hash); temporary files are not blobs. Returns how many were checked."""
    from flowscope.datastore import ContentStore, LocalStorage

    content = ContentStore(LocalStorage(store / "blobs"))
    count = 0
    for path in (store / "blobs").rglob("*"):
        if path.is_file() and not path.name.startswith("."):
            content.get(path.name)
            count += 1
    return count


def load_every_artifact(fs: Any, flow: str) -> int:
    """Load every artifact of every task of every run of `flow`; returns how many."""
    count = 0
    for run in fs.Flow(flow):
        for step in run:
            for task in step:
                for artifact in task:
                    artifact.data  # noqa: B018 - the read (and its hash check) is the test
                    count += 1
    return count
