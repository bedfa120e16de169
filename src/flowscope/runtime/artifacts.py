"""A finished task's artifacts as the next step sees them, and the records a task leaves.

Artifacts flow on by content hash: a value nobody read is passed to the next task's index
without being loaded or written again.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from flowscope.datastore import ContentStore, load_artifact, load_inline, save_artifacts
from flowscope.errors import DataStoreError
from flowscope.metastore.records import ArtifactRecord, inline_bytes
from flowscope.metastore.scalars import scalar_text


class ParentArtifacts:
    """The ArtifactSource of one finished task: an index by name, values loaded on demand."""

    def __init__(
        self, pathspec: str, index: Mapping[str, ArtifactRecord], store: ContentStore
    ) -> None:
        self.pathspec = pathspec
        self.index = index
        self.store = store
        self._loaded: dict[str, Any] = {}

    def names(self) -> Iterable[str]:
        return self.index.keys()

    def sha(self, name: str) -> str:
        return self.index[name].sha

    def load(self, name: str) -> Any:
        if name not in self._loaded:
            record = self.index[name]
            stored = None if record.inline is None else inline_bytes(record.inline)
            try:
                if stored is not None:  # came with the index: no datastore request
                    where = f"the record of artifact '{name}' of task {self.pathspec}"
                    value = load_inline(record.sha, record.serializer, stored, where)
                else:
                    value = load_artifact(self.store, record.sha, record.serializer)
                self._loaded[name] = value
            except DataStoreError as exc:
                raise type(exc)(
                    f"Cannot load artifact '{name}' of task {self.pathspec}: {exc}"
                ) from exc
        return self._loaded[name]


def save_outputs(
    store: ContentStore,
    values: Mapping[str, Any],
    passthrough: Mapping[str, str],
    known: Mapping[str, ArtifactRecord],
    step: str,
) -> list[ArtifactRecord]:
    """Store new values and index pass-through ones; `known` maps sha -> an existing record."""
    now = time.time()
    records: list[ArtifactRecord] = []
    saved = save_artifacts(store, values, where=f" set in step '{step}'")  # parallel on S3
    for name, value in values.items():
        info = saved[name]
        records.append(
            ArtifactRecord(
                name,
                info.sha,
                info.size,
                info.type_name,
                info.serializer,
                now,
                scalar_text(value),
                info.inline,
            )
        )
    for name, sha in passthrough.items():
        if name in values:
            continue
        base = known.get(sha)
        if base is None:
            raise DataStoreError(
                f"Artifact '{name}' passed on from an input has unknown hash {sha}."
            )
        records.append(
            ArtifactRecord(
                name,
                sha,
                base.size,
                base.type_name,
                base.serializer,
                base.created_at,
                base.scalar,
                base.inline,
            )
        )
    records.sort(key=lambda r: r.name)
    return records
