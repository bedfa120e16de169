"""The runs list of a flow: filters, facets, parameter columns, sorting and paging.

Status, user and tag filters are the metadata store's own (`RunQuery`), and pages are the
provider's pages (a cursor), so the first page of a 100,000-run flow costs one listing plus
one parameter read per run shown. A search (`where`) goes to the filter language of the
client (`Flow.runs(where=...)`) when this flowscope has it; else the page says it is not
available.

Sorting: the store lists runs newest first only, so any other order is made here, over the
whole listing, when it is small enough to read (`SORT_ALL` runs; `SORT_ALL_PARAMS` when the
order is a parameter's, which costs one read per run), and paged by offset; above that the
page shown is sorted, and the page says so.
"""

from __future__ import annotations

import inspect
import itertools
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from flowscope.errors import FlowscopeError, ObjectNotFound
from flowscope.metastore.records import Page, RunQuery
from flowscope.tags import validate_tag
from flowscope.ui.reading import run_duration

if TYPE_CHECKING:
    from flowscope.metastore.records import RunRecord
    from flowscope.stores import Stores

PAGE = 50
SORT_ALL = 2000
SORT_ALL_PARAMS = 500
STATUSES = ("running", "succeeded", "failed", "lost")
SORTS = ("id", "status", "user", "started", "duration")
MAX_TAGS = 10
MAX_WHERE = 2000


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


def store_filters() -> bool:
    """True when the metadata store takes a filter (`RunQuery.where`): pages stay its own."""
    return "where" in {f.name for f in fields(RunQuery)}


def where_supported() -> bool:
    """True when this flowscope has the filter language: in the store's query, or in the
    client's `Flow.runs(where=...)`."""
    from flowscope.client import Flow

    if store_filters():
        return True
    try:
        return "where" in inspect.signature(Flow.runs).parameters
    except (TypeError, ValueError):
        return False


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
    if sort not in SORTS and not sort.startswith("param:"):
        sort = "id"
    desc = args.get("order", "desc") != "asc"
    cursor = _text(args, "cursor", 2000)
    page = RunsPage(flow, [], [], status, user, tags, where, sort, desc, cursor, None)
    whole = sort != "id" or not desc
    sorted_here = False
    params_of: dict[int, dict[str, Any]] = {}
    if where and not store_filters():
        records = _search(stores, page)
        if whole:
            page.notice = (page.notice + "\n" if page.notice else "") + PAGE_ONLY
    elif whole and (chosen := _sorted_listing(stores, page, params_of)) is not None:
        records, sorted_here = chosen, True
    else:
        if page.cursor is not None and page.cursor.startswith("@"):
            page.cursor = None  # an offset into a sorted listing, not the provider's cursor
        query = RunQuery(
            tags_all=tuple(tags), status=status, user=user, limit=PAGE, cursor=page.cursor
        )
        if where:
            query = replace(query, where=where)
        try:
            found = provider.list_runs(flow, query)
        except FlowscopeError as exc:  # a filter that does not parse: the parser's message
            if not where:
                raise
            page.notice = str(exc)
            found = Page((), None)
        records, page.next_cursor = list(found.items), found.cursor
    now = time.time()
    params_seen: dict[str, None] = {}
    for record in records:
        params = params_of.get(record.run_id)
        if params is None:
            params = provider.get_parameters(flow, record.run_id)
        params_seen.update(dict.fromkeys(params))
        page.runs.append(
            {"record": record, "params": params, "duration": run_duration(record, now)}
        )
    page.params = list(params_seen)[:12]
    page.users = sorted({r.user for r in records} | ({user} if user else set()))
    page.tag_facets = sorted({t for r in records for t in r.user_tags} - set(tags))[:30]
    if not sorted_here:
        page.runs.sort(key=_sort_key(sort), reverse=desc)
    return page


PAGE_ONLY = "Sorted within this page only: searches are listed in the store's order."


def _sorted_listing(
    stores: Stores, page: RunsPage, params_of: dict[int, dict[str, Any]]
) -> list[RunRecord] | None:
    """One page of the whole listing in `page`'s order, or None (and a notice) when the
    listing is too long to read here. Parameters read for sorting land in `params_of`."""
    by_param = page.sort.startswith("param:")
    bound = SORT_ALL_PARAMS if by_param else SORT_ALL
    query = RunQuery(tags_all=tuple(page.tags), status=page.status, user=page.user, limit=bound + 1)
    if page.where:
        query = replace(query, where=page.where)  # type: ignore[call-arg]
    try:
        found = stores.provider.list_runs(page.flow, query)
    except FlowscopeError as exc:
        if not page.where:
            raise
        page.notice = str(exc)
        return []
    if len(found.items) > bound:
        page.notice = (
            f"Sorted within this page only: more than {bound} runs match, and the store lists "
            "runs newest first only. Narrow the list with filters to sort it whole."
        )
        return None
    now = time.time()
    rows = []
    for record in found.items:
        params: dict[str, Any] = {}
        if by_param:
            params = params_of[record.run_id] = stores.provider.get_parameters(
                page.flow, record.run_id
            )
        rows.append({"record": record, "params": params, "duration": run_duration(record, now)})
    rows.sort(key=_sort_key(page.sort), reverse=page.desc)
    offset = _offset(page.cursor)
    if offset + PAGE < len(rows):
        page.next_cursor = f"@{offset + PAGE}"
    return [row["record"] for row in rows[offset : offset + PAGE]]


def _offset(cursor: str | None) -> int:
    if cursor and cursor.startswith("@") and cursor[1:].isdigit() and len(cursor) < 12:
        return int(cursor[1:])
    return 0


def _search(stores: Stores, page: RunsPage) -> list[RunRecord]:
    """A page of runs matching `where`, through the client's `Flow.runs(where=...)` (a
    store without filters: pages are counted in runs)."""
    if not where_supported():
        page.notice = (
            "Search with the filter language is not available in this flowscope version; "
            "the status, user and tag filters still work."
        )
        query = RunQuery(tags_all=tuple(page.tags), status=page.status, user=page.user, limit=PAGE)
        return list(stores.provider.list_runs(page.flow, query).items)
    from flowscope.client import Flow

    flow = Flow._make(stores.provider, None, (page.flow,))
    offset = int(page.cursor) if page.cursor and page.cursor.isdigit() else 0
    try:
        runs = flow.runs(*page.tags, where=page.where)
        chosen = list(itertools.islice(runs, offset, offset + PAGE + 1))
    except FlowscopeError as exc:
        page.notice = str(exc)
        return []
    if len(chosen) > PAGE:
        page.next_cursor = str(offset + PAGE)
    records = [r._run_record() for r in chosen[:PAGE]]
    return [
        r for r in records
        if (page.status is None or r.status == page.status)
        and (page.user is None or r.user == page.user)
    ]  # fmt: skip


_MISSING = object()


def _value_key(value: object) -> tuple[int, float, str]:
    """Missing values first, then numbers by value, then everything else by its text."""
    if value is _MISSING:
        return (0, 0.0, "")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (1, float(value), "")
    return (2, 0.0, value if isinstance(value, str) else repr(value))


def _sort_key(sort: str) -> Any:
    if sort.startswith("param:"):
        name = sort[6:]
        return lambda row: _value_key(row["params"].get(name, _MISSING))
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
