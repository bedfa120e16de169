"""One query for the artifact index of every task of a step, shared by the tasks listed.

Iterating a 1,000-way foreach step and reading one artifact of each task then costs two
metadata queries (the tasks, then all their indexes), not a thousand and one. The index is
fetched only when the first task asks for it. It holds each task's latest attempt, so a
task uses it only while that is still the attempt it reads (a succeeded attempt is final).

The first value read from one of the step's tasks also fetches the blobs of the step's small
artifacts (`warm`) in one batch into the datastore's local blob cache, when the datastore is
remote: one request through the service's blob proxy, parallel GETs on S3. A walk over the
step's values then reads local files, not one request per value. Blobs never change under
their key, so a cached copy is always right (and every read is still verified).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from flowscope.client.base import visible
from flowscope.errors import FlowscopeError

if TYPE_CHECKING:
    from flowscope.datastore import ContentStore
    from flowscope.metastore.provider import MetadataProvider
    from flowscope.metastore.records import ArtifactRecord

WARM_MAX_BLOB = 1024 * 1024
"""Blobs up to this stored size are fetched with the step's batch (larger ones when read)."""
WARM_MAX_BYTES = 64 * 1024 * 1024
"""Bytes of blobs one step's batch fetches at most."""


class StepArtifacts:
    __slots__ = ("_components", "_index", "_lock", "_provider", "_warmed")

    def __init__(self, provider: MetadataProvider, components: tuple[str, ...]) -> None:
        self._provider = provider
        self._components = components
        self._index: dict[int, list[ArtifactRecord]] | None = None
        self._lock = threading.Lock()
        self._warmed = False

    def artifacts_of(self, task_id: int) -> list[ArtifactRecord]:
        return self._all().get(task_id, [])

    def warm(self, store: ContentStore) -> None:
        """Once per step: fetch its small artifacts' blobs into `store`'s local cache, if its
        storage keeps one (`CachedStorage.prefetch`); else nothing. Speed only: if the batch
        fails, each value is read (and any error raised) on its own."""
        if self._warmed:
            return
        with self._lock:
            if self._warmed:
                return
            self._warmed = True
        prefetch = getattr(store.storage, "prefetch", None)
        if prefetch is None:
            return
        keys: dict[str, None] = {}
        total = 0
        for records in self._all().values():
            for record in records:
                small = record.size <= WARM_MAX_BLOB and visible(record.name)
                small = small and record.inline is None  # an inline blob needs no fetch
                if small and record.sha not in keys and total + record.size <= WARM_MAX_BYTES:
                    keys[record.sha] = None
                    total += record.size
        if keys:
            try:
                prefetch(list(keys))
            except FlowscopeError:
                pass

    def _all(self) -> dict[int, list[ArtifactRecord]]:
        index = self._index
        if index is None:
            with self._lock:
                index = self._index
                if index is None:
                    flow, run_id, step = self._components
                    index = self._provider.list_step_artifacts(flow, int(run_id), step)
                    self._index = index
        return index
