"""Runs whose artifacts, logs and code packages live on a real S3 server (radosgw,
tests/s3.py): every graph shape, resume, a second process reading them through the client
(directly, and through the service's blob proxy), and a server that goes away mid-run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.s3, pytest.mark.slow]
SUMMARIZE = Path(__file__).parent / "summarize.py"
NAMES = {
    "linear": "LinearFlow",
    "branch": "BranchFlow",
    "foreach": "ForeachFlow",
    "nested": "NestedFlow",
    "behaviours": "BehaviourFlow",
}


def _summary(
    workspace,  # type: ignore[no-untyped-def]
    address: str,
    flow: str,
    **env: str,
) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, str(SUMMARIZE), address, flow],
        cwd=workspace.root,
        env={**workspace.env, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    data: dict[str, object] = json.loads(proc.stdout)
    data.pop("provider")
    for name, tasks in data["steps"].items():  # type: ignore[attr-defined]
        # nested foreach tasks share an index: order them by content, not by scheduling
        data["steps"][name] = sorted(tasks, key=lambda t: json.dumps(t, sort_keys=True))  # type: ignore[index]
    return data


def _objects(rgw, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    prefix = url.split("/", 3)[3] + "/"
    pages = rgw.client().get_paginator("list_objects_v2").paginate(Bucket=rgw.bucket, Prefix=prefix)
    return [item["Key"][len(prefix) :] for page in pages for item in page.get("Contents", [])]


@pytest.fixture
def pair(workspace, rgw):  # type: ignore[no-untyped-def]
    """The same directory and script, two stores: `local` keeps its blobs in its store,
    `remote` records to another store (FLOWSCOPE_ROOT) whose runs keep theirs on S3."""
    env = {**workspace.env, **rgw.env()}
    make = type(workspace)
    local = make(workspace.root, {**env, "FLOWSCOPE_ROOT": str(workspace.root / "here")})
    remote = make(workspace.root, {**env, "FLOWSCOPE_ROOT": str(workspace.root / "there")})
    return local, remote


def _store(workspace) -> str:  # type: ignore[no-untyped-def]
    return workspace.env["FLOWSCOPE_ROOT"]


@pytest.mark.parametrize(
    "flow, args",
    [
        ("linear", ["--tag", "team"]),
        ("branch", []),
        ("foreach", ["--n", "12", "--max-workers", "4"]),
        ("nested", []),
        ("behaviours", ["--mode", "catch"]),
    ],
)
def test_a_run_on_s3_reads_the_same_as_a_local_one(pair, rgw, flow, args) -> None:  # type: ignore[no-untyped-def]
    local, remote = pair
    url = rgw.new_url()
    assert local.run(flow, "run", *args).code == 0
    result = remote.run(flow, "--datastore", url, "run", *args)
    assert result.code == 0, result.output
    blobs = Path(_store(remote)) / ".flowscope" / "blobs"
    assert not blobs.exists() or not any(blobs.rglob("*"))  # nothing stored locally
    stored = _objects(rgw, url)
    assert stored and all(name.startswith("blobs/") for name in stored)

    here = _summary(local, _store(local), NAMES[flow])
    # a second process, told only where the data lives
    there = _summary(remote, _store(remote), NAMES[flow], FLOWSCOPE_DATASTORE=url)
    assert here == there and here["successful"] is True


def test_resume_on_s3_clones_what_succeeded(pair, rgw) -> None:  # type: ignore[no-untyped-def]
    _, remote = pair
    url = rgw.new_url()
    remote.env["FLOWSCOPE_DATASTORE"] = url
    marker = remote.root / "fixed"
    first = remote.run("behaviours", "run", "--mode", "resume", "--marker", str(marker))
    assert first.code == 1
    marker.write_text("fixed")
    second = remote.run("behaviours", "resume")
    assert second.code == 0, second.output
    summary = _summary(remote, _store(remote), "BehaviourFlow")
    assert summary["successful"] is True and summary["runs"] == 2
    assert "True" in str(summary["data"]["worked"])  # type: ignore[index]


def test_the_service_keeps_blobs_on_s3_and_serves_them(pair, rgw, service_factory) -> None:  # type: ignore[no-untyped-def]
    local, remote = pair
    url = rgw.new_url()
    service = service_factory(
        str(remote.root / "service.db"), url, env={**rgw.env(), "FLOWSCOPE_USER": "svc"}
    )
    assert local.run("foreach", "run", "--n", "5").code == 0
    remote.env["FLOWSCOPE_SERVICE_TOKEN"] = service.token
    result = remote.run("foreach", "--metadata", service.url, "run", "--n", "5")
    assert result.code == 0, result.output
    assert any(name.startswith("blobs/") for name in _objects(rgw, url))

    no_aws = {name: "" for name in rgw.env()}
    no_aws.update(AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_EC2_METADATA_DISABLED="true")
    # a notebook that cannot reach the bucket reads through the service's blob proxy
    there = _summary(remote, service.url, "ForeachFlow", **no_aws)
    assert there == _summary(local, _store(local), "ForeachFlow")


def test_a_server_gone_mid_run_stops_the_run_and_resume_completes(pair, rgw) -> None:  # type: ignore[no-untyped-def]
    _, remote = pair
    url = rgw.new_url()
    gate = remote.root / "gate"
    remote.env.update(FLOWSCOPE_DATASTORE=url, FLOWSCOPE_DATASTORE_RETRY_TIME="3", GATE=str(gate))
    script = remote.root / "waiting.py"
    script.write_text((Path(__file__).parent / "flows" / "waiting.py").read_text())
    proc = subprocess.Popen(
        [sys.executable, str(script), "run"],
        cwd=remote.root,
        env=remote.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # the wait step has started
            if "first line" in line:
                break
        rgw.stop_gateway()
        gate.write_text("open")
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        rgw.start_gateway()
    assert proc.returncode == 1, out + err
    assert "Traceback" not in err
    assert "did not answer" in err and url in err and "resume 1" in err
    again = remote.run("waiting", "resume", "1")  # the run was recorded failed as it stopped
    assert again.code == 0, again.output
    summary = _summary(remote, _store(remote), "WaitingFlow")
    assert summary["successful"] is True


def test_a_run_records_its_s3_datastore_so_a_reader_needs_no_setting(pair, rgw) -> None:  # type: ignore[no-untyped-def]
    local, remote = pair
    url = rgw.new_url()
    assert local.run("foreach", "run", "--n", "6").code == 0
    remote.env["FLOWSCOPE_INLINE_BLOB_MAX"] = "0"  # every value read from S3
    assert remote.run("foreach", "--datastore", url, "run", "--n", "6").code == 0
    # no FLOWSCOPE_DATASTORE: the run's record says where its data lives
    assert _summary(remote, _store(remote), "ForeachFlow") == _summary(
        local, _store(local), "ForeachFlow"
    )
    del remote.env["FLOWSCOPE_INLINE_BLOB_MAX"]
    assert remote.run("foreach", "--datastore", url, "run", "--n", "6").code == 0
    # small values came inline with the listings: reading them never loads boto3
    script = (
        "import sys; from flowscope import Flow, namespace; namespace(None); "
        "run = Flow('ForeachFlow').latest_run; "
        "values = sorted(t.data.item for t in run['body']); "
        "print(values, 'boto3' in sys.modules)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=remote.root,
        env=remote.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("]")[-1].strip() == "False", proc.stdout


def test_resume_of_an_s3_run_uses_the_origins_datastore(pair, rgw) -> None:  # type: ignore[no-untyped-def]
    _, remote = pair
    url = rgw.new_url()
    marker = remote.root / "fixed-origin"
    first = remote.run(
        "behaviours", "--datastore", url, "run", "--mode", "resume", "--marker", str(marker)
    )
    assert first.code == 1
    marker.write_text("fixed")
    second = remote.run("behaviours", "resume")  # not told where: the origin's datastore
    assert second.code == 0, second.output
    blobs = Path(_store(remote)) / ".flowscope" / "blobs"
    assert not blobs.exists() or not any(p.is_file() for p in blobs.rglob("*"))
    summary = _summary(remote, _store(remote), "BehaviourFlow")
    assert summary["successful"] is True and summary["runs"] == 2


def test_through_the_service_a_run_on_another_bucket_prefix_is_named(
    pair, rgw, service_factory
) -> None:  # type: ignore[no-untyped-def]
    _, remote = pair
    served, other = rgw.new_url(), rgw.new_url()
    service = service_factory(
        str(remote.root / "service2.db"), served, env={**rgw.env(), "FLOWSCOPE_USER": "svc"}
    )
    remote.env["FLOWSCOPE_SERVICE_TOKEN"] = service.token
    ok = remote.run("linear", "--metadata", service.url, "--datastore", served, "run")
    assert ok.code == 0, ok.output
    remote.env["FLOWSCOPE_INLINE_BLOB_MAX"] = "0"  # values only in the datastore
    elsewhere = remote.run("linear", "--metadata", service.url, "--datastore", other, "run")
    assert elsewhere.code == 0, elsewhere.output
    no_aws = {name: "" for name in rgw.env()}
    no_aws.update(AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_EC2_METADATA_DISABLED="true")
    script = (
        "import sys; from flowscope import Flow, metadata, namespace; namespace(None); "
        f"metadata({service.url!r}); runs = {{r.id: r for r in Flow('LinearFlow')}}; "
        "print(runs['1']['end'].task.data.seen)\n"
        "try:\n    runs['2']['end'].task.data.seen\nexcept Exception as e:\n    print(e)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=remote.root,
        env={**remote.env, **no_aws},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    first, error = proc.stdout.strip().splitlines()
    assert first and other in error and "does not serve" in error and service.url in error
