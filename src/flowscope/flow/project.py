"""`@project(name=...)`: flows of one project, each run on a branch. Pure.

    @project(name="fraud")
    class ScoreFlow(FlowSpec): ...

    python score.py run                          # branch user.<you>
    python score.py --branch better run          # branch test.better
    python score.py --production run             # branch prod
    python score.py --production --branch v2 run # branch prod.v2

A run of a project flow carries the system tags `project:<name>` and `project_branch:<branch>`
and sees `current.project_name`, `branch_name`, `project_flow_name` (`<name>.<branch>.<Flow>`),
`is_production` and `is_user_branch`. `branch=` and `production=` may also be given to the
decorator, but not both there and on the command line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from flowscope.errors import FlowDefinitionError, ParameterError
from flowscope.flow.decorators import (  # the flow-level list lives beside step_decorators
    FLOW_DECORATORS as FLOW_DECORATORS,
    add_flow_decorator as add_flow_decorator,
    flow_decorators as flow_decorators,
    resolve_attributes,
)
from flowscope.flow.deferred import is_deferred

C = TypeVar("C", bound=type)

MAX_NAME: Final = 128
_NAME = re.compile(r"^[a-z0-9_]+$")
_BRANCH = re.compile(r"^[a-z0-9_][a-z0-9_.-]*$")


@dataclass(frozen=True)
class ProjectInfo:
    """The project and branch of one run, and what `current` shows of them."""

    project_name: str
    branch_name: str
    project_flow_name: str
    is_production: bool
    is_user_branch: bool

    @property
    def tags(self) -> tuple[str, ...]:
        """The run's system tags for its project and branch."""
        return (f"project:{self.project_name}", f"project_branch:{self.branch_name}")


class ProjectDecorator:
    """The @project of a flow class: its name, and a branch or production set in code."""

    name: Final = "project"

    def __init__(self, name: Any, branch: Any = None, production: Any = False) -> None:
        self.project = name
        self.branch = branch
        self.production = production
        if not is_deferred(vars(self)):
            self._validate()

    def resolve_configs(self, configs: Mapping[str, Any]) -> None:
        if resolve_attributes(self, configs):
            self._validate()

    def _validate(self) -> None:
        if not isinstance(self.project, str) or not _NAME.match(self.project):
            raise FlowDefinitionError(
                f"@project(name={self.project!r}) is not valid: a project name holds only "
                f"lowercase letters, digits and '_'."
            )
        if len(self.project) > MAX_NAME:
            raise FlowDefinitionError(
                f"@project: the name is {len(self.project)} characters long; the limit is "
                f"{MAX_NAME}."
            )
        if self.branch is not None:
            check_branch(self.branch, "@project(branch=...)")
        if not isinstance(self.production, bool):
            raise FlowDefinitionError(
                f"@project(production={self.production!r}) is not valid; give True or False."
            )

    def info(
        self, flow_name: str, user: str, branch: str | None = None, production: bool = False
    ) -> ProjectInfo:
        """The project and branch for a run of `flow_name` by `user`, given the command
        line's `--branch` and `--production`."""
        if branch is not None and self.branch is not None:
            raise ParameterError(
                f"--branch {branch}: the @project of {flow_name} sets branch="
                f"{self.branch!r} already; give the branch in one place."
            )
        if production and self.production:
            raise ParameterError(
                f"--production: the @project of {flow_name} sets production=True already; "
                f"drop --production."
            )
        chosen = branch if branch is not None else self.branch
        is_prod = bool(production or self.production)
        if chosen is not None:
            check_branch(chosen, "--branch")
            branch_name = f"{'prod' if is_prod else 'test'}.{chosen}"
        elif is_prod:
            branch_name = "prod"
        else:
            branch_name = f"user.{user}"
        return ProjectInfo(
            project_name=self.project,
            branch_name=branch_name,
            project_flow_name=f"{self.project}.{branch_name}.{flow_name}",
            is_production=is_prod,
            is_user_branch=branch_name.startswith("user."),
        )

    def __call__(self, cls: C) -> C:
        if not isinstance(cls, type):
            raise FlowDefinitionError(
                f"@project decorates a flow class (class MyFlow(FlowSpec)), not {cls!r}."
            )
        if any(isinstance(d, ProjectDecorator) for d in cls.__dict__.get(FLOW_DECORATORS, [])):
            raise FlowDefinitionError(f"@project is applied twice to {cls.__name__}; keep one.")
        add_flow_decorator(cls, self)
        return cls

    def __repr__(self) -> str:
        return f"project(name={self.project!r})"


def check_branch(branch: object, where: str) -> str:
    if not isinstance(branch, str) or not _BRANCH.match(branch) or len(branch) > MAX_NAME:
        raise ParameterError(
            f"{where} {branch!r} is not a valid branch name: use lowercase letters, digits, "
            f"'_', '-' and '.', at most {MAX_NAME} characters."
        )
    return branch


def project(*, name: Any, branch: Any = None, production: Any = False) -> ProjectDecorator:
    """Make the flow part of project `name` (lowercase letters, digits, '_')."""
    return ProjectDecorator(name, branch, production)


def project_of(cls: type) -> ProjectDecorator | None:
    """The @project of a flow class (its own, else its nearest base's), or None."""
    found = [d for d in flow_decorators(cls) if isinstance(d, ProjectDecorator)]
    return found[-1] if found else None
