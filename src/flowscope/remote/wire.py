"""The one table of errors that cross the wire: the envelope's type name, the HTTP status the
service answers with, and the flowscope error class on each side.

The service answers an error of class `caught` with `status` and `{"error": {"type": name,
...}}` (service/wire.py); a client reading that type raises `raised` again
(remote/transport.py). Names not in this table are the service's own refusals (BadRequest,
PayloadTooLarge, NotConfigured, NotFound, MethodNotAllowed, InternalError, ...), raised as
`HttpError`; a client reads them as a MetadataError naming the status.

Pure: imports nothing but the error tree, so both sides of the wire may use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flowscope.errors import (
    AuthenticationError,
    BlobCorrupted,
    BlobNotFound,
    DatabaseUnavailable,
    FlowscopeError,
    InvalidPathspec,
    ObjectNotFound,
    QueryError,
    RunAlreadyFinished,
    SchemaError,
    ServiceUnavailable,
    StorageFull,
    TagError,
)

__all__ = ["WIRE_ERRORS", "WireError", "error_class", "wire_error_of"]


@dataclass(frozen=True)
class WireError:
    """One row: `caught` on the service becomes (`status`, `name`), which a client raises as
    `raised`."""

    name: str
    status: int
    caught: type[FlowscopeError]
    raised: type[FlowscopeError]


WIRE_ERRORS: tuple[WireError, ...] = (
    WireError("ObjectNotFound", 404, ObjectNotFound, ObjectNotFound),
    WireError("BlobNotFound", 404, BlobNotFound, BlobNotFound),
    WireError("InvalidPathspec", 400, InvalidPathspec, InvalidPathspec),
    WireError("TagError", 400, TagError, TagError),
    WireError("QueryError", 400, QueryError, QueryError),
    WireError("BlobCorrupted", 400, BlobCorrupted, BlobCorrupted),
    WireError("Unauthorized", 401, AuthenticationError, AuthenticationError),
    WireError("RunAlreadyFinished", 409, RunAlreadyFinished, RunAlreadyFinished),
    # the disk behind the service's blob storage is full (a client names the artifact)
    WireError("InsufficientStorage", 507, StorageFull, StorageFull),
    WireError("SchemaError", 503, SchemaError, SchemaError),
    # the service's database did not answer: to a client, the service is what is unavailable
    WireError("DatabaseUnavailable", 503, DatabaseUnavailable, ServiceUnavailable),
)

_BY_NAME: Mapping[str, WireError] = {row.name: row for row in WIRE_ERRORS}


def wire_error_of(exc: BaseException) -> WireError | None:
    """The row the service answers `exc` with, or None when it is not a caller's error."""
    for row in WIRE_ERRORS:
        if isinstance(exc, row.caught):
            return row
    return None


def error_class(name: str | None) -> type[FlowscopeError] | None:
    """The class a client raises for the wire type `name`, or None for a name not listed."""
    row = _BY_NAME.get(name or "")
    return None if row is None else row.raised
