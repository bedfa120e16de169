"""Artifact data: content-addressed blobs behind a small storage protocol, and serializers.

storage.py      BlobStorage protocol, open_storage (backends by URL scheme, lazily)
local.py        LocalStorage: a directory, atomic writes
memory.py       MemoryStorage: the in-memory double
http.py         HttpBlobStorage: blobs through the service's blob proxy
keys.py         key validation, and the not-found / corrupted errors naming a key
encoding.py     the stored form: header, raw or lz4 segments
cas.py          ContentStore: hashing, dedupe, verified reads
serializers.py  pickle protocol 5 with out-of-band buffers; the serializer registry
reducers.py     object arrays of repeated strings pickled as distinct values plus codes
artifacts.py    save_artifact / load_artifact / save_artifacts / load_inline
"""

from __future__ import annotations

from flowscope.datastore.artifacts import (
    ArtifactInfo,
    load_artifact,
    load_inline,
    save_artifact,
    save_artifacts,
)
from flowscope.datastore.cas import BlobView, ContentStore, PutResult
from flowscope.datastore.local import LocalStorage
from flowscope.datastore.memory import MemoryStorage
from flowscope.datastore.serializers import Serializer, get_serializer, serializer_for
from flowscope.datastore.storage import BlobStorage, Chunk, MappableStorage, open_storage

__all__ = [
    "ArtifactInfo",
    "BlobStorage",
    "BlobView",
    "Chunk",
    "ContentStore",
    "LocalStorage",
    "MappableStorage",
    "MemoryStorage",
    "PutResult",
    "Serializer",
    "get_serializer",
    "load_artifact",
    "load_inline",
    "open_storage",
    "save_artifact",
    "save_artifacts",
    "serializer_for",
]
