"""The one table of wire errors (remote/wire.py), read by both ends: every row the service
answers with comes back to a client as the row's class, and nothing else does."""

from __future__ import annotations

import http.client
import json

import pytest

from flowscope.errors import (
    AuthenticationError,
    DatabaseUnavailable,
    FlowscopeError,
    HttpError,
    MetadataError,
    ObjectNotFound,
    ServiceUnavailable,
)
from flowscope.remote.transport import Answer, HttpTransport
from flowscope.remote.wire import WIRE_ERRORS, WireError, error_class, wire_error_of
from flowscope.service.wire import exception_response


def _answer(response: object) -> Answer:
    status = response.status_code  # type: ignore[attr-defined]
    return Answer(status, http.client.HTTPMessage(), bytes(response.body))  # type: ignore[attr-defined]


def _client_raises(answer: Answer) -> FlowscopeError:
    transport = HttpTransport("http://127.0.0.1:9")  # never connects: only reads the answer
    with pytest.raises(FlowscopeError) as info:
        transport.fail("GET", "/api/v1/flows", answer)
    return info.value


@pytest.mark.parametrize("row", WIRE_ERRORS, ids=[row.name for row in WIRE_ERRORS])
def test_every_row_crosses_the_wire_and_back(row: WireError) -> None:
    response = exception_response(row.caught("what went wrong"), "GET /flows")
    assert response.status_code == row.status
    assert json.loads(bytes(response.body))["error"]["type"] == row.name
    raised = _client_raises(_answer(response))
    assert type(raised) is row.raised and "what went wrong" in str(raised)


def test_the_table_is_one_row_per_name_and_per_caught_class() -> None:
    assert len({row.name for row in WIRE_ERRORS}) == len(WIRE_ERRORS)
    assert len({row.caught for row in WIRE_ERRORS}) == len(WIRE_ERRORS)
    assert all(wire_error_of(row.caught("m")) is row for row in WIRE_ERRORS)


def test_a_database_outage_reads_as_the_service_being_unavailable() -> None:
    assert error_class("DatabaseUnavailable") is ServiceUnavailable
    row = wire_error_of(DatabaseUnavailable("down"))
    assert row is not None and (row.status, row.name) == (503, "DatabaseUnavailable")
    assert error_class("Unauthorized") is AuthenticationError
    assert error_class("ObjectNotFound") is ObjectNotFound


@pytest.mark.parametrize("name", [None, "", "BadRequest", "InternalError", "objectnotfound"])
def test_names_outside_the_table_have_no_class(name: str | None) -> None:
    assert error_class(name) is None


def test_server_faults_and_refusals_are_not_in_the_table() -> None:
    assert wire_error_of(MetadataError("db said x")) is None
    assert wire_error_of(KeyError("k")) is None
    assert wire_error_of(HttpError(413, "PayloadTooLarge", "big")) is None


def test_a_refusal_reads_as_a_metadata_error_naming_its_status() -> None:
    response = exception_response(HttpError(413, "PayloadTooLarge", "the body is too big"), "PUT")
    assert response.status_code == 413
    raised = _client_raises(_answer(response))
    assert type(raised) is MetadataError
    assert "413" in str(raised) and "the body is too big" in str(raised)


def test_http_error_is_in_the_tree_and_still_importable_from_the_service() -> None:
    from flowscope.config import ConfigError as FromConfig
    from flowscope.errors import ConfigError
    from flowscope.service.wire import HttpError as FromService

    assert FromService is HttpError and issubclass(HttpError, FlowscopeError)
    assert FromConfig is ConfigError and issubclass(ConfigError, FlowscopeError)
