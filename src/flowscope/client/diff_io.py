"""Read what a run diff needs from the stores, then hand it to diff_logic (pure).

Metadata only, in a few queries per run: the run, its parameters, its steps, and its tasks
with their artifact index (one query for all, `list_run_index`). Blobs read: the
environment record (one per distinct environment, usually one per run), the two code
packages when their hashes differ, and the small scalar artifacts whose hashes differ (none
for a scalar whose blob came inline with its record). Each blob is read from its run's own
datastore, the one the run recorded (client/datastores.py).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from flowscope.client.base import visible
from flowscope.client.code import INFO_NAME, Code
from flowscope.client.context import CONTEXT
from flowscope.client.data import load_value
from flowscope.client.diff_logic import (
    RunSnapshot,
    StepSnapshot,
    TaskSnapshot,
    diff_snapshots,
    task_key,
)
from flowscope.client.registry import class_named
from flowscope.errors import ComparisonError, DataStoreError

if TYPE_CHECKING:
    from flowscope.client.diff import RunDiff
    from flowscope.client.run import Run  # for its type only: run.py imports this lazily
    from flowscope.metastore.provider import MetadataProvider
    from flowscope.metastore.records import ArtifactRecord, RunRecord, TaskRecord


def check_runs(runs: Iterable[object], what: str, one_flow: bool = True) -> list[Run]:
    """The arguments, if every one is a Run (of one flow, if `one_flow`); else a
    ComparisonError."""
    run_class = class_named("Run")
    checked: list[Run] = []
    for run in runs:
        if not isinstance(run, run_class):
            raise ComparisonError(
                f"{what} takes Run objects (e.g. Run('TrainFlow/41')), not {type(run).__name__} "
                f"{run!r:.60}."
            )
        checked.append(run)  # type: ignore[arg-type]  # a Run: checked just above
    flows = sorted({r.path_components[0] for r in checked})
    if one_flow and len(flows) > 1:
        raise ComparisonError(
            f"{what} compares runs of one flow, but got runs of {', '.join(map(repr, flows))}: "
            f"pass runs of the same flow."
        )
    return checked


def diff_runs(a: Run, other: object, all_values: bool = False) -> RunDiff:
    """`a.diff(other)`: the RunDiff from run `a` to run `other`."""
    from concurrent.futures import ThreadPoolExecutor

    a, b = check_runs((a, other), "Run.diff")
    # the two runs are read at once: providers keep a connection per thread, and a wait on
    # the database or the service for one run overlaps the other's
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="flowscope-diff") as pool:
        later = pool.submit(_snapshot, b)
        snap_a, record_a = _snapshot(a)
        snap_b, record_b = later.result()
    providers, runs = _sources([(a._provider, record_a), (b._provider, record_b)])
    return diff_snapshots(
        snap_a,
        snap_b,
        lambda records: load_scalars(providers, records, runs),
        lambda key: code_files(providers, key, f"{a.pathspec} or {b.pathspec}", runs),
        all_values=all_values,
    )


def snapshot(run: Run) -> RunSnapshot:
    """The metadata of a run that a diff compares."""
    return _snapshot(run)[0]


def _snapshot(run: Run) -> tuple[RunSnapshot, RunRecord]:
    provider = run._provider
    flow, run_id = run.path_components
    rid = int(run_id)
    record = run._fetch()  # the latest status, even if the object was made earlier
    index = provider.list_run_index(flow, rid)  # every task and its artifacts: one call
    tasks: dict[str, list[TaskRecord]] = {}
    for task in index.tasks:
        tasks.setdefault(task.step_name, []).append(task)
    artifacts = index.artifacts
    steps: dict[str, StepSnapshot] = {}
    for step in provider.list_steps(flow, rid):
        name = step.step_name
        if not visible(name):
            continue  # internal steps: `_parameters` is diffed as the parameters
        steps[name] = StepSnapshot(
            name, tuple(_task(t, artifacts.get(t.task_id, ())) for t in tasks.get(name, ()))
        )
    return RunSnapshot(
        pathspec=run.pathspec,
        flow=flow,
        status=record.status,
        user=record.user,
        created_at=record.created_at,
        finished_at=record.finished_at,
        parameters=provider.get_parameters(flow, rid),
        steps=steps,
        code_key=record.code_key,
        environment=_environment(
            provider, record, [t for ts in tasks.values() for t in ts], run.pathspec
        ),
        tags=record.tags,
    ), record


def _task(record: TaskRecord, artifacts: Iterable[ArtifactRecord]) -> TaskSnapshot:
    return TaskSnapshot(
        pathspec=record.pathspec,
        key=task_key(record.foreach_stack, record.foreach_index),
        status=record.status,
        artifacts={a.name: a for a in artifacts if visible(a.name)},
        started_at=record.started_at,
        finished_at=record.finished_at,
    )


def _environment(
    provider: MetadataProvider, run: RunRecord, tasks: list[TaskRecord], owner: str
) -> dict[str, Any] | None:
    """The environment most of the run's own tasks ran in (tasks cloned by a resume ran in
    the original run's, and count only when no task ran anew)."""
    own = [t.env_key for t in tasks if t.env_key is not None and t.origin_pathspec is None]
    keys = own or [t.env_key for t in tasks if t.env_key is not None]
    if not keys:
        return None
    key = Counter(keys).most_common(1)[0][0]
    assert key is not None
    raw = _blob(provider, run, key, f"the environment record of {owner}")
    try:
        env = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataStoreError(
            f"The environment record of {owner} is not valid JSON ({exc})."
        ) from exc
    return env if isinstance(env, dict) else None


def _blob(provider: MetadataProvider, run: RunRecord, key: str, what: str) -> bytes:
    try:
        return bytes(CONTEXT.datastore_for(provider, run).get(key))
    except DataStoreError as exc:
        raise type(exc)(f"Could not read {what}: {exc}") from exc


def load_scalars(
    providers: list[MetadataProvider],
    records: Iterable[ArtifactRecord],
    runs: Sequence[RunRecord | None] | None = None,
) -> dict[str, Any]:
    """The values of small scalar artifacts by sha: from the query index's text when the
    record carries it, else each distinct blob loaded once (from its inline copy, or from
    the first run's datastore, then the second's when the runs keep their data apart).
    `runs[i]` is the run read through `providers[i]` (None: the provider's own datastore)."""
    owners = list(runs) if runs is not None else [None] * len(providers)
    unique = {r.sha: r for r in records}
    values: dict[str, Any] = {}
    for sha, record in unique.items():
        indexed = _indexed(record)
        if indexed is not _NOT_INDEXED:
            values[sha] = indexed
            continue
        for i, (provider, run) in enumerate(zip(providers, owners, strict=True)):
            try:
                what = f"{record.name!r} ({sha[:12]})"
                values[sha] = load_value(provider, record, what, run=run)
                break
            except DataStoreError:
                if i == len(providers) - 1:
                    raise
    return values


_NOT_INDEXED = object()


def _indexed(record: ArtifactRecord) -> Any:
    """The value a record carries as the query index's JSON text (`scalar`, where a
    provider returns it), else _NOT_INDEXED: then the blob is read."""
    text = getattr(record, "scalar", None)
    if not isinstance(text, str):
        return _NOT_INDEXED
    try:
        return json.loads(text)
    except ValueError:
        return _NOT_INDEXED


def code_files(
    providers: list[MetadataProvider],
    key: str,
    owner: str,
    runs: Sequence[RunRecord | None] | None = None,
) -> Mapping[str, bytes]:
    """The files of a code package by path (its info record left out: it holds a time),
    read from the first run's datastore that has it (`runs` as for `load_scalars`)."""
    import tarfile

    owners = list(runs) if runs is not None else [None] * len(providers)
    for i, (provider, run) in enumerate(zip(providers, owners, strict=True)):
        try:
            with Code._make(provider, key, owner, run).tarball as tar:
                files: dict[str, bytes] = {}
                for member in tar.getmembers():
                    if not member.isfile() or member.name == INFO_NAME:
                        continue
                    handle = tar.extractfile(member)
                    if handle is not None:
                        files[member.name] = handle.read()
                return files
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise DataStoreError(f"The code package of {owner} cannot be read: {exc}") from exc
        except DataStoreError:
            if i == len(providers) - 1:
                raise
    return {}  # pragma: no cover  (no providers)


def _sources(
    pairs: list[tuple[MetadataProvider, RunRecord]],
) -> tuple[list[MetadataProvider], list[RunRecord | None]]:
    """The distinct places the runs' blobs live: one (provider, run) per provider and
    recorded datastore."""
    seen: list[tuple[MetadataProvider, RunRecord]] = []
    for provider, run in pairs:
        if not any(p is provider and r.datastore == run.datastore for p, r in seen):
            seen.append((provider, run))
    return [p for p, _ in seen], [r for _, r in seen]
