"""save_artifact / load_artifact / save_artifacts."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from flowscope.datastore import (
    ArtifactInfo,
    ContentStore,
    LocalStorage,
    load_artifact,
    save_artifact,
    save_artifacts,
)
from flowscope.errors import BlobNotFound, DataStoreError

from .conftest import blob_files


def test_save_returns_where_the_value_went(store: ContentStore) -> None:
    info = save_artifact(store, {"alpha": 1})
    assert isinstance(info, ArtifactInfo)
    assert len(info.sha) == 64 and info.serializer == "pickle"
    assert info.type_name == "builtins.dict"
    assert info.size == store.stored_size(info.sha)
    assert load_artifact(store, info.sha) == {"alpha": 1}
    assert load_artifact(store, info.sha, serializer="pickle") == {"alpha": 1}


def test_equal_values_are_stored_once(tmp_path: Path) -> None:
    store = ContentStore(LocalStorage(tmp_path))
    first = save_artifact(store, np.arange(100_000))
    second = save_artifact(store, np.arange(100_000))
    assert first == second
    assert len(blob_files(tmp_path)) == 1


def test_save_artifacts_saves_each_name_and_a_shared_value_once(store: ContentStore) -> None:
    shared = list(range(1000))
    infos = save_artifacts(store, {"a": shared, "b": shared, "c": "other"})
    assert set(infos) == {"a", "b", "c"}
    assert infos["a"] is infos["b"]
    assert load_artifact(store, infos["c"].sha) == "other"


def test_save_artifacts_names_the_artifact_that_failed(store: ContentStore) -> None:
    with pytest.raises(DataStoreError, match=r"artifact 'lock'.*_thread.lock") as info:
        save_artifacts(store, {"fine": 1, "lock": threading.Lock()})
    assert isinstance(info.value.__cause__, DataStoreError)


def test_loading_checks_the_serializer_before_reading(store: ContentStore) -> None:
    with pytest.raises(DataStoreError, match="Unknown serializer"):
        load_artifact(store, "0" * 64, serializer="nope")
    with pytest.raises(BlobNotFound):
        load_artifact(store, "0" * 64)
