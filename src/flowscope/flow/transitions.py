"""What `self.next(...)` asks for: the `Transition` one call builds, checked against the call
as the step's source writes it (static.py).

Four kinds of call: to one or more steps, with foreach= (one step per item), with
num_parallel= (a gang of one @parallel step), and a switch (a dict of cases with condition=,
built by switch.py). A call that differs from the one in the source is refused: the graph is
read from the source, so a step may not go somewhere else at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MethodType
from typing import TYPE_CHECKING, Any

from flowscope.errors import FlowDefinitionError
from flowscope.flow.contract import Transition
from flowscope.flow.decorators import is_step
from flowscope.flow.foreach import check_foreach
from flowscope.flow.gang import check_num_parallel
from flowscope.flow.switch import switch_transition

if TYPE_CHECKING:
    from flowscope.flow.spec import FlowSpec


def next_transition(
    flow: FlowSpec,
    step: str,
    steps: tuple[Any, ...],
    *,
    foreach: str | None,
    condition: str | None,
    num_parallel: int | None,
) -> Transition:
    """The Transition of `self.next(*steps, foreach=, condition=, num_parallel=)` called by
    the running `step` of `flow`, or FlowDefinitionError naming what is wrong."""
    # a bound method (the usual argument) is never a mapping: skip the ABC check for it, which
    # costs a subclass walk in every forked task (the runner never warms its negative cache)
    if condition is not None or any(
        type(s) is not MethodType and isinstance(s, Mapping) for s in steps
    ):
        return switch_transition(
            step,
            steps,
            foreach=foreach,
            condition=condition,
            target_name=lambda target: target_name(flow, step, target),
            read=lambda name: getattr(flow, name),
            known=lambda: flow._fs_known() | set(flow._fs_params),
            written=flow._fs_static(step)[0],
        )
    targets = tuple(target_name(flow, step, s) for s in steps)
    if not targets:
        raise FlowDefinitionError(
            f"step '{step}' called self.next() without a step; name one: self.next(self.<step>)."
        )
    if num_parallel is not None:
        return _parallel(flow, step, targets, foreach, num_parallel)
    if foreach is not None:
        check_foreach(step, targets, foreach, flow._fs_known())
    call, _ = flow._fs_static(step)
    written = (call.targets, call.foreach) if call else ((), None)
    if (targets, foreach) != written:
        where = f"line {call.line}" if call else "no self.next call"
        raise FlowDefinitionError(
            f"step '{step}' called {show_next(targets, foreach)}, but its source ({where}) "
            f"reads {show_next(*written)}; write the self.next(...) call with its steps "
            f"spelled out."
        )
    return Transition(targets, foreach)


def target_name(flow: FlowSpec, step: str, target: Any) -> str:
    """The name of the step `target` (`self.<step>` of this very flow instance)."""
    if isinstance(target, str):
        raise FlowDefinitionError(
            f"step '{step}' called self.next({target!r}); pass the step itself: "
            f"self.next(self.{target})."
        )
    func = getattr(target, "__func__", None)
    if func is None or getattr(target, "__self__", None) is not flow or not is_step(func):
        raise FlowDefinitionError(
            f"step '{step}' called self.next({target!r}); self.next takes steps of this "
            f"flow, like self.end."
        )
    return str(func.__name__)


def _parallel(
    flow: FlowSpec, step: str, targets: tuple[str, ...], foreach: object, num_parallel: object
) -> Transition:
    if foreach is not None:
        raise FlowDefinitionError(
            f"step '{step}': num_parallel= cannot go with foreach=; choose one of them."
        )
    count = check_num_parallel(step, targets, num_parallel)
    call, _ = flow._fs_static(step)
    if call is None or not call.num_parallel or call.targets != targets:
        where = f"line {call.line}" if call else "no self.next call"
        raise FlowDefinitionError(
            f"step '{step}' called self.next(self.{targets[0]}, num_parallel={count}), but "
            f"its source ({where}) does not; write the self.next(...) call with its step "
            f"and num_parallel= spelled out."
        )
    return Transition(targets, None, num_parallel=count)


def show_next(targets: tuple[str, ...], foreach: str | None) -> str:
    """A self.next call as source text: `self.next(self.a, foreach='xs')`."""
    args = [f"self.{t}" for t in targets]
    if foreach is not None:
        args.append(f"foreach={foreach!r}")
    return f"self.next({', '.join(args)})"
