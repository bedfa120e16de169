"""One query for the artifact index of every task of a step, shared by the tasks listed.

Iterating a 1,000-way foreach step and reading one artifact of each task then costs two
metadata queries (the tasks, then all their indexes), not a thousand and one. The index is
fetched only when the first task asks for it. It holds each task's latest attempt, so a
task uses it only while that is still the attempt it reads (a succeeded attempt is final).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flowscope.metastore.provider import MetadataProvider
    from flowscope.metastore.records import ArtifactRecord


class StepArtifacts:
    __slots__ = ("_components", "_index", "_lock", "_provider")

    def __init__(self, provider: MetadataProvider, components: tuple[str, ...]) -> None:
        self._provider = provider
        self._components = components
        self._index: dict[int, list[ArtifactRecord]] | None = None
        self._lock = threading.Lock()

    def artifacts_of(self, task_id: int) -> list[ArtifactRecord]:
        index = self._index
        if index is None:
            with self._lock:
                index = self._index
                if index is None:
                    flow, run_id, step = self._components
                    index = self._provider.list_step_artifacts(flow, int(run_id), step)
                    self._index = index
        return index.get(task_id, [])
