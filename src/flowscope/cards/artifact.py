"""`Artifact`: a pretty-printed Python object, and `short_repr`, the bounded repr behind it.

    current.card.append(Artifact({"lr": 0.1, "layers": [64, 32]}, name="config"))

`compressed=True` (the default) abbreviates big containers and long strings with `reprlib`,
so even a huge value gives a short text without being walked whole. `compressed=False` shows
the full `pprint` form, still cut at FULL_LIMIT characters.
"""

from __future__ import annotations

import pprint
import reprlib
from typing import Any

from flowscope.cards.component import MetaflowCardComponent, id_attribute
from flowscope.cards.escape import clip, text

FULL_LIMIT = 100_000  # characters of an uncompressed Artifact shown


def _short_repr_engine() -> reprlib.Repr:
    engine = reprlib.Repr()
    engine.maxlevel = 3
    engine.maxstring = 120
    engine.maxother = 120
    engine.maxlong = 60
    for name in ("maxlist", "maxtuple", "maxset", "maxfrozenset", "maxdeque", "maxarray"):
        setattr(engine, name, 12)
    engine.maxdict = 10
    return engine


def short_repr(value: Any, limit: int = 300) -> str:
    """An abbreviated repr of `value`, at most about `limit` characters; never raises."""
    try:
        shown = _short_repr_engine().repr(value)
    except Exception as exc:  # a broken __repr__ must not break a card
        shown = f"<{type(value).__name__} whose repr failed: {type(exc).__name__}>"
    return clip(shown, limit)


def full_repr(value: Any) -> str:
    """The pretty-printed repr of `value`, cut at FULL_LIMIT characters; never raises."""
    try:
        shown = pprint.pformat(value, width=100, sort_dicts=False)
    except Exception as exc:
        shown = f"<{type(value).__name__} whose repr failed: {type(exc).__name__}>"
    return clip(shown, FULL_LIMIT)


def type_name(value: Any) -> str:
    """`module.Class` of `value`, or just `Class` for builtins."""
    cls = type(value)
    module = cls.__module__
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


class Artifact(MetaflowCardComponent):
    """Any Python object, shown as its (abbreviated) repr with an optional name."""

    REALTIME_UPDATABLE = True

    def __init__(self, artifact: Any, name: str | None = None, compressed: bool = True) -> None:
        self._artifact = artifact
        self._name = name
        self._compressed = compressed

    def update(self, artifact: Any) -> None:
        """Show another object."""
        self._artifact = artifact

    def render(self) -> str:
        shown = short_repr(self._artifact) if self._compressed else full_repr(self._artifact)
        name = (
            f'<span class="fs-artifact-name">{text(self._name)}</span>'
            if self._name is not None
            else ""
        )
        return (
            f'<div class="fs-component fs-artifact"{id_attribute(self)}>{name}'
            f'<span class="fs-artifact-type">{text(type_name(self._artifact))}</span>'
            f"<pre>{text(shown)}</pre></div>"
        )
