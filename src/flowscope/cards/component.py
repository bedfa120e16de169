"""What every card component is: an object that renders itself to an HTML fragment.

    class Component(MetaflowCardComponent):
        def render(self) -> str: ...          # an HTML fragment; every user string escaped
        def update(self, ...) -> None: ...     # new content, shown at the next refresh

`render_fragment(component, problems)` is how a card renders one: a component that raises
becomes an error box in its place (the rest of the card still shows) and the reason is added
to `problems`, which the runtime writes to the task's log. A card never fails its task.
"""

from __future__ import annotations

import traceback
import warnings
from typing import Any, ClassVar

from flowscope.cards.escape import clip, text

TRACEBACK_LIMIT = 20_000  # characters of a traceback shown in a card


class MetaflowCardComponent:
    """The base of every card component (the family's name for it).

    Subclasses implement `render()`; those whose content can change while a task runs set
    `REALTIME_UPDATABLE = True` and implement `update()`. `component_id` names a component
    within its card (`current.card.append(c, id="loss")`, then `current.card.components["loss"]`).
    """

    REALTIME_UPDATABLE: ClassVar[bool] = False
    _component_id: str | None = None

    @property
    def component_id(self) -> str | None:
        """The id this component was appended under, or None."""
        return self._component_id

    @component_id.setter
    def component_id(self, value: str | None) -> None:
        self._component_id = value

    def render(self) -> str:
        """This component as an HTML fragment."""
        raise NotImplementedError(f"{type(self).__name__} does not implement render()")

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Replace this component's content. Components that cannot change warn and keep it."""
        warnings.warn(
            f"{type(self).__name__} cannot be updated; replace it, or update the components "
            "inside it",
            UserWarning,
            stacklevel=2,
        )


def error_fragment(title: str, detail: str = "") -> str:
    """An error box: a title and an optional preformatted detail (both escaped)."""
    body = (
        f'<pre class="fs-error-detail">{text(clip(detail, TRACEBACK_LIMIT))}</pre>'
        if detail
        else ""
    )
    return (
        f'<div class="fs-component fs-error" role="alert">'
        f'<p class="fs-error-title">{text(title)}</p>{body}</div>'
    )


def describe_exception(exc: BaseException) -> str:
    """The traceback of `exc` as text, for an error box."""
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def render_fragment(component: object, problems: list[str]) -> str:
    """`component.render()`, or an error box in its place when it raises or is no component."""
    if not isinstance(component, MetaflowCardComponent):
        message = f"not a card component: {type(component).__name__} (append a component)"
        problems.append(message)
        return error_fragment(message)
    try:
        fragment = component.render()
        if not isinstance(fragment, str):
            raise TypeError(f"render() returned {type(fragment).__name__}, not str")
        return fragment
    except Exception as exc:  # a component's failure is shown in the card, never raised
        name = type(component).__name__
        problems.append(f"{name} could not be rendered: {type(exc).__name__}: {exc}")
        return error_fragment(f"{name} could not be rendered", describe_exception(exc))


def id_attribute(component: MetaflowCardComponent) -> str:
    """` data-component-id="..."` for a component with an id, else the empty string."""
    cid = component.component_id
    return f' data-component-id="{text(cid)}"' if cid is not None else ""
