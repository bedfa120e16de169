"""Team mode end to end: flows recorded to a real `flowscope service` over a real PostgreSQL,
inspected from a second process, answer exactly as the same flows recorded locally."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SUMMARIZE = Path(__file__).parent / "summarize.py"


def _summary(workspace, address: str, flow: str) -> dict:
    proc = subprocess.run(
        [sys.executable, str(SUMMARIZE), address, flow],
        cwd=workspace.root,
        env=workspace.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data.pop("provider") == ("local" if address.startswith("/") else "service")
    return data


@pytest.mark.parametrize(
    "flow, args",
    [
        ("linear", ["--tag", "team"]),
        ("branch", []),
        ("foreach", ["--n", "25", "--max-workers", "4"]),
        ("behaviours", ["--mode", "catch"]),
        ("gang", ["--width", "3"]),
        ("compat", []),
    ],
)
def test_a_run_recorded_to_the_service_reads_the_same_as_a_local_one(
    workspace, pg_service, flow, args
):
    from pg import reset_database

    reset_database(pg_service.database)
    local = workspace.run(flow, "run", *args)
    assert local.code == 0, local.output
    workspace.env["FLOWSCOPE_SERVICE_TOKEN"] = pg_service.token
    remote = workspace.run(flow, "--metadata", pg_service.url, "run", *args)
    assert remote.code == 0, remote.output
    assert "Run " in remote.stdout and "/1 succeeded" in remote.stdout

    name = {
        "linear": "LinearFlow",
        "branch": "BranchFlow",
        "foreach": "ForeachFlow",
        "behaviours": "BehaviourFlow",
        "gang": "GangFlow",
        "compat": "CompatFlow",
    }[flow]
    here = _summary(workspace, str(workspace.root), name)
    there = _summary(workspace, pg_service.url, name)
    assert here == there
    assert here["successful"] is True and here["steps"]


def test_the_service_url_from_the_environment_records_there(workspace, pg_service):
    from pg import reset_database

    reset_database(pg_service.database)
    workspace.env.update(
        FLOWSCOPE_SERVICE_URL=pg_service.url, FLOWSCOPE_SERVICE_TOKEN=pg_service.token
    )
    result = workspace.run("linear", "run")
    assert result.code == 0, result.output
    assert not (workspace.root / ".flowscope").exists()  # nothing recorded locally
    summary = _summary(workspace, pg_service.url, "LinearFlow")
    assert summary["runs"] == 1 and summary["successful"]


def test_a_wrong_token_is_a_clear_error_before_anything_runs(workspace, pg_service):
    workspace.env["FLOWSCOPE_SERVICE_TOKEN"] = "not-the-token"
    result = workspace.run("linear", "--metadata", pg_service.url, "run")
    assert result.code != 0
    assert "token" in result.stderr.lower() and "Traceback" not in result.output


def _wait_for(predicate, seconds: float, what: str):
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("remote", [False, True], ids=["local", "service"])
def test_a_running_tasks_output_so_far_is_readable(workspace, pg_service, remote, monkeypatch):
    """While a task runs, its output so far reads through the client: from the live log file
    in local mode, from the blobs the runner heartbeats to the service in team mode."""
    import shutil

    import flowscope
    from flowscope.errors import FlowscopeError
    from pg import reset_database

    gate = workspace.root / "gate"
    workspace.env["GATE"] = str(gate)
    address, args = str(workspace.root), []
    if remote:
        reset_database(pg_service.database)
        workspace.env["FLOWSCOPE_SERVICE_TOKEN"] = pg_service.token
        monkeypatch.setenv("FLOWSCOPE_SERVICE_TOKEN", pg_service.token)
        address, args = pg_service.url, ["--metadata", pg_service.url]
    script = workspace.root / "waiting.py"
    shutil.copy(Path(__file__).parent / "flows" / "waiting.py", script)
    proc = subprocess.Popen(
        [sys.executable, str(script), *args, "run"],
        cwd=workspace.root,
        env=workspace.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def running_task():
        try:
            flowscope.metadata(address)
            flowscope.namespace(None)
            task = flowscope.Step("WaitingFlow/1/wait").task
        except (FlowscopeError, KeyError):  # no store, run or task yet
            return None
        return task if task.stdout == "first line\n" else None

    try:
        task = _wait_for(running_task, 30, "the running task's first line")
        assert not task.finished and task.status == "running"
        assert task.stderr == "a warning\n"
        gate.touch()
        assert proc.wait(timeout=60) == 0
        task.refresh()
        assert task.finished and task.stdout == "first line\nafter the gate\n"
    finally:
        gate.touch()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


DATASTORE_FLOW = """
import os
from flowscope import FlowSpec, step

class DataFlow(FlowSpec):
    @step
    def start(self):
        self.token = os.environ["TOKEN"]  # unique per test: blobs no earlier run stored
        print("hello", self.token)
        self.next(self.end)

    @step
    def end(self):
        self.shout = self.token.upper()

if __name__ == "__main__":
    DataFlow()
"""

READ_ARTIFACTS = """
import json
from flowscope import Flow, get_metadata, namespace
from flowscope.errors import FlowscopeError
namespace(None)
run = Flow("DataFlow").latest_run
try:
    print(json.dumps({
        "metadata": get_metadata(),
        "data": [run.data.token, run.data.shout],
        "stdout": run["start"].task.stdout,
        "shas": sorted(a.sha for a in run["end"].task),
    }))
except FlowscopeError as exc:
    print(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
"""


def _read_artifacts(workspace, env: dict[str, str]) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", READ_ARTIFACTS],
        cwd=workspace.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_metadata_on_the_service_and_blobs_in_a_directory(workspace, pg_service, tmp_path):
    """`--metadata URL --datastore DIR`: records go to the service, every blob to DIR; a second
    process reads the artifacts with FLOWSCOPE_SERVICE_URL and FLOWSCOPE_DATASTORE set."""
    import uuid

    from flowscope.datastore import LocalStorage
    from pg import reset_database

    reset_database(pg_service.database)
    blobs, token = tmp_path / "team-blobs", uuid.uuid4().hex
    (workspace.root / "data.py").write_text(DATASTORE_FLOW)
    workspace.env.update(FLOWSCOPE_SERVICE_TOKEN=pg_service.token, TOKEN=token)
    result = workspace.run("data", "--metadata", pg_service.url, "--datastore", str(blobs), "run")
    assert result.code == 0, result.output
    assert not (workspace.root / ".flowscope").exists()  # nothing recorded locally

    reader = {**workspace.env, "FLOWSCOPE_SERVICE_URL": pg_service.url}
    seen = _read_artifacts(workspace, {**reader, "FLOWSCOPE_DATASTORE": str(blobs)})
    assert seen["metadata"] == f"service@{pg_service.url}"
    assert seen["data"] == [token, token.upper()]
    assert seen["stdout"] == f"hello {token}\n"
    in_dir, on_service = LocalStorage(blobs), LocalStorage(pg_service.blob_root)
    assert seen["shas"] and all(in_dir.exists(sha) for sha in seen["shas"])
    assert not any(on_service.exists(sha) for sha in seen["shas"])

    # without the datastore setting: the run records DIR, which the service does not serve
    missing = _read_artifacts(workspace, reader)
    assert missing["error"] == "DataStoreError", missing
    assert "does not serve" in missing["message"] and str(blobs) in missing["message"]


def test_a_bad_datastore_address_is_refused_before_anything_is_recorded(workspace):
    result = workspace.run("linear", "--datastore", "ftp://example.org/blobs", "run")
    assert result.code != 0
    assert "ftp://example.org/blobs" in result.stderr and "Traceback" not in result.output
    assert not (workspace.root / ".flowscope").exists()


def test_current_and_its_client_objects_work_on_the_service(workspace, pg_service, monkeypatch):
    from test_behaviours import check_current

    import flowscope
    from pg import reset_database

    reset_database(pg_service.database)
    workspace.env["FLOWSCOPE_SERVICE_TOKEN"] = pg_service.token
    monkeypatch.setenv("FLOWSCOPE_SERVICE_TOKEN", pg_service.token)
    result = workspace.run("current_fields", "--metadata", pg_service.url, "run", "--tag", "mine")
    assert result.code == 0, result.output
    assert not (workspace.root / ".flowscope" / "metadata.db").exists()
    flowscope.metadata(pg_service.url)
    flowscope.namespace(None)
    check_current(flowscope.Flow("CurrentFlow").latest_run)
