"""Metaflow: the root object. Iterating yields the flows with runs in the namespace."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from flowscope.client.base import LazyChildren
from flowscope.pathspec import check_id

if TYPE_CHECKING:
    from flowscope.client.flow import Flow
    from flowscope.metastore.provider import MetadataProvider


class Metaflow:
    """The entry point: `Metaflow().flows` lists every flow with a run in the namespace,
    newest first."""

    __slots__ = ("_namespace", "_pending", "_provider")

    def __init__(self) -> None:
        from flowscope.client.context import CONTEXT

        self._provider: MetadataProvider = CONTEXT.provider()
        self._namespace: str | None = CONTEXT.get_namespace()
        self._pending: LazyChildren | None = None

    def _flows(self) -> Iterator[Flow]:
        from flowscope.client.flow import Flow

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
        from flowscope.client.flow import Flow

        flow = Flow._make(self._provider, self._namespace, (check_id("flow", name),))
        flow._resolve()
        return flow

    def __contains__(self, name: object) -> bool:
        from flowscope.errors import InvalidPathspec, NamespaceMismatch, ObjectNotFound

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
        rows = "".join(
            f"<tr><td>{html.escape(f.id)}</td><td>{html.escape(str(f.created_at))}</td></tr>"
            for f in self._flows()
        )
        ns = html.escape(str(self._namespace))
        return (
            f"<div class='flowscope'><strong>Metaflow()</strong> namespace <code>{ns}</code>"
            f"<table><thead><tr><th>flow</th><th>created</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></div>"
        )


def _restore_root(address: str, namespace: str | None) -> Metaflow:
    from flowscope.client.context import CONTEXT

    root = object.__new__(Metaflow)
    root._provider = CONTEXT.provider_for(address)
    root._namespace = namespace
    root._pending = None
    return root
