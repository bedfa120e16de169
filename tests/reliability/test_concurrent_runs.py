"""Eight runs of a foreach flow started at the same moment into one fresh local store."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time

import pytest

from .helpers import FLOWS, Project, integrity, load_every_artifact, verify_all_blobs, wait_for

RUNS = 8
WIDTH = 12


@pytest.mark.slow
def test_eight_simultaneous_runs_are_all_recorded(project: Project) -> None:
    script = project.script("wide")
    go = project.root / "go"
    shutil.copy(FLOWS / "go.py", project.root / "go.py")
    procs = [
        subprocess.Popen(
            [sys.executable, "go.py", str(go), str(script), "run", "--n", str(WIDTH)],
            cwd=project.root,
            env=project.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        for _ in range(RUNS)
    ]
    project.started.extend(procs)
    time.sleep(1.0)  # let every interpreter import flowscope and reach the start line
    go.touch()

    # a notebook polling the store while the runs write must never see an error either
    read_errors: list[BaseException] = []
    stop = threading.Event()

    def read_while_writing() -> None:
        fs = None
        while not stop.is_set():
            try:
                if fs is None:
                    if not (project.store / "metadata.db").exists():
                        time.sleep(0.02)
                        continue
                    fs = project.client()
                for run in fs.Flow("WideFlow"):
                    for step in run:
                        list(step)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                if "does not exist" not in str(exc):  # before the first run is recorded
                    read_errors.append(exc)
            time.sleep(0.02)

    reader = threading.Thread(target=read_while_writing, daemon=True)
    reader.start()
    outputs = [proc.communicate(timeout=120)[0] for proc in procs]
    stop.set()
    reader.join(timeout=10)

    for proc, out in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, out
        assert "locked" not in out.lower() and "Traceback" not in out, out
    assert not read_errors, read_errors[:3]

    fs = project.client()
    runs = list(fs.Flow("WideFlow"))
    ids = sorted(int(r.id) for r in runs)
    assert ids == list(range(1, RUNS + 1)), ids  # unique, none lost, none skipped
    for run in runs:
        assert run.successful, run
        body = run["body"]
        assert len(list(body)) == WIDTH
        assert sorted(t.data.value for t in body) == [3 * i for i in range(WIDTH)]
        assert all(t.data.label.startswith(f"run {run.id}/") for t in body)
        assert run.data.total == 3 * sum(range(WIDTH))
        assert run["join"].task.data.labels == [f"run {run.id}/item {i}" for i in range(WIDTH)]
    # every artifact of every task reads back and matches its hash
    assert load_every_artifact(fs, "WideFlow") >= RUNS * (WIDTH * 5)
    assert verify_all_blobs(project.store) > WIDTH
    assert integrity(project.store / "metadata.db") == "ok"
    wait_for(lambda: all(p.poll() is not None for p in procs), 5, "the runs to exit")
