"""Queries in bulk: a page of runs as columns, a run's task and artifact index as columns,
and checking a filter without running it.

    GET  /flows/{flow}/runs/{run}/index      list_run_index: run_index.to_wire's object
    GET  /flows/{flow}/table?...             list_run_table: the run listing's query keys
                                             (routes_runs: tag, status, where, limit, cursor
                                             ...); the answer is run_table.to_wire's object
    GET  /flows/{flow}/check?where=F&step=S  check_filter: {"valid": true}, or 400 QueryError

The table is what `runs(...).to_pandas()` reads: per page, the run facts as arrays and each
run's scalar values packed (one base64 string of doubles per scope), so neither side turns
a value into JSON text or back. Bounded like the listing (at most MAX_PAGE runs a page, the
same filter limits) and behind the same authentication as every route.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from flowscope.metastore import run_index
from flowscope.metastore.filters import MAX_QUERY_LENGTH
from flowscope.metastore.run_table import to_wire
from flowscope.pathspec import check_id
from flowscope.service import parse as p
from flowscope.service.context import ServiceContext, guarded
from flowscope.service.routes_runs import run_query
from flowscope.service.wire import bad_request, json_response

_CHECK_KEYS = frozenset({"where", "step"})


def routes(ctx: ServiceContext) -> list[Route]:
    store = ctx.store

    async def run_table(request: Request) -> Response:
        name, query = p.flow(request), run_query(request.query_params, ctx.max_filters)
        if "values" in request.query_params:
            raise bad_request("values is a key of /runs, not of /table.")
        table = await ctx.call(store.list_run_table, name, query)
        return json_response(to_wire(table))

    async def check(request: Request) -> Response:
        params = request.query_params
        unknown = sorted(set(params) - _CHECK_KEYS)
        if unknown:
            raise bad_request(f"Unknown query key {unknown[0][:40]!r}: expected where, step.")
        where = params.get("where")
        if where is None:
            raise bad_request("check needs where=FILTER.")
        where = p.text(where, "where", max_length=MAX_QUERY_LENGTH)
        step = params.get("step")
        step = None if step is None else check_id("step", step)
        await ctx.call(store.check_filter, p.flow(request), where, step)
        return json_response({"valid": True})

    async def index(request: Request) -> Response:
        if request.query_params:
            raise bad_request("The run index takes no query keys.")
        found = await ctx.call(store.list_run_index, p.flow(request), p.run(request))
        return json_response(run_index.to_wire(found))

    return [
        Route("/flows/{flow}/runs/{run}/index", guarded(index), methods=["GET"]),
        Route("/flows/{flow}/table", guarded(run_table), methods=["GET"]),
        Route("/flows/{flow}/check", guarded(check), methods=["GET"]),
    ]
