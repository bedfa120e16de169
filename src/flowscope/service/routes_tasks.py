"""Steps, tasks, attempts, artifact indexes and facts. Writes come in batches.

    GET  {run}/steps                                   list_steps
    GET  {run}/tasks?step=S&where=F                    list_tasks (latest attempts; F a filter)
    GET  {run}/tasks?step=S&where=F&values=true        list_task_rows: {"task", "data", "input"}
    GET  {run}/tasks?step=S&where=F&columns=true       list_tasks as columns (metastore/columns)
    POST {run}/tasks                                   create_tasks {"tasks": [...]}
    POST {run}/attempts                                start_attempts {"attempts": [...]}
    POST {run}/attempts/finish                         finish_attempts {"results": [...]}
    GET  {run}/tasks/{task}?attempt=N                  get_task (404 when absent)
    GET  {run}/tasks/{task}/attempts/{attempt}/artifacts   list_artifacts
    GET  {run}/tasks/{task}/attempts/{attempt}/facts       list_facts
    GET  {run}/steps/{step}/artifacts?name=A&name=B    list_step_artifacts: every task's index
    GET  {run}/steps/{step}/artifacts?columns=true     the same as columns (metastore/columns)

where {run} is /flows/{flow}/runs/{run}. `columns=true` is how a newer client asks for the
columnar form of the two large listings; a service from before it ignores the key and
answers records, which the client reads as before. The three batch writes are idempotent: a retried
call changes nothing the first one did not.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from flowscope.errors import ObjectNotFound
from flowscope.metastore.columns import tasks_to_wire
from flowscope.metastore.filters import MAX_QUERY_LENGTH
from flowscope.metastore.records import ArtifactRecord
from flowscope.pathspec import check_id
from flowscope.service import bodies, parse as p
from flowscope.service.context import ServiceContext, guarded
from flowscope.service.wire import bad_request, json_response, record

INLINE_BUDGET = 8 * 1024 * 1024
"""Characters of inline blobs one artifact listing carries at most; past them, records go
without their copy (the reader fetches those blobs from the datastore), so a listing of a
wide step stays well under a client's answer bound (FLOWSCOPE_SERVICE_MAX_ANSWER_MB, 32)."""


def _artifact(value: ArtifactRecord, budget: list[int]) -> dict[str, object]:
    """An artifact record for an answer, its inline copy kept while `budget` lasts."""
    out = record(value)
    inline = value.inline
    if inline is not None:
        if len(inline) > budget[0]:
            out["inline"] = None
        else:
            budget[0] -= len(inline)
    return out


def _within(inline: str | None, budget: list[int]) -> str | None:
    """`inline` while `budget` (characters left) lasts, else None."""
    if inline is None or len(inline) > budget[0]:
        return None
    budget[0] -= len(inline)
    return inline


def _flag(request: Request, key: str) -> bool:
    value = request.query_params.get(key)
    if value not in (None, "true", "false"):
        raise bad_request(f"{key} must be true or false, got {value[:40]!r}.")
    return value == "true"


def routes(ctx: ServiceContext) -> list[Route]:
    store = ctx.store

    async def list_steps(request: Request) -> Response:
        steps = await ctx.call(store.list_steps, p.flow(request), p.run(request))
        return json_response({"steps": [record(s) for s in steps]})

    async def list_tasks(request: Request) -> Response:
        step, where = request.query_params.get("step"), request.query_params.get("where")
        values, columns = _flag(request, "values"), _flag(request, "columns")
        name, run_id = p.flow(request), p.run(request)
        step = None if step is None else check_id("step", step)
        where = None if where is None else p.text(where, "where", max_length=MAX_QUERY_LENGTH)
        if values:
            if columns:
                raise bad_request("columns=true lists task records: it takes no values=true.")
            if step is None:
                raise bad_request("values=true lists the tasks of one step: give step=NAME.")
            rows = await ctx.call(store.list_task_rows, name, run_id, step, where)
            items = [{"task": record(r.task), "data": r.data, "input": r.input} for r in rows]
            return json_response({"tasks": items})
        tasks = await ctx.call(store.list_tasks, name, run_id, step, where)
        if columns:
            return json_response(tasks_to_wire(tasks))
        return json_response({"tasks": [record(t) for t in tasks]})

    async def create_tasks(request: Request) -> Response:
        name, run_id = p.flow(request), p.run(request)
        tasks = bodies.new_tasks(await p.read_json(request, ctx.max_body))
        await ctx.call(store.create_tasks, name, run_id, tasks)
        return Response(status_code=204)

    async def start_attempts(request: Request) -> Response:
        name, run_id = p.flow(request), p.run(request)
        attempts = bodies.attempt_starts(await p.read_json(request, ctx.max_body))
        await ctx.call(store.start_attempts, name, run_id, attempts)
        return Response(status_code=204)

    async def finish_attempts(request: Request) -> Response:
        name, run_id = p.flow(request), p.run(request)
        results = bodies.attempt_results(await p.read_json(request, ctx.max_body))
        await ctx.call(store.finish_attempts, name, run_id, results)
        return Response(status_code=204)

    async def get_task(request: Request) -> Response:
        name, run_id, task_id = p.flow(request), p.run(request), p.task(request)
        raw = request.query_params.get("attempt")
        attempt = None if raw is None else p.attempt_number(raw)
        found = await ctx.call(store.get_task, name, run_id, task_id, attempt)
        if found is None:
            which = "" if attempt is None else f" (attempt {attempt})"
            raise ObjectNotFound(f"Task('{name}/{run_id}/?/{task_id}'){which} does not exist")
        return json_response(record(found))

    def _attempt_path(request: Request) -> tuple[str, int, int, int]:
        attempt = p.attempt_number(request.path_params["attempt"])
        return p.flow(request), p.run(request), p.task(request), attempt

    async def list_artifacts(request: Request) -> Response:
        found = await ctx.call(store.list_artifacts, *_attempt_path(request))
        budget = [INLINE_BUDGET]
        return json_response({"artifacts": [_artifact(a, budget) for a in found]})

    async def list_facts(request: Request) -> Response:
        found = await ctx.call(store.list_facts, *_attempt_path(request))
        return json_response({"facts": [record(f) for f in found]})

    async def list_step_artifacts(request: Request) -> Response:
        name, run_id, step = p.flow(request), p.run(request), p.step(request)
        given = request.query_params.getlist("name")
        p.check_filter_count(len(given), ctx.max_filters, "artifact names")
        names = tuple(p.text(n, "name", max_length=500) for n in given)
        budget = [INLINE_BUDGET]
        if _flag(request, "columns"):  # straight from the rows: no record is built
            columns = await ctx.call(store.step_artifact_columns, name, run_id, step, names)
            columns["inline"] = [_within(text, budget) for text in columns["inline"]]
            return json_response({"columns": columns})
        found = await ctx.call(store.list_step_artifacts, name, run_id, step, names)
        return json_response(
            {
                "tasks": {
                    str(task_id): [_artifact(a, budget) for a in arts]
                    for task_id, arts in found.items()
                }
            }
        )

    run = "/flows/{flow}/runs/{run}"
    attempt = f"{run}/tasks/{{task}}/attempts/{{attempt}}"
    return [
        Route(f"{run}/steps", guarded(list_steps), methods=["GET"]),
        Route(f"{run}/tasks", guarded(list_tasks), methods=["GET"]),
        Route(f"{run}/tasks", guarded(create_tasks), methods=["POST"]),
        Route(f"{run}/attempts", guarded(start_attempts), methods=["POST"]),
        Route(f"{run}/attempts/finish", guarded(finish_attempts), methods=["POST"]),
        Route(f"{run}/tasks/{{task}}", guarded(get_task), methods=["GET"]),
        Route(f"{attempt}/artifacts", guarded(list_artifacts), methods=["GET"]),
        Route(f"{attempt}/facts", guarded(list_facts), methods=["GET"]),
        Route(f"{run}/steps/{{step}}/artifacts", guarded(list_step_artifacts), methods=["GET"]),
    ]
