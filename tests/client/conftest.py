"""Fixtures for the client tests: a metadata backend, and a builder that records runs.

The builder writes records and blobs directly through the provider API, the way the runtime
does, so these tests exercise the client alone. `backend` is parametrized by address: add a
service-backed param here and every client test runs against it too (the builder writes
through `backend.provider`; the client reads through `metadata(backend.address)`).
"""

from __future__ import annotations

import importlib
import io
import json
import sys
import tarfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from flowscope.client.context import CONTEXT
from flowscope.datastore import save_artifact
from flowscope.logs import LogRecord, encode
from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
from flowscope.metastore.records import ArtifactRecord, Fact
from flowscope.metastore.scalars import scalar_text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/pg.py, when run alone
_pg = importlib.import_module("pg")
reset_database = _pg.reset_database

USER = "alice"
SCRIPT = """from flowscope import FlowSpec, step


class HelloFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""
ENV = {
    "python_version": "3.11.7",
    "python_implementation": "CPython",
    "platform": "Linux-x86_64",
    "packages": {"numpy": "1.26.0"},
    "runtime": "local",
    "executable": "/usr/bin/python3",
    "flowscope_version": "0.1.0",
}


@dataclass
class Backend:
    """Where runs are recorded: `provider` to write, `address` for the client's metadata(),
    `env` for the client's settings (a service token)."""

    name: str
    address: str
    provider: Any
    live_dir: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    blob_root: str | None = None  # the directory the backend's blobs are files in
    database: str | None = None  # the service's own database, to record the past directly
    datastore: Any = None  # the ContentStore the backend's runs keep their blobs in

    def blob_file(self, sha: str) -> str:
        """The file holding blob `sha` (to damage it in tests)."""
        from flowscope.datastore import LocalStorage

        if self.blob_root is None:
            return str(self.datastore.storage.locate(sha))
        return LocalStorage(self.blob_root).locate(sha)


def _local_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    from flowscope.config import Settings
    from flowscope.stores import open_stores

    stores = open_stores(str(tmp_path), None, settings=Settings.from_env({}), create=True)
    provider = stores.provider
    return Backend(
        "local", str(tmp_path), provider, live_dir=provider.live_dir, datastore=stores.datastore
    )


def _service_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """A real `flowscope service` process over SQLite (one per session, emptied per test)."""
    pytest.importorskip("starlette")
    pytest.importorskip("uvicorn")
    from flowscope.config import Settings
    from flowscope.stores import open_stores

    service = request.getfixturevalue("sqlite_service")
    reset_database(service.database)
    settings = Settings.from_env({"FLOWSCOPE_SERVICE_TOKEN": service.token})
    stores = open_stores(service.url, None, settings=settings)
    return Backend(
        "service",
        service.url,
        stores.provider,
        datastore=stores.datastore,
        blob_root=service.blob_root,
        env={"FLOWSCOPE_SERVICE_TOKEN": service.token},
        database=service.database,
    )


BACKENDS: dict[str, Callable[[pytest.FixtureRequest, Path], Backend]] = {
    "local": _local_backend,
    "service": _service_backend,
}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    made = BACKENDS[request.param](request, tmp_path)
    yield made
    made.provider.close()


@pytest.fixture
def client(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> Iterator[Backend]:
    """The client context pointed at `backend`, in the namespace of user `alice` (the context
    starts fresh and is reset after the test: tests/conftest.py)."""
    monkeypatch.setenv("FLOWSCOPE_USER", USER)
    for name, value in backend.env.items():
        monkeypatch.setenv(name, value)
    from flowscope.client import metadata

    metadata(backend.address)
    return backend


@pytest.fixture
def builder(backend: Backend) -> Builder:
    return Builder(backend)


# ---- the builder ---------------------------------------------------------------------


@dataclass
class Recorded:
    """A run the builder recorded: its id, and its task ids by step."""

    flow: str
    run_id: int
    tasks: dict[str, list[int]] = field(default_factory=dict)

    @property
    def pathspec(self) -> str:
        return f"{self.flow}/{self.run_id}"

    def task(self, step: str, i: int = 0) -> str:
        return f"{self.flow}/{self.run_id}/{step}/{self.tasks[step][i]}"


def code_tarball(files: dict[str, str], flow_name: str, script: str = "flow.py") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        members = dict(files)
        members[".flowscope_code.json"] = json.dumps(
            {"script_name": script, "flow_name": flow_name, "created_at": 1.0}
        )
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class Builder:
    """Records runs through the provider API. Times advance one second per record, from
    `self.now`, so creation order is unambiguous."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.provider = backend.provider
        self.store = backend.datastore
        self.now = time.time() - 1000.0
        self.inline = False  # record small blobs inline, as the runtime does

    def tick(self) -> float:
        self.now += 1.0
        return self.now

    def blob(self, data: bytes) -> str:
        return self.store.put(data)

    def log(self, *lines: str) -> str | None:
        if not lines:
            return None
        return self.blob(encode(LogRecord(self.tick(), line) for line in lines))

    def artifacts(self, values: dict[str, Any]) -> tuple[ArtifactRecord, ...]:
        records = []
        for name, value in values.items():
            info = save_artifact(self.store, value)
            records.append(  # scalars carried for the query index, as the runtime does
                ArtifactRecord(
                    name,
                    info.sha,
                    info.size,
                    info.type_name,
                    info.serializer,
                    self.now,
                    scalar_text(value),
                    info.inline if self.inline else None,
                )
            )
        return tuple(records)

    def new_run(
        self,
        flow: str,
        *,
        user: str = USER,
        tags: Sequence[str] = (),
        parameters: dict[str, Any] | None = None,
        code: dict[str, str] | None = None,
        created_at: float | None = None,
        command_line: str | None = None,
        origin_run_id: int | None = None,
        datastore: str | None = None,
    ) -> Recorded:
        code_key = None if code is None else self.blob(code_tarball(code, flow))
        record = self.provider.create_run(
            NewRun(
                flow_name=flow,
                user=user,
                user_tags=tuple(tags),
                system_tags=(
                    f"user:{user}",
                    "runtime:local",
                    "python_version:3.11.7",
                    "flowscope_version:0.1.0",
                ),
                parameters=dict(parameters or {}),
                code_key=code_key,
                created_at=self.tick() if created_at is None else created_at,
                command_line=command_line,
                origin_run_id=origin_run_id,
                datastore=datastore,
            )
        )
        return Recorded(flow, record.run_id)

    def next_task_id(self, run: Recorded) -> int:
        return 1 + max((t for ids in run.tasks.values() for t in ids), default=0)

    def task(
        self,
        run: Recorded,
        step: str,
        artifacts: dict[str, Any] | None = None,
        *,
        status: str | None = "succeeded",
        attempts: int = 1,
        foreach_index: int | None = None,
        stdout: Sequence[str] = (),
        stderr: Sequence[str] = (),
        exception: dict[str, Any] | None = None,
        facts: dict[str, str] | None = None,
        env: dict[str, Any] | None = None,
        origin_pathspec: str | None = None,
        started_at: float | None = None,
        stack: Sequence[tuple[str, int, int, bool]] | None = None,
    ) -> int:
        """Record one task. Attempts before the last fail with `exception`; the last ends
        with `status` (None: left running; 'pending': never started). `stack` is the task's
        path through its enclosing splits, frames as the runtime records them."""
        task_id = self.next_task_id(run)
        run.tasks.setdefault(step, []).append(task_id)
        self.provider.create_tasks(
            run.flow,
            run.run_id,
            [
                NewTask(
                    step,
                    task_id,
                    foreach_index=foreach_index,
                    foreach_stack=tuple(list(f) for f in stack)
                    if stack is not None
                    else (() if foreach_index is None else (foreach_index,)),
                    origin_pathspec=origin_pathspec,
                    created_at=self.tick(),
                )
            ],
        )
        if status == "pending":
            return task_id
        env_key = self.blob(json.dumps(env if env is not None else ENV).encode())
        for attempt in range(attempts):
            last = attempt == attempts - 1
            start = started_at if started_at is not None else self.tick()
            self.provider.start_attempts(
                run.flow, run.run_id, [AttemptStart(task_id, attempt, started_at=start)]
            )
            if last and status is None:
                return task_id
            ok = last and status == "succeeded"
            the_facts = {"attempt": str(attempt), "hostname": "host1", "pid": str(1000 + attempt)}
            if origin_pathspec:
                the_facts["origin-pathspec"] = origin_pathspec
            the_facts.update(facts or {})
            self.provider.finish_attempts(
                run.flow,
                run.run_id,
                [
                    AttemptResult(
                        task_id,
                        attempt,
                        "succeeded" if ok else "failed",
                        finished_at=self.tick(),
                        artifacts=self.artifacts(artifacts or {}) if (ok or last) else (),
                        facts=tuple(Fact(k, v, "str", self.now) for k, v in the_facts.items()),
                        stdout_key=self.log(*stdout, f"attempt {attempt}") if stdout else None,
                        stderr_key=self.log(*stderr) if stderr else None,
                        env_key=env_key,
                        exception=None
                        if ok
                        else (
                            exception
                            or {
                                "type": "ValueError",
                                "module": "builtins",
                                "message": f"failure in attempt {attempt}",
                                "traceback": 'Traceback (most recent call last):\n  File "flow.py", '
                                f"line 9, in {step}\nValueError: failure in attempt {attempt}\n",
                            }
                        ),
                    )
                ],
            )
        return task_id

    def finish(self, run: Recorded, status: str = "succeeded") -> Recorded:
        self.provider.finish_run(run.flow, run.run_id, status)
        return run

    # ---- scenarios ---------------------------------------------------------------------
    def hello(
        self,
        flow: str = "HelloFlow",
        *,
        user: str = USER,
        tags: Sequence[str] = (),
        alpha: float = 0.5,
        finish: bool = True,
    ) -> Recorded:
        """_parameters, start, hello, end; each task's index lists all artifacts so far."""
        run = self.new_run(
            flow,
            user=user,
            tags=tags,
            parameters={"alpha": alpha},
            code={"flow.py": SCRIPT, "helpers.py": "X = 1\n"},
        )
        params = {"alpha": alpha}
        self.task(run, "_parameters", params)
        self.task(run, "start", {**params, "x": 1, "_internal": "hidden"}, stdout=["starting"])
        self.task(
            run,
            "hello",
            {**params, "x": 2, "message": "hi"},
            stdout=["hello world"],
            stderr=["a warning"],
        )
        self.task(run, "end", {**params, "x": 3, "message": "hi", "result": [1, 2, 3]})
        if finish:
            return self.finish(run)
        self.provider.heartbeat(run.flow, run.run_id)
        return run

    def foreach(self, n: int, flow: str = "ForeachFlow", *, user: str = USER) -> Recorded:
        run = self.new_run(flow, user=user)
        self.task(run, "_parameters", {})
        self.task(run, "start", {"items": list(range(n))})
        for i in range(n):
            self.task(
                run, "square", {"items": list(range(n)), "input": i, "y": i * i}, foreach_index=i
            )
        self.task(run, "join", {"total": sum(i * i for i in range(n))})
        self.task(run, "end", {"total": sum(i * i for i in range(n))})
        return self.finish(run)

    def failed(self, flow: str = "FailFlow", *, user: str = USER) -> Recorded:
        """start succeeds; `flaky` fails once then succeeds; `bad` fails twice; no end."""
        run = self.new_run(flow, user=user)
        self.task(run, "_parameters", {})
        self.task(run, "start", {"x": 1})
        self.task(run, "flaky", {"x": 2}, attempts=2)
        self.task(
            run,
            "bad",
            {"x": 3},
            status="failed",
            attempts=2,
            stderr=["oops"],
            exception={
                "type": "KeyError",
                "module": "builtins",
                "message": "'missing'",
                "traceback": "Traceback (most recent call last):\n  File "
                "\"flow.py\", line 20, in bad\nKeyError: 'missing'\n",
            },
        )
        return self.finish(run, "failed")

    def running(self, flow: str = "SlowFlow", *, user: str = USER) -> Recorded:
        """start succeeded; `slow` running (heart-beating now); not finished."""
        run = self.new_run(flow, user=user)
        self.task(run, "_parameters", {})
        self.task(run, "start", {"x": 1})
        self.task(run, "slow", status=None, started_at=time.time())
        self.provider.heartbeat(run.flow, run.run_id, [(run.tasks["slow"][0], 0)])
        return run

    def lost(self, flow: str = "LostFlow", *, user: str = USER) -> Recorded:
        """A run whose process died an hour ago: no heartbeat since, from run or task."""
        from flowscope.metastore.db import open_database
        from flowscope.metastore.store import SqlMetadataStore

        old = time.time() - 3600
        if isinstance(self.provider, SqlMetadataStore):
            db = self.provider.db
        else:  # the service: write the past straight into the database it serves
            assert self.backend.database is not None
            db = open_database(self.backend.database)
        past = Builder(self.backend)
        past.provider = SqlMetadataStore(db, clock=lambda: old)  # an hour ago
        past.now = old - 100
        run = past.new_run(flow, user=user)
        past.task(run, "_parameters", {})
        past.task(run, "start", status=None)
        return run


# ---- call counting -------------------------------------------------------------------


class CountingProvider:
    """Wraps a provider and counts the calls made to each method."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return attr(*args, **kwargs)

        return counted

    def describe(self) -> str:
        return self._inner.describe()

    def total(self) -> int:
        return sum(self.calls.values())


@pytest.fixture
def counting(client: Backend) -> CountingProvider:
    """The client reads through a CountingProvider from now on."""
    wrapped = CountingProvider(CONTEXT.provider())
    CONTEXT.use_provider(wrapped)  # type: ignore[arg-type]
    return wrapped
