"""Everything a request carries, checked before it reaches the store. Pure except `read_json`.

Path ids go through `flowscope.pathspec.check_id`; bodies are size-limited JSON objects whose
fields are checked for type and range (a wrong type is a 400 here, not a database error
later); strings must be valid UTF-8 without NUL, which PostgreSQL text cannot hold.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from starlette.requests import ClientDisconnect, Request

from flowscope.datastore.keys import check_key
from flowscope.errors import DataStoreError
from flowscope.pathspec import check_id
from flowscope.service.wire import HttpError, bad_request

INT64_MAX = 2**63 - 1
MAX_TEXT = 100_000
_ATTEMPT = re.compile(r"[0-9]{1,9}\Z")


# ---- path ------------------------------------------------------------------------------
def flow(request: Request) -> str:
    return check_id("flow", request.path_params["flow"])


def step(request: Request) -> str:
    return check_id("step", request.path_params["step"])


def run(request: Request) -> int:
    return int(check_id("run", request.path_params["run"]))


def task(request: Request) -> int:
    return int(check_id("task", request.path_params["task"]))


def attempt_number(value: str, where: str = "attempt") -> int:
    if not _ATTEMPT.match(value):
        raise bad_request(f"{where} must be a non-negative integer, got {value[:40]!r}.")
    return int(value)


def blob_key(request: Request) -> str:
    try:
        return check_key(request.path_params["key"])
    except DataStoreError as exc:
        raise bad_request(str(exc)) from None


# ---- values ----------------------------------------------------------------------------
def text(value: object, where: str, *, max_length: int = MAX_TEXT) -> str:
    if not isinstance(value, str):
        raise bad_request(f"{where} must be a string, got {type(value).__name__}.")
    if len(value) > max_length:
        raise bad_request(f"{where} is {len(value)} characters long; the limit is {max_length}.")
    if "\x00" in value:
        raise bad_request(f"{where} must not contain a NUL character.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise bad_request(f"{where} is not valid UTF-8 (it holds a lone surrogate).") from None
    return value


def optional_text(value: object, where: str) -> str | None:
    return None if value is None else text(value, where)


def integer(value: object, where: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"{where} must be an integer, got {type(value).__name__}.")
    if not minimum <= value <= INT64_MAX:
        raise bad_request(f"{where} must be between {minimum} and {INT64_MAX}, got {value}.")
    return value


def optional_integer(value: object, where: str, *, minimum: int = 0) -> int | None:
    return None if value is None else integer(value, where, minimum=minimum)


def number(value: object, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise bad_request(f"{where} must be a number, got {type(value).__name__}.")
    result = float(value)
    if not math.isfinite(result):
        raise bad_request(f"{where} must be a finite number.")
    return result


def text_list(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise bad_request(f"{where} must be a list of strings, got {type(value).__name__}.")
    return tuple(text(v, f"{where}[{i}]") for i, v in enumerate(value))


def objects(value: object, where: str) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        raise bad_request(f"{where} must be a list of objects, got {type(value).__name__}.")
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise bad_request(f"{where}[{i}] must be an object, got {type(item).__name__}.")
    return value


def mapping(value: object, where: str) -> Mapping[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request(f"{where} must be an object, got {type(value).__name__}.")
    for key in value:
        text(key, f"a key of {where}")
    return value


def query_number(raw: str, where: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise bad_request(
            f"{where} must be a number of seconds since the epoch, got {raw[:40]!r}."
        ) from None
    if not math.isfinite(value):
        raise bad_request(f"{where} must be a finite number.")
    return value


def check_filter_count(count: int, limit: int, what: str) -> None:
    """400 for a listing with more filters than `limit` (each is a clause in one SQL query)."""
    if count > limit:
        raise bad_request(
            f"This listing has {count} {what}; the limit is {limit} per request (the service's "
            "--max-filters). Filter on fewer, or narrow the listing and filter the rest yourself."
        )


# ---- the body --------------------------------------------------------------------------
def check_declared_length(request: Request, limit: int) -> None:
    """413 at once when the Content-Length header says the body exceeds `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise bad_request("Content-Length must be a non-negative integer.")
        if int(declared) > limit:
            raise too_large(int(declared), limit)


async def drain(request: Request, limit: int) -> None:
    """Read and drop the rest of the body (up to `limit` bytes), so the answer reaches the
    caller instead of a reset connection; a longer body is left for the server to cut."""
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                return
    except (RuntimeError, ClientDisconnect):
        return  # read to its end already, or the caller is gone


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed `limit` bytes."""
    check_declared_length(request, limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large(len(body), limit)
    return bytes(body)


def too_large(size: int, limit: int) -> HttpError:
    return HttpError(
        413,
        "PayloadTooLarge",
        f"The request body ({size} bytes or more) exceeds the limit of {limit} bytes.",
    )


def _no_constant(name: str) -> Any:
    """NaN and Infinity are not JSON: refuse them rather than store what clients cannot read."""
    raise ValueError(f"{name} is not valid JSON")


async def read_json(request: Request, limit: int) -> Mapping[str, Any]:
    """The body as a JSON object; 400 for anything else (never a 500)."""
    raw = await read_body(request, limit)
    try:
        data = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise bad_request("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise bad_request(f"The request body must be a JSON object, got {type(data).__name__}.")
    return data
