"""Card types, card specs (what one `@card(...)` asks for) and rendering a card, which
never raises.

    spec = CardSpec(type="default", id="report", options={}, timeout=45)   # checked here
    rendered = render_card(spec, components, summary)
    rendered.html      # the whole document; rendered.problems says what went wrong, if anything

Built-in types:
- "default": the task's summary (see default_card.py) with the step's own components;
- "blank": only the step's components (a title from `options["title"]` if given);
- "error": what a card shows when it cannot be rendered at all (not for `@card`'s use).
A component that fails is shown as an error box within its card; a card that fails as a
whole becomes an "error" card with the reason. Either way `problems` lists why, for the
task's log.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from flowscope.cards.component import describe_exception, error_fragment, render_fragment
from flowscope.cards.default_card import render_default_body
from flowscope.cards.document import render_document
from flowscope.cards.escape import text
from flowscope.cards.summary import TaskSummary
from flowscope.errors import CardError

USER_TYPES: Final = ("default", "blank")  # the types `@card(type=...)` accepts
ERROR_TYPE: Final = "error"
DEFAULT_TIMEOUT: Final = 45  # seconds, as in the family
MAX_CARD_CHARS: Final = 64 * 1024 * 1024  # a bigger card becomes an error card (caller may lower)
_ID: Final = re.compile(r"[A-Za-z0-9_]{1,100}")


@dataclass(frozen=True)
class CardSpec:
    """One `@card`: its type, optional id, options (the type's own settings) and timeout."""

    type: str = "default"
    id: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    timeout: float = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        if self.type not in USER_TYPES:
            close = difflib.get_close_matches(str(self.type), USER_TYPES, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise CardError(
                f"unknown card type {self.type!r}: use one of {', '.join(USER_TYPES)}{hint}"
            )
        if self.id is not None and (not isinstance(self.id, str) or not _ID.fullmatch(self.id)):
            raise CardError(f"card id {self.id!r} must be 1-100 letters, digits or underscores")
        if not isinstance(self.options, Mapping):
            raise CardError(f"card options must be a dict, not {type(self.options).__name__}")
        timeout = self.timeout
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, (int, float))
            or not (math.isfinite(timeout) and timeout > 0)
        ):
            raise CardError(f"card timeout must be a positive number of seconds, not {timeout!r}")


@dataclass(frozen=True)
class RenderedCard:
    """A rendered card: its document, type and id, and what went wrong while rendering."""

    html: str
    type: str
    id: str | None
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when every component rendered."""
        return not self.problems


def _title(spec: CardSpec, summary: TaskSummary | None) -> str:
    custom = spec.options.get("title")
    if isinstance(custom, str) and custom:
        return custom
    return summary.pathspec if summary is not None else f"{spec.type} card"


def render_card(
    spec: CardSpec,
    components: Iterable[object] = (),
    summary: TaskSummary | None = None,
    *,
    refresh_seconds: float | None = None,
    max_chars: int = MAX_CARD_CHARS,
) -> RenderedCard:
    """The card `spec` asks for, with `components` (in order) and, for "default", `summary`.

    Never raises: whatever fails is shown in the card and listed in `problems`. A card
    longer than `max_chars` is replaced by an error card saying so.
    """
    problems: list[str] = []
    try:
        fragments = "".join(render_fragment(c, problems) for c in components)
        if spec.type == "default":
            if summary is None:
                raise CardError("the default card needs the task's summary")
            body = render_default_body(summary, fragments)
        else:
            custom = spec.options.get("title")
            heading = f'<header class="fs-card-header"><h1>{text(custom)}</h1></header>'
            body = (heading if isinstance(custom, str) and custom else "") + fragments
        html = render_document(
            body,
            title=_title(spec, summary),
            card_type=spec.type,
            card_id=spec.id,
            refresh_seconds=refresh_seconds,
        )
        if len(html) > max_chars:
            raise CardError(
                f"the card is {len(html):,} characters, over the limit of {max_chars:,}: show "
                "less (fewer rows, smaller images, Table.from_dataframe with truncate=True)"
            )
        return RenderedCard(html, spec.type, spec.id, tuple(problems))
    except Exception as exc:  # the card shows why; it never fails the task
        reason = f"the {spec.type} card could not be rendered: {type(exc).__name__}: {exc}"
        return error_card(reason, describe_exception(exc), spec, summary, [*problems, reason])


def error_card(
    reason: str,
    detail: str,
    spec: CardSpec,
    summary: TaskSummary | None = None,
    problems: list[str] | None = None,
) -> RenderedCard:
    """An "error" card in place of the card `spec` asked for, showing `reason` and `detail`."""
    where = f"<p>{text(summary.pathspec)}</p>" if summary is not None else ""
    body = f'<header class="fs-card-header"><h1>Card error</h1>{where}</header>' + error_fragment(
        reason, detail
    )
    html = render_document(
        body, title=f"card error: {reason[:80]}", card_type=ERROR_TYPE, card_id=spec.id
    )
    return RenderedCard(html, spec.type, spec.id, tuple(problems or [reason]))
