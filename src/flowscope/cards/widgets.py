"""Small components: `ProgressBar`, `ValueBox` and `Error`.

    bar = ProgressBar(max=len(batches), label="batches")
    current.card.append(bar)
    for i, batch in enumerate(batches):
        ...; bar.update(i + 1, metadata=f"{rate:.1f} batches/s"); current.card.refresh()

    current.card.append(ValueBox(title="Accuracy", value=0.93, theme="success"))
    current.card.append(Error(exc, "training failed"))

Values are checked when the component renders, not when it is built: a bad value shows an
error box in the card instead of failing the step (the limits are the family's: titles and
change indicators at most 200 characters, subtitles 300, string values 100, numbers within
±1e15, themes a CSS class name).
"""

from __future__ import annotations

import math
from typing import Any

from flowscope.cards.component import (
    MetaflowCardComponent,
    describe_exception,
    id_attribute,
)
from flowscope.cards.escape import clip, css_name, text
from flowscope.errors import CardError

THEMES = ("default", "success", "warning", "danger", "bg-gradient-indigo-purple")


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise CardError(f"ProgressBar {what} must be a finite number, not {value!r}")
    return float(value)


def _format_number(value: float) -> str:
    return str(int(value)) if value.is_integer() else f"{value:g}"


class ProgressBar(MetaflowCardComponent):
    """Progress of a long loop: `value` of `max`, with a label, a unit and a detail line."""

    REALTIME_UPDATABLE = True

    def __init__(
        self,
        max: int = 100,
        label: str | None = None,
        value: int = 0,
        unit: str | None = None,
        metadata: str | None = None,
    ) -> None:
        self._max, self._label, self._value = max, label, value
        self._unit, self._metadata = unit, metadata

    def update(self, new_value: int, metadata: str | None = None) -> None:
        """Set the value (and the detail line, when given)."""
        self._value = new_value
        if metadata is not None:
            self._metadata = metadata

    def render(self) -> str:
        top, value = _number(self._max, "max"), _number(self._value, "value")
        if top <= 0:
            raise CardError(f"ProgressBar max must be above 0, not {self._max!r}")
        shown = min(max(value, 0.0), top)
        unit = f" {text(self._unit)}" if self._unit else ""
        label = f'<span class="fs-progress-label">{text(self._label)}</span>' if self._label else ""
        detail = (
            f'<span class="fs-progress-detail">{text(self._metadata)}</span>'
            if self._metadata
            else ""
        )
        numbers = f"{_format_number(value)}{unit} / {_format_number(top)}{unit}"
        return (
            f'<div class="fs-component fs-progress"{id_attribute(self)}>{label}'
            f'<progress max="{_format_number(top)}" value="{_format_number(shown)}">'
            f"{int(100 * shown / top)}%</progress>"
            f'<span class="fs-progress-numbers">{numbers}</span>{detail}</div>'
        )


def _text_field(value: Any, what: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise CardError(f"ValueBox {what} must be a string, not {type(value).__name__}")
    if not value.strip() or len(value) > limit:
        raise CardError(f"ValueBox {what} must be 1 to {limit} characters, not {len(value)}")
    return value


class ValueBox(MetaflowCardComponent):
    """A headline number: a value in large type with a title, subtitle and change note."""

    REALTIME_UPDATABLE = True

    def __init__(
        self,
        title: str | None = None,
        value: str | int | float = "",
        subtitle: str | None = None,
        theme: str | None = None,
        change_indicator: str | None = None,
    ) -> None:
        self._title, self._value, self._subtitle = title, value, subtitle
        self._theme, self._change = theme, change_indicator

    def update(
        self,
        title: str | None = None,
        value: str | int | float | None = None,
        subtitle: str | None = None,
        theme: str | None = None,
        change_indicator: str | None = None,
    ) -> None:
        """Change the fields given; the others stay."""
        if title is not None:
            self._title = title
        if value is not None:
            self._value = value
        if subtitle is not None:
            self._subtitle = subtitle
        if theme is not None:
            self._theme = theme
        if change_indicator is not None:
            self._change = change_indicator

    def _checked_value(self) -> str:
        value = self._value
        if isinstance(value, str):
            if len(value) > 100:
                raise CardError(f"ValueBox value must be at most 100 characters, not {len(value)}")
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise CardError(f"ValueBox value must be a string or a number, not {value!r}")
        if not (math.isfinite(value) and -1e15 <= value <= 1e15):
            raise CardError(f"ValueBox value must be within ±1e15, not {value!r}")
        return f"{value:,}" if isinstance(value, int) else f"{value:,.6g}"

    def render(self) -> str:
        title = _text_field(self._title, "title", 200)
        subtitle = _text_field(self._subtitle, "subtitle", 300)
        change = _text_field(self._change, "change_indicator", 200)
        theme = css_name(self._theme, "ValueBox theme") if self._theme is not None else "default"
        value = self._checked_value()
        parts = [f'<p class="fs-valuebox-title">{text(title)}</p>' if title else ""]
        parts.append(f'<p class="fs-valuebox-value">{text(value)}</p>')
        parts.append(f'<p class="fs-valuebox-subtitle">{text(subtitle)}</p>' if subtitle else "")
        parts.append(f'<p class="fs-valuebox-change">{text(change)}</p>' if change else "")
        return (
            f'<div class="fs-component fs-valuebox fs-theme-{theme}"{id_attribute(self)}>'
            f"{''.join(parts)}</div>"
        )


class Error(MetaflowCardComponent):
    """An exception shown in the card: a title, then its traceback (or its repr)."""

    def __init__(self, exception: BaseException | Any, title: str | None = None) -> None:
        self._exception = exception
        self._title = title

    def render(self) -> str:
        exc = self._exception
        if isinstance(exc, BaseException):
            detail = describe_exception(exc) if exc.__traceback__ else repr(exc)
        else:
            detail = repr(exc)
        title = f'<p class="fs-error-title">{text(self._title)}</p>' if self._title else ""
        return (
            f'<div class="fs-component fs-error"{id_attribute(self)} role="alert">{title}'
            f'<pre class="fs-error-detail">{text(clip(detail, 20_000))}</pre></div>'
        )
