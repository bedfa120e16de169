"""What a step's source says, parsed once per flow class: its self.next call and its signature.

`FlowSpec._fs_static` reads it for every task (to check a self.next call against the call as
written, and whether a step is a join). The runner warms it before forking workers, so that
each worker inherits the parsed result instead of parsing the source again.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from flowscope.errors import FlowDefinitionError
from flowscope.flow.decorators import is_step
from flowscope.flow.source import (
    NextCall,
    Signature,
    next_calls,
    parse_function,
    signature,
    transition_call,
)


@functools.lru_cache(maxsize=1024)
def static_of(klass: type, step: str) -> tuple[NextCall | None, Signature]:
    """Parse a step's function once per class: a forked worker inherits the parsed result."""
    func = getattr(klass, step, None)
    if not is_step(func):
        raise FlowDefinitionError(f"{klass.__name__} has no step '{step}'.")
    fnode = parse_function(func)
    return (transition_call(next_calls(fnode)), signature(fnode))


def warm_static(klass: type, steps: Iterable[str]) -> None:
    """Parse every step's source now, so that forked workers do not each parse it again."""
    for step in steps:
        static_of(klass, step)
