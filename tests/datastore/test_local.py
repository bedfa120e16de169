"""LocalStorage: file layout, atomic and concurrent writes, memory-mapped reads."""

from __future__ import annotations

import errno
import mmap
import multiprocessing
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from flowscope.datastore import ContentStore, LocalStorage, local as local_module
from flowscope.datastore.local import from_url
from flowscope.errors import BlobCorrupted, DataStoreError

from .conftest import blob_files, key_of


def test_blobs_fan_out_by_the_first_two_hex_digits(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    key = key_of(b"x")
    storage.write(key, [b"x"])
    assert blob_files(tmp_path) == [tmp_path / key[:2] / key]
    assert storage.locate(key) == str(tmp_path / key[:2] / key)


def test_the_root_is_created_on_the_first_write_only(tmp_path: Path) -> None:
    root = tmp_path / "a" / "b"
    storage = LocalStorage(root)
    assert not storage.exists(key_of(b"x"))
    assert not root.exists()
    storage.write(key_of(b"x"), [b"x"])
    assert root.is_dir()


def test_a_write_leaves_no_temporary_files(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    keys = [key_of(bytes([i])) for i in range(20)]
    for i, key in enumerate(keys):
        storage.write(key, [bytes([i]) * 1000, memoryview(b"tail")])
    assert blob_files(tmp_path) == sorted(tmp_path / key[:2] / key for key in keys)


def test_a_failed_write_leaves_neither_the_blob_nor_a_temporary_file(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    key = key_of(b"x")
    with pytest.raises(TypeError):
        storage.write(key, [b"good", object()])  # type: ignore[list-item]
    assert not storage.exists(key)
    assert blob_files(tmp_path) == []


def test_an_os_error_is_wrapped_with_the_key_and_what_to_check(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    storage = LocalStorage(blocker / "store")  # a directory under a regular file
    key = key_of(b"x")
    with pytest.raises(DataStoreError, match=f"Could not write blob {key}.*free space"):
        storage.write(key, [b"x"])
    with pytest.raises(DataStoreError):
        storage.read(key)


def test_files_get_the_usual_permissions(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    key = key_of(b"x")
    storage.write(key, [b"x"])
    umask = os.umask(0)
    os.umask(umask)
    mode = stat.S_IMODE(os.stat(storage.locate(key)).st_mode)
    assert mode == 0o666 & ~umask


def test_many_chunks_and_a_partial_writev_are_handled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_writev = os.writev

    def short_writev(fd: int, buffers: list[memoryview]) -> int:
        return real_writev(fd, [memoryview(buffers[0])[:3]])  # at most 3 bytes a call

    monkeypatch.setattr(local_module.os, "writev", short_writev)
    chunks = [bytes([i % 256]) * (i % 7) for i in range(2000)]
    storage = LocalStorage(tmp_path)
    key = key_of(b"many")
    storage.write(key, chunks)
    assert storage.read(key) == b"".join(chunks)


def test_invalid_keys_touch_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    storage = LocalStorage(tmp_path / "store")
    touched: list[str] = []

    def spy(name: str, real: Callable[..., object]) -> object:
        def call(*args: object, **kwargs: object) -> object:
            touched.append(name)
            return real(*args, **kwargs)

        return call

    for name in ("open", "makedirs", "stat", "replace"):
        monkeypatch.setattr(os, name, spy(name, getattr(os, name)))
    monkeypatch.setattr(os.path, "isfile", spy("isfile", os.path.isfile))
    for bad in ("../" + "a" * 61, "/etc/passwd", "a" * 63 + "\x00", "A" * 64):
        with pytest.raises(DataStoreError):
            storage.write(bad, [b"x"])
        for method in (storage.read, storage.read_mapped, storage.exists, storage.size):
            with pytest.raises(DataStoreError):
                method(bad)
    monkeypatch.undo()
    assert touched == []
    assert not any(tmp_path.iterdir())


def test_small_blobs_are_read_into_memory_and_large_ones_mapped(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    small, large = key_of(b"s"), key_of(b"l")
    storage.write(small, [b"s" * 100])
    storage.write(large, [bytes(local_module.MAP_MIN_SIZE)])
    assert isinstance(storage.read_mapped(small), bytearray)
    mapped = storage.read_mapped(large)
    assert isinstance(mapped, mmap.mmap)
    mapped[0] = 1  # copy-on-write: the file keeps its bytes
    assert storage.read(large)[0] == 0
    assert isinstance(LocalStorage(tmp_path, memory_map=False).read_mapped(large), bytearray)


def test_from_url_accepts_paths_and_file_urls(tmp_path: Path) -> None:
    assert from_url(str(tmp_path)).root == str(tmp_path)
    assert from_url(f"file://{tmp_path}").root == str(tmp_path)
    with pytest.raises(DataStoreError, match="names no directory"):
        from_url("file://")


def _put_after_barrier(root: str, barrier: multiprocessing.synchronize.Barrier) -> str:
    data = b"".join(i.to_bytes(4, "little") for i in range(1_000_000))  # compressible, 4 MB
    barrier.wait()
    return ContentStore(LocalStorage(root)).put_chunks([data, os.urandom(0), data[:1000]])


def _worker(
    root: str, barrier: multiprocessing.synchronize.Barrier, queue: multiprocessing.Queue[str]
) -> None:
    queue.put(_put_after_barrier(root, barrier))


def _at_once(method: str, count: int, target: Callable[..., None], root: Path) -> tuple[list, list]:
    """Run `target(root, barrier, queue)` in `count` processes that pass one barrier
    together: what they put on the queue, and their exit codes."""
    context = multiprocessing.get_context(method)
    barrier = context.Barrier(count)
    queue: multiprocessing.Queue[Any] = context.Queue()
    processes = [
        context.Process(target=target, args=(str(root), barrier, queue)) for _ in range(count)
    ]
    for process in processes:
        process.start()
    results = [queue.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    return results, [process.exitcode for process in processes]


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_concurrent_writers_of_one_key_all_succeed(tmp_path: Path, method: str) -> None:
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method here")
    results, codes = _at_once(method, 6, _worker, tmp_path)
    keys = set(results)
    assert codes == [0] * 6
    assert len(keys) == 1
    key = keys.pop()
    assert blob_files(tmp_path) == [tmp_path / key[:2] / key]
    data = b"".join(i.to_bytes(4, "little") for i in range(1_000_000))
    assert ContentStore(LocalStorage(tmp_path)).get(key) == data + data[:1000]


def test_a_forked_child_can_hash_after_the_parent_used_threads(tmp_path: Path) -> None:
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork here")
    store = ContentStore(LocalStorage(tmp_path))
    store.put(os.urandom(4 * 1024 * 1024))  # large enough to hash on several threads
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(1)
    queue: multiprocessing.Queue[str] = context.Queue()
    child = context.Process(target=_worker, args=(str(tmp_path), barrier, queue))
    child.start()
    child.join(timeout=60)
    if child.is_alive():
        child.kill()
        pytest.fail("the forked child hung while hashing")
    assert child.exitcode == 0
    assert store.exists(queue.get(timeout=5))


def test_a_blob_altered_on_disk_is_reported_with_its_key(tmp_path: Path) -> None:
    store = ContentStore(LocalStorage(tmp_path))
    key = store.put(b"precious data" * 100)
    path = Path(store.storage.locate(key))
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(BlobCorrupted) as info:
        store.get(key)
    assert info.value.key == key  # type: ignore[attr-defined]
    assert key in str(info.value) and "altered or damaged on disk" in str(info.value)
    with pytest.raises(BlobCorrupted):
        store.open(key)


def test_a_truncated_large_mapped_blob_is_reported(tmp_path: Path) -> None:
    store = ContentStore(LocalStorage(tmp_path))
    key = store.put(os.urandom(local_module.MAP_MIN_SIZE + 10))
    path = Path(store.storage.locate(key))
    with open(path, "r+b") as file:
        file.truncate(local_module.MAP_MIN_SIZE + 1)
    with pytest.raises(BlobCorrupted, match=key):
        store.open(key)


def test_temporary_files_are_written_apart_from_the_blobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    real_replace = local_module._replace
    monkeypatch.setattr(local_module, "_replace", lambda t, p: (seen.append(t), real_replace(t, p)))
    storage = LocalStorage(tmp_path)
    key = key_of(b"x")
    storage.write(key, [b"x"])
    assert [Path(t).parent for t in seen] == [tmp_path / local_module.TEMP_DIR]
    assert Path(seen[0]).name.startswith(f".{key}.") and seen[0].endswith(".tmp")
    assert list((tmp_path / local_module.TEMP_DIR).iterdir()) == []


def test_the_first_write_sweeps_temporary_files_left_by_dead_writers(tmp_path: Path) -> None:
    temps = tmp_path / local_module.TEMP_DIR
    temps.mkdir()
    stale, fresh, other = temps / ".a.1.tmp", temps / ".b.2.tmp", temps / "notes.txt"
    for path in (stale, fresh, other):
        path.write_bytes(b"partial")
    old = os.stat(fresh).st_mtime - local_module.STALE_TEMP_AGE - 60
    os.utime(stale, (old, old))
    os.utime(other, (old, old))

    storage = LocalStorage(tmp_path)
    storage.write(key_of(b"x"), [b"x"])
    assert not stale.exists()
    assert fresh.exists() and other.exists()  # a live writer's file, and not a temporary

    os.utime(fresh, (old, old))
    storage.write(key_of(b"y"), [b"y"])
    assert fresh.exists()  # one sweep per LocalStorage
    LocalStorage(tmp_path).write(key_of(b"z"), [b"z"])
    assert not fresh.exists()


def test_a_sweep_never_fails(tmp_path: Path) -> None:
    assert local_module.sweep_stale_temporaries(str(tmp_path / "missing"), 0) == 0
    (tmp_path / "d.tmp").mkdir()  # a directory named like a temporary: unlink refuses it
    assert local_module.sweep_stale_temporaries(str(tmp_path), -1) == 0


def _claim_after_barrier(
    root: str, barrier: multiprocessing.synchronize.Barrier, queue: multiprocessing.Queue[bool]
) -> None:
    store = ContentStore(LocalStorage(root))
    barrier.wait()
    queue.put(store.claim(b"flowscope attempt started: topic bundle 0 3 0"))


def test_of_many_processes_claiming_one_blob_at_once_exactly_one_wins(tmp_path: Path) -> None:
    won, _ = _at_once("fork", 8, _claim_after_barrier, tmp_path)
    assert won.count(True) == 1
    (blob,) = blob_files(tmp_path)  # no temporary file is left behind
    assert ContentStore(LocalStorage(tmp_path)).exists(blob.name)


def test_write_once_says_whether_it_stored_the_blob(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    key = key_of(b"x")
    assert storage.write_once(key, [b"x"]) is True
    assert storage.write_once(key, [b"other bytes"]) is False
    assert storage.read(key) == b"x"
    assert blob_files(tmp_path) == [tmp_path / key[:2] / key]


def test_without_hard_links_write_once_still_stores_and_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(*_: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    storage = LocalStorage(tmp_path)
    key = key_of(b"y")
    assert storage.write_once(key, [b"y"]) is True
    assert storage.write_once(key, [b"y"]) is False
    assert storage.read(key) == b"y"
    assert blob_files(tmp_path) == [tmp_path / key[:2] / key]
