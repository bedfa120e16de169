"""The runs list of a flow: filters, facets, columns for parameters and scalar results,
sorting and paging.

Status, user and tag filters and the search box (the filter language, `RunQuery.where`) are
the metadata store's own, and rows come from `list_run_rows`: each run with its scalar
parameters and its end task's scalar results, one call a page. Pages are the provider's
(a cursor), so the first page of a 100,000-run flow costs one call.

Sorting: the store lists runs newest first only, so any other order is made here, over the
whole listing, when it is small enough to read (`SORT_ALL` runs, one call), and paged by
offset (`@N` cursors); above that the page shown is sorted, and the page says so.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flowscope.errors import FlowscopeError, ObjectNotFound
from flowscope.metastore.queries import RunQuery
from flowscope.tags import validate_tag
from flowscope.ui.reading import run_duration

if TYPE_CHECKING:
    from flowscope.metastore.queries import RunRow
    from flowscope.stores import Stores

PAGE = 50
SORT_ALL = 2000
STATUSES = ("running", "succeeded", "failed", "lost")
SORTS = ("id", "status", "user", "started", "duration")
COLUMN_SORTS = ("param:", "data:")
MAX_TAGS = 10
MAX_WHERE = 2000
MAX_COLUMNS = 12


@dataclass
class RunsPage:
    flow: str
    runs: list[dict[str, Any]]
    params: list[str]
    status: str | None
    user: str | None
    tags: list[str]
    where: str
    sort: str
    desc: bool
    cursor: str | None
    next_cursor: str | None
    users: list[str] = field(default_factory=list)
    tag_facets: list[str] = field(default_factory=list)
    notice: str | None = None
    data: list[str] = field(default_factory=list)  # the scalar results shown as columns


def _text(args: Mapping[str, str], name: str, limit: int = 500) -> str | None:
    value = args.get(name, "").strip()
    if len(value) > limit:
        raise FlowscopeError(f"The {name} filter is longer than {limit} characters.")
    return value or None


def read_runs(stores: Stores, flow: str, args: Mapping[str, str], tags: list[str]) -> RunsPage:
    provider = stores.provider
    if provider.get_flow(flow) is None:
        raise ObjectNotFound(f"Flow('{flow}') does not exist.")
    status = _text(args, "status")
    if status is not None and status not in STATUSES:
        raise FlowscopeError(f"status must be one of {', '.join(STATUSES)}, not {status!r:.40}.")
    user = _text(args, "user")
    if len(tags) > MAX_TAGS:
        raise FlowscopeError(f"At most {MAX_TAGS} tag filters, got {len(tags)}.")
    tags = [validate_tag(t) for t in tags]
    where = _text(args, "where", MAX_WHERE) or ""
    sort = args.get("sort", "id")
    if sort not in SORTS and not sort.startswith(COLUMN_SORTS):
        sort = "id"
    desc = args.get("order", "desc") != "asc"
    cursor = _text(args, "cursor", 2000)
    page = RunsPage(flow, [], [], status, user, tags, where, sort, desc, cursor, None)
    query = RunQuery(
        tags_all=tuple(tags), status=status, user=user, where=where or None, limit=PAGE
    )
    now = time.time()
    try:
        rows = None
        if sort != "id" or not desc:
            rows = _sorted_listing(stores, page, query, now)
        if rows is None:
            offset_cursor = page.cursor is not None and page.cursor.startswith("@")
            if offset_cursor:
                page.cursor = None  # an offset into a sorted listing, not the provider's cursor
            found = provider.list_run_rows(flow, _with(query, cursor=page.cursor))
            rows = [_row(r, now) for r in found.items]
            page.next_cursor = found.cursor
            rows.sort(key=_sort_key(sort), reverse=desc)
    except FlowscopeError as exc:  # a filter that does not parse: the parser's message
        if not where:
            raise
        page.notice, rows = str(exc), []
    page.runs = rows
    page.params = _columns(r["params"] for r in rows)
    # parameters are artifacts too: the end step's results are the other names
    page.data = _columns({k: v for k, v in r["data"].items() if k not in r["params"]} for r in rows)
    records = [r["record"] for r in rows]
    page.users = sorted({r.user for r in records} | ({user} if user else set()))
    page.tag_facets = sorted({t for r in records for t in r.user_tags} - set(tags))[:30]
    return page


def _with(query: RunQuery, **changes: Any) -> RunQuery:
    from flowscope.frozen import replace

    return replace(query, **changes)


def _row(found: RunRow, now: float) -> dict[str, Any]:
    data = {k: v for k, v in found.data.items() if not k.startswith("_")}
    return {
        "record": found.run,
        "params": dict(found.params),
        "data": data,
        "duration": run_duration(found.run, now),
    }


def _columns(mappings: Any) -> list[str]:
    seen: dict[str, None] = {}
    for mapping in mappings:
        seen.update(dict.fromkeys(mapping))
    return list(seen)[:MAX_COLUMNS]


def _sorted_listing(
    stores: Stores, page: RunsPage, query: RunQuery, now: float
) -> list[dict[str, Any]] | None:
    """One page of the whole listing in `page`'s order, or None (and a notice) when the
    listing is too long to read here."""
    counted = stores.provider.list_runs(page.flow, _with(query, limit=SORT_ALL + 1))
    if len(counted.items) > SORT_ALL:  # the records alone say so: their columns cost more
        page.notice = (
            f"Sorted within this page only: more than {SORT_ALL:,} runs match, and the store "
            "lists runs newest first only. Narrow the list with filters to sort it whole."
        )
        return None
    found = stores.provider.list_run_rows(page.flow, _with(query, limit=SORT_ALL))
    rows = [_row(r, now) for r in found.items]
    rows.sort(key=_sort_key(page.sort), reverse=page.desc)
    offset = _offset(page.cursor)
    if offset + PAGE < len(rows):
        page.next_cursor = f"@{offset + PAGE}"
    return rows[offset : offset + PAGE]


def _offset(cursor: str | None) -> int:
    if cursor and cursor.startswith("@") and cursor[1:].isdigit() and len(cursor) < 12:
        return int(cursor[1:])
    return 0


_MISSING = object()


def _value_key(value: object) -> tuple[int, float, str]:
    """Missing values first, then numbers by value, then everything else by its text."""
    if value is _MISSING:
        return (0, 0.0, "")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (1, float(value), "")
    return (2, 0.0, value if isinstance(value, str) else repr(value))


def _sort_key(sort: str) -> Any:
    if sort.startswith(COLUMN_SORTS):
        column, name = ("params", sort[6:]) if sort.startswith("param:") else ("data", sort[5:])
        return lambda row: _value_key(row[column].get(name, _MISSING))
    if sort == "status":
        return lambda row: row["record"].status
    if sort == "user":
        return lambda row: row["record"].user
    if sort == "started":
        return lambda row: row["record"].created_at
    if sort == "duration":
        return lambda row: row["duration"] if row["duration"] is not None else -1.0
    return lambda row: row["record"].run_id


def link(page: RunsPage, **changes: Any) -> str:
    """The query string of `page` with `changes` (None drops a key; cursor resets)."""
    from urllib.parse import urlencode

    state: dict[str, Any] = {
        "status": page.status,
        "user": page.user,
        "where": page.where or None,
        "sort": page.sort if page.sort != "id" else None,
        "order": None if page.desc else "asc",
        "cursor": None,
    }
    tags = list(page.tags)
    if "add_tag" in changes:
        tags.append(changes.pop("add_tag"))
    if "drop_tag" in changes:
        tags = [t for t in tags if t != changes.pop("drop_tag")]
    state.update(changes)
    pairs = [(k, v) for k, v in state.items() if v is not None]
    pairs += [("tag", t) for t in tags]
    return "?" + urlencode(pairs) if pairs else "?"
