"""Run: one execution of a flow. Its children are the run's steps, newest first."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from flowscope.client.base import (
    FINISHED,
    Container,
    check_namespace,
    did_you_mean,
    not_found,
    visible,
)
from flowscope.client.code import Code
from flowscope.client.display import run_html
from flowscope.client.status import StatusMixin
from flowscope.client.step import Step
from flowscope.client.task import Task
from flowscope.errors import TagError
from flowscope.tags import validate_tag, validate_tags

if TYPE_CHECKING:
    from flowscope.client.data import TaskData
    from flowscope.client.diff import RunDiff

    # the parent's type only (in the base class, a string ruff cannot see); flow.py imports run.py
    from flowscope.client.flow import Flow  # noqa: F401
    from flowscope.metastore.provider import MetadataProvider
    from flowscope.metastore.records import RunRecord, StepRecord

END_STEP = "end"


class Run(StatusMixin["RunRecord"], Container["Flow", Step]):
    """A run, by pathspec: `Run('HelloFlow/2')`. Iterating yields its steps, newest first
    (internal steps, named `_...`, are reachable with `run['_name']` only)."""

    __slots__ = ("_fresh", "_record", "_steps")

    _kind = "Run"
    _level = "run"
    _parent_kind = "Flow"
    _child_level = "step"

    _record: RunRecord | None
    _fresh: bool
    _steps: list[StepRecord] | None

    def __init__(self, pathspec: str) -> None:
        self._bind(pathspec)
        self._resolve()

    def _clear(self) -> None:
        self._record = None
        self._fresh = False
        self._steps = None

    @classmethod
    def _from_record(
        cls, provider: MetadataProvider, namespace: str | None, record: RunRecord
    ) -> Run:
        run = object.__new__(cls)
        run._provider = provider
        run._namespace = namespace
        run._components = (record.flow_name, str(record.run_id))
        run._attempt = None
        run._record = record
        run._fresh = True
        run._steps = None
        return run

    def _fetch(self) -> RunRecord:
        flow, run_id = self._components
        record = self._provider.get_run(flow, int(run_id))
        if record is None:
            hint = ""
            if self._provider.get_flow(flow) is None:
                names = [f.flow_name for f in self._provider.list_flows()]
                hint = f"there is no flow named {flow!r}"
                suggestion = did_you_mean(flow, names)
                hint += f"; {suggestion}" if suggestion else ""
            raise not_found(self._name, hint)
        self._record, self._fresh = record, True
        return record

    def _resolve(self) -> None:
        check_namespace(self._name, self._fetch(), self._namespace)

    def _run_record(self) -> RunRecord:
        return self._record if self._record is not None else self._fetch()

    # ---- common properties (ClientObject: created_at, parent, tags, ...) ----------------
    def _own_record(self) -> RunRecord:
        return self._run_record()  # created_at: when the run started

    def _origin(self) -> str | None:
        """`Flow/run_id` of the run this one resumed, None if it is not a resume."""
        origin = self._run_record().origin_run_id
        return None if origin is None else f"{self._components[0]}/{origin}"

    def _repr_html_(self) -> str:
        return run_html(self)

    # ---- status (StatusMixin: status, finished, successful, finished_at) --------------
    @property
    def user(self) -> str:
        """The user the run was recorded under."""
        return self._run_record().user

    @property
    def parameters(self) -> dict[str, Any]:
        """The run's parameter values, by name (from the metadata store)."""
        flow, run_id = self._components
        return self._provider.get_parameters(flow, int(run_id))

    @property
    def command_line(self) -> str | None:
        """The command that started the run, as it could be typed again (for example
        `python flow.py run --alpha 0.5`); None for a run started through the API."""
        return self._run_record().command_line

    @property
    def trigger(self) -> None:
        """The events that started the run, in the family's deployed flows; None here, as
        for the family's local runs: flowscope starts no run from an event."""
        return None

    @property
    def code(self) -> Code | None:
        """The code package saved with the run, None if none was saved."""
        key = self._run_record().code_key
        return (
            None
            if key is None
            else Code._make(self._provider, key, self.pathspec, self._run_record())
        )

    @property
    def end_task(self) -> Task | None:
        """The task of the end step, None while the run has not reached it."""
        flow, run_id = self._components
        records = self._provider.list_tasks(flow, int(run_id), END_STEP)
        if not records:
            return None
        return Task._from_record(self._provider, self._namespace, records[0], self._record)

    @property
    def data(self) -> TaskData | None:
        """The end task's data: the quickest way to the values a flow ended with. None while
        the run has not reached its end step."""
        task = self.end_task
        return None if task is None else task.data

    def diff(self, other: Run, all_values: bool = False) -> RunDiff:
        """What changed from this run to `other` (a run of the same flow): parameters,
        artifacts by content hash (with small scalar values), tasks by foreach index, step
        durations, the code package by file and the environment. `print(diff)` and the
        notebook display show the differences only; `diff.view()` shows everything.
        Scalar values are read for the artifacts that differ; `all_values=True` reads those
        of unchanged artifacts too (one blob per distinct value), for a full view."""
        from flowscope.client.diff_io import diff_runs  # on demand: difflib and friends

        return diff_runs(self, other, all_values)

    # ---- steps -------------------------------------------------------------------------
    def _step_records(self) -> list[StepRecord]:
        if self._steps is not None:
            return self._steps
        flow, run_id = self._components
        steps = self._provider.list_steps(flow, int(run_id))
        if self._record is not None and self._record.status in FINISHED:
            self._steps = steps
        return steps

    def _children(self) -> Iterator[Step]:
        provider, ns, record = self._provider, self._namespace, self._run_record()
        for step in reversed(self._step_records()):
            if visible(step.step_name):
                yield Step._from_record(provider, ns, step, record)

    def _child(self, key: str) -> Step:
        steps = self._step_records()
        for step in steps:
            if step.step_name == key:
                return Step._from_record(self._provider, self._namespace, step, self._record)
        name = f"Step('{self.pathspec}/{key}')"
        raise not_found(
            name, did_you_mean(key, [s.step_name for s in steps if visible(s.step_name)])
        )

    def steps(self, *tags: str) -> Iterator[Step]:
        """The run's steps, newest first, if the run carries all of `tags` (else none)."""
        wanted = {validate_tag(t) for t in tags}
        if wanted - self.tags:
            return iter(())
        return self._children()

    # ---- tags --------------------------------------------------------------------------
    def add_tag(self, tag: str) -> None:
        """Add a user tag."""
        self._update_tags(add=(validate_tag(tag),))

    def add_tags(self, tags: Iterable[str]) -> None:
        """Add user tags, all at once."""
        self._update_tags(add=validate_tags(tags))

    def remove_tag(self, tag: str) -> None:
        """Remove a user tag (system tags cannot be removed: TagError, nothing changed)."""
        self._update_tags(remove=(validate_tag(tag),))

    def remove_tags(self, tags: Iterable[str]) -> None:
        """Remove user tags, all at once (none is removed if any is a system tag)."""
        self._update_tags(remove=validate_tags(tags))

    def replace_tag(self, tag_to_remove: str, tag_to_add: str) -> None:
        """Remove one user tag and add another, atomically."""
        self._update_tags(add=(validate_tag(tag_to_add),), remove=(validate_tag(tag_to_remove),))

    def replace_tags(self, tags_to_remove: Iterable[str], tags_to_add: Iterable[str]) -> None:
        """Remove some user tags and add others, atomically."""
        self._update_tags(add=validate_tags(tags_to_add), remove=validate_tags(tags_to_remove))

    def _update_tags(self, add: tuple[str, ...] = (), remove: tuple[str, ...] = ()) -> None:
        system = set(self._fetch().system_tags)
        forbidden = sorted(t for t in remove if t in system)
        if forbidden:
            raise TagError(
                f"Cannot remove the system tag(s) {', '.join(map(repr, forbidden))} from "
                f"{self._name}: system tags are set by flowscope and are permanent. Nothing "
                f"was changed."
            )
        flow, run_id = self._components
        self._record = self._provider.update_tags(flow, int(run_id), add=add, remove=remove)
        self._fresh = True
