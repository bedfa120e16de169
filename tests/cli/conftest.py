"""CLI fixtures: a local store holding one recorded run (written through the provider API, the
way the runtime records), with the client context pointed at it and reset afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from flowscope.datastore import ContentStore, LocalStorage, save_artifact
from flowscope.logs import LogRecord, encode
from flowscope.metastore.local import open_local
from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
from flowscope.metastore.records import ArtifactRecord

USER = "alice"
T0 = 1_700_000_000.0


@dataclass(frozen=True)
class Workspace:
    root: Path  # the directory holding .flowscope
    run: str  # "HelloFlow/1"


def _artifacts(blobs: ContentStore, values: dict[str, object]) -> tuple[ArtifactRecord, ...]:
    out = []
    for name, value in values.items():
        info = save_artifact(blobs, value)
        out.append(ArtifactRecord(name, info.sha, info.size, info.type_name, info.serializer, T0))
    return tuple(out)


@pytest.fixture()
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    store_dir = tmp_path / ".flowscope"
    provider = open_local(store_dir, create=True)
    blobs = ContentStore(LocalStorage(store_dir / "blobs"))  # the local layout: .flowscope/blobs
    try:
        run = provider.create_run(
            NewRun(
                "HelloFlow", USER, user_tags=("mine",), system_tags=(f"user:{USER}",), created_at=T0
            )
        )
        provider.create_tasks(
            "HelloFlow",
            run.run_id,
            [
                NewTask("start", 1, created_at=T0),
                NewTask("body", 2, created_at=T0),
                NewTask("body", 3, created_at=T0),
            ],
        )
        provider.start_attempts(
            "HelloFlow", run.run_id, [AttemptStart(t, 0, T0) for t in (1, 2, 3)]
        )
        results = []
        for task_id, values in (
            (1, {"alpha": 1, "long": "x" * 100}),
            (2, {"alpha": 2}),
            (3, {"alpha": 3}),
        ):
            out = blobs.put(encode([LogRecord(T0 + task_id, f"hello from {task_id}")]))
            err = blobs.put(encode([LogRecord(T0, f"warning {task_id}")]))
            results.append(
                AttemptResult(
                    task_id,
                    0,
                    "succeeded",
                    T0 + 5,
                    _artifacts(blobs, values),
                    stdout_key=out,
                    stderr_key=err,
                )
            )
        provider.finish_attempts("HelloFlow", run.run_id, results)
        provider.finish_run("HelloFlow", run.run_id, "succeeded")
    finally:
        provider.close()
    # the environment and the client context are clean already (tests/conftest.py)
    monkeypatch.setenv("FLOWSCOPE_USER", USER)
    monkeypatch.setenv("FLOWSCOPE_ROOT", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    yield Workspace(tmp_path, f"HelloFlow/{run.run_id}")
