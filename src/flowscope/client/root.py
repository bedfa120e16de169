"""Metaflow: the root object. Iterating yields the flows with runs in the namespace."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from flowscope.client.base import LazyChildren
from flowscope.client.context import CONTEXT
from flowscope.client.display import root_html
from flowscope.client.flow import Flow
from flowscope.errors import InvalidPathspec, NamespaceMismatch, ObjectNotFound
from flowscope.pathspec import check_id

if TYPE_CHECKING:
    from flowscope.metastore.provider import MetadataProvider


class Metaflow:
    """The entry point: `Metaflow().flows` lists every flow with a run in the namespace,
    newest first."""

    __slots__ = ("_namespace", "_pending", "_provider")

    def __init__(self) -> None:
        self._provider: MetadataProvider = CONTEXT.provider()
        self._namespace: str | None = CONTEXT.get_namespace()
        self._pending: LazyChildren[Flow] | None = None

    def _flows(self) -> Iterator[Flow]:
        records = self._provider.list_flows(self._namespace)
        records = sorted(records, key=lambda f: (-f.created_at, f.flow_name))
        for record in records:
            flow = Flow._make(self._provider, self._namespace, (record.flow_name,))
            flow._record = record
            yield flow

    @property
    def flows(self) -> list[Flow]:
        """The flows with at least one run in the namespace, newest first."""
        return list(self._flows())

    @property
    def namespace(self) -> str | None:
        return self._namespace

    def __iter__(self) -> Iterator[Flow]:
        self._pending = LazyChildren(self._flows)
        return self._pending

    def __len__(self) -> int:
        pending, self._pending = self._pending, None
        if pending is not None and not pending.started:
            return len(pending.materialize())  # list(Metaflow()) lists the flows once
        return len(self._provider.list_flows(self._namespace))

    def __getitem__(self, name: str) -> Flow:
        flow = Flow._make(self._provider, self._namespace, (check_id("flow", name),))
        flow._resolve()
        return flow

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            check_id("flow", name)
        try:
            self[name]  # type: ignore[index]
        except (InvalidPathspec, ObjectNotFound, NamespaceMismatch):
            return False
        return True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Metaflow)

    def __hash__(self) -> int:
        return hash("Metaflow")

    def __repr__(self) -> str:
        return "Metaflow()"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore_root, (self._provider.describe(), self._namespace))

    def _repr_html_(self) -> str:
        return root_html(self)


def _restore_root(address: str, namespace: str | None) -> Metaflow:
    root = object.__new__(Metaflow)
    root._provider = CONTEXT.provider_for(address)
    root._namespace = namespace
    root._pending = None
    return root
