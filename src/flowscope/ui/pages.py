"""The UI's handlers: each reads (reading.py, runs_list.py, compare.py, preview.py) and
renders one template, or answers the page script's JSON. Blocking; run in a thread by
`UI.guarded`. Addresses are checked with the pathspec rules before anything is read.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from markupsafe import Markup
from starlette.responses import JSONResponse, RedirectResponse, Response

from flowscope.cards.graph_svg import render_graph_svg
from flowscope.errors import FlowscopeError, ObjectNotFound, TagError
from flowscope.metastore.queries import RunQuery
from flowscope.metastore.records import FINISHED_STATUSES
from flowscope.pathspec import parse
from flowscope.tags import validate_tags
from flowscope.ui import cards as carding, compare as comparing, reading, runs_list
from flowscope.ui.graph import duration_text
from flowscope.ui.guard import check_csrf, csrf_token
from flowscope.ui.preview import preview_artifact
from flowscope.ui.timeline import render_timeline

if TYPE_CHECKING:
    from starlette.requests import Request

    from flowscope.ui.app import UI

MAX_QUERY = 200


def duration_filter(seconds: float | None) -> str:
    return duration_text(seconds)


def when_filter(timestamp: float | None) -> str:
    if timestamp is None:
        return "–"
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def size_filter(size: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:,} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)


def _ids(request: Request, level: str) -> tuple[str, ...]:
    p = request.path_params
    names = [p["flow"], p.get("run"), p.get("step"), p.get("task")]
    return parse("/".join(n for n in names if n is not None), level)


def _attempt(request: Request) -> int | None:
    raw = request.query_params.get("attempt")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise FlowscopeError(f"attempt must be a number from 0, not {raw!r:.40}.")
    return int(raw)


class Pages:
    def __init__(self, ui: UI) -> None:
        self.ui = ui
        self.stores = ui.stores
        self.code = reading.CodeCache()

    # ---- lists -------------------------------------------------------------------------
    def flows(self, request: Request) -> Response:
        flows = []
        provider = self.stores.provider
        for flow in provider.list_flows():
            latest = provider.list_runs(flow.flow_name, RunQuery(limit=1)).items
            flows.append({"name": flow.flow_name, "latest": latest[0] if latest else None})
        return self.ui.render("flows.html", flows=flows, where=self.stores.describe())

    def runs(self, request: Request) -> Response:
        (flow,) = _ids(request, "flow")
        args = {k: v for k, v in request.query_params.items() if k != "tag"}
        tags = request.query_params.getlist("tag")
        page = runs_list.read_runs(self.stores, flow, args, tags)
        return self.ui.render(
            "runs.html", page=page, link=runs_list.link, statuses=runs_list.STATUSES,
        )  # fmt: skip

    # ---- a run -------------------------------------------------------------------------
    def _run_parts(self, flow: str, run_id: int) -> tuple[reading.RunView, dict[str, Markup]]:
        view = reading.read_run(
            self.stores, self.ui.base, flow, run_id, code=self.code,
            datastore_for=self.ui.datastore_for,
        )  # fmt: skip
        live = {
            "graph": Markup(render_graph_svg(view.graph, id_prefix="fs-run-graph")),
            "timeline": Markup(render_timeline(view.bars, time.time())),
        }
        live["steps"] = Markup(self.ui.env.get_template("_steps.html").render(view=view))
        return view, live

    def run(self, request: Request) -> Response:
        flow, run_id = _ids(request, "run")
        view, live = self._run_parts(flow, int(run_id))
        token = csrf_token(self.ui.secret, f"{flow}/{run_id}")
        return self.ui.render("run.html", view=view, live=live, csrf=token, r=view.record)

    def run_json(self, request: Request) -> Response:
        flow, run_id = _ids(request, "run")
        view, live = self._run_parts(flow, int(run_id))
        record = view.record
        return JSONResponse(
            {
                "status": record.status,
                "finished": record.status in FINISHED_STATUSES or record.status == "lost",
                "duration": duration_text(view.duration),
                "tasks": view.tasks,
                **{k: str(v) for k, v in live.items()},
            }
        )

    def tags(self, request: Request, form: dict[str, list[str]]) -> Response:
        flow, run_id = _ids(request, "run")
        target = f"{flow}/{run_id}"
        if not check_csrf(self.ui.secret, target, (form.get("csrf") or [""])[0]):
            return self.ui.error(
                request, 403, FlowscopeError("The form's CSRF token is wrong: reload the page.")
            )
        add = validate_tags(t.strip() for t in form.get("add", []) if t.strip())  # one per field
        remove = validate_tags(t for t in form.get("remove", []) if t)
        record = reading.run_record(self.stores, flow, int(run_id))
        system = [t for t in remove if t in record.system_tags]
        if system:
            raise TagError(f"System tags cannot be removed: {', '.join(system)}.")
        record = self.stores.provider.update_tags(flow, int(run_id), add=add, remove=remove)
        if request.headers.get("x-requested-with") == "fetch":
            return JSONResponse({"user_tags": sorted(record.user_tags)})
        return RedirectResponse(f"{self.ui.base}/{target}#tags", status_code=303)

    # ---- a step, a task --------------------------------------------------------------
    def step(self, request: Request) -> Response:
        flow, run_id, step = _ids(request, "step")
        record, tasks = reading.read_step(self.stores, flow, int(run_id), step)
        now = time.time()
        rows = [
            {
                "task": t,
                "seconds": None if t.started_at is None
                else (t.finished_at if t.finished_at is not None else now) - t.started_at,
            }
            for t in tasks
        ]  # fmt: skip
        return self.ui.render("step.html", r=record, step=step, rows=rows)

    def task(self, request: Request) -> Response:
        flow, run_id, step, task_id = _ids(request, "task")
        attempt = _attempt(request)
        view = reading.read_task(
            self.stores, flow, int(run_id), step, int(task_id), attempt, self.ui.datastore_for
        )
        query = request.query_params.get("q", "")[:MAX_QUERY]
        logs = {}
        for stream, lines in view.logs.items():
            shown = [(ts, line) for ts, line in lines if query.lower() in line.lower()]
            logs[stream] = shown
        live = view.record.status not in FINISHED_STATUSES and view.record.status != "lost"
        cards, cards_note = carding.task_cards(self.stores, flow, int(run_id), step, int(task_id))
        return self.ui.render(
            "task.html", view=view, t=view.record, r=view.run, logs=logs, q=query,
            live=live and not query, attempt=attempt, cards=cards, cards_note=cards_note,
        )  # fmt: skip

    def card(self, request: Request) -> Response:
        flow, run_id, step, task_id = _ids(request, "task")
        raw = request.path_params["index"]
        if not raw.isdigit() or len(raw) > 4:
            raise FlowscopeError(f"A card's index is a number, not {raw[:20]!r}.")
        html = carding.card_html(self.stores, flow, int(run_id), step, int(task_id), int(raw))
        return Response(
            html, media_type="text/html", headers={"content-security-policy": carding.CARD_CSP}
        )

    def log_json(self, request: Request) -> Response:
        flow, run_id, step, task_id = _ids(request, "task")
        stream = request.query_params.get("stream", "stdout")
        if stream not in ("stdout", "stderr"):
            raise FlowscopeError("stream is stdout or stderr.")
        after_raw = request.query_params.get("after", "0")
        after = int(after_raw) if after_raw.isdigit() and len(after_raw) < 10 else 0
        task = self.stores.provider.get_task(flow, int(run_id), int(task_id), _attempt(request))
        if task is None or task.step_name != step:
            raise ObjectNotFound(f"Task('{flow}/{run_id}/{step}/{task_id}') does not exist.")
        from flowscope.logs import decode

        finished = task.status in FINISHED_STATUSES or task.status == "lost"
        datastore = None  # a running task's output is its live log: no run record read per poll
        if finished:
            datastore = self.ui.datastore_for(reading.run_record(self.stores, flow, int(run_id)))
        lines = [
            line.text for line in decode(reading.log_bytes(self.stores, task, stream, datastore))
        ]
        new = lines[after : after + reading.LOG_LINES]
        return JSONResponse(
            {"lines": new, "next": after + len(new), "finished": finished, "status": task.status}
        )

    def preview(self, request: Request) -> Response:
        flow, run_id, step, task_id = _ids(request, "task")
        name = request.path_params["name"]
        parse(f"{flow}/{run_id}/{step}/{task_id}/{name}", "artifact")
        task = self.stores.provider.get_task(flow, int(run_id), int(task_id), _attempt(request))
        if task is None or task.step_name != step:
            raise ObjectNotFound(f"Task('{flow}/{run_id}/{step}/{task_id}') does not exist.")
        records = self.stores.provider.list_artifacts(flow, int(run_id), int(task_id), task.attempt)
        record = next((a for a in records if a.name == name), None)
        if record is None:
            raise ObjectNotFound(f"The task has no artifact {name!r}.")
        run = self.stores.provider.get_run(flow, int(run_id))
        shown = preview_artifact(self.ui.datastore_for(run), record)
        fragment = request.query_params.get("fragment") == "1"
        template = "_preview.html" if fragment else "preview.html"
        return self.ui.render(template, p=shown, a=record, t=task)

    # ---- compare -----------------------------------------------------------------------
    def compare(self, request: Request) -> Response:
        params = request.query_params
        spec = params.get("runs", "") or ",".join(params.getlist("pick"))  # pick: no-JS form
        flow = params.get("flow")
        if not spec and flow is None and self.stores.provider.get_flow("compare") is not None:
            request.path_params["flow"] = "compare"  # a flow named `compare`: its runs list
            return self.runs(request)
        if not spec and flow:
            (flow,) = parse(flow, "flow")
            ids = comparing.runs_matching(self.stores, flow, params.getlist("tag")[:10])
        else:
            ids = comparing.parse_runs(spec)
        only = params.get("all") != "1"
        result = comparing.compare(
            self.stores, ids, differences_only=only, datastore_for=self.ui.datastore_for
        )
        rows = [row for row in result.rows if row[2] or not only]
        context: dict[str, Any] = {
            "c": result, "rows": rows, "only": only, "spec": ",".join(f"{f}/{i}" for f, i in ids),
            "charts": [Markup(c) for c in result.charts if c],
            "diff": None if result.diff_html is None else Markup(result.diff_html),
        }  # fmt: skip
        return self.ui.render("compare.html", **context)
