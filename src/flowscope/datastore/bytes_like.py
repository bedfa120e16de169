"""The ``bytes`` serializer: a large bytes, bytearray or memoryview value stored as itself.

Pickle copies a ``bytes`` value into its stream (pickling 2 GiB needs 4 GiB), and rebuilding
any bytes-like value copies it out of the blob while the blob is still held. Here the value is
its own chunk, written without a copy, and loading copies it out of the blob in slices, giving
back the blob's memory-mapped pages as it goes, so neither side needs twice the value's size.

A blob is ``b"FSBY"``, a kind byte (0 bytes, 1 bytearray, 2 memoryview), a uint32 length and
that many bytes of JSON (a memoryview's format and shape), then the value's bytes. A
memoryview comes back read-only, over the blob itself (no copy), with its format and shape.
"""

from __future__ import annotations

import json
import mmap
import struct
from typing import Any

from flowscope.datastore.cas import BlobView
from flowscope.datastore.storage import Chunk
from flowscope.errors import DataStoreError

MIN_SIZE = 16 * 1024
"""Smaller bytes-like values are pickled with everything else."""

SLICE = 64 * 1024 * 1024
"""Bytes copied out of the blob between two releases of its pages."""

_MAGIC = b"FSBY"
_HEAD = struct.Struct("<4sBI")
_KINDS: tuple[type, ...] = (bytes, bytearray, memoryview)


class BytesSerializer:
    """Large bytes, bytearray and memoryview values (exact types), stored out of band."""

    @property
    def name(self) -> str:
        return "bytes"

    def accepts(self, value: object) -> bool:
        if type(value) not in _KINDS:
            return False
        view = memoryview(value)  # type: ignore[arg-type]
        return view.nbytes >= MIN_SIZE and view.c_contiguous

    def dump(self, value: object) -> list[Chunk]:
        view = memoryview(value)  # type: ignore[arg-type]
        meta = {}
        if type(value) is memoryview:
            meta = {"format": view.format, "shape": list(view.shape or ())}
        text = json.dumps(meta).encode()
        head = _HEAD.pack(_MAGIC, _KINDS.index(type(value)), len(text)) + text
        return [head, view if view.format == "B" and view.ndim == 1 else view.cast("B")]

    def load(self, blob: BlobView) -> object:
        if blob.size < _HEAD.size:
            raise _not_bytes(blob)
        magic, kind, length = _HEAD.unpack(blob.slice(0, _HEAD.size))
        start = _HEAD.size + length
        if magic != _MAGIC or kind >= len(_KINDS) or start > blob.size:
            raise _not_bytes(blob)
        try:
            meta: dict[str, Any] = json.loads(bytes(blob.slice(_HEAD.size, start)))
        except ValueError:
            raise _not_bytes(blob) from None
        data = blob.slice(start, blob.size)
        if _KINDS[kind] is memoryview:
            view = data.toreadonly()
            shape = meta.get("shape") or [view.nbytes]
            return view.cast(meta.get("format", "B"), shape) if meta.get("format") else view
        if _KINDS[kind] is bytearray:
            if isinstance(data.obj, bytearray) and data.nbytes == len(data.obj):
                return data.obj  # decoded into a buffer of its own: it is the value
            _release_all(data)  # before bytearray(n) zero-fills its n bytes
            out = bytearray(data.nbytes)
            _copy_releasing(data, memoryview(out))
            return out
        return _new_bytes(data)


def _new_bytes(data: memoryview) -> bytes:
    """A copy of ``data`` as ``bytes``, filled in slices, without a second copy.

    CPython's documented way to build bytes in place: PyBytes_FromStringAndSize(NULL, n),
    then write the buffer before anyone else sees the object."""
    if data.nbytes < 2 * SLICE or not isinstance(data.obj, mmap.mmap):
        return data.tobytes()
    import ctypes  # only for values this large

    new = ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.c_void_p, ctypes.c_ssize_t)(
        ("PyBytes_FromStringAndSize", ctypes.pythonapi)
    )
    address_of = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.py_object)(
        ("PyBytes_AsString", ctypes.pythonapi)
    )
    _release_all(data)
    out: bytes = new(None, data.nbytes)
    target = (ctypes.c_char * data.nbytes).from_address(address_of(out))
    _copy_releasing(data, memoryview(target).cast("B"))
    return out


def _copy_releasing(data: memoryview, out: memoryview) -> None:
    """Copy ``data`` into ``out`` slice by slice; where ``data`` is a memory map, give each
    copied slice's pages back (they are clean: read again from the file if touched)."""
    mapped = data.obj if isinstance(data.obj, mmap.mmap) else None
    base = _offset_in(mapped, data) if mapped is not None else None
    for start in range(0, data.nbytes, SLICE):
        stop = min(start + SLICE, data.nbytes)
        out[start:stop] = data[start:stop]
        if mapped is not None and base is not None:
            _release(mapped, base + start, base + stop)


def _release_all(data: memoryview) -> None:
    """Give back the pages of ``data`` that reading (and verifying) the blob touched."""
    mapped = data.obj if isinstance(data.obj, mmap.mmap) else None
    base = _offset_in(mapped, data) if mapped is not None else None
    if mapped is not None and base is not None:
        _release(mapped, base, base + data.nbytes)


def _offset_in(mapped: mmap.mmap, view: memoryview) -> int | None:
    import ctypes

    try:
        whole = ctypes.c_char.from_buffer(mapped)
        part = ctypes.c_char.from_buffer(view)
    except (TypeError, ValueError):  # a read-only map or view: nothing to give back
        return None
    try:
        return ctypes.addressof(part) - ctypes.addressof(whole)
    finally:
        del whole, part


def _release(mapped: mmap.mmap, start: int, stop: int) -> None:
    page = mmap.PAGESIZE
    first = -(-start // page) * page  # whole pages only
    if stop - first >= page:
        try:
            mapped.madvise(mmap.MADV_DONTNEED, first, (stop - first) // page * page)
        except (OSError, ValueError, AttributeError):
            pass  # only a hint: the copy is right either way


def _not_bytes(blob: BlobView) -> DataStoreError:
    return DataStoreError(
        f"Blob {blob.key} was not written by the bytes serializer; load it with the "
        "serializer recorded for the artifact."
    )
