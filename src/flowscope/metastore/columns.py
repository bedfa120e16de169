"""Lists of records as columns, the wire form of the service's large listings. Pure.

A listing of a wide step is thousands of records with the same fields. As columns, each
field's name travels once and its values are one JSON array, so the service builds no dict
per record, the JSON is about half the size, and the client checks a column's types in one
pass instead of each record's fields one by one.

    {"columns": {"task_id": [1, 2], "name": ["x", "y"], ...}}

`encode` makes such an object from records; `decode` checks one: every declared column is a
list, all of the same length, holding only the exact types its `Column` allows (a bool is
not an int here), with strings no longer than its bound. An optional column an older
service does not send reads as all None. Anything else is `wrong(expected)`, raised before
a record is built. `tasks_*` and `step_artifacts_*` are the two listings that use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from flowscope.frozen import Frozen, init
from flowscope.metastore.records import MAX_INLINE_TEXT, ArtifactRecord, TaskRecord

Wrong = Callable[[str], Exception]

_NONE = type(None)
_NUMBER = frozenset({int, float})


class Column(Frozen):
    """One field on the wire: its name, the exact types of its values, the longest string it
    may hold (None: unbounded, the answer's own bound applies), and whether a service may
    leave it out (then every value is None)."""

    __slots__ = ("name", "kinds", "limit", "optional")
    name: str
    kinds: frozenset[type]
    limit: int | None
    optional: bool

    def __init__(
        self, name: str, kinds: frozenset[type], limit: int | None = None, optional: bool = False
    ) -> None:
        init(self, "name", name)
        init(self, "kinds", kinds)
        init(self, "limit", limit)
        init(self, "optional", optional)


def _col(name: str, *kinds: type | frozenset[type], **kw: Any) -> Column:
    flat: set[type] = set()
    for kind in kinds:
        flat |= kind if isinstance(kind, frozenset) else {kind}
    return Column(name, frozenset(flat), **kw)


TASK_COLUMNS: tuple[Column, ...] = (
    _col("step_name", str),
    _col("task_id", int),
    _col("created_at", _NUMBER),
    _col("attempt", int),
    _col("status", str),
    _col("started_at", _NUMBER, _NONE),
    _col("finished_at", _NUMBER, _NONE),
    _col("heartbeat_at", _NUMBER, _NONE),
    _col("foreach_index", int, _NONE),
    _col("foreach_stack", list),
    _col("origin_pathspec", str, _NONE),
    _col("stdout_key", str, _NONE),
    _col("stderr_key", str, _NONE),
    _col("env_key", str, _NONE),
    _col("exception", dict, _NONE),
)
"""TaskRecord's fields after flow_name and run_id (which the request names), in order."""

ARTIFACT_COLUMNS: tuple[Column, ...] = (
    _col("task_id", int),
    _col("name", str),
    _col("sha", str),
    _col("size", int),
    _col("type_name", str),
    _col("serializer", str),
    _col("created_at", _NUMBER),
    _col("inline", str, _NONE, limit=MAX_INLINE_TEXT, optional=True),
)
"""The task id, then ArtifactRecord's fields up to `inline` (no `scalar`: stores never read
it back), in order."""


def encode(records: Sequence[Any], columns: Iterable[Column]) -> dict[str, list[Any]]:
    """`{name: [each record's value]}` for each column."""
    return {c.name: [getattr(r, c.name) for r in records] for c in columns}


def decode(found: Any, columns: Sequence[Column], what: str, wrong: Wrong) -> list[list[Any]]:
    """The checked columns of the object `found`, in `columns`' order; `what` names the
    listing (and where in it the columns are) in errors."""
    if type(found) is not dict:
        raise wrong(f"{what} that is an object of columns")
    out: list[list[Any]] = []
    length: int | None = None
    for column in columns:
        values = found.get(column.name)
        if values is None and column.optional:
            out.append([None] * (length or 0))
            continue
        if type(values) is not list or (length is not None and len(values) != length):
            raise wrong(f"{what} whose {column.name} is a list as long as the others")
        length = len(values)
        bad = {type(v) for v in values} - column.kinds
        if bad:
            raise wrong(f"{what} whose {column.name} holds no {bad.pop().__name__}")
        if column.limit is not None:
            longest = max((len(v) for v in values if type(v) is str), default=0)
            if longest > column.limit:
                raise wrong(
                    f"{what} whose {column.name} holds strings of at most "
                    f"{column.limit} characters, got {longest}"
                )
        if dict in column.kinds and not all(
            type(v) is not dict or all(type(k) is str for k in v) for v in values
        ):
            raise wrong(f"{what} whose {column.name} holds objects with string keys")
        out.append(values)
    return out


# ---- the two listings ------------------------------------------------------------------


def tasks_to_wire(tasks: Sequence[TaskRecord]) -> dict[str, Any]:
    """A run's task listing as columns."""
    columns = encode(tasks, TASK_COLUMNS)
    columns["foreach_stack"] = [list(s) for s in columns["foreach_stack"]]
    columns["exception"] = [None if e is None else dict(e) for e in columns["exception"]]
    return {"columns": columns}


def tasks_from_wire(data: Any, flow_name: str, run_id: int, wrong: Wrong) -> list[TaskRecord]:
    """The TaskRecords of `tasks_to_wire`'s object, for run `flow_name/run_id`."""
    return task_records(_part(data), flow_name, run_id, "a task listing's columns", wrong)


def task_records(
    found: Any, flow_name: str, run_id: int, what: str, wrong: Wrong
) -> list[TaskRecord]:
    """The TaskRecords of an object of task columns."""
    cols = decode(found, TASK_COLUMNS, what, wrong)
    cols[9] = [tuple(stack) for stack in cols[9]]  # foreach_stack, as records hold it
    return [TaskRecord(flow_name, run_id, *row) for row in zip(*cols, strict=True)]


def _part(data: Any, key: str = "columns") -> Any:
    return data.get(key) if type(data) is dict else None


def step_artifacts_to_wire(
    found: Mapping[int, Sequence[ArtifactRecord]], inline: Callable[[ArtifactRecord], str | None]
) -> dict[str, Any]:
    """A step's artifact index (records by task id) as columns; `inline(record)` gives the
    copy each record carries (the service's budget decides)."""
    return {"columns": artifact_columns(found, inline)}


def artifact_columns(
    found: Mapping[int, Sequence[ArtifactRecord]], inline: Callable[[ArtifactRecord], str | None]
) -> dict[str, list[Any]]:
    """Artifact records by task id as an object of columns."""
    pairs = [(task_id, a) for task_id, records in found.items() for a in records]
    records = [a for _, a in pairs]
    columns: dict[str, list[Any]] = {"task_id": [t for t, _ in pairs]}
    columns.update(encode(records, ARTIFACT_COLUMNS[1:-1]))
    columns["inline"] = [inline(a) for a in records]
    return columns


def step_artifacts_from_wire(data: Any, wrong: Wrong) -> dict[int, list[ArtifactRecord]]:
    """The records by task id of `step_artifacts_to_wire`'s object (tasks in its order)."""
    what = "a step's artifact listing's columns"
    return artifact_records(_part(data), what, wrong)


def artifact_records(found: Any, what: str, wrong: Wrong) -> dict[int, list[ArtifactRecord]]:
    """The records by task id of an object of artifact columns."""
    task_ids, *cols = decode(found, ARTIFACT_COLUMNS, what, wrong)
    out: dict[int, list[ArtifactRecord]] = {}
    for task_id, name, sha, size, type_name, serializer, created_at, inline in zip(
        task_ids, *cols, strict=True
    ):
        record = ArtifactRecord(name, sha, size, type_name, serializer, created_at, inline=inline)
        found = out.get(task_id)
        if found is None:
            out[task_id] = [record]
        else:
            found.append(record)
    return out
