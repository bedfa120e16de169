"""`FlowSpec`: the base class of flows, and the hooks the runtime drives it with.

Authoring API: `self.x = value` records an artifact; reading `self.x` finds it in this step's
values, else loads it (once) from the parent task's artifacts; `self.next(...)`,
`self.merge_artifacts(inputs)`, `self.input`, `self.index`, `self.foreach_stack()`, `self.name`.

Runtime hooks, called in this order for each task:

1. `_fs_bind(step_name, source, input=..., index=..., foreach_stack=..., parameters=...)`
2. the step method (for a join: `step(Inputs([...]))`, each input bound to a parent's source)
3. `_fs_transition()` -> Transition | None
4. `_fs_outputs()` -> (values to serialize, name -> sha passed through without loading)

Give `parameters` (the run's values, by parameter name) to every bind: they are read-only
artifacts, re-serialized only where the parent task does not already hold them.

FlowSpec keeps a task's state and the authoring API over it; the rules live beside it:
which names may be artifacts (attributes.py), what a self.next call builds (transitions.py),
foreach checks and items (foreach.py), a step's source parsed once per class (static.py;
`warm_static` is re-exported here for the runner).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final

from flowscope.errors import FlowDefinitionError, ParameterError
from flowscope.flow.attributes import (
    check_artifact_name,
    deleted_artifact,
    internal_name,
    missing_artifact,
    read_only_input,
)
from flowscope.flow.contract import NO_INPUT, ArtifactSource, ForeachFrame, Transition
from flowscope.flow.foreach import frame_item
from flowscope.flow.inputs import Inputs
from flowscope.flow.merge import Adopted, MergeInput, plan_merge
from flowscope.flow.names import INTERNAL_PREFIX
from flowscope.flow.parameters import Parameter, flow_parameters
from flowscope.flow.source import NextCall, Signature
from flowscope.flow.static import static_of, warm_static as warm_static
from flowscope.flow.transitions import next_transition

__all__ = ["ArtifactSource", "FlowSpec", "ForeachFrame", "Inputs", "Transition"]

_EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})
_MISSING: Final = object()
_set: Final = object.__setattr__  # flowscope's own state; `self.x = ...` is for artifacts


class FlowSpec:
    """The base class of a flow: subclass it, add @step methods from `start` to `end`.

    Instantiating the flow in its file (`MyFlow()`) hands control to the command line.
    """

    _fs_step: str | None
    _fs_source: ArtifactSource | None
    _fs_source_names: frozenset[str] | None
    _fs_input: Any
    _fs_index: int | None
    _fs_stack: tuple[ForeachFrame, ...]
    _fs_params: dict[str, Any]
    _fs_param_cache: dict[str, Any]
    _fs_values: dict[str, Any]
    _fs_loaded: set[str]
    _fs_deleted: set[str]
    _fs_merged: dict[str, Adopted]
    _fs_next: Transition | None
    _fs_read_only: bool

    def __init__(self, use_cli: bool = True) -> None:
        _set(self, "_fs_read_only", False)
        self._fs_reset(None, None, NO_INPUT, None, (), _EMPTY)
        if use_cli:
            cli = importlib.import_module("flowscope.cli.flow_main")
            cli.main(type(self))

    # -- runtime hooks --------------------------------------------------------------------

    def _fs_bind(
        self,
        step_name: str,
        source: ArtifactSource | None,
        *,
        input: Any = NO_INPUT,
        index: int | None = None,
        foreach_stack: tuple[ForeachFrame, ...] = (),
        parameters: Mapping[str, Any] = _EMPTY,
    ) -> None:
        """Prepare this instance to run (or be an input of) one task of `step_name`.

        `source` holds the parent task's artifacts (None for start, and for a join itself).
        `index` defaults to the innermost foreach frame's index. All earlier state is dropped.
        """
        known = {p.name for p in flow_parameters(type(self)).values()}
        unknown = sorted(set(parameters) - known)
        if unknown:
            raise TypeError(f"_fs_bind: {type(self).__name__} has no parameters {unknown}")
        stack = tuple(foreach_stack)
        if index is None and stack:
            index = stack[-1].index
        self._fs_reset(step_name, source, input, index, stack, parameters)

    def _fs_transition(self) -> Transition | None:
        """What the step asked for with self.next(...), or None if it did not call it."""
        return self._fs_next

    def _fs_outputs(self) -> tuple[dict[str, Any], dict[str, str]]:
        """(values to serialize, name -> sha of artifacts passed through unloaded).

        Values are the artifacts set in this step plus those loaded from the source (they may
        have been mutated). Parameters, merged artifacts and untouched inherited artifacts are
        passed through by hash whenever a source holds them.
        """
        values = dict(self._fs_values)
        passthrough: dict[str, str] = {}
        source = self._fs_source
        names = self._fs_names()
        for name, value in self._fs_params.items():
            if source is not None and name in names:
                passthrough[name] = source.sha(name)
            else:
                values[name] = value
        for name, adopted in self._fs_merged.items():
            if name not in values and name not in passthrough and name not in self._fs_deleted:
                passthrough[name] = adopted.sha
        if source is not None:
            for name in names:
                if name not in values and name not in passthrough and name not in self._fs_deleted:
                    passthrough[name] = source.sha(name)
        return values, passthrough

    # -- authoring API --------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The flow's name: its class name."""
        return type(self).__name__

    @property
    def input(self) -> Any:
        """The foreach item this task runs for: in the first step of a foreach body and in
        every step after it up to the join (read from the foreach's artifact there, None when
        that artifact is no longer set, as in the family)."""
        if self._fs_input is NO_INPUT:
            if not self._fs_stack:
                raise FlowDefinitionError(
                    f"self.input is only set in steps that run once per foreach item; step "
                    f"'{self._fs_step}' is not one. A step runs per item when the step before "
                    f"it calls self.next(self.<step>, foreach='<artifact>')."
                )
            _set(self, "_fs_input", self._fs_frame_value(self._fs_stack[-1], False))
        return self._fs_input

    @property
    def index(self) -> int | None:
        """The index of this task's foreach item (innermost foreach), or None outside one."""
        return self._fs_index

    def foreach_stack(self) -> list[tuple[int, int, Any]]:
        """The foreach levels enclosing this task, outermost first, as the family gives them:
        `(index, num_splits, value)`, the value being this branch's item of the artifact the
        foreach fanned out over (None when that artifact is no longer set here)."""
        last = len(self._fs_stack) - 1
        return [
            (f.index, f.num_splits, self._fs_frame_value(f, i == last))
            for i, f in enumerate(self._fs_stack)
        ]

    def _fs_frame_value(self, frame: ForeachFrame, innermost: bool) -> Any:
        if innermost and self._fs_input is not NO_INPUT:
            return self._fs_input
        values = self._fs_values
        items = values[frame.var] if frame.var in values else self._fs_load(frame.var)
        return None if items is _MISSING else frame_item(items, frame.index)

    def next(
        self,
        *steps: Any,
        foreach: str | None = None,
        condition: str | None = None,
        num_parallel: int | None = None,
    ) -> None:
        """Name the step(s) that run after this one: self.next(self.a), self.next(self.a,
        self.b), self.next(self.a, foreach='items') to run `a` once per item,
        self.next({'x': self.a, 'y': self.b}, condition='var') to run only the step whose key
        is the value of self.var, or self.next(self.a, num_parallel=4) to run the @parallel
        step `a` as a gang of 4 tasks."""
        step = self._fs_running("self.next(...)")
        if self._fs_next is not None:
            raise FlowDefinitionError(
                f"step '{step}' called self.next(...) twice; call it exactly once, as the "
                f"last statement of the step."
            )
        transition = next_transition(
            self, step, steps, foreach=foreach, condition=condition, num_parallel=num_parallel
        )
        _set(self, "_fs_next", transition)

    def merge_artifacts(
        self,
        inputs: Inputs,
        include: Iterable[str] | None = None,
        exclude: Iterable[str] | None = None,
    ) -> None:
        """In a join, adopt every artifact the inputs agree on (compared by content hash).

        Artifacts already set in this join are left alone. An artifact with different values
        in different inputs raises MergeConflict: set it explicitly first, or exclude it.
        `include` limits the merge to some names (each must exist in an input); `exclude`
        skips some.
        """
        step = self._fs_running("merge_artifacts(...)")
        if not self._fs_static(step)[1].takes_inputs:
            raise FlowDefinitionError(
                f"merge_artifacts can only be called in a join step (one that takes inputs); "
                f"step '{step}' is not a join."
            )
        if not isinstance(inputs, Inputs):
            raise FlowDefinitionError(
                f"merge_artifacts in step '{step}' takes the join's inputs: "
                f"self.merge_artifacts(inputs); got {type(inputs).__name__}."
            )
        skip = set(self._fs_values) | set(self._fs_params) | self._fs_deleted
        merge_inputs = [MergeInput(f._fs_label(), f._fs_source) for f in inputs]
        adopted = plan_merge(merge_inputs, step=step, skip=skip, include=include, exclude=exclude)
        self._fs_merged.update(adopted)

    # -- attribute access -----------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith(INTERNAL_PREFIX):
            raise FlowDefinitionError(internal_name(name))
        self._fs_check_writable(name)
        self._fs_values[name] = value
        self._fs_loaded.discard(name)
        self._fs_deleted.discard(name)

    def __getattr__(self, name: str) -> Any:
        # Called only when normal lookup fails: artifacts live in _fs_values, not __dict__.
        if name.startswith(("__", INTERNAL_PREFIX)):
            raise AttributeError(name)
        values = self.__dict__.get("_fs_values")
        if values is None:
            raise AttributeError(name)
        if name in values:
            return values[name]
        value = self._fs_load(name)
        if value is _MISSING:
            raise AttributeError(self._fs_missing(name))
        values[name] = value
        self._fs_loaded.add(name)
        return value

    def __delattr__(self, name: str) -> None:
        if name.startswith(INTERNAL_PREFIX):
            raise FlowDefinitionError(internal_name(name))
        self._fs_check_writable(name)
        if name in self._fs_values:
            del self._fs_values[name]
            self._fs_loaded.discard(name)
        elif name in self._fs_deleted or (
            name not in self._fs_names() and name not in self._fs_merged
        ):
            raise AttributeError(self._fs_missing(name))
        self._fs_deleted.add(name)

    def __dir__(self) -> Iterable[str]:
        return sorted({*super().__dir__(), *self._fs_known()})

    def __repr__(self) -> str:
        where = f" {self._fs_label()}" if self._fs_step else ""
        return f"<{self.name}{where}>"

    # -- internals ------------------------------------------------------------------------

    def _fs_reset(
        self,
        step: str | None,
        source: ArtifactSource | None,
        input: Any,
        index: int | None,
        stack: tuple[ForeachFrame, ...],
        parameters: Mapping[str, Any],
    ) -> None:
        _set(self, "_fs_step", step)
        _set(self, "_fs_source", source)
        _set(self, "_fs_source_names", None)
        _set(self, "_fs_input", input)
        _set(self, "_fs_index", index)
        _set(self, "_fs_stack", stack)
        _set(self, "_fs_params", dict(parameters))
        _set(self, "_fs_param_cache", {})
        _set(self, "_fs_values", {})
        _set(self, "_fs_loaded", set())
        _set(self, "_fs_deleted", set())
        _set(self, "_fs_merged", {})
        _set(self, "_fs_next", None)

    def _fs_static(self, step: str) -> tuple[NextCall | None, Signature]:
        """The step's self.next call and signature as written in its source (parsed once).

        Only the step's own function is parsed: cheap enough for every task."""
        return static_of(type(self), step)  # type: ignore[arg-type]  # classes hash

    def _fs_names(self) -> frozenset[str]:
        """The names of the bound source's artifacts (asked once per bind)."""
        names = self._fs_source_names
        if names is None:
            source = self._fs_source
            names = frozenset(source.names()) if source is not None else frozenset()
            _set(self, "_fs_source_names", names)
        return names

    def _fs_label(self) -> str:
        """How messages name this task: 'a', or 'train[3]' for a foreach item."""
        step = self._fs_step or "?"
        return step if self._fs_index is None else f"{step}[{self._fs_index}]"

    def _fs_known(self) -> set[str]:
        return {*self._fs_values, *self._fs_names(), *self._fs_merged} - self._fs_deleted

    def _fs_load(self, name: str) -> Any:
        """Load an inherited or merged artifact, or return _MISSING."""
        if name in self._fs_deleted:
            return _MISSING
        adopted = self._fs_merged.get(name)
        if adopted is not None:
            return adopted.source.load(name)
        if self._fs_source is not None and name in self._fs_names():
            return self._fs_source.load(name)
        return _MISSING

    def _fs_missing(self, name: str) -> str:
        where = f"step '{self._fs_step}' of {self.name}" if self._fs_step else self.name
        if name in self._fs_deleted:
            return deleted_artifact(where, name)
        return missing_artifact(where, name, self._fs_known() | set(self._fs_params))

    def _fs_parameter_value(self, param: Parameter) -> Any:
        """The value of a parameter (read through the Parameter descriptor)."""
        name = param.name
        if name in self._fs_params:
            return self._fs_params[name]
        if name not in self._fs_param_cache:
            value = self._fs_load(name)
            if value is _MISSING:
                if self._fs_step is None:
                    return param.default
                raise ParameterError(
                    f"Parameter '{name}' has no value in step '{self._fs_step}': the runtime "
                    f"passes parameter values to every task (FlowSpec._fs_bind(parameters=...))."
                )
            self._fs_param_cache[name] = value
        return self._fs_param_cache[name]

    def _fs_running(self, what: str) -> str:
        if self._fs_read_only:
            raise FlowDefinitionError(
                f"{what} was called on an input of a join ({self._fs_label()}); call it on "
                f"self in the join step."
            )
        if self._fs_step is None:
            raise FlowDefinitionError(f"{what} can only be called inside a running step.")
        return self._fs_step

    def _fs_check_writable(self, name: str) -> None:
        """Raise FlowDefinitionError unless `name` can be set (or deleted) as an artifact."""
        if self._fs_read_only:
            raise FlowDefinitionError(read_only_input(self._fs_label(), name))
        check_artifact_name(type(self), self.name, name)
