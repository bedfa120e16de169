"""Filters (filters.py) to SQL: a WHERE clause for runs or tasks, every value a bound parameter.

Pure: the store gives the flow's catalog of fields (which parameters, artifacts and inputs
exist, with which kinds of values) and runs the SQL. The same text runs on SQLite and
PostgreSQL.

The rules (the README has the user's version):
- a comparison matches only values of the literal's kind: numbers compare as numbers, strings
  as strings, booleans with = and != only, times (started_at, finished_at) as times given as
  ISO 8601 strings (UTC when no offset) or epoch seconds;
- a missing value (a parameter a run does not have, an unfinished run's finished_at, a
  non-scalar artifact) matches no comparison, `!=` included; `not` negates the result, so
  `not params.a = 1` also matches runs without `a`;
- checked before any row is read, as a QueryError: unknown fields (with did-you-mean), an
  operator a field does not take, a literal of a kind the field never holds in the flow's
  recorded runs (`params.alpha > 'x'` when alpha is always a number). A field that holds
  several kinds across runs accepts each of them; rows of another kind do not match.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

from flowscope.errors import QueryError, TagError
from flowscope.metastore.filters import (
    OPERATORS,
    And,
    Compare,
    Contains,
    Expr,
    Field,
    In,
    Not,
    Or,
    Scalar,
    render_value,
)
from flowscope.metastore.records import LOST, RUNNING
from flowscope.metastore.scalars import MAX_SCALAR_TEXT, stored
from flowscope.tags import validate_tag

Catalog = Mapping[tuple[str, str], frozenset[str]]
"""(scope, name) -> the kinds of value recorded: scope `params`, `data` or `input` (name '')."""

RUN_STATUSES = ("running", "succeeded", "failed", "lost")
RUN_FIELDS = ("status", "user", "tags", "started_at", "finished_at", "duration")
TASK_FIELDS = ("input", "index")
_ORDERED = ("<", "<=", ">", ">=")
_KIND_WORDS = {"number": "numbers", "str": "strings", "bool": "booleans", "none": "None"}


@dataclass(frozen=True)
class Target:
    """What a filter selects: the runs of a flow, or the tasks of one step of a run."""

    kind: Literal["runs", "tasks"]
    flow_name: str
    step_name: str = "end"  # whose artifacts `data.NAME` reads
    cutoff: float = 0.0  # a running run whose last heartbeat is older is `lost`


def literal_kind(value: Scalar) -> str:
    return stored(value)[0]


def _describe(value: Scalar) -> str:
    kind = literal_kind(value)
    noun = {"number": "the number", "str": "the string", "bool": "the boolean"}.get(kind, "")
    return f"{noun} {render_value(value)}".strip()


class _Compiler:
    def __init__(self, target: Target, catalog: Catalog) -> None:
        self.target = target
        self.catalog = catalog
        self.params: list[Any] = []

    # ---- errors ------------------------------------------------------------------------
    def _names(self) -> list[str]:
        fixed = RUN_FIELDS if self.target.kind == "runs" else TASK_FIELDS
        scopes = ("params", "data") if self.target.kind == "runs" else ("data",)
        dynamic = [f"{s}.{n}" for (s, n) in self.catalog if s in scopes and n]
        return [*fixed, *sorted(dynamic)]

    def unknown(self, field: Field, why: str) -> QueryError:
        close = difflib.get_close_matches(str(field), self._names(), n=3)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        return QueryError(f"Unknown field {str(field)!r} in the filter: {why}{hint}")

    def _where(self) -> str:
        t = self.target
        if t.kind == "runs":
            return f"the runs of {t.flow_name}"
        return f"the '{t.step_name}' tasks of {t.flow_name}"

    # ---- the tree ----------------------------------------------------------------------
    def compile(self, expr: Expr) -> str:
        if isinstance(expr, Not):
            return f"NOT ({self.compile(expr.operand)})"
        if isinstance(expr, And) and self.target.kind == "runs":
            return self.conjunction(expr)
        if isinstance(expr, (And, Or)):
            joiner = " AND " if isinstance(expr, And) else " OR "
            return "(" + joiner.join(f"({self.compile(e)})" for e in expr.operands) + ")"
        if isinstance(expr, Contains):
            return self.contains(expr)
        values = expr.values if isinstance(expr, In) else (expr.value,)
        op = "=" if isinstance(expr, In) else expr.op
        return self.comparison(expr.field, op, values, isinstance(expr, In))

    def conjunction(self, expr: And) -> str:
        """`a and b` over runs. Comparisons of parameters and artifacts select run ids from
        the covering indexes; two or more of them are chained into one subquery, each
        probing the next one's id list (`AND +v.run_id IN (...)`: the `+` keeps SQLite from
        looking each id up in another index), so only the runs in all of them are read from
        `runs`. Separate `r.run_id IN` lists would each be probed against every run."""
        sets: list[tuple[str, list[Any]]] = []
        others: list[tuple[str, list[Any]]] = []
        for operand in expr.operands:
            mark = len(self.params)
            sql = self.compile(operand)
            found = (sql, self.params[mark:])
            del self.params[mark:]
            (sets if _selects_ids(operand) else others).append(found)
        parts = [f"({sql})" for sql, _ in others]
        for _, params in others:
            self.params += params
        if sets:
            chained, params = sets[-1][0][len(_RUN_SET) : -1], sets[-1][1]
            for sql, own in reversed(sets[:-1]):
                chained = f"{sql[len(_RUN_SET) : -1]} AND +v.run_id IN ({chained})"
                params = own + params
            parts.append(f"{_RUN_SET}{chained})")
            self.params += params
        return "(" + " AND ".join(parts) + ")"

    def contains(self, expr: Contains) -> str:
        field = expr.field
        if self.target.kind != "runs" or str(field) != "tags":
            raise QueryError(
                f"'contains' applies to tags only (tags contains 'x'), not to {str(field)!r}."
            )
        if not isinstance(expr.value, str):
            raise QueryError(f"tags contains needs a tag string, got {_describe(expr.value)}.")
        try:
            tag = validate_tag(expr.value)
        except TagError as exc:
            raise QueryError(f"tags contains {render_value(expr.value)}: {exc}") from None
        self.params.append(tag)
        return (
            "EXISTS (SELECT 1 FROM run_tags g WHERE g.flow_name = r.flow_name "
            "AND g.run_id = r.run_id AND g.tag = ?)"
        )

    def comparison(self, field: Field, op: str, values: tuple[Scalar, ...], is_in: bool) -> str:
        assert op in OPERATORS
        kind = self.target.kind
        if field.key is not None:
            if field.name == "params" and kind == "runs":
                return self.scalar(field, "params", field.key, op, values)
            if field.name == "data":
                return self.scalar(field, "data", field.key, op, values)
            raise self.unknown(field, f"{field.name!r} has no sub-fields here")
        name = field.name
        if kind == "tasks" and name == "input":
            return self.scalar(field, "input", "", op, values)
        if kind == "tasks" and name == "index":
            return self.column("t.foreach_index", field, op, values, "number", nullable=True)
        if kind == "runs" and name == "status":
            return self.status(op, values)
        if kind == "runs" and name == "user":
            return self.column("r.user_name", field, op, values, "str", nullable=False)
        if kind == "runs" and name in ("started_at", "finished_at", "duration"):
            if is_in:
                raise QueryError(f"{name} takes = != < <= > >=, not 'in'.")
            sql = {
                "started_at": "r.created_at",
                "finished_at": "r.finished_at",
                "duration": "(r.finished_at - r.created_at)",
            }[name]
            kind_of = "number" if name == "duration" else "time"
            return self.column(sql, field, op, values, kind_of, nullable=name != "started_at")
        if kind == "runs" and name == "tags":
            raise QueryError("tags is a set: test it with tags contains 'x'.")
        if name in ("params", "data"):
            raise QueryError(f"{name} needs a name: {name}.NAME (for example {name}.alpha).")
        other = "tasks(where=...)" if kind == "runs" else "runs(where=...)"
        theirs = TASK_FIELDS if kind == "runs" else RUN_FIELDS
        why = f"it is a field of {other}" if name in theirs else "no such field"
        raise self.unknown(field, why)

    # ---- fixed columns -----------------------------------------------------------------
    def status(self, op: str, values: tuple[Scalar, ...]) -> str:
        if op not in ("=", "!="):
            raise QueryError(f"status takes = != or in, not {op!r}.")
        for v in values:
            if v not in RUN_STATUSES or not isinstance(v, str):
                close = difflib.get_close_matches(str(v), RUN_STATUSES, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise QueryError(
                    f"status is one of {', '.join(RUN_STATUSES)}; got {_describe(v)}{hint}"
                )
        live = "(CASE WHEN r.status = ? AND COALESCE(r.heartbeat_at, r.created_at) < ? THEN ? ELSE r.status END)"
        parts = []
        for v in values:
            self.params += [RUNNING, self.target.cutoff, LOST, v]
            parts.append(f"{live} {'=' if op == '=' else '<>'} ?")
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def column(
        self, sql: str, field: Field, op: str, values: tuple[Scalar, ...], kind: str, nullable: bool
    ) -> str:
        parts = []
        for v in values:
            bound = self.fixed_value(field, v, kind)
            self.params.append(bound)
            parts.append(f"{sql} {'<>' if op == '!=' else op} ?")
        test = parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"
        return f"({sql} IS NOT NULL AND {test})" if nullable else test

    def fixed_value(self, field: Field, value: Scalar, kind: str) -> Any:
        if kind == "time":
            return _time_value(field, value)
        if kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        if kind == "str" and isinstance(value, str):
            return value
        want = "a number" if kind == "number" else "a 'quoted string'"
        raise QueryError(f"{field} is compared with {want}, got {_describe(value)}.")

    # ---- scalar tables -----------------------------------------------------------------
    def scalar(
        self, field: Field, scope: str, name: str, op: str, values: tuple[Scalar, ...]
    ) -> str:
        kinds = self.catalog.get((scope, name))
        if kinds is None:
            what = {
                "params": f"no run of {self.target.flow_name} has a parameter named {name!r}",
                "data": f"no task of step '{self.target.step_name}' in {self.target.flow_name} "
                f"has a scalar artifact named {name!r}",
                "input": f"no task of step '{self.target.step_name}' in "
                f"{self.target.flow_name} has a scalar foreach input",
            }[scope]
            raise self.unknown(
                field,
                what + " (run `flowscope reindex` for runs recorded before "
                "the query index existed)",
            )
        mark = len(self.params)  # the subquery's own parameters go before its predicates'
        predicates = [self.value_test(field, op, v, kinds) for v in values]
        test = predicates[0] if len(predicates) == 1 else "(" + " OR ".join(predicates) + ")"
        if self.target.kind == "tasks":
            table = "scalar_artifacts" if scope == "data" else "task_inputs"
            extra = " AND v.attempt = t.last_attempt AND v.name = ?" if scope == "data" else ""
            sql = (
                f"EXISTS (SELECT 1 FROM {table} v WHERE v.flow_name = t.flow_name "
                f"AND v.run_id = t.run_id AND v.task_id = t.task_id{extra} AND {test})"
            )
            head = [name] if scope == "data" else []
        elif scope == "params":
            sql = (
                "r.run_id IN (SELECT v.run_id FROM scalar_params v WHERE v.flow_name = ? "
                f"AND v.name = ? AND {test})"
            )
            head = [self.target.flow_name, name]
        else:
            # the index keeps each task's latest recorded attempt only (query_index)
            sql = (
                "r.run_id IN (SELECT v.run_id FROM scalar_artifacts v WHERE v.flow_name = ? "
                f"AND v.step_name = ? AND v.name = ? AND {test})"
            )
            head = [self.target.flow_name, self.target.step_name, name]
        self.params[mark:mark] = head
        return sql

    def value_test(self, field: Field, op: str, value: Scalar, kinds: frozenset[str]) -> str:
        kind = literal_kind(value)
        if kind in ("none", "bool") and op in _ORDERED:
            raise QueryError(
                f"{field} {op} {render_value(value)}: {_KIND_WORDS[kind]} are compared with = "
                f"or != only."
            )
        if kind == "str" and isinstance(value, str) and len(value) > MAX_SCALAR_TEXT:
            raise QueryError(
                f"{field} is compared with a string of {len(value)} characters; strings longer "
                f"than {MAX_SCALAR_TEXT} are not in the query index."
            )
        if kind != "none" and kind not in kinds:
            held = " and ".join(_KIND_WORDS[k] for k in sorted(kinds))
            raise QueryError(
                f"Type mismatch in the filter: {field} holds {held} in {self._where()}, so it "
                f"cannot be compared with {_describe(value)}."
            )
        self.params += _value_params(value)
        if kind == "none":
            return "v.kind = ?" if op == "=" else "v.kind <> ?"
        column = "v.txt" if kind == "str" else "v.num"
        return f"(v.kind = ? AND {column} {'<>' if op == '!=' else op} ?)"


_RUN_SET = "r.run_id IN ("


def _selects_ids(expr: Expr) -> bool:
    """Does `expr` compile (over runs) to `r.run_id IN (SELECT v.run_id ...)`?"""
    return (
        isinstance(expr, (Compare, In))
        and expr.field.key is not None
        and expr.field.name in ("params", "data")
    )


def _value_params(value: Scalar) -> list[Any]:
    kind, num, txt = stored(value)
    if kind == "none":
        return [kind]
    return [kind, txt if kind == "str" else num]


def _time_value(field: Field, value: Scalar) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
            return when.timestamp()
    raise QueryError(
        f"{field} is compared with a time: an ISO 8601 string such as '2026-01-31' or "
        f"'2026-01-31T12:00:00+00:00' (UTC when no offset is given), or epoch seconds; got "
        f"{_describe(value)}."
    )


def compile_filter(expr: Expr, target: Target, catalog: Catalog) -> tuple[str, list[Any]]:
    """The SQL condition (over `runs r`, or over `tasks t` with its latest attempt) and its
    parameters; QueryError for a filter that cannot be run against this catalog."""
    compiler = _Compiler(target, catalog)
    sql = compiler.compile(expr)
    return sql, compiler.params


def catalog_scopes(target: Target) -> list[tuple[str, str]]:
    """The (scope, step_name) pairs of the catalog a target needs."""
    if target.kind == "runs":
        return [("params", ""), ("data", target.step_name)]
    return [("data", target.step_name), ("input", target.step_name)]
