"""Client classes by name, for unpickling (imported lazily to keep modules acyclic)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flowscope.client.base import ClientObject


def class_named(kind: str) -> type[ClientObject]:
    from flowscope.client.artifact import DataArtifact
    from flowscope.client.flow import Flow
    from flowscope.client.run import Run
    from flowscope.client.step import Step
    from flowscope.client.task import Task

    classes: dict[str, type[ClientObject]] = {
        "Flow": Flow,
        "Run": Run,
        "Step": Step,
        "Task": Task,
        "DataArtifact": DataArtifact,
    }
    try:
        return classes[kind]
    except KeyError:
        from flowscope.errors import InvalidPathspec

        raise InvalidPathspec(f"Unknown client object kind {kind!r:.60}.") from None
