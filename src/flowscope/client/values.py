"""Small values the client hands out: a task's exception, its facts, its timed log lines."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from flowscope.client.task import Task


class Metadata(NamedTuple):
    """One fact recorded about a task attempt (`task.metadata`)."""

    name: str
    value: str
    created_at: datetime
    type: str
    task: Task


class LogLine(NamedTuple):
    """One line of a task's output, with the time it was printed (UTC)."""

    timestamp: datetime
    line: str


class TaskException:
    """The exception a task raised, as recorded: readable without the failing code.

    `type` is the class name (`ValueError`), `module` where it was defined, `message` its
    text and `traceback` the formatted traceback. `str()` gives the traceback ending with
    `ValueError: message`, as Python prints it.
    """

    __slots__ = ("message", "module", "traceback", "type")

    def __init__(
        self, type: str, message: str, traceback: str = "", module: str = "builtins"
    ) -> None:
        self.type = type
        self.module = module
        self.message = message
        self.traceback = traceback

    @classmethod
    def _from_record(cls, data: Mapping[str, Any]) -> TaskException:
        return cls(
            type=str(data.get("type") or "Exception"),
            message=str(data.get("message") or ""),
            traceback=str(data.get("traceback") or ""),
            module=str(data.get("module") or "builtins"),
        )

    @property
    def qualified_type(self) -> str:
        """`module.Type`, or just `Type` for built-in exceptions."""
        if self.module in ("builtins", "exceptions", ""):
            return self.type
        return f"{self.module}.{self.type}"

    @property
    def summary(self) -> str:
        """`ValueError: message`, the last line of the traceback."""
        return f"{self.type}: {self.message}" if self.message else self.type

    def __str__(self) -> str:
        tb = self.traceback.rstrip()
        if not tb:
            return self.summary
        last = tb.splitlines()[-1]
        if self.summary in last or self.qualified_type in last:
            return tb
        return f"{tb}\n{self.summary}"

    def __repr__(self) -> str:
        return f"TaskException(type={self.qualified_type!r}, message={self.message!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TaskException):
            return NotImplemented
        return (self.type, self.module, self.message, self.traceback) == (
            other.type,
            other.module,
            other.message,
            other.traceback,
        )

    def __hash__(self) -> int:
        return hash((self.type, self.module, self.message))
