"""Request bodies to metadata records, every field checked (the records' `to_dict` shapes)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from flowscope.errors import TagError
from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
from flowscope.metastore.records import (
    FINISHED_STATUSES,
    MAX_ADDRESS,
    MAX_INLINE_TEXT,
    ArtifactRecord,
    Fact,
    inline_bytes,
)
from flowscope.pathspec import check_id
from flowscope.service import parse as p
from flowscope.service.wire import bad_request
from flowscope.tags import validate_tags

MAX_BATCH = 100_000
MAX_BLOB_KEYS = 10_000
"""Declared blob keys one attempt result may carry (its cards, in practice a handful)."""
_BLOB_KEY = re.compile(r"[0-9a-f]{64}")


def _json_safe(value: object, where: str) -> None:
    try:
        json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        raise bad_request(f"{where} is not a JSON value.") from None


def tag_list(value: object, where: str) -> tuple[str, ...]:
    """Tags checked by the same rules, and with the same TagError, as the local store."""
    if isinstance(value, (str, bytes)) or not isinstance(value, list):
        if isinstance(value, str):
            return validate_tags(value)  # raises the store's own "single string" TagError
        raise TagError(f"{where} must be a list of tags, got {type(value).__name__}.")
    return validate_tags(value)


def new_run(body: Mapping[str, Any], flow_name: str) -> NewRun:
    parameters = p.mapping(body.get("parameters", {}), "parameters") or {}
    _json_safe(parameters, "parameters")
    return NewRun(
        flow_name=flow_name,
        user=p.text(body.get("user"), "user", max_length=500),
        user_tags=tag_list(body.get("user_tags", []), "user_tags"),
        system_tags=tag_list(body.get("system_tags", []), "system_tags"),
        parameters=parameters,
        code_key=p.optional_text(body.get("code_key"), "code_key"),
        origin_run_id=p.optional_integer(body.get("origin_run_id"), "origin_run_id", minimum=1),
        created_at=p.number(body.get("created_at"), "created_at"),
        command_line=p.optional_text(body.get("command_line"), "command_line"),
        datastore=_address(body.get("datastore"), "datastore"),
    )


def _address(value: object, where: str) -> str | None:
    if value is None:
        return None
    return p.text(value, where, max_length=MAX_ADDRESS)


def _blob_keys(value: object, where: str) -> tuple[str, ...]:
    """An attempt's declared blob keys: a list of at most MAX_BLOB_KEYS content addresses."""
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_BLOB_KEYS:
        raise bad_request(f"{where} must be a list of at most {MAX_BLOB_KEYS} blob keys.")
    for i, key in enumerate(value):
        if not isinstance(key, str) or _BLOB_KEY.fullmatch(key) is None:
            raise bad_request(f"{where}[{i}] must be a blob key (64 lowercase hex digits).")
    return tuple(value)


def _inline(value: object, where: str) -> str | None:
    """A blob's stored form in base64, at most MAX_INLINE bytes (the reader checks its hash)."""
    if value is None:
        return None
    text = p.text(value, where, max_length=MAX_INLINE_TEXT)
    if inline_bytes(text) is None:
        raise bad_request(f"{where} must be base64 (the blob's stored bytes).")
    return text


def _batch(body: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    items = p.objects(body.get(name), name)
    if len(items) > MAX_BATCH:
        raise bad_request(f"{name} holds {len(items)} items; the limit is {MAX_BATCH} per call.")
    return items


def new_tasks(body: Mapping[str, Any]) -> list[NewTask]:
    out = []
    for i, t in enumerate(_batch(body, "tasks")):
        where = f"tasks[{i}]"
        stack = t.get("foreach_stack", [])
        if not isinstance(stack, list):
            raise bad_request(f"{where}.foreach_stack must be a list.")
        _json_safe(stack, f"{where}.foreach_stack")
        out.append(
            NewTask(
                step_name=check_id("step", t.get("step_name")),
                task_id=p.integer(t.get("task_id"), f"{where}.task_id", minimum=1),
                foreach_index=p.optional_integer(t.get("foreach_index"), f"{where}.foreach_index"),
                foreach_stack=tuple(stack),
                origin_pathspec=p.optional_text(
                    t.get("origin_pathspec"), f"{where}.origin_pathspec"
                ),
                created_at=p.number(t.get("created_at"), f"{where}.created_at"),
            )
        )
    return out


def attempt_starts(body: Mapping[str, Any]) -> list[AttemptStart]:
    return [
        AttemptStart(
            task_id=p.integer(a.get("task_id"), f"attempts[{i}].task_id", minimum=1),
            attempt=p.integer(a.get("attempt"), f"attempts[{i}].attempt"),
            started_at=p.number(a.get("started_at"), f"attempts[{i}].started_at"),
        )
        for i, a in enumerate(_batch(body, "attempts"))
    ]


def _artifact(a: Mapping[str, Any], where: str) -> ArtifactRecord:
    return ArtifactRecord(
        name=check_id("artifact", a.get("name")),  # the one rule for names (pathspec.is_name)
        sha=p.text(a.get("sha"), f"{where}.sha", max_length=200),
        size=p.integer(a.get("size"), f"{where}.size"),
        type_name=p.text(a.get("type_name"), f"{where}.type_name", max_length=1000),
        serializer=p.text(a.get("serializer"), f"{where}.serializer", max_length=200),
        created_at=p.number(a.get("created_at", 0.0), f"{where}.created_at") or 0.0,
        scalar=p.optional_text(a.get("scalar"), f"{where}.scalar"),
        inline=_inline(a.get("inline"), f"{where}.inline"),
    )


def _fact(f: Mapping[str, Any], where: str) -> Fact:
    return Fact(
        field=p.text(f.get("field"), f"{where}.field", max_length=500),
        value=p.text(f.get("value"), f"{where}.value"),
        type=p.text(f.get("type"), f"{where}.type", max_length=200),
        created_at=p.number(f.get("created_at", 0.0), f"{where}.created_at") or 0.0,
    )


def attempt_results(body: Mapping[str, Any]) -> list[AttemptResult]:
    out = []
    for i, r in enumerate(_batch(body, "results")):
        where = f"results[{i}]"
        status = r.get("status")
        if status not in FINISHED_STATUSES:
            raise bad_request(
                f"{where}.status must be succeeded or failed, got {str(status)[:40]!r}."
            )
        exception = p.mapping(r.get("exception"), f"{where}.exception")
        if exception is not None:
            _json_safe(exception, f"{where}.exception")
        out.append(
            AttemptResult(
                task_id=p.integer(r.get("task_id"), f"{where}.task_id", minimum=1),
                attempt=p.integer(r.get("attempt"), f"{where}.attempt"),
                status=str(status),
                finished_at=p.number(r.get("finished_at"), f"{where}.finished_at"),
                artifacts=tuple(
                    _artifact(a, f"{where}.artifacts[{j}]")
                    for j, a in enumerate(p.objects(r.get("artifacts", []), f"{where}.artifacts"))
                ),
                facts=tuple(
                    _fact(f, f"{where}.facts[{j}]")
                    for j, f in enumerate(p.objects(r.get("facts", []), f"{where}.facts"))
                ),
                stdout_key=p.optional_text(r.get("stdout_key"), f"{where}.stdout_key"),
                stderr_key=p.optional_text(r.get("stderr_key"), f"{where}.stderr_key"),
                env_key=p.optional_text(r.get("env_key"), f"{where}.env_key"),
                exception=exception,
                input=p.optional_text(r.get("input"), f"{where}.input"),
                blob_keys=_blob_keys(r.get("blob_keys"), f"{where}.blob_keys"),
            )
        )
    return out


def heartbeat_tasks(body: Mapping[str, Any]) -> list[tuple[int, int]]:
    pairs = body.get("tasks", [])
    if not isinstance(pairs, list) or len(pairs) > MAX_BATCH:
        raise bad_request("tasks must be a list of [task_id, attempt] pairs.")
    out = []
    for i, pair in enumerate(pairs):
        if not isinstance(pair, list) or len(pair) != 2:
            raise bad_request(f"tasks[{i}] must be a [task_id, attempt] pair.")
        out.append(
            (p.integer(pair[0], f"tasks[{i}][0]", minimum=1), p.integer(pair[1], f"tasks[{i}][1]"))
        )
    return out


def heartbeat_logs(body: Mapping[str, Any]) -> list[tuple[int, int, str | None, str | None]]:
    """[[task_id, attempt, stdout_key, stderr_key], ...]: output so far of running attempts."""
    rows = body.get("logs", [])
    if not isinstance(rows, list) or len(rows) > MAX_BATCH:
        raise bad_request("logs must be a list of [task_id, attempt, stdout_key, stderr_key].")
    out = []
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != 4:
            raise bad_request(f"logs[{i}] must be [task_id, attempt, stdout_key, stderr_key].")
        out.append(
            (
                p.integer(row[0], f"logs[{i}][0]", minimum=1),
                p.integer(row[1], f"logs[{i}][1]"),
                _blob_key(row[2], f"logs[{i}][2]"),
                _blob_key(row[3], f"logs[{i}][3]"),
            )
        )
    return out


def heartbeat_facts(body: Mapping[str, Any]) -> list[tuple[int, int, Fact]]:
    """[[task_id, attempt, {field, value, type, created_at}], ...]: facts of running attempts
    so far (their latest refreshed cards)."""
    rows = body.get("facts", [])
    if not isinstance(rows, list) or len(rows) > MAX_BATCH:
        raise bad_request("facts must be a list of [task_id, attempt, fact].")
    out = []
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != 3 or not isinstance(row[2], dict):
            raise bad_request(f"facts[{i}] must be [task_id, attempt, fact].")
        out.append(
            (
                p.integer(row[0], f"facts[{i}][0]", minimum=1),
                p.integer(row[1], f"facts[{i}][1]"),
                _fact(row[2], f"facts[{i}][2]"),
            )
        )
    return out


def _blob_key(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) != 64 or value.strip("0123456789abcdef"):
        raise bad_request(f"{where} must be a blob key (64 lowercase hex digits) or null.")
    return value


def run_status(body: Mapping[str, Any]) -> str:
    status = body.get("status")
    if status not in FINISHED_STATUSES:
        raise bad_request(f"status must be succeeded or failed, got {str(status)[:40]!r}.")
    return str(status)


def tag_change(body: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tag_list(body.get("add", []), "add"), tag_list(body.get("remove", []), "remove")
