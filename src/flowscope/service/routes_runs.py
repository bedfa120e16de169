"""Flows and runs: listing (paged, filtered on the server), creation, tags, heartbeats.

    GET  /flows?tag=T                          list_flows
    GET  /flows/{flow}                         get_flow (404 when absent)
    GET  /flows/{flow}/runs?...                list_runs: one page with summary columns
    POST /flows/{flow}/runs                    create_run (Idempotency-Key header honoured)
    GET  /flows/{flow}/runs/{run}              get_run (404 when absent)
    GET  /flows/{flow}/runs/{run}/parameters   get_parameters
    POST /flows/{flow}/runs/{run}/heartbeat    heartbeat {"tasks": [[task_id, attempt], ...],
                                               "logs": [[task_id, attempt, out, err], ...],
                                               "facts": [[task_id, attempt, fact], ...]}
    POST /flows/{flow}/runs/{run}/finish       finish_run {"status": ...}
    POST /flows/{flow}/runs/{run}/tags         update_tags {"add": [...], "remove": [...]}

Run listing query: `tag` (repeatable; all must match), `any_tag` (repeatable; one must),
`status`, `user`, `since`, `until` (epoch seconds, created in [since, until)),
`param.NAME=VALUE` (VALUE is JSON; text that is not JSON is taken as a string), `limit`,
`cursor` (from the previous page), `where` (a filter, metastore/filters.py; at most
MAX_QUERY_LENGTH characters; 400 with the parser's message when it is not valid), `values=true`
(list_run_rows: each item is {"run", "params", "data"}). Every value is a bound SQL parameter;
at most `max_filters` (100 by default) tag, any_tag and param.NAME filters in all (400 above).
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from flowscope.errors import ObjectNotFound
from flowscope.metastore.filters import MAX_QUERY_LENGTH
from flowscope.metastore.queries import RunQuery
from flowscope.service import bodies, parse as p
from flowscope.service.context import DEFAULT_MAX_FILTERS, ServiceContext, guarded
from flowscope.service.wire import bad_request, json_response, record
from flowscope.tags import validate_tag

RUN_QUERY_STATUSES = ("running", "succeeded", "failed", "lost")
_RUN_QUERY_KEYS = frozenset(
    {"tag", "any_tag", "status", "user", "since", "until", "limit", "cursor", "where", "values"}
)
_FILTER_KEYS = frozenset({"tag", "any_tag"})
_REQUEST_KEY = re.compile(r"[A-Za-z0-9._:\-]{8,200}\Z")


def _int_param(raw: str, where: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{where} must be an integer, got {raw[:40]!r}.") from None
    if abs(value) > p.INT64_MAX:
        raise bad_request(f"{where} is out of range.")
    return value


def _param_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return raw


def run_query(params: QueryParams, max_filters: int = DEFAULT_MAX_FILTERS) -> RunQuery:
    """The RunQuery a listing's query string asks for; 400 for anything unknown or malformed."""
    filters = [k for k, _ in params.multi_items() if k in _FILTER_KEYS or k.startswith("param.")]
    p.check_filter_count(
        len(filters), max_filters, "filters (tag, any_tag and param.NAME together)"
    )
    parameters: dict[str, Any] = {}
    for key, raw in params.multi_items():
        if key.startswith("param."):
            name = p.text(key[len("param.") :], "a parameter name", max_length=200)
            parameters[name] = _param_value(p.text(raw, f"{key}"))
        elif key not in _RUN_QUERY_KEYS:
            raise bad_request(
                f"Unknown query parameter {key[:60]!r}; expected one of "
                f"{', '.join(sorted(_RUN_QUERY_KEYS))}, or param.NAME."
            )
    status = params.get("status")
    if status is not None and status not in RUN_QUERY_STATUSES:
        raise bad_request(
            f"Unknown run status {status[:40]!r}: expected one of {', '.join(RUN_QUERY_STATUSES)}."
        )
    cursor = params.get("cursor")
    user = params.get("user")
    where = params.get("where")
    since, until, limit = params.get("since"), params.get("until"), params.get("limit")
    return RunQuery(
        tags_all=tuple(validate_tag(t) for t in params.getlist("tag")),
        tags_any=tuple(validate_tag(t) for t in params.getlist("any_tag")),
        status=status,
        user=None if user is None else p.text(user, "user"),
        since=None if since is None else p.query_number(since, "since"),
        until=None if until is None else p.query_number(until, "until"),
        parameters=parameters,
        limit=100 if limit is None else _int_param(limit, "limit"),
        cursor=None if cursor is None else str(_int_param(cursor, "cursor")),
        where=None if where is None else p.text(where, "where", max_length=MAX_QUERY_LENGTH),
    )


def routes(ctx: ServiceContext) -> list[Route]:
    store = ctx.store

    async def list_flows(request: Request) -> Response:
        tag = request.query_params.get("tag")
        flows = await ctx.call(store.list_flows, None if tag is None else validate_tag(tag))
        return json_response({"flows": [record(f) for f in flows]})

    async def get_flow(request: Request) -> Response:
        name = p.flow(request)
        found = await ctx.call(store.get_flow, name)
        if found is None:
            raise ObjectNotFound(f"Flow('{name}') does not exist")
        return json_response(record(found))

    async def list_runs(request: Request) -> Response:
        name, query = p.flow(request), run_query(request.query_params, ctx.max_filters)
        values = request.query_params.get("values")
        if values not in (None, "true", "false"):
            raise bad_request(f"values must be true or false, got {values[:40]!r}.")
        if values == "true":
            rows = await ctx.call(store.list_run_rows, name, query)
            items = [{"run": record(r.run), "params": r.params, "data": r.data} for r in rows.items]
            return json_response({"items": items, "cursor": rows.cursor})
        page = await ctx.call(store.list_runs, name, query)
        return json_response({"items": [record(r) for r in page.items], "cursor": page.cursor})

    async def create_run(request: Request) -> Response:
        name = p.flow(request)
        key = request.headers.get("idempotency-key")
        if key is not None and not _REQUEST_KEY.match(key):
            raise bad_request("Idempotency-Key must be 8 to 200 characters of [A-Za-z0-9._:-].")
        new = bodies.new_run(await p.read_json(request, ctx.max_body), name)
        # keys are scoped to the flow, so one key reused for two flows cannot collide
        request_key = None if key is None else f"{name}/{key}"
        created = await ctx.call(lambda: store.create_run(new, request_key=request_key))
        return json_response(record(created), status=201)

    async def get_run(request: Request) -> Response:
        name, run_id = p.flow(request), p.run(request)
        found = await ctx.call(store.get_run, name, run_id)
        if found is None:
            raise ObjectNotFound(f"Run('{name}/{run_id}') does not exist")
        return json_response(record(found))

    async def get_parameters(request: Request) -> Response:
        values = await ctx.call(store.get_parameters, p.flow(request), p.run(request))
        return json_response({"parameters": values})

    async def heartbeat(request: Request) -> Response:
        name, run_id = p.flow(request), p.run(request)
        body = await p.read_json(request, ctx.max_body)
        tasks, logs = bodies.heartbeat_tasks(body), bodies.heartbeat_logs(body)
        facts = bodies.heartbeat_facts(body)
        await ctx.call(store.heartbeat, name, run_id, tasks, logs, facts)
        return Response(status_code=204)

    async def finish_run(request: Request) -> Response:
        name, run_id = p.flow(request), p.run(request)
        status = bodies.run_status(await p.read_json(request, ctx.max_body))
        await ctx.call(store.finish_run, name, run_id, status)
        return Response(status_code=204)

    async def update_tags(request: Request) -> Response:
        name, run_id = p.flow(request), p.run(request)
        add, remove = bodies.tag_change(await p.read_json(request, ctx.max_body))
        updated = await ctx.call(store.update_tags, name, run_id, add, remove)
        return json_response(record(updated))

    run = "/flows/{flow}/runs/{run}"
    return [
        Route("/flows", guarded(list_flows), methods=["GET"]),
        Route("/flows/{flow}", guarded(get_flow), methods=["GET"]),
        Route("/flows/{flow}/runs", guarded(list_runs), methods=["GET"]),
        Route("/flows/{flow}/runs", guarded(create_run), methods=["POST"]),
        Route(run, guarded(get_run), methods=["GET"]),
        Route(f"{run}/parameters", guarded(get_parameters), methods=["GET"]),
        Route(f"{run}/heartbeat", guarded(heartbeat), methods=["POST"]),
        Route(f"{run}/finish", guarded(finish_run), methods=["POST"]),
        Route(f"{run}/tags", guarded(update_tags), methods=["POST"]),
    ]
