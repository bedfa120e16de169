"""`status`, `finished`, `successful` and `finished_at` of the objects that have a status:
runs and task attempts.

A finished record is kept; an unfinished one is asked for again on every read, unless it was
fetched a moment ago by the same access.
"""

from __future__ import annotations

from datetime import datetime
from typing import Generic, Protocol, TypeVar

from flowscope.client.base import FINISHED, to_datetime
from flowscope.metastore.records import SUCCEEDED


class _StatusRecord(Protocol):
    @property
    def status(self) -> str: ...

    @property
    def finished_at(self) -> float | None: ...


StatusRecord = TypeVar("StatusRecord", bound=_StatusRecord)


class StatusMixin(Generic[StatusRecord]):
    """`status`, `finished`, `successful` and `finished_at` of an object backed by a status
    record (a run, a task attempt). A finished record is kept; an unfinished one is asked for
    again on every read, unless it was fetched a moment ago by the same access."""

    __slots__ = ()
    _record: StatusRecord | None
    _fresh: bool

    def _fetch(self) -> StatusRecord:
        raise NotImplementedError

    def _current(self) -> StatusRecord:
        record = self._record
        if record is None or (record.status not in FINISHED and not self._fresh):
            record = self._fetch()
        self._fresh = False  # type: ignore[misc]  # the slot is declared by the subclass
        return record

    @property
    def status(self) -> str:
        """`pending` (tasks only), `running`, `succeeded`, `failed`, or `lost` (its process
        stopped heart-beating)."""
        return self._current().status

    @property
    def finished(self) -> bool:
        """True when it has ended, whether or not it succeeded."""
        return self._current().status in FINISHED

    @property
    def successful(self) -> bool:
        """True when it ended well: a run whose end step succeeded, a task attempt that
        succeeded (a failure handled by a catch decorator is not a success)."""
        return self._current().status == SUCCEEDED

    @property
    def finished_at(self) -> datetime | None:
        """When it ended (UTC), None while it has not."""
        record = self._current()
        return to_datetime(record.finished_at) if record.status in FINISHED else None
