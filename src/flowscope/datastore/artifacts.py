"""Saving and loading artifact values: a serializer chosen by type, one blob per value."""

from __future__ import annotations

import binascii
from collections.abc import Mapping

from flowscope.datastore.cas import ContentStore
from flowscope.datastore.serializers import get_serializer, serializer_for, type_name
from flowscope.errors import DataStoreError
from flowscope.frozen import Frozen, init


class ArtifactInfo(Frozen):
    """Where a saved value went: its blob key, stored size, type and serializer."""

    __slots__ = ("sha", "size", "type_name", "serializer", "inline")
    sha: str
    size: int  # bytes the blob takes in storage
    type_name: str  # e.g. "numpy.ndarray", "builtins.int"
    serializer: str
    inline: str | None  # the stored form in base64, when small (`ContentStore.inline_max`)

    def __init__(
        self,
        sha: str,
        size: int,
        type_name: str,
        serializer: str,
        inline: str | None = None,
    ) -> None:
        init(self, "sha", sha)
        init(self, "size", size)
        init(self, "type_name", type_name)
        init(self, "serializer", serializer)
        init(self, "inline", inline)


def save_artifact(store: ContentStore, value: object) -> ArtifactInfo:
    """Serialize ``value`` and store it; raises DataStoreError if it cannot be serialized."""
    serializer = serializer_for(value)
    result = store.put_info(serializer.dump(value))
    inline = None if result.inline is None else binascii.b2a_base64(result.inline, newline=False)
    return ArtifactInfo(
        result.key,
        result.stored_size,
        type_name(value),
        serializer.name,
        None if inline is None else inline.decode("ascii"),
    )


def load_artifact(store: ContentStore, sha: str, serializer: str = "pickle") -> object:
    """The value stored under ``sha`` by the named serializer, read and verified."""
    chosen = get_serializer(serializer)
    return chosen.load(store.open(sha))


def load_inline(sha: str, serializer: str, stored: bytes, where: str) -> object:
    """The value whose stored form came with its record (`where` names the record), verified
    against ``sha`` like a read from the datastore; no datastore is asked."""
    chosen = get_serializer(serializer)
    return chosen.load(ContentStore.open_inline(sha, stored, where))


def save_artifacts(
    store: ContentStore, values: Mapping[str, object], *, where: str = ""
) -> dict[str, ArtifactInfo]:
    """Save each named value; a value bound to several names is serialized once. On a remote
    storage that moves several blobs at once (``concurrency`` > 1, e.g. S3), they are saved in
    parallel threads, so a task's small artifacts cost one round trip, not one each. A value
    that cannot be stored is a DataStoreError naming it (``where``: e.g. " set in step 'x'")."""
    first_names: dict[int, str] = {}
    for name, value in values.items():
        first_names.setdefault(id(value), name)
    unique = {name: values[name] for name in first_names.values()}

    def save(name: str) -> ArtifactInfo:
        value = unique[name]
        try:
            return save_artifact(store, value)
        except DataStoreError as exc:
            raise DataStoreError(f"Cannot store artifact '{name}'{where}: {exc}") from exc
        except (MemoryError, KeyboardInterrupt) as exc:  # raised by a pickling hook
            said = f": {exc}" if str(exc) else ""
            raise DataStoreError(
                f"Cannot store artifact '{name}'{where}: serializing its value "
                f"({type(value).__module__}.{type(value).__qualname__}) raised "
                f"{type(exc).__name__}{said}, from a pickling hook (__reduce__, __getstate__) "
                f"of the value or of something it holds, or because it is too large for this "
                f"machine's memory."
            ) from exc

    concurrency = int(getattr(store.storage, "concurrency", 1))  # ConditionalStorage
    if concurrency > 1 and len(unique) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(concurrency, len(unique))) as pool:
            saved = dict(zip(unique, pool.map(save, unique), strict=True))
    else:
        saved = {name: save(name) for name in unique}
    return {name: saved[first_names[id(value)]] for name, value in values.items()}
