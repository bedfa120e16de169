"""The public surface of flowscope.datastore."""

from __future__ import annotations

from flowscope import datastore


def test_all_is_sorted_and_complete() -> None:
    assert datastore.__all__ == sorted(datastore.__all__)
    public = {
        name
        for name, value in vars(datastore).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("flowscope.")
    }
    assert public <= set(datastore.__all__)
    for name in datastore.__all__:
        assert hasattr(datastore, name), name


def test_the_documented_names_are_exported() -> None:
    expected = {
        "BlobStorage",
        "LocalStorage",
        "MemoryStorage",
        "open_storage",
        "ContentStore",
        "ArtifactInfo",
        "save_artifact",
        "load_artifact",
        "save_artifacts",
    }
    assert expected <= set(datastore.__all__)
