"""kill -9 of the runtime mid-run, and of a worker mid-task: the store stays readable, the run
is never reported successful, a dead runtime's run becomes lost, resume completes the run,
and no half-written artifact is ever visible."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from pathlib import Path

import pytest

from .helpers import (
    Project,
    alive,
    integrity,
    load_every_artifact,
    verify_all_blobs,
    wait_for,
)

LOST_AFTER = "2"


def started_workers(gate: Path, run_id: int, count: int) -> list[int] | None:
    """The pids of the `body` workers of run `run_id` once `count` have started."""
    found = sorted(gate.glob(f"started.{run_id}.*"))
    if len(found) < count:
        return None
    return [int(p.name.rsplit(".", 1)[1]) for p in found]


def make_gate(project: Project, *flags: str) -> Path:
    gate = project.root / "gate"
    gate.mkdir(exist_ok=True)
    for flag in flags:
        (gate / flag).touch()
    return gate


def big_value(index: int) -> bytes:
    return bytes(range(256)) * 4096 + str(index).encode()


def assert_store_sound(project: Project, fs: object) -> None:
    assert integrity(project.store / "metadata.db") == "ok"
    verify_all_blobs(project.store)
    load_every_artifact(fs, "GatedFlow")


@pytest.mark.slow
def test_runtime_killed_mid_run_becomes_lost_and_resumes(project: Project) -> None:
    gate = make_gate(project, "hold")
    runner = project.start("gated", "run", "--n", "3", "--gate", str(gate))
    workers = wait_for(lambda: started_workers(gate, 1, 3), 30, "three body tasks to start")

    os.kill(runner.pid, signal.SIGKILL)
    runner.wait(timeout=10)

    fs = project.client(FLOWSCOPE_LOST_AFTER=LOST_AFTER)
    run = fs.Run("GatedFlow/1")
    assert not run.successful and not run.finished and run.status in ("running", "lost")
    assert run["start"].task.successful
    assert_store_sound(project, fs)
    # its heartbeat goes stale: the run, and the attempts it was running, are lost
    wait_for(lambda: fs.Run("GatedFlow/1").status == "lost", 10, "the run to be reported lost")
    wait_for(
        lambda: {t.status for t in fs.Run("GatedFlow/1")["body"]} == {"lost"},
        5,
        "its running attempts to be reported lost",
    )
    run = fs.Run("GatedFlow/1")
    assert not run.finished and not run.successful and run.finished_at is None

    # the workers die with their runner (the kernel's parent-death signal): nothing computes
    # for nobody, nothing they stored becomes visible, and the run stays lost
    wait_for(lambda: not any(alive(p) for p in workers), 5, "the orphaned workers to end")
    (gate / "open").touch()
    run = fs.Run("GatedFlow/1")
    assert run.status == "lost" and not run.successful
    assert all(len(list(task)) == 0 for task in run["body"]), "a dead attempt's artifacts"
    assert_store_sound(project, fs)

    (gate / "hold").unlink()
    (gate / "open").unlink()
    result = project.run("gated", "resume", "1")
    assert result.code == 0, result.output
    resumed = fs.Run("GatedFlow/2")
    assert resumed.successful and resumed.origin_pathspec == "GatedFlow/1"
    assert resumed["start"].task.origin_pathspec == "GatedFlow/1/start/2"
    assert all(t.origin_pathspec is None for t in resumed["body"])  # they ran again
    assert resumed["join"].task.data.total == 30
    assert all(t.data.a_big == big_value(t.data.value // 10) for t in resumed["body"])
    assert fs.Run("GatedFlow/1").status == "lost"  # the dead run is never rewritten
    assert_store_sound(project, fs)


@pytest.mark.slow
def test_worker_killed_mid_task_fails_only_its_task_and_resumes(project: Project) -> None:
    gate = make_gate(project, "hold")
    runner = project.start("gated", "run", "--n", "3", "--gate", str(gate))
    workers = wait_for(lambda: started_workers(gate, 1, 3), 30, "three body tasks to start")
    victim = workers[1]
    os.kill(victim, signal.SIGKILL)

    fs = project.client(FLOWSCOPE_LOST_AFTER=LOST_AFTER)

    def victim_failed() -> bool:
        tasks = [
            t for t in fs.Run("GatedFlow/1")["body"] if t.metadata_dict.get("pid") == str(victim)
        ]
        return bool(tasks) and tasks[0].finished

    wait_for(victim_failed, 15, "the killed task to be recorded as failed")
    assert not fs.Run("GatedFlow/1").finished  # the other tasks are still running
    (gate / "open").touch()
    assert runner.wait(timeout=30) == 1, project.output_of(runner)
    assert "resume 1" in project.output_of(runner)

    run = fs.Run("GatedFlow/1")
    assert run.finished and not run.successful and run.status == "failed"
    body = {t.metadata_dict["pid"]: t for t in run["body"]}
    killed = body.pop(str(victim))
    assert not killed.successful and "SIGKILL" in killed.exception.message
    assert len(list(killed)) == 0, "a killed attempt shows no artifacts"
    assert all(t.successful for t in body.values())
    assert "join" not in run
    assert_store_sound(project, fs)

    (gate / "hold").unlink()
    (gate / "open").unlink()
    result = project.run("gated", "resume", "1")
    assert result.code == 0, result.output
    resumed = fs.Run("GatedFlow/2")
    assert resumed.successful and resumed.data is not None
    origins = sorted(str(t.origin_pathspec) for t in resumed["body"])
    assert origins.count("None") == 1  # only the killed task ran again
    assert resumed["join"].task.data.total == 30
    assert_store_sound(project, fs)


@pytest.mark.slow
def test_worker_killed_while_storing_artifacts_leaves_nothing_visible(project: Project) -> None:
    gate = make_gate(project, "bomb")
    result = project.run("gated", "run", "--n", "2", "--gate", str(gate), timeout=60)
    assert result.code == 1, result.output

    fs = project.client(FLOWSCOPE_LOST_AFTER=LOST_AFTER)
    run = fs.Run("GatedFlow/1")
    assert run.finished and not run.successful
    for task in run["body"]:
        assert "SIGKILL" in task.exception.message
        assert len(list(task)) == 0, "artifacts of an attempt killed while storing them"
    # a_big was fully stored before the kill: its blob is there, and sound, but belongs to
    # no task until an attempt that finishes records it
    from flowscope.datastore import ContentStore, LocalStorage, save_artifact
    from flowscope.datastore.memory import MemoryStorage

    probe = ContentStore(MemoryStorage())
    key = save_artifact(probe, big_value(0)).sha
    assert (project.store / "blobs" / key[:2] / key).is_file()
    assert_store_sound(project, fs)

    (gate / "bomb").unlink()
    result = project.run("gated", "resume", "1")
    assert result.code == 0, result.output
    resumed = fs.Run("GatedFlow/2")
    assert resumed.successful
    first = min(resumed["body"], key=lambda t: t.index)
    assert first["a_big"].sha == key and first.data.a_big == big_value(0)
    assert ContentStore(LocalStorage(project.store / "blobs")).exists(key)
    assert_store_sound(project, fs)


@pytest.mark.slow
def test_workers_killed_at_random_moments_never_expose_partial_data(project: Project) -> None:
    """Four workers, each storing eight 2 MB artifacts, killed at random moments while a
    reader loads every visible artifact in a loop: a reader never sees a broken artifact."""
    gate = make_gate(project, "heavy")
    fs = project.client(FLOWSCOPE_LOST_AFTER=LOST_AFTER) if project.store.exists() else None
    runner = project.start("gated", "run", "--n", "4", "--gate", str(gate))

    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        client = fs
        while not stop.is_set():
            try:
                if client is None:
                    if (project.store / "metadata.db").exists():
                        client = project.client(FLOWSCOPE_LOST_AFTER=LOST_AFTER)
                    continue
                load_every_artifact(client, "GatedFlow")
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                if "does not exist" not in str(exc):
                    errors.append(exc)
            time.sleep(0.01)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    try:
        workers = wait_for(lambda: started_workers(gate, 1, 4), 30, "four body tasks to start")
        rng = random.Random(os.getpid())
        for pid in workers:
            time.sleep(rng.uniform(0.0, 0.15))
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass  # it finished first: fine
        assert runner.wait(timeout=60) in (0, 1), project.output_of(runner)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not errors, errors[:3]
    client = project.client(FLOWSCOPE_LOST_AFTER=LOST_AFTER)
    run = client.Run("GatedFlow/1")
    assert run.finished
    for task in run["body"]:
        if task.successful:
            assert len([a for a in task if a.id.startswith("heavy_")]) == 8
        else:
            assert len(list(task)) == 0
    assert_store_sound(project, client)
