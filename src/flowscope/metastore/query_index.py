"""The query index in SQL: recording scalar values, reading the field catalog, and the
statements behind `where=` and `to_pandas()`. Functions of a `Connection`; the store calls
them inside its transactions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from flowscope.metastore.db import Connection
from flowscope.metastore.new_records import AttemptResult
from flowscope.metastore.run_table import SCOPES, Packed, pack
from flowscope.metastore.scalars import StoredScalar, is_scalar, stored, stored_text

if TYPE_CHECKING:  # the filter language loads only for a query with where= (load_catalog)
    from flowscope.metastore.filter_sql import Catalog, Target

END_STEP = "end"
"""The step whose scalar artifacts are a run's `data.NAME` values."""

_FIELD_INSERT = (
    "INSERT INTO query_fields (flow_name, scope, step_name, name, kind) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT DO NOTHING"
)


def record_parameters(
    conn: Connection, flow_name: str, run_id: int, parameters: Mapping[str, Any]
) -> None:
    """Index a run's scalar parameter values (called when the run is created)."""
    rows = [(k, stored(v)) for k, v in sorted(parameters.items()) if _plain_scalar(v)]
    if rows:
        _insert_parameters(conn, flow_name, run_id, rows)
    repack(conn, flow_name, [run_id])  # both scopes: a new run's data row starts empty


def _insert_parameters(
    conn: Connection, flow_name: str, run_id: int, rows: list[tuple[str, StoredScalar]]
) -> None:
    conn.executemany(
        "INSERT INTO scalar_params (flow_name, run_id, name, kind, num, txt) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [(flow_name, run_id, name, *value) for name, value in rows],
    )
    conn.executemany(
        _FIELD_INSERT, sorted({(flow_name, "params", "", name, v[0]) for name, v in rows})
    )


def _plain_scalar(value: Any) -> bool:
    return type(value) in (bool, int, float, str, type(None)) and is_scalar(value)


def record_results(
    conn: Connection, flow_name: str, run_id: int, results: Sequence[AttemptResult]
) -> None:
    """Index the scalar artifacts and foreach inputs that finished attempts carry."""
    artifacts = [
        (r.task_id, r.attempt, a.name, value)
        for r in results
        for a in r.artifacts
        if (value := stored_text(a.scalar)) is not None
    ]
    inputs = [(r.task_id, value) for r in results if (value := stored_text(r.input)) is not None]
    if not artifacts and not inputs:
        return
    task_ids = sorted({t for t, *_ in artifacts} | {t for t, _ in inputs})
    steps = _steps_of(conn, flow_name, run_id, task_ids)
    record_artifact_rows(
        conn, flow_name, run_id, [(t, a, steps[t], n, v) for t, a, n, v in artifacts if t in steps]
    )
    record_input_rows(conn, flow_name, run_id, [(t, steps[t], v) for t, v in inputs if t in steps])


def _steps_of(conn: Connection, flow_name: str, run_id: int, task_ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for start in range(0, len(task_ids), 500):
        chunk = task_ids[start : start + 500]
        rows = conn.execute(
            "SELECT task_id, step_name FROM tasks WHERE flow_name = ? AND run_id = ? "
            f"AND task_id IN ({', '.join('?' * len(chunk))})",
            [flow_name, run_id, *chunk],
        )
        found.update((int(t), str(s)) for t, s in rows)
    return found


def record_artifact_rows(
    conn: Connection,
    flow_name: str,
    run_id: int,
    rows: Sequence[tuple[int, int, str, str, StoredScalar]],
) -> None:
    """(task_id, attempt, step_name, name, (kind, num, txt)) rows of scalar artifacts. They
    replace the rows of earlier attempts of the same tasks: the index holds each task's
    latest recorded attempt, so a filter needs no join to find it."""
    if not rows:
        return
    latest: dict[int, int] = {}
    for t, a, *_ in rows:
        latest[t] = max(a, latest.get(t, a))
    conn.executemany(  # a first attempt (0) has no earlier one: no statement for it
        "DELETE FROM scalar_artifacts WHERE flow_name = ? AND run_id = ? AND task_id = ? "
        "AND attempt < ?",
        [(flow_name, run_id, t, a) for t, a in sorted(latest.items()) if a > 0],
    )
    conn.executemany(
        "INSERT INTO scalar_artifacts (flow_name, run_id, task_id, attempt, step_name, name, "
        "kind, num, txt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [(flow_name, run_id, t, a, step, name, *value) for t, a, step, name, value in rows],
    )
    conn.executemany(
        _FIELD_INSERT,
        sorted({(flow_name, "data", step, name, value[0]) for _, _, step, name, value in rows}),
    )
    if any(step == END_STEP for _, _, step, _, _ in rows):
        repack(conn, flow_name, [run_id], ("data",))


def record_input_rows(
    conn: Connection, flow_name: str, run_id: int, rows: Sequence[tuple[int, str, StoredScalar]]
) -> None:
    """(task_id, step_name, (kind, num, txt)) rows of scalar foreach inputs."""
    if not rows:
        return
    conn.executemany(
        "INSERT INTO task_inputs (flow_name, run_id, task_id, kind, num, txt) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [(flow_name, run_id, t, *value) for t, _, value in rows],
    )
    conn.executemany(
        _FIELD_INSERT, sorted({(flow_name, "input", step, "", v[0]) for _, step, v in rows})
    )


def load_catalog(conn: Connection, target: Target) -> Catalog:
    """The fields a filter over `target` may name, with the kinds of value recorded."""
    from flowscope.metastore.filter_sql import catalog_scopes

    found: dict[tuple[str, str], set[str]] = {}
    for scope, step in catalog_scopes(target):
        rows = conn.execute(
            "SELECT name, kind FROM query_fields WHERE flow_name = ? AND scope = ? "
            "AND step_name = ?",
            (target.flow_name, scope, step),
        )
        for name, kind in rows:
            found.setdefault((scope, str(name)), set()).add(str(kind))
    return {key: frozenset(kinds) for key, kinds in found.items()}


def condition(conn: Connection, target: Target, where: str | None) -> tuple[str, list[Any]] | None:
    """The SQL condition of a filter (parsed and checked against the catalog), or None."""
    if where is None:
        return None
    from flowscope.metastore.filter_sql import compile_filter
    from flowscope.metastore.filters import parse

    expr = parse(where)  # a syntax error before any query
    return compile_filter(expr, target, load_catalog(conn, target))


# a run's values as one JSON object, built by the database from each value's exact JSON text
_OBJECT = {
    "sqlite": (
        "'{' || group_concat(json_quote(v.name) || ':' || CASE v.kind "
        "WHEN 'str' THEN json_quote(v.txt) ELSE COALESCE(v.txt, 'null') END, ',') || '}'"
    ),
    "postgresql": (
        "json_object_agg(v.name, CASE v.kind WHEN 'str' THEN to_json(v.txt) "
        "ELSE COALESCE(v.txt, 'null')::json END)"
    ),
}


def run_rows_sql(
    page_sql: str, page_params: list[Any], flow_name: str, dialect: str
) -> tuple[str, list[Any]]:
    """One statement for a page of runs with their scalar parameters and end-task artifacts:
    RUN_COLUMNS, then two JSON objects of values (`decode_values`)."""
    obj = _OBJECT[dialect]
    sql = (
        f"WITH page AS ({page_sql}) SELECT page.*, "
        f"(SELECT {obj} FROM scalar_params v "
        "WHERE v.flow_name = ? AND v.run_id = page.run_id), "
        f"(SELECT {obj} FROM scalar_artifacts v "
        "WHERE v.flow_name = ? AND v.step_name = ? AND v.run_id = page.run_id) "
        "FROM page ORDER BY page.run_id DESC"
    )
    return sql, [*page_params, flow_name, flow_name, "end"]


def task_values_columns(dialect: str) -> str:
    """Two more columns for a task listing (over `tasks t`): its latest attempt's scalar
    artifacts as a JSON object, and its foreach input as JSON text (NULL when none)."""
    quote = "json_quote(i.txt)" if dialect == "sqlite" else "to_json(i.txt)::text"
    return (
        f", (SELECT {_OBJECT[dialect]} FROM scalar_artifacts v WHERE v.flow_name = t.flow_name "
        "AND v.run_id = t.run_id AND v.task_id = t.task_id AND v.attempt = t.last_attempt), "
        f"(SELECT CASE i.kind WHEN 'str' THEN {quote} ELSE COALESCE(i.txt, 'null') END "
        "FROM task_inputs i WHERE i.flow_name = t.flow_name AND i.run_id = t.run_id "
        "AND i.task_id = t.task_id)"
    )


def decode_values(packed: Any) -> dict[str, Any]:
    """The values of one run from its JSON object (text on SQLite, parsed on PostgreSQL)."""
    if packed is None:
        return {}
    if isinstance(packed, str):
        value: dict[str, Any] = json.loads(packed)
        return value
    return dict(packed)


# ---- packed rows (run_table.py): one row per run and scope, for tables of runs ----------------
_SCALAR_ROWS = {
    "params": "SELECT run_id, name, kind, num, txt FROM scalar_params WHERE flow_name = ?",
    "data": "SELECT run_id, name, kind, num, txt FROM scalar_artifacts WHERE flow_name = ? "
    f"AND step_name = '{END_STEP}'",
}
_UPSERT = (
    "INSERT INTO run_values (flow_name, run_id, scope, names, kinds, nums, texts) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (flow_name, run_id, scope) DO UPDATE SET "
    "names = excluded.names, kinds = excluded.kinds, nums = excluded.nums, texts = excluded.texts"
)
_CHUNK = 500


def packed_from_scalars(
    conn: Connection, flow_name: str, run_ids: Sequence[int], scope: str
) -> dict[int, Packed]:
    """The packed values of runs, built from the scalar tables; a run without values is
    left out."""
    found: dict[int, list[tuple[str, str, float | None, str | None]]] = {}
    for start in range(0, len(run_ids), _CHUNK):
        chunk = list(run_ids[start : start + _CHUNK])
        sql = f"{_SCALAR_ROWS[scope]} AND run_id IN ({', '.join('?' * len(chunk))})"
        for run_id, name, kind, num, txt in conn.execute(sql, [flow_name, *chunk]):
            found.setdefault(int(run_id), []).append((str(name), str(kind), num, txt))
    return {run_id: pack(rows) for run_id, rows in found.items()}


def repack(
    conn: Connection,
    flow_name: str,
    run_ids: Sequence[int] | None = None,
    scopes: Sequence[str] = SCOPES,
) -> int:
    """Rewrite the packed rows of runs (every run of the flow for None) from the scalar
    tables, the source of truth; returns how many rows were written."""
    if run_ids is None:
        found = conn.execute("SELECT run_id FROM runs WHERE flow_name = ?", [flow_name])
        run_ids = [int(r[0]) for r in found]
    empty = pack([])
    for start in range(0, len(run_ids), _CHUNK):
        chunk = run_ids[start : start + _CHUNK]
        for scope in scopes:
            packed = packed_from_scalars(conn, flow_name, chunk, scope)
            conn.executemany(_UPSERT, [(flow_name, r, scope, *packed.get(r, empty)) for r in chunk])
    return len(run_ids) * len(scopes)


def table_sql(page_sql: str, page_params: list[Any]) -> tuple[str, list[Any]]:
    """One statement for a page of runs (`runs_query`) as a table: run_id, user_name, status,
    created_at, finished_at, heartbeat_at, user_tags, system_tags, then names, kinds, nums,
    texts of the parameters and of the end task's artifacts (NULL when not packed yet). Rows
    come in no particular order (the caller sorts them: a sort here would copy every blob)."""
    packed = ", ".join(f"{t}.names, {t}.kinds, {t}.nums, {t}.texts" for t in ("p", "d"))
    join = (
        "LEFT JOIN run_values {t} ON {t}.flow_name = page.flow_name "
        "AND {t}.run_id = page.run_id AND {t}.scope = ?"
    )
    sql = (
        f"WITH page AS ({page_sql}) SELECT page.run_id, page.user_name, page.status, "
        "page.created_at, page.finished_at, page.heartbeat_at, page.user_tags, "
        f"page.system_tags, {packed} FROM page {join.format(t='p')} {join.format(t='d')}"
    )
    return sql, [*page_params, "params", "data"]
