"""The service's wire format: JSON responses, the error envelope, and exceptions to statuses.

Every error is `{"error": {"type": ..., "message": ...}}`. `type` names the flowscope error
class the client raises again, from the one table in flowscope/remote/wire.py (ObjectNotFound,
InvalidPathspec, TagError, DatabaseUnavailable, ...), or one of the service's own refusals
raised as HttpError (BadRequest, PayloadTooLarge, NotFound, MethodNotAllowed, InternalError),
or DatabaseFull (507: the disk behind the metadata database is full). A 500 never carries
details: they are logged here.
"""

from __future__ import annotations

import errno
import json
import logging
import sqlite3
from dataclasses import fields
from typing import Any

from starlette.responses import Response

from flowscope.errors import (
    DataStoreError,
    FlowscopeError,
    HttpError as HttpError,  # raised by the routes; its home is the error tree
    MetadataError,
)
from flowscope.remote.wire import wire_error_of

log = logging.getLogger("flowscope.service")


def bad_request(message: str) -> HttpError:
    return HttpError(400, "BadRequest", message)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    # NaN/inf are allowed (parameters may hold them; Python's json reads them back), and
    # ASCII escapes keep any lone surrogate a stored JSON value may hold encodable
    data = json.dumps(body, separators=(",", ":")).encode("ascii")
    return Response(data, status_code=status, headers=headers, media_type="application/json")


def error_response(status: int, kind: str, message: str) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return json_response({"error": {"type": kind, "message": message}}, status, headers)


def _status_of(exc: BaseException) -> tuple[int, str] | None:
    """The status and wire type for an error a caller caused, or None for a server fault."""
    if isinstance(exc, HttpError):
        return exc.status, exc.kind
    row = wire_error_of(exc)
    return None if row is None else (row.status, row.name)


_DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})


def disk_full(exc: BaseException) -> bool:
    """Whether `exc`, or an error it was raised from, says a disk (or quota) is full."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _DISK_FULL_ERRNOS:
            return True
        if getattr(current, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            return True
        if getattr(current, "sqlstate", None) == "53100":  # PostgreSQL disk_full
            return True
        implicit = None if current.__suppress_context__ else current.__context__
        current = current.__cause__ or implicit
    return False


def exception_response(exc: BaseException, what: str) -> Response:
    """The response for an exception raised while serving `what` (method and path)."""
    known = _status_of(exc)
    if known is None and disk_full(exc):
        log.error("%s failed, the disk is full: %s", what, exc)
        return error_response(
            507,
            "DatabaseFull",
            "The service's metadata database is out of disk space (the disk is full); nothing "
            "was recorded. Ask the service's operator to free space, then retry.",
        )
    if known is not None:
        status, kind = known
        if status >= 500:
            log.warning("%s: %s", what, exc)
        return error_response(status, kind, str(exc))
    if isinstance(exc, (MetadataError, DataStoreError, FlowscopeError)):
        log.error("%s failed: %s", what, exc, exc_info=exc)
    else:
        log.exception("%s failed with an unexpected error", what, exc_info=exc)
    return error_response(
        500, "InternalError", "The service failed to handle this request; the error was logged."
    )


_FIELDS: dict[type, tuple[str, ...]] = {}


def record(value: Any) -> dict[str, Any]:
    """A flat record as a JSON-ready dict (faster than dataclasses.asdict; no deep copy)."""
    cls = type(value)
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in fields(value))
    return {name: getattr(value, name) for name in names}
