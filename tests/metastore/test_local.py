"""The embedded local store (metastore/local.py): found by its database file, created only when
asked, migrated on open, described by its directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowscope.errors import MetadataError
from flowscope.metastore.local import DB_NAME, is_store, open_local
from flowscope.metastore.migrations import current_version, latest_version
from flowscope.metastore.new_records import NewRun


def test_is_store_looks_for_the_database_file(tmp_path: Path) -> None:
    assert not is_store(tmp_path)
    (tmp_path / DB_NAME).mkdir()
    assert not is_store(tmp_path)  # a directory of that name is not a store
    assert not is_store(tmp_path / ("x" * 5000))  # too long a name: no, not an OSError
    assert not is_store(Path("bad\x00name"))


def test_the_client_never_creates_a_store(tmp_path: Path) -> None:
    with pytest.raises(MetadataError, match=f"There is no flowscope store in {tmp_path}"):
        open_local(tmp_path, create=False)
    assert list(tmp_path.iterdir()) == []


def test_the_runtime_creates_a_migrated_store(tmp_path: Path) -> None:
    root = tmp_path / "deep" / ".flowscope"
    store = open_local(root, create=True)
    try:
        assert (root / DB_NAME).is_file()
        assert store.describe() == f"local@{root}"
        assert current_version(store.db) == latest_version()
        store.create_run(NewRun("F", "u"))
    finally:
        store.close()
    reopened = open_local(root, create=False)
    try:
        assert [r.run_id for r in reopened.list_runs("F").items] == [1]
    finally:
        reopened.close()


def test_a_relative_root_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = open_local(Path("rel"), create=True)
    try:
        assert store.describe() == f"local@{tmp_path / 'rel'}"
    finally:
        store.close()


def test_lost_after_is_passed_to_the_store(tmp_path: Path) -> None:
    store = open_local(tmp_path, create=True, lost_after=7.0)
    try:
        assert store.lost_after == 7.0
    finally:
        store.close()


def test_an_uncreatable_store_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(MetadataError, match="Cannot create the flowscope store"):
        open_local(blocker / "store", create=True)
