"""A run's work in a form another machine can rebuild: what a remote executor ships.

`RunWork` holds two live objects, the flow class and the content store. A remote worker has
neither: it has the Python environment and the datastore. `PortableWork` replaces them by
what rebuilds them there:

- the flow class: the run's code package (a blob in the datastore, `RunWork.code_key`),
  unpacked once into a per-run cache directory on the worker, the flow file imported from it
  under a private module name, then prepared with the run's configs and `--with` decorators
  as the command line prepared it (`flow.prepare`). Without a code package (a flow class
  defined in an importable module), the module is imported by name;
- the store: opened from its address.

`rebuild()` is memoized per worker process (`WorkCache`), so a run's code is unpacked and
imported once per worker, not once per task. Everything here is plain picklable data.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import io
import json
import os
import sys
import tarfile
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from flowscope.errors import ConfigError, RunError
from flowscope.runtime.task import RunWork

CODE_CACHE_ENV = "FLOWSCOPE_CODE_CACHE"  # where workers unpack code packages (else tmp)


@dataclass(frozen=True)
class FlowSource:
    """Where a worker finds the flow: the datastore's address, the flow class's name and
    module, and how the command line prepared the class."""

    datastore: str
    class_name: str
    module: str
    configs: Mapping[str, Any] = field(default_factory=dict)
    with_decorators: tuple[str, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)  # see `travelling`
    isolation: str = "fork"  # how a worker runs each attempt (runtime/task_host.py)
    inline_max: int = 0  # the run's bound on the inline copies of small blobs (ContentStore)

    @classmethod
    def of(
        cls,
        flow_cls: type,
        datastore: str,
        configs: Mapping[str, Any] | None = None,
        with_decorators: tuple[str, ...] = (),
        environment: Mapping[str, str] | None = None,
        isolation: str = "fork",
        inline_max: int = 0,
    ) -> FlowSource:
        return cls(
            datastore,
            flow_cls.__name__,
            flow_cls.__module__,
            dict(configs or {}),
            with_decorators,
            dict(environment or {}),
            isolation,
            inline_max,
        )


# The runner's settings that travel with each task: policies (numbers), never secrets, nor
# what names a place on the runner's machine (its store, its caches), nor the executor's own.
TRAVELLING_SETTINGS = (
    "FLOWSCOPE_SERVICE_TIMEOUT",
    "FLOWSCOPE_SERVICE_MAX_ANSWER_MB",
    "FLOWSCOPE_SERVICE_MAX_BLOB_MB",
    "FLOWSCOPE_SERVICE_MIN_RATE_MB",
    "FLOWSCOPE_DATASTORE_RETRY_TIME",
    "FLOWSCOPE_HEARTBEAT_INTERVAL",
    "FLOWSCOPE_LOST_AFTER",
    "FLOWSCOPE_CARD_TIMEOUT",
    "FLOWSCOPE_CARD_MAX_MB",
    "FLOWSCOPE_CARD_REFRESH_INTERVAL",
)
# Never sent, even when FLOWSCOPE_DASK_ENV names them: a worker needs its own.
STAY_HOME = ("FLOWSCOPE_SERVICE_TOKEN", "FLOWSCOPE_SERVICE_TOKEN_FILE", "FLOWSCOPE_USER")


def travelling(env: Mapping[str, str], extra: tuple[str, ...] = ()) -> dict[str, str]:
    """The variables of the runner's environment `env` a task on another machine runs with:
    the policy settings set here (TRAVELLING_SETTINGS), and the names in `extra`
    (FLOWSCOPE_DASK_ENV) that are set. They cross the engine's wire in clear, so secrets
    stay home: the service token is refused, and a worker reads its own (or @secrets)."""
    for name in extra:
        if name in STAY_HOME:
            raise ConfigError(
                f"FLOWSCOPE_DASK_ENV names {name}, which is never sent to Dask workers (it "
                f"would cross the wire in clear, or is the run's own); set it on the workers."
            )
    return {n: env[n] for n in (*TRAVELLING_SETTINGS, *extra) if n in env}


@dataclass(frozen=True)
class PortableWork:
    """`RunWork` without its live objects, plus the `FlowSource` that rebuilds them."""

    source: FlowSource
    values: Mapping[str, Any]  # every RunWork field but flow_cls and store

    @classmethod
    def of(cls, work: RunWork, source: FlowSource) -> PortableWork:
        skip = {"flow_cls", "store"}
        values = {f.name: getattr(work, f.name) for f in fields(work) if f.name not in skip}
        if work.cards.live_dir is not None:  # the runner's directory, not the workers':
            values["cards"] = replace(work.cards, live_dir=None)  # cards show when tasks end
        return cls(source, values)

    def task_environment(self) -> dict[str, str]:
        """The variables set in each attempt's process: the run's user (so that what a task
        reads through the client, current.run or current.task, is in that user's namespace,
        as on the runner's machine), then the travelling ones."""
        user = self.values.get("user")
        return {**self.source.environment, **({"FLOWSCOPE_USER": str(user)} if user else {})}

    @property
    def cache_key(self) -> str:
        """Identifies the rebuilt class: the code, the configs and the decorators added."""
        text = json.dumps(
            [
                self.values.get("code_key"),
                self.source.module,
                self.source.class_name,
                self.source.configs,
                self.source.with_decorators,
            ],
            sort_keys=True,
            default=repr,
        )
        return hashlib.sha256(text.encode()).hexdigest()[:20]

    def rebuild(self, cache_dir: Path | None = None) -> RunWork:
        """The run's `RunWork`, rebuilt in this process (code unpacked and imported here)."""
        from flowscope.datastore import ContentStore, open_storage
        from flowscope.flow.prepare import attach_everywhere, prepare

        store = ContentStore(open_storage(self.source.datastore), inline_max=self.source.inline_max)
        code_key = self.values.get("code_key")
        if code_key:
            root = unpack_code(store, code_key, cache_dir or code_cache_dir())
            flow_cls = _load_class(root, self.source.class_name, f"_fs_flow_{self.cache_key}")
        else:
            module = importlib.import_module(self.source.module)
            flow_cls = getattr(module, self.source.class_name)
        prepare(flow_cls, self.source.configs)
        attach_everywhere(flow_cls, list(self.source.with_decorators))
        work = RunWork(flow_cls=flow_cls, store=store, **self.values)
        warm(work)
        return work


def warm(work: RunWork) -> None:
    """Do once, in a process that forks one child per attempt, what every child would
    otherwise redo: parse the steps' source, load the card renderer (for a flow with cards),
    load the content hasher."""
    import importlib

    from flowscope.flow.spec import warm_static
    from flowscope.runtime.cards import warm_cards

    warm_static(work.flow_cls, list(work.rules))
    warm_cards(work.flow_cls, work.rules)
    importlib.import_module("blake3")  # what an artifact's address is computed with


def code_cache_dir() -> Path:
    """The worker's code cache: FLOWSCOPE_CODE_CACHE, else a directory in the temp dir."""
    configured = os.environ.get(CODE_CACHE_ENV, "").strip()
    return Path(configured) if configured else Path(tempfile.gettempdir()) / "flowscope-code"


def unpack_code(store: Any, code_key: str, cache_dir: Path) -> Path:
    """The code package `code_key`, unpacked (once; atomically) under `cache_dir`."""
    target = cache_dir / code_key
    if target.is_dir():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{code_key[:12]}-", dir=cache_dir))
    try:
        with tarfile.open(fileobj=io.BytesIO(bytes(store.get(code_key))), mode="r:gz") as tar:
            tar.extractall(staging, filter="data")  # no absolute paths, links out, devices
        try:
            os.rename(staging, target)
        except OSError:  # another worker process unpacked it first
            if not target.is_dir():
                raise
    finally:
        if staging.exists():
            import shutil

            shutil.rmtree(staging, ignore_errors=True)
    return target


def _load_class(root: Path, class_name: str, module_name: str) -> type:
    from flowscope.runtime.recording import CODE_INFO_NAME

    try:
        info = json.loads((root / CODE_INFO_NAME).read_text())
        script = root / str(info["script_name"])
    except (OSError, ValueError, KeyError) as exc:
        raise RunError(f"The run's code package in {root} has no readable index ({exc}).") from None
    module = sys.modules.get(module_name)
    if module is None:
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))  # the modules beside the flow file
        spec = importlib.util.spec_from_file_location(module_name, script)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]
            raise
    flow_cls = getattr(module, class_name, None)
    if not isinstance(flow_cls, type):
        raise RunError(f"The run's code package has no flow class {class_name} in {script.name}.")
    return flow_cls


class WorkCache:
    """The rebuilt works of one worker process, by `PortableWork.cache_key` (a few runs)."""

    def __init__(self, keep: int = 8) -> None:
        self.keep = keep
        self._works: dict[str, RunWork] = {}
        self._lock = threading.Lock()

    def get(self, portable: PortableWork) -> RunWork:
        key = portable.cache_key
        with self._lock:
            work = self._works.get(key)
            if work is None:
                work = portable.rebuild()
                if len(self._works) >= self.keep:
                    self._works.pop(next(iter(self._works)))
                self._works[key] = work
            return work
