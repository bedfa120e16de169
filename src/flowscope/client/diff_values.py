"""The parts of a RunDiff (diff.py): a change per parameter, artifact, task, step, file and
environment field, each with its `state`. Pure values, JSON-ready through `to_dict()`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

State = Literal["same", "changed", "added", "removed"]
SAME: State = "same"
CHANGED: State = "changed"
ADDED: State = "added"
REMOVED: State = "removed"

_MARK = {SAME: " ", CHANGED: "~", ADDED: "+", REMOVED: "-"}


def state_of(in_a: bool, in_b: bool, equal: bool) -> State:
    """The state of an item found in a and/or b, equal or not when in both."""
    if in_a and in_b:
        return SAME if equal else CHANGED
    return REMOVED if in_a else ADDED


def json_safe(value: Any) -> Any:
    """A scalar as JSON can carry it (non-finite floats as their repr)."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)


def short(value: Any, width: int = 60) -> str:
    """`repr(value)`, cut to `width` characters."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}s"


@dataclass(frozen=True)
class ValueChange:
    """A named value in a and b: a parameter, a run fact, an environment field, a package."""

    name: str
    state: State
    a: Any = None
    b: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "state": self.state,
            "a": json_safe(self.a),
            "b": json_safe(self.b),
        }

    def shown(self, value: Any) -> str:
        """A value as a line shows it (a duration in seconds)."""
        if self.name == "duration" and isinstance(value, int | float):
            return seconds(value)
        return short(value)

    def line(self) -> str:
        a, b = self.shown(self.a), self.shown(self.b)
        if self.state == ADDED:
            return f"+ {self.name} = {b}"
        if self.state == REMOVED:
            return f"- {self.name} = {a}"
        if self.state == SAME:
            return f"  {self.name} = {a}"
        return f"~ {self.name}: {a} -> {b}"


@dataclass(frozen=True)
class ArtifactSide:
    """One side of an artifact, from its metadata; `value` only for a small scalar
    (`has_value` tells a loaded None from no value)."""

    sha: str
    size: int
    type_name: str
    value: Any = None
    has_value: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"sha": self.sha, "size": self.size, "type": self.type_name}
        if self.has_value:
            out["value"] = json_safe(self.value)
        return out

    def shown(self) -> str:
        """The value if known, else the type and the start of the hash."""
        if self.has_value:
            return short(self.value)
        return f"<{self.type_name} {self.sha[:10]}>"


@dataclass(frozen=True)
class ArtifactChange:
    """An artifact of a task, compared by content hash."""

    name: str
    state: State
    a: ArtifactSide | None = None
    b: ArtifactSide | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "state": self.state,
            "a": None if self.a is None else self.a.to_dict(),
            "b": None if self.b is None else self.b.to_dict(),
        }

    def line(self) -> str:
        a = "" if self.a is None else self.a.shown()
        b = "" if self.b is None else self.b.shown()
        if self.state == ADDED:
            return f"+ {self.name} = {b}"
        if self.state == REMOVED:
            return f"- {self.name} = {a}"
        if self.state == SAME:
            return f"  {self.name} = {a}"
        return f"~ {self.name}: {a} -> {b}"


@dataclass(frozen=True)
class TaskChange:
    """A task matched across the runs by its foreach position (`key`, empty outside one)."""

    key: tuple[Any, ...]
    state: State
    task_a: str | None
    task_b: str | None
    status: ValueChange
    artifacts: tuple[ArtifactChange, ...] = ()

    @property
    def label(self) -> str:
        """`[3]` for the fourth item of a foreach (`[1, 3]` nested), `task` outside one."""
        return "[" + ", ".join(str(k) for k in self.key) + "]" if self.key else "task"

    def to_dict(self, differences_only: bool = False) -> dict[str, Any]:
        return {
            "key": [json_safe(k) for k in self.key],
            "state": self.state,
            "a": self.task_a,
            "b": self.task_b,
            "status": self.status.to_dict(),
            "artifacts": [
                a.to_dict() for a in self.artifacts if not differences_only or a.state != SAME
            ],
        }


@dataclass(frozen=True)
class StepChange:
    """A step: its duration in each run and its tasks. `state` is "changed" when a task
    was added, removed or changed; `slower_or_faster` when the duration moved noticeably."""

    name: str
    state: State
    duration: ValueChange
    tasks: tuple[TaskChange, ...] = ()
    slower_or_faster: bool = False

    @property
    def different(self) -> bool:
        return self.state != SAME or self.slower_or_faster

    def to_dict(self, differences_only: bool = False) -> dict[str, Any]:
        return {
            "name": self.name,
            "state": self.state,
            "duration": self.duration.to_dict(),
            "duration_changed": self.slower_or_faster,
            "tasks": [
                t.to_dict(differences_only)
                for t in self.tasks
                if not differences_only or t.state != SAME
            ],
        }


@dataclass(frozen=True)
class FileChange:
    """A file of the code package: its unified diff (empty when the same, or binary)."""

    path: str
    state: State
    diff: str = ""
    binary: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "state": self.state, "diff": self.diff, "binary": self.binary}


@dataclass(frozen=True)
class CodeChange:
    """The code packages: the same package (by hash), or the files that differ.
    `state` is "added"/"removed" when only one run saved a package."""

    state: State
    sha_a: str | None = None
    sha_b: str | None = None
    files: tuple[FileChange, ...] = ()

    def to_dict(self, differences_only: bool = False) -> dict[str, Any]:
        return {
            "state": self.state,
            "a": self.sha_a,
            "b": self.sha_b,
            "files": [f.to_dict() for f in self.files if not differences_only or f.state != SAME],
        }


@dataclass(frozen=True)
class EnvironmentChange:
    """The runs' environments: Python, platform and runtime fields, and package versions."""

    fields: tuple[ValueChange, ...] = ()
    packages: tuple[ValueChange, ...] = ()

    @property
    def state(self) -> State:
        changed = any(c.state != SAME for c in (*self.fields, *self.packages))
        return CHANGED if changed else SAME

    def to_dict(self, differences_only: bool = False) -> dict[str, Any]:
        def keep(items: tuple[ValueChange, ...]) -> list[dict[str, Any]]:
            return [c.to_dict() for c in items if not differences_only or c.state != SAME]

        return {"state": self.state, "fields": keep(self.fields), "packages": keep(self.packages)}


def mark(state: State) -> str:
    """The one-character sign of a state in text: ` `, `~`, `+`, `-`."""
    return _MARK[state]
