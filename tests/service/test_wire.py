"""The wire format (service/wire.py): the error envelope, statuses for each error a caller can
cause, generic logged 500s, and JSON that stays encodable."""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass

import pytest

from flowscope.errors import (
    BlobCorrupted,
    BlobNotFound,
    DatabaseUnavailable,
    InvalidPathspec,
    MetadataError,
    ObjectNotFound,
    SchemaError,
    TagError,
)
from flowscope.service.wire import (
    HttpError,
    bad_request,
    error_response,
    exception_response,
    json_response,
    record,
)


def _body(response: object) -> object:
    return json.loads(bytes(response.body))  # type: ignore[attr-defined]


def test_the_error_envelope() -> None:
    response = error_response(409, "Conflict", "m")
    assert response.status_code == 409 and response.media_type == "application/json"
    assert _body(response) == {"error": {"type": "Conflict", "message": "m"}}
    assert "www-authenticate" not in response.headers
    assert error_response(401, "Unauthorized", "m").headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "error,status,kind",
    [
        (HttpError(413, "PayloadTooLarge", "big"), 413, "PayloadTooLarge"),
        (bad_request("bad"), 400, "BadRequest"),
        (ObjectNotFound("none"), 404, "ObjectNotFound"),
        (BlobNotFound("none"), 404, "BlobNotFound"),
        (InvalidPathspec("bad"), 400, "InvalidPathspec"),
        (TagError("bad"), 400, "TagError"),
        (BlobCorrupted("bad"), 400, "BlobCorrupted"),
        (SchemaError("new"), 503, "SchemaError"),
        (DatabaseUnavailable("down"), 503, "DatabaseUnavailable"),
    ],
)
def test_caller_errors_keep_their_message(error: Exception, status: int, kind: str) -> None:
    response = exception_response(error, "GET /x")
    assert response.status_code == status
    assert _body(response) == {"error": {"type": kind, "message": str(error)}}


@pytest.mark.parametrize("error", [MetadataError("db said x"), KeyError("k"), ZeroDivisionError()])
def test_server_faults_are_generic_and_logged(
    error: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="flowscope.service"):
        response = exception_response(error, "POST /flows/F/runs")
    assert response.status_code == 500
    body = _body(response)
    assert body["error"]["type"] == "InternalError"  # type: ignore[index]
    assert "logged" in body["error"]["message"]  # type: ignore[index]
    assert "db said" not in bytes(response.body).decode()
    assert any("POST /flows/F/runs" in r.getMessage() and r.exc_info for r in caplog.records)


def test_unavailable_databases_are_logged_as_warnings(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="flowscope.service"):
        exception_response(DatabaseUnavailable("restarting"), "GET /flows")
    assert [r.levelname for r in caplog.records] == ["WARNING"]


def test_json_is_compact_ascii_and_allows_non_finite_numbers() -> None:
    response = json_response({"s": "☃\ud800", "n": math.inf}, status=201, headers={"X-A": "b"})
    raw = bytes(response.body)
    assert raw == b'{"s":"\\u2603\\ud800","n":Infinity}'
    assert response.status_code == 201 and response.headers["x-a"] == "b"


@dataclass(frozen=True)
class _Point:
    x: int
    ys: tuple[int, ...]


def test_record_is_a_flat_dict_of_the_fields() -> None:
    point = _Point(1, (2, 3))
    assert record(point) == {"x": 1, "ys": (2, 3)}
    assert record(point)["ys"] is point.ys  # no deep copy
