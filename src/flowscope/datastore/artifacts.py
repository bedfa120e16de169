"""Saving and loading artifact values: a serializer chosen by type, one blob per value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flowscope.datastore.cas import ContentStore
from flowscope.datastore.serializers import get_serializer, serializer_for, type_name
from flowscope.errors import DataStoreError


@dataclass(frozen=True)
class ArtifactInfo:
    """Where a saved value went: its blob key, stored size, type and serializer."""

    sha: str
    size: int  # bytes the blob takes in storage
    type_name: str  # e.g. "numpy.ndarray", "builtins.int"
    serializer: str


def save_artifact(store: ContentStore, value: object) -> ArtifactInfo:
    """Serialize ``value`` and store it; raises DataStoreError if it cannot be serialized."""
    serializer = serializer_for(value)
    result = store.put_info(serializer.dump(value))
    return ArtifactInfo(result.key, result.stored_size, type_name(value), serializer.name)


def load_artifact(store: ContentStore, sha: str, serializer: str = "pickle") -> object:
    """The value stored under ``sha`` by the named serializer, read and verified."""
    chosen = get_serializer(serializer)
    return chosen.load(store.open(sha))


def save_artifacts(store: ContentStore, values: Mapping[str, object]) -> dict[str, ArtifactInfo]:
    """Save each named value; a value bound to several names is serialized once."""
    saved: dict[int, ArtifactInfo] = {}
    infos: dict[str, ArtifactInfo] = {}
    for name, value in values.items():
        info = saved.get(id(value))
        if info is None:
            try:
                info = save_artifact(store, value)
            except DataStoreError as exc:
                raise DataStoreError(f"Cannot save artifact '{name}': {exc}") from exc
            saved[id(value)] = info
        infos[name] = info
    return infos
