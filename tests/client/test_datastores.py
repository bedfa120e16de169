"""Which datastore the client reads a run's data from (client/datastores.py): the run's
recorded address, the reader's explicit choice, the service's blob proxy, hostile records."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowscope.client import Flow, metadata, namespace
from flowscope.datastore import ContentStore, LocalStorage
from flowscope.errors import BlobNotFound, DataStoreError

from .conftest import USER, Backend, Builder, _local_backend, _service_backend

BIG = list(range(5000))  # stored larger than the inline bound: read from a datastore


@pytest.fixture
def local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Backend]:
    monkeypatch.setenv("FLOWSCOPE_USER", USER)
    backend = _local_backend(None, tmp_path / "meta")  # type: ignore[arg-type]
    yield backend
    backend.provider.close()


@pytest.fixture
def service(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FLOWSCOPE_USER", USER)
    backend = _service_backend(request, tmp_path)
    for name, value in backend.env.items():
        monkeypatch.setenv(name, value)
    yield backend
    backend.provider.close()


def _record_elsewhere(backend: Backend, elsewhere: Path, flow: str = "F") -> tuple[Builder, str]:
    """A run whose blobs live in `elsewhere`, recorded with that address."""
    builder = Builder(backend)
    builder.store = ContentStore(LocalStorage(elsewhere), address=str(elsewhere))
    run = builder.new_run(flow, datastore=str(elsewhere))
    builder.task(run, "start", {"big": BIG})
    builder.finish(run)
    return builder, f"{flow}/{run.run_id}/start/{run.tasks['start'][0]}"


def test_a_run_is_read_from_the_datastore_it_recorded(local: Backend, tmp_path: Path) -> None:
    elsewhere = tmp_path / "team-blobs"
    _record_elsewhere(local, elsewhere)
    metadata(local.address)
    namespace(None)
    artifact = Flow("F")["1"]["start"].task["big"]
    assert artifact.data == BIG
    assert not local.datastore.exists(artifact.sha)  # not in the metadata store's own


def test_runs_without_a_recorded_datastore_read_the_metadata_stores_own(local: Backend) -> None:
    builder = Builder(local)
    run = builder.new_run("F")
    builder.task(run, "start", {"big": BIG})
    metadata(local.address)
    namespace(None)
    assert Flow("F")["1"]["start"].task.data.big == BIG


def test_an_explicit_choice_wins_over_the_recorded_one(
    local: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere, chosen = tmp_path / "team-blobs", tmp_path / "chosen"
    _record_elsewhere(local, elsewhere)
    monkeypatch.setenv("FLOWSCOPE_DATASTORE", str(chosen))
    metadata(local.address)
    namespace(None)
    with pytest.raises(BlobNotFound, match="different datastore"):
        _ = Flow("F")["1"]["start"].task.data.big
    monkeypatch.delenv("FLOWSCOPE_DATASTORE")
    os.rename(elsewhere, chosen)  # the data moved: the explicit choice finds it there
    from flowscope.client.context import CONTEXT

    CONTEXT.set_stores(local.address, str(chosen))
    namespace(None)
    assert Flow("F")["1"]["start"].task.data.big == BIG


@pytest.mark.parametrize(
    "recorded", ["http://127.0.0.1:9/steal-my-token", "https://evil.example/", "ftp://x/y", "x"]
)
def test_a_record_naming_an_address_the_reader_must_not_open_is_refused(
    local: Backend, recorded: str
) -> None:
    builder = Builder(local)
    run = builder.new_run("F", datastore=recorded)
    builder.task(run, "start", {"big": BIG})
    metadata(local.address)
    namespace(None)
    task = Flow("F")["1"]["start"].task
    with pytest.raises(DataStoreError, match="not opened from a record") as info:
        _ = task.data.big
    assert recorded in str(info.value) and "FLOWSCOPE_DATASTORE" in str(info.value)
    assert "\n" not in str(info.value)


def test_a_pickled_object_reads_its_runs_datastore_in_another_process(
    local: Backend, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "team-blobs"
    _record_elsewhere(local, elsewhere)
    metadata(local.address)
    namespace(None)
    pickled = pickle.dumps(Flow("F")["1"]["start"].task["big"])
    script = (
        "import pickle, sys; a = pickle.loads(sys.stdin.buffer.read()); "
        "print(a.data == list(range(5000)))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWSCOPE_")}
    env["FLOWSCOPE_BLOB_CACHE"] = str(tmp_path / "cache")
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=pickled,
        capture_output=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert done.stdout.decode().strip() == "True", done.stderr.decode()


def test_through_the_service_a_run_of_its_blob_root_reads_via_the_proxy(
    service: Backend, tmp_path: Path
) -> None:
    assert service.blob_root is not None
    builder = Builder(service)
    run = builder.new_run("F", datastore=service.blob_root)  # the runner wrote there directly
    builder.task(run, "start", {"big": BIG})
    metadata(service.address)
    namespace(None)
    assert Flow("F")["1"]["start"].task.data.big == BIG


def test_through_the_service_a_run_of_another_datastore_names_both(
    service: Backend, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "team-blobs"
    _record_elsewhere(service, elsewhere)
    metadata(service.address)
    namespace(None)
    with pytest.raises(DataStoreError, match="does not serve") as info:
        _ = Flow("F")["1"]["start"].task.data.big
    message = str(info.value)
    assert str(elsewhere) in message and service.address.rstrip("/") in message
    assert "\n" not in message


def test_run_datastores_give_a_pairs_reader_each_runs_own(local: Backend, tmp_path: Path) -> None:
    from flowscope.client.datastores import RunDatastores
    from flowscope.config import Settings
    from flowscope.stores import Stores

    elsewhere = tmp_path / "team-blobs"
    _record_elsewhere(local, elsewhere)
    plain = Builder(local).new_run("G")
    pair = Stores("local", str(tmp_path / "meta"), local.provider, local.datastore)
    of = RunDatastores(pair, Settings.from_env({"FLOWSCOPE_USER": USER}))
    run = local.provider.get_run("F", 1)
    assert run is not None and of(run).address == str(elsewhere)
    assert of(run) is of(run)  # opened once
    assert of(local.provider.get_run("G", plain.run_id)) is local.datastore
    assert of(None) is local.datastore
    hostile = run.__class__(**{**run.to_dict(), "datastore": "http://evil.example/x"})
    with pytest.raises(DataStoreError, match="not opened from a record"):
        of(hostile)
