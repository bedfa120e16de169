"""A directory of blobs: ``root/ab/abcdef...``, one file per key, written atomically.

Writers put the bytes in a temporary file under ``root/tmp/`` and ``os.replace`` it into
place, so readers never see a partial blob, and several processes writing the same key at
once all succeed (the key is a content hash, so they all write the same bytes). A writer
killed mid-write leaves its temporary file behind; the first write of each LocalStorage
removes those not touched for ``STALE_TEMP_AGE`` seconds (a live writer touches its file with
every write).
"""

from __future__ import annotations

import errno
import io
import mmap
import os
import secrets
import sys
import time
import urllib.parse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from flowscope.datastore.keys import blob_not_found, check_key
from flowscope.datastore.storage import Chunk
from flowscope.errors import DataStoreError
from flowscope.remote.urls import redact

if TYPE_CHECKING:
    from flowscope.config import Settings

MAP_MIN_SIZE = 16 * 1024 * 1024
"""Blobs at least this large are read as a copy-on-write memory map by ``read_mapped``."""

TEMP_DIR = "tmp"
STALE_TEMP_AGE = 3600.0
"""Seconds after its last change that a temporary file counts as left by a dead writer."""

_IOV_MAX = 1024
_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
_OPEN_FLAGS |= getattr(os, "O_CLOEXEC", 0)


class LocalStorage:
    """Blobs as files under a directory (created on the first write).

    ``fsync=True`` flushes each blob (and its directory) to disk before it becomes visible,
    for stores that must survive a power cut. ``memory_map=False`` makes ``read_mapped``
    always read into memory, for file systems where memory maps are unreliable.
    """

    def __init__(
        self, root: str | os.PathLike[str], *, fsync: bool = False, memory_map: bool = True
    ) -> None:
        self._root = os.path.abspath(os.fspath(root))
        self._fsync = fsync
        self._memory_map = memory_map
        self._swept = False

    @property
    def root(self) -> str:
        """The absolute path of the store's directory."""
        return self._root

    def __repr__(self) -> str:
        return f"LocalStorage({self._root!r})"

    def locate(self, key: str) -> str:
        return self._path(key)

    def exists(self, key: str) -> bool:
        return os.path.isfile(self._path(key))

    def exists_many(self, keys: Sequence[str]) -> set[str]:
        paths = [(key, self._path(key)) for key in keys]
        return {key for key, path in paths if os.path.isfile(path)}

    def size(self, key: str) -> int:
        path = self._path(key)
        try:
            return os.stat(path).st_size
        except FileNotFoundError:
            raise blob_not_found(key, self._root) from None
        except OSError as exc:
            raise _io_error("read the size of", key, path, exc) from exc

    def write(self, key: str, chunks: Sequence[Chunk]) -> None:
        self._store(key, chunks, once=False)

    def write_once(self, key: str, chunks: Sequence[Chunk]) -> bool:
        """Like `write`, and atomic about the blob's existence: True when this call stored
        it; False when it was stored already, or another writer (another process, another
        machine on a shared directory) stored it first. For claims: a Dask attempt's start
        marker, which a worker and the client cancelling it may write at once."""
        return self._store(key, chunks, once=True)

    def _store(self, key: str, chunks: Sequence[Chunk], once: bool) -> bool:
        path = self._path(key)
        if os.path.isfile(path):
            return False
        directory = os.path.dirname(path)
        temps = os.path.join(self._root, TEMP_DIR)
        if not self._swept:
            self._swept = True
            sweep_stale_temporaries(temps, STALE_TEMP_AGE)
        temp = os.path.join(temps, f".{key}.{secrets.token_hex(6)}.tmp")
        done = False
        try:
            os.makedirs(directory, exist_ok=True)
            os.makedirs(temps, exist_ok=True)
            fd = os.open(temp, _OPEN_FLAGS, 0o666)
            try:
                _write_all(fd, chunks)
                if self._fsync:
                    os.fsync(fd)
            finally:
                os.close(fd)
            stored = _link(temp, path) if once else None
            if stored is None:  # a plain write, or a directory without hard links
                if once and os.path.isfile(path):
                    return False
                _replace(temp, path)
                stored = True
            done = True
        except OSError as exc:
            raise _io_error("write", key, path, exc) from exc
        finally:
            if not done or once:  # a link leaves the temporary name behind
                _remove_quietly(temp)
        if self._fsync:
            _fsync_directory(directory)
        return stored

    def read(self, key: str) -> bytearray:
        path = self._path(key)
        with self._open(key, path) as file:
            return _read_all(file, key, path)

    def read_mapped(self, key: str) -> bytearray | mmap.mmap:
        """The blob as a private copy-on-write map if it is large, else as a bytearray.

        A map costs no copy and no page zeroing, and the blob's pages stay shared with the
        page cache until someone writes to them. Blob files are never modified in place
        (only created by rename), so the map keeps showing what was verified.
        """
        path = self._path(key)
        with self._open(key, path) as file:
            if self._memory_map:
                mapped = _map_private(file)
                if mapped is not None:
                    return mapped
            return _read_all(file, key, path)

    def _path(self, key: str) -> str:
        check_key(key)
        return os.path.join(self._root, key[:2], key)

    def _open(self, key: str, path: str) -> io.FileIO:
        try:
            return io.FileIO(path, "r")
        except FileNotFoundError:
            raise blob_not_found(key, self._root) from None
        except OSError as exc:
            raise _io_error("read", key, path, exc) from exc


def from_url(url: str, settings: Settings | None = None) -> LocalStorage:
    """A LocalStorage for a plain path or a ``file://`` URL (``open_storage``'s factory)."""
    if not url.lower().startswith("file://"):
        return LocalStorage(url)
    parsed = urllib.parse.urlsplit(url)
    if parsed.netloc not in ("", "localhost"):
        raise DataStoreError(
            f"Cannot open datastore {redact(url)!r}: file:// URLs must name a local path "
            f"(file:///path), not the host '{redact(parsed.netloc)}'. Mount the share and use its path."
        )
    path = urllib.parse.unquote(parsed.path)
    if not path:
        raise DataStoreError(f"Cannot open datastore {redact(url)!r}: the URL names no directory.")
    return LocalStorage(path)


def _write_all(fd: int, chunks: Sequence[Chunk]) -> None:
    views = [view for view in (memoryview(chunk).cast("B") for chunk in chunks) if view.nbytes]
    if not hasattr(os, "writev"):
        for view in views:
            while view.nbytes:
                view = view[os.write(fd, view) :]
        return
    index = 0
    while index < len(views):
        written = os.writev(fd, views[index : index + _IOV_MAX])
        if written <= 0:
            raise OSError("writev wrote nothing")
        while written and index < len(views):
            length = views[index].nbytes
            if written >= length:
                written -= length
                index += 1
            else:
                views[index] = views[index][written:]
                written = 0


def _read_all(file: io.FileIO, key: str, path: str) -> bytearray:
    try:
        size = os.fstat(file.fileno()).st_size
        buffer = bytearray(size)
        filled = 0
        with memoryview(buffer) as view:
            while filled < size:
                count = file.readinto(view[filled:])
                if not count:
                    break
                filled += count
    except OSError as exc:
        raise _io_error("read", key, path, exc) from exc
    if filled < size:  # the file shrank under us; the hash check will report it
        del buffer[filled:]
    return buffer


def _map_private(file: io.FileIO) -> mmap.mmap | None:
    try:
        if os.fstat(file.fileno()).st_size < MAP_MIN_SIZE:
            return None
        if sys.version_info >= (3, 13):
            return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_COPY, trackfd=False)
        return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_COPY)
    except (OSError, ValueError):
        return None  # no maps on this file system, or out of descriptors: read instead


def sweep_stale_temporaries(directory: str, max_age: float) -> int:
    """Remove the temporary files in ``directory`` unchanged for ``max_age`` seconds (left by
    writers that were killed); returns how many. Never fails: a sweep is housekeeping."""
    removed = 0
    cutoff = time.time() - max_age
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                try:
                    if entry.name.endswith(".tmp") and entry.stat().st_mtime < cutoff:
                        os.unlink(entry.path)
                        removed += 1
                except OSError:
                    continue  # gone meanwhile, or not ours to remove
    except OSError:
        pass  # no temporary directory yet
    return removed


def _replace(temp: str, path: str) -> None:
    try:
        os.replace(temp, path)
    except PermissionError:
        # Windows refuses to replace a file that is open; a concurrent writer won the race.
        if not os.path.isfile(path):
            raise


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass  # gone already, or a stray temporary file: harmless, readers use final names only


def _fsync_directory(directory: str) -> None:
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _io_error(action: str, key: str, path: str, exc: OSError) -> DataStoreError:
    reason = exc.strerror or str(exc)
    return DataStoreError(
        f"Could not {action} blob {key} at {path}: {reason}. "
        "Check that the datastore directory exists, is writable, and has free space."
    )


def _link(temp: str, path: str) -> bool | None:
    """Give `temp` the name `path` unless that name exists, in one step: True when linked,
    False when `path` was there; None when the file system has no hard links."""
    try:
        os.link(temp, path)
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            return None
        raise
    return True
