"""How runs are asked for and what listings answer: the filters of a run listing, a page of
results, and the rows of `runs(...)/tasks(...).to_pandas()`. Frozen values converted to and
from the JSON-safe dicts the HTTP service carries. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flowscope.frozen import init
from flowscope.metastore.records import Record, RunRecord, TaskRecord


class RunQuery(Record):
    """Filters for listing runs, newest first. All filters are applied by the store."""

    __slots__ = (
        "tags_all",
        "tags_any",
        "status",
        "user",
        "since",
        "until",
        "parameters",
        "limit",
        "cursor",
        "where",
    )
    tags_all: tuple[str, ...]
    tags_any: tuple[str, ...]
    status: str | None
    user: str | None
    since: float | None
    until: float | None
    parameters: Mapping[str, Any]
    limit: int
    cursor: str | None
    where: str | None
    """A filter in the query language (metastore/filters.py), evaluated by the store."""

    def __init__(
        self,
        tags_all: tuple[str, ...] = (),
        tags_any: tuple[str, ...] = (),
        status: str | None = None,
        user: str | None = None,
        since: float | None = None,
        until: float | None = None,
        parameters: Mapping[str, Any] | None = None,
        limit: int = 100,
        cursor: str | None = None,
        where: str | None = None,
    ) -> None:
        init(self, "tags_all", tags_all)
        init(self, "tags_any", tags_any)
        init(self, "status", status)
        init(self, "user", user)
        init(self, "since", since)
        init(self, "until", until)
        init(self, "parameters", {} if parameters is None else parameters)
        init(self, "limit", limit)
        init(self, "cursor", cursor)
        init(self, "where", where)


class TaskRow(Record):
    """A task with its scalar artifacts and its foreach input (None when it has none or it is
    not a scalar): one row of `tasks(...).to_pandas()`."""

    __slots__ = ("task", "data", "input")
    task: TaskRecord
    data: Mapping[str, Any]
    input: Any

    def __init__(
        self, task: TaskRecord, data: Mapping[str, Any] | None = None, input: Any = None
    ) -> None:
        init(self, "task", task)
        init(self, "data", {} if data is None else data)
        init(self, "input", input)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaskRow:
        return TaskRow(
            task=TaskRecord.from_dict(data["task"]),
            data=dict(data.get("data") or {}),
            input=data.get("input"),
        )


class RunRow(Record):
    """A run with its scalar parameters and its end task's scalar artifacts: one row of
    `runs(...).to_pandas()`."""

    __slots__ = ("run", "params", "data")
    run: RunRecord
    params: Mapping[str, Any]
    data: Mapping[str, Any]

    def __init__(
        self,
        run: RunRecord,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        init(self, "run", run)
        init(self, "params", {} if params is None else params)
        init(self, "data", {} if data is None else data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunRow:
        return RunRow(
            run=RunRecord.from_dict(data["run"]),
            params=dict(data.get("params") or {}),
            data=dict(data.get("data") or {}),
        )


class Page(Record):
    __slots__ = ("items", "cursor")
    items: tuple[Any, ...]
    cursor: str | None

    def __init__(self, items: tuple[Any, ...], cursor: str | None) -> None:
        init(self, "items", items)
        init(self, "cursor", cursor)
