"""Flow: all runs of one flow class, newest first."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from flowscope.client.base import Container, did_you_mean, not_found
from flowscope.client.display import flow_html
from flowscope.client.query import RunList
from flowscope.client.run import Run
from flowscope.errors import NamespaceMismatch
from flowscope.frozen import replace
from flowscope.metastore.queries import RunQuery
from flowscope.metastore.records import SUCCEEDED
from flowscope.tags import validate_tag

if TYPE_CHECKING:
    from flowscope.metastore.records import FlowRecord, RunRecord

PAGE_SIZE = 10_000
"""Runs asked for per page when listing; the provider may return fewer per page."""


class Flow(Container[None, Run]):
    """A flow, by name: `Flow('HelloFlow')`. Iterating yields its runs in the namespace,
    newest first; `flow['2']` is run 2."""

    __slots__ = ("_record",)

    _kind = "Flow"
    _level = "flow"
    _child_level = "run"

    _record: FlowRecord | None

    def __init__(self, pathspec: str) -> None:
        self._bind(pathspec)
        self._resolve()

    def _clear(self) -> None:
        self._record = None

    def _resolve(self) -> None:
        provider, name = self._provider, self._components[0]
        record = provider.get_flow(name)
        if record is None:
            names = [f.flow_name for f in provider.list_flows()]
            raise not_found(self._name, did_you_mean(name, names))
        ns = self._namespace
        if ns is not None and not provider.list_runs(name, RunQuery(tags_all=(ns,), limit=1)).items:
            latest = provider.list_runs(name, RunQuery(limit=1)).items
            owner = next((t for r in latest for t in r.system_tags if t.startswith("user:")), None)
            how = "namespace(None) for the global namespace"
            if owner is not None:
                how += f", or namespace({owner!r}) for the owner of its latest run"
            raise NamespaceMismatch(
                f"{self._name} exists, but none of its runs is in the namespace {ns!r} in "
                f"force. To see it, call {how}."
            )
        self._record = record

    def _flow_record(self) -> FlowRecord:
        if self._record is None:
            record = self._provider.get_flow(self._components[0])
            if record is None:
                raise not_found(self._name)
            self._record = record
        return self._record

    # ---- common properties (ClientObject: created_at, parent, tags, ...) ----------------
    def _own_record(self) -> FlowRecord:
        return self._flow_record()  # created_at: when the flow's first run was created

    def _tag_record(self) -> RunRecord | None:
        return None  # tags belong to runs; a Flow has none

    def _repr_html_(self) -> str:
        return flow_html(self)

    # ---- runs --------------------------------------------------------------------------
    def _query(self, tags: tuple[str, ...] = (), **changes: object) -> RunQuery:
        ns = self._namespace
        wanted = tuple(dict.fromkeys(((ns,) if ns is not None else ()) + tags))
        return replace(RunQuery(tags_all=wanted, limit=PAGE_SIZE), **changes)

    def _runs(self, query: RunQuery) -> Iterator[Run]:
        provider, ns, name = self._provider, self._namespace, self._components[0]
        make = Run._from_record
        while True:
            page = provider.list_runs(name, query)
            for record in page.items:
                yield make(provider, ns, record)
            if page.cursor is None:
                return
            query = replace(query, cursor=page.cursor)

    def _children(self) -> Iterator[Run]:
        return self._runs(self._query())

    def _child(self, key: str) -> Run:
        run = Run._make(self._provider, self._namespace, (self._components[0], key))
        run._resolve()
        return run

    def runs(self, *tags: str, where: str | None = None) -> RunList:
        """The runs in the namespace that carry all of `tags` and match the filter `where`
        (for example "params.alpha > 0.1 and data.score >= 0.9"; the README has the
        grammar), newest first, filtered by the metadata store. Iterate the result, or call
        `.to_pandas()` on it. A filter that is not valid raises QueryError at this call."""
        query = self._query(tuple(validate_tag(t) for t in tags), where=where)
        if where is not None:  # check it now: a typo is an error here, not an empty loop later
            self._provider.check_filter(self._components[0], where)
        return RunList(self._provider, self._components[0], query, self._runs)

    def _latest(self, status: str | None) -> Run | None:
        page = self._provider.list_runs(self._components[0], self._query(limit=1, status=status))
        if not page.items:
            return None
        return Run._from_record(self._provider, self._namespace, page.items[0])

    @property
    def latest_run(self) -> Run | None:
        """The newest run in the namespace, finished or not; None if there is none."""
        return self._latest(None)

    @property
    def latest_successful_run(self) -> Run | None:
        """The newest run in the namespace that succeeded; None if there is none."""
        return self._latest(SUCCEEDED)
