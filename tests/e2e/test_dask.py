"""`--executor dask` end to end: real `dask scheduler` / `dask worker` processes started in a
directory of their own (tests/dask_clusters.py), flows run as a user would, asserted through
the client. Faults get a cluster of their own; every wait is bounded."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from conftest import FLOWS, Workspace
from dask_clusters import CliCluster


def _wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def on_dask(workspace: Workspace, dask_cluster: CliCluster) -> Workspace:
    workspace.env.update(FLOWSCOPE_EXECUTOR="dask", FLOWSCOPE_DASK_ADDRESS=dask_cluster.address)
    return workspace


@pytest.fixture
def own_cluster(tmp_path: Path) -> Iterator[CliCluster]:
    cluster = CliCluster(tmp_path / "cluster")
    try:
        yield cluster
    finally:
        cluster.stop()


def _children(pids) -> list[psutil.Process]:
    """Every process below the workers: their task hosts and the attempts forked from them."""
    found = []
    for pid in pids:
        try:
            found += psutil.Process(pid).children(recursive=True)
        except psutil.NoSuchProcess:
            pass
    return found


def _attempts(pids) -> list[psutil.Process]:
    """The attempts running on the workers: the forks of their task hosts (the hosts, their
    direct children, stay between attempts)."""
    found = []
    for pid in pids:
        for host in _children([pid]):
            try:  # a fork may end between the listing and the look
                if host.ppid() == pid:
                    found += host.children(recursive=True)
            except psutil.NoSuchProcess:
                pass
    return found


def test_every_task_runs_on_a_worker_and_records_where(on_dask, dask_cluster):
    result = on_dask.run("dask_probe", "run")
    assert result.code == 0, result.output
    workers = dask_cluster.worker_pids()
    fs = on_dask.client()
    run = fs.Flow("DaskProbeFlow").latest_run
    tasks = [t for s in run for t in s]
    assert len(tasks) == 6  # start, 3 x work, join, end
    for task in tasks:
        meta = task.metadata_dict
        assert meta["runtime"] == "dask"
        assert meta["worker"] in workers  # a worker of this cluster
        assert meta["hostname"] == socket.gethostname()
        assert int(meta["pid"]) not in (os.getpid(), *workers.values())  # a fork of a host
    assert len({t.metadata_dict["pid"] for t in tasks}) == 6  # each attempt its own fork
    assert run["join"].task.data.values == [0, 10, 20]
    assert sorted(t.stdout.split(" on ")[0] for t in run["work"]) == ["item 0", "item 1", "item 2"]


def test_isolation_host_runs_the_attempts_in_the_workers_task_hosts(on_dask, dask_cluster):
    """--dask-isolation host: no fork per attempt; the same semantics for a plain flow, and
    the output that goes through print() is still each task's own."""
    result = on_dask.run("dask_probe", "run", "--dask-isolation", "host")
    assert result.code == 0, result.output
    workers = dask_cluster.worker_pids()
    run = on_dask.client().Flow("DaskProbeFlow").latest_run
    tasks = [t for s in run for t in s]
    hosts = {(t.metadata_dict["worker"], t.metadata_dict["pid"]) for t in tasks}
    assert len({pid for _, pid in hosts}) == len(hosts) <= 2 * len(workers)  # a few hosts
    assert all(int(pid) not in workers.values() for _, pid in hosts)
    assert run["join"].task.data.values == [0, 10, 20]
    assert sorted(t.stdout.split(" on ")[0] for t in run["work"]) == ["item 0", "item 1", "item 2"]


def test_run_namespace_reaches_the_steps_on_the_workers(on_dask):
    result = on_dask.run("family_cli", "run", "--namespace", "team:vision")
    assert result.code == 0, result.output
    fs = on_dask.client()
    assert fs.Flow("FamilyCliFlow").latest_run["start"].task.data.seen_namespace == "team:vision"
    assert on_dask.run("family_cli", "run", "--namespace=").code == 0  # every namespace
    assert fs.Flow("FamilyCliFlow").latest_run["start"].task.data.seen_namespace is None
    assert on_dask.run("family_cli", "run").code == 0  # the same task hosts: not left over
    seen = fs.Flow("FamilyCliFlow").latest_run["start"].task.data.seen_namespace
    assert seen == f"user:{on_dask.env['FLOWSCOPE_USER']}"


def test_a_wide_foreach_goes_in_bundles_each_task_its_own_fork(on_dask, dask_cluster):
    result = on_dask.run("family_cli", "run", "--n", "40", "--max-workers", "16")
    assert result.code == 0, result.output
    run = on_dask.client().Flow("FamilyCliFlow").latest_run
    body = list(run["body"])
    assert len(body) == 40 and run.data.total == sum(range(40))
    assert len({t.metadata_dict["pid"] for t in body}) == 40  # never two tasks in one process
    assert {t.metadata_dict["worker"] for t in body} <= set(dask_cluster.worker_pids())


def test_a_running_tasks_output_is_readable_before_it_ends(on_dask):
    import flowscope
    from flowscope.errors import FlowscopeError

    gate = on_dask.root / "gate"
    script = on_dask.root / "dask_probe.py"
    script.write_text((FLOWS / "dask_probe.py").read_text())
    proc = subprocess.Popen(
        [sys.executable, str(script), "run", "--mode", "wait", "--gate", str(gate)],
        cwd=on_dask.root,
        env=on_dask.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def waiting_task():
        try:
            flowscope.metadata(str(on_dask.root))
            flowscope.namespace(None)
            for task in flowscope.Step("DaskProbeFlow/1/work"):
                if "waiting for the gate" in task.stdout:
                    return task
        except (FlowscopeError, KeyError):
            return None
        return None

    try:
        task = _wait_for(waiting_task, 60, "a running task's output")
        assert not task.finished and task.status == "running"
        gate.touch()
        assert proc.wait(timeout=90) == 0
        task.refresh()
        assert task.finished and task.stdout.endswith("waiting for the gate\nafter the gate\n")
    finally:
        gate.touch()
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_a_gpu_step_runs_only_on_the_worker_that_declares_one(on_dask, dask_cluster):
    result = on_dask.run("dask_gpu", "run")
    assert result.code == 0, result.output
    fs = on_dask.client()
    run = fs.Flow("DaskGpuFlow").latest_run
    with_gpu = {a for a, w in dask_cluster_resources(dask_cluster).items() if w.get("GPU", 0) >= 1}
    assert run["start"].task.metadata_dict["worker"] in with_gpu
    assert '"gpu": 1' in run["start"].task.metadata_dict["resources"]


def dask_cluster_resources(cluster: CliCluster) -> dict[str, dict[str, float]]:
    from distributed import Client

    with Client(cluster.address, timeout=20, set_as_default=False) as client:
        workers = client.scheduler_info(n_workers=-1)["workers"]
        return {a: dict(w.get("resources") or {}) for a, w in workers.items()}


def test_a_task_no_worker_can_take_fails_at_once_naming_the_resource(on_dask):
    began = time.time()
    result = on_dask.run("dask_probe", "run", "--with", "resources:gpu=2", timeout=60)
    assert result.code == 1
    assert time.time() - began < 45  # never waits for a worker that will not come
    assert "GPU=2" in result.output and "--resources" in result.output
    fs = on_dask.client()
    start = fs.Flow("DaskProbeFlow").latest_run["start"].task
    assert "GPU" in start.exception.message


def test_a_module_the_workers_lack_is_named_with_the_worker(on_dask, tmp_path):
    only_here = tmp_path / "client_only"
    only_here.mkdir()
    (only_here / "only_on_the_client.py").write_text("VALUE = 1\n")
    on_dask.env["PYTHONPATH"] = os.pathsep.join([on_dask.env.get("PYTHONPATH", ""), str(only_here)])
    result = on_dask.run("dask_probe", "run", "--mode", "missing-module")
    assert result.code == 1
    fs = on_dask.client()
    task = next(iter(fs.Flow("DaskProbeFlow").latest_run["work"]))
    message = task.exception.message
    assert "only_on_the_client" in message and "Dask worker tcp://127.0.0.1:" in message


def test_a_datastore_the_workers_cannot_reach_is_refused_before_the_run(workspace, own_cluster):
    """A worker in its own mount namespace with an empty tmpfs over the workspace: the
    workspace's datastore directory is not there for it (a remote worker, as far as it can
    tell). Nothing is recorded, and the message says what to use instead."""
    own_cluster.start([])  # w0 sees the datastore: the probe must ask every worker
    mask = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
            f'mount -t tmpfs none "{workspace.root}" && exec "$0" "$@"']  # fmt: skip
    own_cluster.add_worker([], name="masked", prefix=mask)
    own_cluster.wait_for_workers(2)
    workspace.env.update(FLOWSCOPE_EXECUTOR="dask", FLOWSCOPE_DASK_ADDRESS=own_cluster.address)
    result = workspace.run("linear", "run", timeout=90)
    assert result.code == 1
    assert "cannot read the run's datastore" in result.output
    assert "every worker reaches" in result.output
    assert "Traceback" not in result.output
    assert "started by" not in result.output  # refused before the run was recorded


def test_a_worker_killed_mid_task_fails_that_attempt_and_retry_applies(workspace, own_cluster):
    own_cluster.start([], [])
    workspace.env.update(FLOWSCOPE_EXECUTOR="dask", FLOWSCOPE_DASK_ADDRESS=own_cluster.address)
    result = workspace.run("dask_probe", "run", "--mode", "kill-worker", timeout=120)
    assert result.code == 0, result.output
    fs = workspace.client()
    run = fs.Flow("DaskProbeFlow").latest_run
    first = next(t for t in run["work"] if t.index == 0)
    assert first.current_attempt == 1 and first.successful
    attempts = {n: fs.Task(first.pathspec, attempt=n) for n in (0, 1)}
    assert "worker" in attempts[0].exception.message
    first_worker = attempts[0].metadata_dict.get("worker")  # unknown if it died at once
    assert first_worker != attempts[1].metadata_dict["worker"]
    assert run["join"].task.data.values == [0, 10, 20]


def test_what_never_started_in_a_dead_workers_bundle_runs_again_not_retried(workspace, own_cluster):
    """12 tasks on 2 workers go in bundles of 3. With allowed-failures 0 (as the local
    cluster sets it), Dask fails every bundle the killed worker held; only the attempt that
    was running fails (and is retried), the others of its bundles never started and run."""
    allowed = {"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"}
    own_cluster.start([], [], scheduler_env=allowed)
    workspace.env.update(FLOWSCOPE_EXECUTOR="dask", FLOWSCOPE_DASK_ADDRESS=own_cluster.address)
    result = workspace.run(
        "dask_probe", "run", "--mode", "kill-worker", "--width", "12", timeout=180
    )
    assert result.code == 0, result.output
    run = workspace.client().Flow("DaskProbeFlow").latest_run
    retried = sorted(t.index for t in run["work"] if t.current_attempt > 0)
    assert retried == [0], result.output
    assert run["join"].task.data.values == [i * 10 for i in range(12)]


def test_the_scheduler_lost_mid_run_fails_cleanly_with_the_resume_command(workspace, own_cluster):
    own_cluster.start([], [])
    workers = own_cluster.worker_pids()
    workspace.env.update(FLOWSCOPE_EXECUTOR="dask", FLOWSCOPE_DASK_ADDRESS=own_cluster.address)
    script = workspace.root / "dask_probe.py"
    script.write_text((FLOWS / "dask_probe.py").read_text())
    log = workspace.root / "out.txt"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(script), "run", "--mode", "wait", "--gate", "/nonexistent"],
            cwd=workspace.root, env=workspace.env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        _wait_for(lambda: _attempts(workers.values()), 60, "a task running on a worker")
        below = _children(workers.values())  # the task hosts and the attempts
        assert own_cluster.scheduler is not None
        own_cluster.scheduler.kill()
        assert proc.wait(timeout=90) == 1
        output = log.read_text()
        assert "scheduler" in output and "resume 1" in output, output
        assert "Traceback" not in output
        assert not psutil.pid_exists(proc.pid) or psutil.Process(proc.pid).status() == "zombie"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
    own_cluster.stop()
    _wait_for(lambda: not [p for p in below if p.is_running()], 10, "the hosts to end")
    fs = workspace.client()
    assert fs.Flow("DaskProbeFlow").latest_run.successful is False


def test_ctrl_c_cancels_the_attempts_in_flight_on_the_workers(on_dask, dask_cluster):
    workers = dask_cluster.worker_pids()
    script = on_dask.root / "dask_probe.py"
    script.write_text((FLOWS / "dask_probe.py").read_text())
    proc = subprocess.Popen(
        [sys.executable, str(script), "run", "--mode", "wait", "--gate", "/nonexistent"],
        cwd=on_dask.root, env=on_dask.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_for(lambda: _attempts(workers.values()), 60, "a task running on a worker")
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
        assert proc.returncode == 130, output
        assert b"resume" in output
        _wait_for(lambda: not _attempts(workers.values()), 20, "the forks on the workers to end")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_without_an_address_a_local_cluster_runs_it_and_leaves_nothing(workspace):
    """`--executor dask` alone: a LocalCluster sized to this machine, closed with the run;
    `--max-workers 1` keeps one task in flight at a time."""
    result = workspace.run("dask_probe", "run", "--executor", "dask", "--max-workers", "1")
    assert result.code == 0, result.output
    fs = workspace.client()
    run = fs.Flow("DaskProbeFlow").latest_run
    work = sorted(run["work"], key=lambda t: t.started_at)
    assert {t.metadata_dict["runtime"] for t in work} == {"dask"}
    for earlier, later in zip(work, work[1:], strict=False):
        assert earlier.finished_at <= later.started_at  # never two in flight
    root = str(workspace.root)

    def left_behind():
        found = []
        for proc in psutil.process_iter(["cwd", "pid"]):
            if proc.info["cwd"] and proc.info["cwd"].startswith(root) and proc.pid != os.getpid():
                found.append(proc)
        return found

    # the workers are gone; their task hosts see their pipes close and end at once
    _wait_for(lambda: not left_behind(), 10, "the local cluster's processes to end")
