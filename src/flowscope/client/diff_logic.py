"""Build a RunDiff from two runs' metadata snapshots. Pure: the stores are read by the
callers (diff_io.py), which hand in snapshots and two loaders (scalar values by artifact,
code package files by key), so this module is tested with plain values.

Tasks are matched by their foreach position, artifacts by name and compared by content hash
(equal hashes are equal values, nothing is loaded). Scalar values are asked for only for the
artifacts that differ (unless `all_values`), so a diff of two large, mostly equal runs loads
almost nothing.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flowscope.client.diff import RunDiff
from flowscope.client.diff_values import (
    CHANGED,
    SAME,
    ArtifactChange,
    ArtifactSide,
    CodeChange,
    EnvironmentChange,
    FileChange,
    StepChange,
    TaskChange,
    ValueChange,
    state_of,
)
from flowscope.metastore.records import ArtifactRecord

SCALAR_TYPES = frozenset(
    {"builtins.bool", "builtins.int", "builtins.float", "builtins.str", "builtins.NoneType"}
)
"""Artifacts of these types are small scalars whose values a diff shows."""
MAX_SCALAR_BLOB = 1024
"""A scalar artifact stored in more bytes than this is not loaded (a long string). Stored
bytes can be compressed, so a long but very repetitive string may be read, and is then not
shown (MAX_SCALAR_STR); what is read stays small either way."""
MAX_SCALAR_STR = 256
"""A string value longer than this is not shown (the issue's definition of a scalar)."""
DURATION_MOVE = 0.1
"""A step's duration changed noticeably when it moved by more than this fraction..."""
DURATION_FLOOR = 1.0
"""...and by at least this many seconds."""
ENV_FIELDS = ("python_version", "python_implementation", "platform", "runtime", "flowscope_version")

ValueLoader = Callable[[Iterable[ArtifactRecord]], Mapping[str, Any]]
"""Given artifact records, the scalar values by sha of those it could load."""
CodeLoader = Callable[[str], Mapping[str, bytes]]
"""Given a code package key, its files by path."""


@dataclass(frozen=True)
class TaskSnapshot:
    pathspec: str
    key: tuple[Any, ...]
    status: str
    artifacts: Mapping[str, ArtifactRecord]
    started_at: float | None = None
    finished_at: float | None = None


@dataclass(frozen=True)
class StepSnapshot:
    name: str
    tasks: tuple[TaskSnapshot, ...]

    @property
    def duration(self) -> float | None:
        """From the first task's start to the last one's end; None while any is unfinished."""
        starts = [t.started_at for t in self.tasks]
        ends = [t.finished_at for t in self.tasks]
        if not self.tasks or None in starts or None in ends:
            return None
        return max(e for e in ends if e is not None) - min(s for s in starts if s is not None)


@dataclass(frozen=True)
class RunSnapshot:
    """What a diff reads of a run: metadata records, and the decoded environment."""

    pathspec: str
    flow: str
    status: str
    user: str
    created_at: float
    finished_at: float | None
    parameters: Mapping[str, Any]
    steps: Mapping[str, StepSnapshot]
    code_key: str | None = None
    environment: Mapping[str, Any] | None = None
    tags: tuple[str, ...] = field(default=())

    @property
    def duration(self) -> float | None:
        return None if self.finished_at is None else self.finished_at - self.created_at


def is_scalar(record: ArtifactRecord) -> bool:
    """Whether an artifact is a small scalar whose value a diff may load."""
    return record.type_name in SCALAR_TYPES and record.size <= MAX_SCALAR_BLOB


def task_key(foreach_stack: Iterable[Any], foreach_index: int | None) -> tuple[Any, ...]:
    """A task's position: the item index of each enclosing foreach (frames recorded by the
    runtime as `[step, index, ...]`, or bare indexes)."""
    key = tuple(f[1] if isinstance(f, list | tuple) and len(f) > 1 else f for f in foreach_stack)
    if not key and foreach_index is not None:
        key = (foreach_index,)
    return key


def compare_values(a: Mapping[str, Any], b: Mapping[str, Any]) -> tuple[ValueChange, ...]:
    """Named values compared by equality, sorted by name."""
    changes = []
    for name in sorted(set(a) | set(b)):
        in_a, in_b = name in a, name in b
        equal = in_a and in_b and _equal(a[name], b[name])
        changes.append(ValueChange(name, state_of(in_a, in_b, equal), a.get(name), b.get(name)))
    return tuple(changes)


def _equal(x: Any, y: Any) -> bool:
    try:
        return type(x) is type(y) and bool(x == y)
    except Exception:  # a value whose == raises or is not a bool (an array): compare reprs
        return repr(x) == repr(y)


def diff_snapshots(
    a: RunSnapshot,
    b: RunSnapshot,
    load_values: ValueLoader,
    load_code: CodeLoader,
    all_values: bool = False,
) -> RunDiff:
    """The RunDiff from `a` to `b`. Scalar values are asked for the artifacts that differ,
    or for every scalar artifact with `all_values`."""
    pairs = _artifact_pairs(a, b, every=all_values)
    wanted = [r for x, y in pairs for r in (x, y) if r is not None and is_scalar(r)]
    values = load_values(wanted) if wanted else {}
    parts = _Parts(values)
    steps = tuple(_step(n, a.steps.get(n), b.steps.get(n), parts) for n in _order(a, b))
    run = (
        ValueChange("status", state_of(True, True, a.status == b.status), a.status, b.status),
        ValueChange("user", state_of(True, True, a.user == b.user), a.user, b.user),
        _duration("duration", a.duration, b.duration),
    )
    return RunDiff(
        flow=a.flow,
        a=a.pathspec,
        b=b.pathspec,
        run=run,
        parameters=compare_values(a.parameters, b.parameters),
        steps=steps,
        code=diff_code(a.code_key, b.code_key, load_code),
        environment=diff_environment(a.environment, b.environment),
    )


def _order(a: RunSnapshot, b: RunSnapshot) -> list[str]:
    """Step names in a's order (as recorded), then those only in b."""
    names = list(a.steps)
    names += [n for n in b.steps if n not in a.steps]
    return names


def _tasks_by_key(step: StepSnapshot | None) -> dict[tuple[Any, ...], TaskSnapshot]:
    found: dict[tuple[Any, ...], TaskSnapshot] = {}
    for task in () if step is None else step.tasks:
        key, n = task.key, 1
        while key in found:  # two tasks at one position (not made by the runtime): keep both
            n += 1
            key = (*task.key, f"#{n}")
        found[key] = task
    return found


def _artifact_pairs(
    a: RunSnapshot, b: RunSnapshot, every: bool = False
) -> list[tuple[ArtifactRecord | None, ArtifactRecord | None]]:
    """The artifacts whose hashes differ (or that are in one run only), as (a, b) records;
    every artifact if `every`."""
    pairs: list[tuple[ArtifactRecord | None, ArtifactRecord | None]] = []
    for name in _order(a, b):
        tasks_a, tasks_b = _tasks_by_key(a.steps.get(name)), _tasks_by_key(b.steps.get(name))
        for key in tasks_a.keys() | tasks_b.keys():
            ta, tb = tasks_a.get(key), tasks_b.get(key)
            arts_a = {} if ta is None else ta.artifacts
            arts_b = {} if tb is None else tb.artifacts
            for art in arts_a.keys() | arts_b.keys():
                x, y = arts_a.get(art), arts_b.get(art)
                if every or x is None or y is None or x.sha != y.sha:
                    pairs.append((x, y))
    return pairs


class _Parts:
    """Makes the parts of a diff, sharing equal values: a 1,000-task step of two runs holds
    tens of thousands of artifact entries, most of them the same few sides and changes."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = values
        self.sides: dict[str, ArtifactSide] = {}
        self.same: dict[tuple[str, str], ArtifactChange] = {}
        self.statuses: dict[tuple[str | None, str | None], ValueChange] = {}

    def side(self, record: ArtifactRecord | None) -> ArtifactSide | None:
        if record is None:
            return None
        side = self.sides.get(record.sha)
        if side is None:
            has = record.sha in self.values
            value = self.values.get(record.sha)
            if isinstance(value, str) and len(value) > MAX_SCALAR_STR:
                has, value = False, None
            side = ArtifactSide(record.sha, record.size, record.type_name, value, has)
            self.sides[record.sha] = side
        return side

    def artifact(
        self, name: str, x: ArtifactRecord | None, y: ArtifactRecord | None
    ) -> ArtifactChange:
        if x is not None and y is not None and x.sha == y.sha:
            change = self.same.get((name, x.sha))
            if change is None:
                side = self.side(x)
                change = self.same[(name, x.sha)] = ArtifactChange(name, SAME, side, side)
            return change
        state = state_of(x is not None, y is not None, False)
        return ArtifactChange(name, state, self.side(x), self.side(y))

    def status(self, a: TaskSnapshot | None, b: TaskSnapshot | None) -> ValueChange:
        pair = (None if a is None else a.status, None if b is None else b.status)
        change = self.statuses.get(pair)
        if change is None:
            state = state_of(a is not None, b is not None, pair[0] == pair[1])
            change = self.statuses[pair] = ValueChange("status", state, *pair)
        return change

    def task(
        self, key: tuple[Any, ...], a: TaskSnapshot | None, b: TaskSnapshot | None
    ) -> TaskChange:
        arts_a = {} if a is None else a.artifacts
        arts_b = {} if b is None else b.artifacts
        names = sorted(arts_a.keys() | arts_b.keys())
        artifacts = tuple(self.artifact(n, arts_a.get(n), arts_b.get(n)) for n in names)
        status = self.status(a, b)
        same = status.state == SAME and all(c.state == SAME for c in artifacts)
        return TaskChange(
            key,
            state_of(a is not None, b is not None, same),
            None if a is None else a.pathspec,
            None if b is None else b.pathspec,
            status,
            artifacts,
        )


def _sort_key(key: tuple[Any, ...]) -> tuple[tuple[int, str], ...]:
    return tuple((0, f"{k:012d}") if isinstance(k, int) else (1, str(k)) for k in key)


def _step(name: str, a: StepSnapshot | None, b: StepSnapshot | None, parts: _Parts) -> StepChange:
    tasks_a, tasks_b = _tasks_by_key(a), _tasks_by_key(b)
    keys = sorted(tasks_a.keys() | tasks_b.keys(), key=_sort_key)
    tasks = tuple(parts.task(k, tasks_a.get(k), tasks_b.get(k)) for k in keys)
    same = all(t.state == SAME for t in tasks)
    duration = _duration(
        "duration", None if a is None else a.duration, None if b is None else b.duration
    )
    return StepChange(
        name,
        state_of(a is not None, b is not None, same),
        duration,
        tasks,
        slower_or_faster=duration.state == CHANGED,
    )


def _duration(name: str, a: float | None, b: float | None) -> ValueChange:
    """Durations are "changed" only when they moved noticeably (DURATION_MOVE and FLOOR)."""
    if a is None or b is None:
        return ValueChange(name, SAME if a is None and b is None else CHANGED, a, b)
    moved = abs(a - b)
    noticeable = moved >= DURATION_FLOOR and moved > DURATION_MOVE * max(abs(a), abs(b))
    return ValueChange(name, CHANGED if noticeable else SAME, a, b)


def diff_code(key_a: str | None, key_b: str | None, load: CodeLoader) -> CodeChange:
    """The same package (equal keys: nothing loaded), or the files' unified diffs (two
    packages holding the same files are the same: a package also records when it was made)."""
    if key_a == key_b:
        return CodeChange(SAME, key_a, key_b)
    if key_a is None or key_b is None:
        return CodeChange(state_of(key_a is not None, key_b is not None, False), key_a, key_b)
    files = diff_files(load(key_a), load(key_b))
    same = all(f.state == SAME for f in files)  # packed at another time: the same files
    return CodeChange(SAME if same else CHANGED, key_a, key_b, files)


def diff_files(a: Mapping[str, bytes], b: Mapping[str, bytes]) -> tuple[FileChange, ...]:
    """Each file's unified diff (a file only in one run diffs against nothing)."""
    changes = []
    for path in sorted(set(a) | set(b)):
        x, y = a.get(path), b.get(path)
        state = state_of(x is not None, y is not None, x == y)
        if state == SAME:
            changes.append(FileChange(path, SAME))
            continue
        text_a, text_b = _text(x), _text(y)
        if text_a is None or text_b is None:
            changes.append(FileChange(path, state, binary=True))
            continue
        lines = difflib.unified_diff(
            text_a.splitlines(keepends=True),
            text_b.splitlines(keepends=True),
            fromfile=f"a/{path}" if x is not None else "/dev/null",
            tofile=f"b/{path}" if y is not None else "/dev/null",
        )
        changes.append(FileChange(path, state, "".join(_ended(line) for line in lines)))
    return tuple(changes)


def _text(data: bytes | None) -> str | None:
    if data is None:
        return ""
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _ended(line: str) -> str:
    return line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"


def diff_environment(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> EnvironmentChange:
    """Python, platform, runtime and flowscope version fields, then package versions."""
    a, b = a or {}, b or {}
    fields = compare_values(
        {k: a[k] for k in ENV_FIELDS if k in a}, {k: b[k] for k in ENV_FIELDS if k in b}
    )
    packages_a, packages_b = a.get("packages"), b.get("packages")
    packages = compare_values(
        packages_a if isinstance(packages_a, Mapping) else {},
        packages_b if isinstance(packages_b, Mapping) else {},
    )
    return EnvironmentChange(fields, packages)
