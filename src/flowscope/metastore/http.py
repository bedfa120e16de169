"""`HttpMetadataProvider`: the metadata provider protocol over the flowscope service.

Every provider method is one HTTP request (batch writes of more than `BATCH` items, or of a
body over `MAX_BODY` bytes, are sent in slices, each slice idempotent). Answers are the same records, with the same
errors, as the embedded store gives: a contract suite runs the same assertions on both.
Time bounds, retries and the error mapping live in `flowscope.remote.transport`. Blob data is
not this provider's: the service's blob proxy is a datastore backend (`flowscope.datastore.http`).
"""

from __future__ import annotations

import json
import urllib.parse
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flowscope.errors import ObjectNotFound
from flowscope.metastore import run_index
from flowscope.metastore.answers import member, record, record_list
from flowscope.metastore.columns import step_artifacts_from_wire, tasks_from_wire
from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
from flowscope.metastore.queries import Page, RunQuery, RunRow, TaskRow
from flowscope.metastore.records import (
    ArtifactRecord,
    Fact,
    FlowRecord,
    RunRecord,
    StepRecord,
    TaskRecord,
)
from flowscope.metastore.run_index import RunIndex
from flowscope.metastore.run_table import RunTable, from_wire
from flowscope.metastore.sqltext import canonical_json
from flowscope.remote.transport import Answer, HttpTransport, Limits

BATCH = 5_000
MAX_BODY = 8 * 1024 * 1024
"""A batch write's JSON body at most (inline blobs make results large; a service refuses
bodies over its --max-body-mb, 32 by default)."""


def _q(part: str | int) -> str:
    return urllib.parse.quote(str(part), safe="")


def _body(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def _json_value(value: Any) -> Any:
    """A parameter value as the local store would record it (non-JSON values as their repr)."""
    return json.loads(canonical_json(value))


class HttpMetadataProvider:
    """A client of `flowscope service` at `url` (http(s)://host:port[/prefix]).

    `timeout` bounds every read, and every call until the service first answers, in seconds;
    `write_timeout` (default max(timeout, 20)) bounds writes after that, so that a run rides
    out a service or database restart. See `flowscope.remote.transport` for the retry rules.
    """

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        timeout: float = 5.0,
        write_timeout: float | None = None,
        limits: Limits | None = None,
    ) -> None:
        self._http = HttpTransport(
            url, token=token, timeout=timeout, write_timeout=write_timeout, limits=limits
        )
        self.url = self._http.url

    def __repr__(self) -> str:
        return f"HttpMetadataProvider({self.url!r})"

    # ---- identity --------------------------------------------------------------------
    def describe(self) -> str:
        return f"service@{self.url}"

    def close(self) -> None:
        self._http.close()

    # ---- plumbing --------------------------------------------------------------------
    def _get(self, path: str, query: Sequence[tuple[str, str]] = ()) -> tuple[Any, Answer]:
        """The answer's JSON (checked to be JSON), and the answer, for shape errors."""
        answer = self._http.request("GET", path, query=query)
        return answer.json(), answer

    def _get_or_none(
        self, path: str, query: Sequence[tuple[str, str]] = ()
    ) -> tuple[Any, Answer] | None:
        try:
            return self._get(path, query)
        except ObjectNotFound:
            return None

    def _post(
        self, path: str, value: Any, headers: dict[str, str] | None = None
    ) -> tuple[Any, Answer]:
        headers = {"Content-Type": "application/json", **(headers or {})}
        answer = self._http.request("POST", path, body=_body(value), headers=headers, write=True)
        return (answer.json() if answer.body else None), answer

    def _post_batches(self, path: str, name: str, items: Sequence[Any]) -> None:
        for start in range(0, len(items), BATCH):
            self._post_bounded(path, name, [i.to_dict() for i in items[start : start + BATCH]])

    def _post_bounded(self, path: str, name: str, items: list[Any]) -> None:
        """One POST of `{name: items}`, split in halves while its body is over MAX_BODY (the
        batch writes are idempotent, so a split batch commits the same records)."""
        body = _body({name: items})
        if len(body) > MAX_BODY and len(items) > 1:
            half = len(items) // 2
            self._post_bounded(path, name, items[:half])
            self._post_bounded(path, name, items[half:])
            return
        headers = {"Content-Type": "application/json"}
        self._http.request("POST", path, body=body, headers=headers, write=True)

    @staticmethod
    def _run_path(flow_name: str, run_id: int) -> str:
        return f"/flows/{_q(flow_name)}/runs/{_q(int(run_id))}"

    # ---- writes ----------------------------------------------------------------------
    def create_run(self, run: NewRun) -> RunRecord:
        body = run.to_dict()
        body["parameters"] = {k: _json_value(v) for k, v in run.parameters.items()}
        # a fresh key per call: a retry after a lost answer gets the run the first try made
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        return record(RunRecord, *self._post(f"/flows/{_q(run.flow_name)}/runs", body, headers))

    def heartbeat(
        self,
        flow_name: str,
        run_id: int,
        tasks: Sequence[tuple[int, int]] = (),
        logs: Sequence[tuple[int, int, str | None, str | None]] = (),
        facts: Sequence[tuple[int, int, Fact]] = (),
    ) -> None:
        pairs = [[int(t), int(a)] for t, a in tasks]
        snapshots = [[int(t), int(a), out, err] for t, a, out, err in logs]
        body: dict[str, Any] = {"tasks": pairs, "logs": snapshots}
        if facts:  # only then: a service from before live facts takes the beat as it was
            body["facts"] = [
                [
                    int(t),
                    int(a),
                    {
                        "field": f.field,
                        "value": f.value,
                        "type": f.type,
                        "created_at": f.created_at,
                    },
                ]
                for t, a, f in facts
            ]
        self._post(f"{self._run_path(flow_name, run_id)}/heartbeat", body)

    def finish_run(self, flow_name: str, run_id: int, status: str) -> None:
        self._post(f"{self._run_path(flow_name, run_id)}/finish", {"status": status})

    def create_tasks(self, flow_name: str, run_id: int, tasks: Sequence[NewTask]) -> None:
        if tasks:
            self._post_batches(f"{self._run_path(flow_name, run_id)}/tasks", "tasks", tasks)

    def start_attempts(self, flow_name: str, run_id: int, attempts: Sequence[AttemptStart]) -> None:
        if attempts:
            self._post_batches(
                f"{self._run_path(flow_name, run_id)}/attempts", "attempts", attempts
            )

    def finish_attempts(
        self, flow_name: str, run_id: int, results: Sequence[AttemptResult]
    ) -> None:
        if results:
            path = f"{self._run_path(flow_name, run_id)}/attempts/finish"
            self._post_batches(path, "results", results)

    def update_tags(
        self, flow_name: str, run_id: int, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> RunRecord:
        body = {
            "add": add if isinstance(add, str) else list(add),
            "remove": remove if isinstance(remove, str) else list(remove),
        }
        return record(RunRecord, *self._post(f"{self._run_path(flow_name, run_id)}/tags", body))

    # ---- reads -----------------------------------------------------------------------
    def list_flows(self, tag: str | None = None) -> list[FlowRecord]:
        data, answer = self._get("/flows", [] if tag is None else [("tag", tag)])
        return record_list(FlowRecord, data, "flows", answer)

    def get_flow(self, flow_name: str) -> FlowRecord | None:
        got = self._get_or_none(f"/flows/{_q(flow_name)}")
        return None if got is None else record(FlowRecord, *got)

    def list_runs(self, flow_name: str, query: RunQuery = RunQuery()) -> Page:  # noqa: B008
        data, answer = self._get(f"/flows/{_q(flow_name)}/runs", run_query_params(query))
        items = record_list(RunRecord, data, "items", answer)
        cursor = data.get("cursor")
        if cursor is not None and not isinstance(cursor, str):
            raise answer.wrong_shape(f"a string or null cursor, got {type(cursor).__name__}")
        return Page(items=tuple(items), cursor=cursor)

    def list_run_rows(self, flow_name: str, query: RunQuery = RunQuery()) -> Page:  # noqa: B008
        params = [*run_query_params(query), ("values", "true")]
        data, answer = self._get(f"/flows/{_q(flow_name)}/runs", params)
        items = tuple(
            RunRow(
                record(RunRecord, member(item, "run", dict, answer), answer),
                member(item, "params", dict, answer),
                member(item, "data", dict, answer),
            )
            for item in member(data, "items", list, answer)
        )
        cursor = data.get("cursor")
        if cursor is not None and not isinstance(cursor, str):
            raise answer.wrong_shape(f"a string or null cursor, got {type(cursor).__name__}")
        return Page(items=items, cursor=cursor)

    def list_run_table(self, flow_name: str, query: RunQuery = RunQuery()) -> RunTable:  # noqa: B008
        data, answer = self._get(f"/flows/{_q(flow_name)}/table", run_query_params(query))
        return from_wire(data, answer.wrong_shape)

    def check_filter(self, flow_name: str, where: str, step_name: str | None = None) -> None:
        query = [("where", where)] + ([] if step_name is None else [("step", step_name)])
        data, answer = self._get(f"/flows/{_q(flow_name)}/check", query)
        if member(data, "valid", bool, answer) is not True:
            raise answer.wrong_shape('{"valid": true} or a QueryError')

    def get_run(self, flow_name: str, run_id: int) -> RunRecord | None:
        got = self._get_or_none(self._run_path(flow_name, run_id))
        return None if got is None else record(RunRecord, *got)

    def get_parameters(self, flow_name: str, run_id: int) -> dict[str, Any]:
        data, answer = self._get(f"{self._run_path(flow_name, run_id)}/parameters")
        values: dict[str, Any] = member(data, "parameters", dict, answer)
        return values

    def list_steps(self, flow_name: str, run_id: int) -> list[StepRecord]:
        data, answer = self._get(f"{self._run_path(flow_name, run_id)}/steps")
        return record_list(StepRecord, data, "steps", answer)

    def list_tasks(
        self,
        flow_name: str,
        run_id: int,
        step_name: str | None = None,
        where: str | None = None,
    ) -> list[TaskRecord]:
        query = [("columns", "true")] + ([] if step_name is None else [("step", step_name)])
        if where is not None:
            query.append(("where", where))
        data, answer = self._get(f"{self._run_path(flow_name, run_id)}/tasks", query)
        if type(data) is dict and "tasks" in data:  # a service from before columns=true
            return record_list(TaskRecord, data, "tasks", answer)
        return tasks_from_wire(data, flow_name, int(run_id), answer.wrong_shape)

    def list_task_rows(
        self, flow_name: str, run_id: int, step_name: str, where: str | None = None
    ) -> list[TaskRow]:
        query = [("step", step_name), ("values", "true")]
        if where is not None:
            query.append(("where", where))
        data, answer = self._get(f"{self._run_path(flow_name, run_id)}/tasks", query)
        rows = []
        for item in member(data, "tasks", list, answer):
            task = record(TaskRecord, member(item, "task", dict, answer), answer)
            rows.append(TaskRow(task, member(item, "data", dict, answer), item.get("input")))
        return rows

    def list_run_index(self, flow_name: str, run_id: int) -> RunIndex:
        data, answer = self._get(f"{self._run_path(flow_name, run_id)}/index")
        return run_index.from_wire(data, flow_name, int(run_id), answer.wrong_shape)

    def get_task(
        self, flow_name: str, run_id: int, task_id: int, attempt: int | None = None
    ) -> TaskRecord | None:
        query = [] if attempt is None else [("attempt", str(int(attempt)))]
        got = self._get_or_none(
            f"{self._run_path(flow_name, run_id)}/tasks/{_q(int(task_id))}", query
        )
        return None if got is None else record(TaskRecord, *got)

    def _attempt_path(self, flow_name: str, run_id: int, task_id: int, attempt: int) -> str:
        return (
            f"{self._run_path(flow_name, run_id)}/tasks/{_q(int(task_id))}"
            f"/attempts/{_q(int(attempt))}"
        )

    def list_artifacts(
        self, flow_name: str, run_id: int, task_id: int, attempt: int
    ) -> list[ArtifactRecord]:
        path = f"{self._attempt_path(flow_name, run_id, task_id, attempt)}/artifacts"
        data, answer = self._get(path)
        return record_list(ArtifactRecord, data, "artifacts", answer)

    def list_step_artifacts(
        self, flow_name: str, run_id: int, step_name: str, names: Sequence[str] = ()
    ) -> dict[int, list[ArtifactRecord]]:
        path = f"{self._run_path(flow_name, run_id)}/steps/{_q(step_name)}/artifacts"
        data, answer = self._get(path, [("columns", "true"), *(("name", n) for n in names)])
        if not (type(data) is dict and "tasks" in data):
            return step_artifacts_from_wire(data, answer.wrong_shape)
        by_task = member(data, "tasks", dict, answer)  # a service from before columns=true
        if not all(task.isdecimal() and task.isascii() for task in by_task):
            raise answer.wrong_shape("task ids (decimal strings) as the keys of 'tasks'")
        return {int(task): record_list(ArtifactRecord, by_task, task, answer) for task in by_task}

    def list_facts(self, flow_name: str, run_id: int, task_id: int, attempt: int) -> list[Fact]:
        data, answer = self._get(f"{self._attempt_path(flow_name, run_id, task_id, attempt)}/facts")
        return record_list(Fact, data, "facts", answer)

    def live_log_dir(self) -> Path | None:
        return None  # the runner's files are not the service's: logs come with heartbeats

    def read_live_log(
        self, flow_name: str, run_id: int, task_id: int, attempt: int, stream: str
    ) -> bytes | None:
        return None  # running attempts: the output so far comes with heartbeats (stdout_key)


def run_query_params(query: RunQuery) -> list[tuple[str, str]]:
    """A RunQuery as the service's query string (see service/routes_runs.py)."""
    params: list[tuple[str, str]] = [("tag", t) for t in query.tags_all]
    params += [("any_tag", t) for t in query.tags_any]
    for name, value in (("status", query.status), ("user", query.user), ("cursor", query.cursor)):
        if value is not None:
            params.append((name, str(value)))
    for name, number in (("since", query.since), ("until", query.until)):
        if number is not None:
            params.append((name, repr(float(number))))
    params.append(("limit", str(int(query.limit))))
    params += [(f"param.{k}", canonical_json(v)) for k, v in sorted(query.parameters.items())]
    if query.where is not None:
        params.append(("where", query.where))
    return params
