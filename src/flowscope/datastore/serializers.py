"""Serializers turn a value into the chunks of one blob and back; chosen by type, by name.

The default, ``pickle``, uses protocol 5 with out-of-band buffers. A blob it writes is::

    b"FSP5", uint32 buffer count n, uint64 pickle length, n x uint64 buffer lengths
    the pickle stream
    buffer 1 ... buffer n        (each its own chunk, so it is stored unsplit and aligned)

Large contiguous buffers (numpy arrays, pandas columns) travel out of band: saving them
copies nothing before the write, and loading hands ``pickle.loads`` views of the bytes that
were read, so arrays are rebuilt in place, without a copy. A large bytes, bytearray or
memoryview value is stored by the ``bytes`` serializer (``bytes_like.py``) instead.
"""

from __future__ import annotations

import io
import pickle
import struct
import sys
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Protocol

from flowscope.datastore.bytes_like import BytesSerializer
from flowscope.datastore.cas import BlobView
from flowscope.datastore.reducers import reduce_string_array
from flowscope.datastore.storage import Chunk
from flowscope.errors import DataStoreError

OUT_OF_BAND_MIN = 16 * 1024
"""Buffers smaller than this are kept inside the pickle stream."""

_MAGIC = b"FSP5"
_HEAD = struct.Struct("<4sIQ")


class Serializer(Protocol):
    """Turns values into the chunks of a blob, and a blob back into a value."""

    @property
    def name(self) -> str:
        """The name recorded with each artifact, to find the serializer again on load."""
        ...

    def accepts(self, value: object) -> bool:
        """Whether this serializer should be used for ``value``."""
        ...

    def dump(self, value: object) -> list[Chunk]:
        """The logical bytes of the blob for ``value``, as chunks (not concatenated)."""
        ...

    def load(self, blob: BlobView) -> object:
        """The value a blob written by ``dump`` holds."""
        ...


class PickleSerializer:
    """Pickle protocol 5, with large buffers out of band (the default for every type)."""

    @property
    def name(self) -> str:
        return "pickle"

    def accepts(self, value: object) -> bool:
        return True

    def dump(self, value: object) -> list[Chunk]:
        buffers: list[memoryview] = []

        def place(buffer: pickle.PickleBuffer) -> bool:
            try:
                raw = buffer.raw()
            except BufferError:  # not contiguous: pickle copies it into the stream
                return True
            if raw.nbytes < OUT_OF_BAND_MIN:
                return True
            buffers.append(raw)
            return False

        try:
            stream = _dumps(value, place)
        except MemoryError:
            raise
        except Exception as exc:
            raise DataStoreError(
                f"Cannot pickle a value of type {type_name(value)}: "
                f"{type(exc).__name__}: {exc}. Store something picklable instead (plain data, "
                "or what is needed to rebuild the object), or delete it from self before the "
                "step ends."
            ) from exc
        lengths = [buffer.nbytes for buffer in buffers]
        head = _HEAD.pack(_MAGIC, len(buffers), len(stream))
        table = struct.pack(f"<{len(lengths)}Q", *lengths)
        return [head + table, stream, *buffers]

    def load(self, blob: BlobView) -> object:
        stream, buffers = _split(blob)
        try:
            return pickle.loads(stream, buffers=buffers)
        except MemoryError:
            raise
        except ModuleNotFoundError as exc:
            raise DataStoreError(
                f"Cannot unpickle blob {blob.key}: it needs the module '{exc.name}', which "
                "cannot be imported here. Install it (or put it on the path) and try again."
            ) from exc
        except Exception as exc:
            raise DataStoreError(
                f"Cannot unpickle blob {blob.key}: {type(exc).__name__}: {exc}. The class it "
                "holds may have been renamed or moved since it was saved; load it with the "
                "code version that saved it."
            ) from exc


def _dumps(value: object, place: Callable[[pickle.PickleBuffer], bool]) -> bytes:
    ndarray = getattr(sys.modules.get("numpy"), "ndarray", None)
    if ndarray is None:  # no numpy loaded: the value holds no arrays
        return pickle.dumps(value, protocol=5, buffer_callback=place)
    out = io.BytesIO()
    _ArrayPickler(out, ndarray, place).dump(value)
    return out.getvalue()


class _ArrayPickler(pickle.Pickler):
    """Pickle protocol 5, with object arrays of repeated strings pickled compactly."""

    def __init__(
        self, out: io.BytesIO, ndarray: type, place: Callable[[pickle.PickleBuffer], bool]
    ):
        super().__init__(out, protocol=5, buffer_callback=place)
        self._ndarray = ndarray

    def reducer_override(self, obj: object) -> Any:
        if type(obj) is self._ndarray:
            reduced = reduce_string_array(obj)
            if reduced is not None:
                return reduced
        return NotImplemented


_SERIALIZERS: Mapping[str, Serializer] = MappingProxyType(
    {"bytes": BytesSerializer(), "pickle": PickleSerializer()}
)
"""Every serializer by name, in order of preference; ``pickle`` accepts anything, so is last."""


def serializer_for(value: object) -> Serializer:
    """The first registered serializer that accepts ``value``."""
    for serializer in _SERIALIZERS.values():
        if serializer.accepts(value):
            return serializer
    raise DataStoreError(f"No serializer accepts a value of type {type_name(value)}")


def get_serializer(name: str) -> Serializer:
    """The serializer registered as ``name``."""
    try:
        return _SERIALIZERS[name]
    except (KeyError, TypeError):
        known = ", ".join(sorted(_SERIALIZERS))
        raise DataStoreError(
            f"Unknown serializer {name!r}: this version of flowscope knows {known}. The artifact "
            "was probably saved by a newer flowscope; upgrade to load it."
        ) from None


def type_name(value: object) -> str:
    """``module.QualifiedName`` of the value's type, e.g. ``numpy.ndarray``, ``builtins.int``."""
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}"


def _split(blob: BlobView) -> tuple[memoryview, list[memoryview]]:
    if blob.size < _HEAD.size:
        raise _not_pickle(blob)
    magic, count, stream_length = _HEAD.unpack(blob.slice(0, _HEAD.size))
    table_end = _HEAD.size + 8 * count
    if magic != _MAGIC or table_end > blob.size:
        raise _not_pickle(blob)
    lengths = struct.unpack(f"<{count}Q", blob.slice(_HEAD.size, table_end))
    if table_end + stream_length + sum(lengths) != blob.size:
        raise _not_pickle(blob)
    stream = blob.slice(table_end, table_end + stream_length)
    buffers = []
    position = table_end + stream_length
    for length in lengths:
        buffers.append(blob.slice(position, position + length))
        position += length
    return stream, buffers


def _not_pickle(blob: BlobView) -> DataStoreError:
    return DataStoreError(
        f"Blob {blob.key} was not written by the pickle serializer; load it with the "
        "serializer recorded for the artifact."
    )
