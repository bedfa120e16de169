"""Which names `self.<name> = ...` may set (or `del self.<name>` delete) as artifacts, and the
messages for a name that is refused or holds no artifact. Pure.

An artifact name is an ASCII identifier (names.name_problem) that is not internal state
(`_fs_...`), not a dunder, and shadows nothing on the flow's class: no parameter, no step, no
public FlowSpec attribute (names.RESERVED), no other class attribute.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Final

from flowscope.errors import FlowDefinitionError
from flowscope.flow.decorators import is_step
from flowscope.flow.names import INTERNAL_PREFIX, RESERVED, did_you_mean, name_problem
from flowscope.flow.parameters import Parameter

_MISSING: Final = object()

FLOW_ON_HINT: Final = (
    "Artifacts set with self.<name> = ... flow on to the steps after it; in a join, read "
    "them from the inputs (inputs.<branch>.<name>) or adopt them with "
    "self.merge_artifacts(inputs)."
)


def internal_name(name: str) -> str:
    """The message for setting or deleting a name of flowscope's own state."""
    return (
        f"'{name}' is reserved: names starting with '{INTERNAL_PREFIX}' hold flowscope's own "
        f"state and cannot be artifacts (setting one would lose the step's artifacts). Choose "
        f"another name."
    )


def read_only_input(label: str, name: str) -> str:
    """The message for setting or deleting an artifact on an input of a join (`label`)."""
    return (
        f"The inputs of a join are read-only ({label}.{name}); set "
        f"self.{name} in the join step instead."
    )


def check_artifact_name(klass: type, flow: str, name: str) -> None:
    """Raise FlowDefinitionError unless `name` can be an artifact of flows of class `klass`
    (`flow`: the flow's name, as messages give it)."""
    if name.startswith("__"):
        raise FlowDefinitionError(
            f"'{name}': names starting with '__' cannot be artifacts; choose another name."
        )
    problem = name_problem("artifact", name)
    if problem:
        raise FlowDefinitionError(problem)
    static = inspect.getattr_static(klass, name, _MISSING)
    if isinstance(static, Parameter):
        raise FlowDefinitionError(
            f"Parameter '{name}' is read-only inside a flow; store a changed value under "
            f"another name, e.g. self.{name}_used = ..."
        )
    if is_step(static):
        raise FlowDefinitionError(
            f"'{name}' is a step of {flow}; an artifact cannot use a step's name. "
            f"Choose another name."
        )
    if name in RESERVED:
        raise FlowDefinitionError(
            f"'{name}' is reserved by flowscope (FlowSpec.{name}); choose another artifact name."
        )
    if static is not _MISSING:
        raise FlowDefinitionError(
            f"'{name}' is a class attribute of {flow}; an artifact cannot shadow it. "
            f"Choose another name."
        )


def deleted_artifact(where: str, name: str) -> str:
    """The message for reading an artifact deleted in this step (`where` names the step)."""
    return f"{where}: the artifact '{name}' was deleted in this step."


def missing_artifact(where: str, name: str, candidates: Iterable[str]) -> str:
    """The message for reading a name that holds no artifact, with the closest `candidates`."""
    hint = did_you_mean(name, candidates)
    return f"{where} has no artifact '{name}'.{hint} {FLOW_ON_HINT}"
