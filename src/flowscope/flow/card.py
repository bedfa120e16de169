"""`@card(type=, id=, options=, timeout=)`: a visual report of each task of a step.

    @card                                  # the default card: the task's summary
    @card(type="blank", id="report")       # a second card, filled from the step
    @step
    def train(self):
        current.card["report"].append(Markdown("# Loss"))

A step may carry several cards (each its own `@card`, ids unique within the step). Each
application is checked when the class is defined (a wrong type, id, options or timeout is a
FlowDefinitionError naming the step). The runtime reads `step_cards(flow_cls, step)`: the
`CardSpec`s in decorator order (top first), a timeout of None meaning the configured default.
Pure; flowscope.cards is imported only when a @card is applied.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, overload

from flowscope.errors import FlowDefinitionError
from flowscope.flow.decorators import StepDecorator, _apply, is_step, step_decorators
from flowscope.flow.deferred import is_deferred

if TYPE_CHECKING:
    from flowscope.cards.types import CardSpec

F = TypeVar("F", bound=Callable[..., Any])


class CardDecorator(StepDecorator):
    """One card of each task of the step (several may be stacked)."""

    name = "card"

    def __init__(
        self,
        type: str = "default",
        id: str | None = None,
        options: Mapping[str, Any] | None = None,
        timeout: float | None = None,
    ) -> None:
        super().__init__()
        self.type = type
        self.id = id
        self.options = {} if options is None else options
        self.timeout = timeout

    def attributes(self) -> dict[str, Any]:
        return {"type": self.type, "id": self.id, "options": self.options, "timeout": self.timeout}

    def spec(self, default_timeout: float | None = None) -> CardSpec:
        """The card as flowscope.cards renders it; `default_timeout` when none was given."""
        from flowscope.cards.types import DEFAULT_TIMEOUT, CardSpec

        timeout = self.timeout if self.timeout is not None else default_timeout
        options = dict(self.options) if isinstance(self.options, Mapping) else self.options
        return CardSpec(
            self.type, self.id, options, DEFAULT_TIMEOUT if timeout is None else timeout
        )

    def _validate(self) -> None:
        from flowscope.errors import CardError

        try:
            self.spec()
        except CardError as exc:
            raise FlowDefinitionError(f"@card on step '{self.step_name}': {exc}") from None

    def attach(self, func: F) -> F:
        """Like every step decorator, but a step may have several cards (distinct ids)."""
        fname = getattr(func, "__name__", repr(func))
        if not is_step(func):
            raise FlowDefinitionError(
                f"@card is applied to '{fname}', which is not a step yet. Step decorators go "
                f"above @step:\n    @card\n    @step\n    def {fname}(self): ..."
            )
        self.step_name = fname
        if not is_deferred(vars(self)):
            self._validate()
        others = [d for d in step_decorators(func) if isinstance(d, CardDecorator)]
        if self.id is not None and any(d.id == self.id for d in others):
            raise FlowDefinitionError(
                f"two @card decorators on step '{fname}' have the id {self.id!r}; give each "
                f"card its own id."
            )
        step_decorators(func).append(self)
        return func


@overload
def card(func: F, /) -> F: ...
@overload
def card(
    *,
    type: str = "default",
    id: str | None = None,
    options: Mapping[str, Any] | None = None,
    timeout: float | None = None,
) -> Callable[[F], F]: ...
def card(
    func: Any = None,
    /,
    *,
    type: str = "default",
    id: str | None = None,
    options: Mapping[str, Any] | None = None,
    timeout: float | None = None,
) -> Any:
    """Render a card of each task of the step: type "default" (the task's summary) or "blank",
    an optional `id` (for `current.card["id"]`), the type's `options`, and a render
    `timeout` in seconds (default: FLOWSCOPE_CARD_TIMEOUT)."""
    return _apply(CardDecorator(type, id, options, timeout), func)


def step_cards(
    flow_cls: type[Any], step: str, default_timeout: float | None = None
) -> list[CardSpec]:
    """The cards of `step`, top decorator first (as written in the source)."""
    found = [d for d in step_decorators(getattr(flow_cls, step)) if isinstance(d, CardDecorator)]
    return [d.spec(default_timeout) for d in reversed(found)]
