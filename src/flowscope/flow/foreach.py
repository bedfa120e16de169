"""Foreach helpers of a running flow: the foreach= argument of self.next checked, and the item
of a foreach artifact that one foreach frame stands for. Pure."""

from __future__ import annotations

import itertools
from collections.abc import Set
from typing import Any

from flowscope.errors import FlowDefinitionError


def check_foreach(step: str, targets: tuple[str, ...], foreach: object, known: Set[str]) -> None:
    """Raise FlowDefinitionError unless `self.next(<targets>, foreach=<foreach>)` can fan out:
    foreach= names an artifact in `known` (the names set or inherited in the step), and there
    is one target step."""
    if not isinstance(foreach, str):
        raise FlowDefinitionError(
            f"step '{step}': foreach= takes the name of an artifact, as in "
            f"foreach='items'; got {foreach!r}."
        )
    if len(targets) != 1:
        raise FlowDefinitionError(
            f"step '{step}': foreach='{foreach}' needs exactly one target step, got {len(targets)}."
        )
    if foreach not in known:
        raise FlowDefinitionError(
            f"step '{step}' uses foreach='{foreach}' but sets no artifact '{foreach}'; "
            f"set self.{foreach} = [...] before self.next(...)."
        )


def frame_item(items: Any, index: int) -> Any:
    """Item `index` of a foreach artifact's value, or None when it has no such item: indexed
    when the value supports it, else walked to (a generator, a set)."""
    try:
        return items[index]
    except TypeError:  # no __getitem__: walk to the item
        return next(itertools.islice(items, index, None), None)
    except (IndexError, KeyError):
        return None
