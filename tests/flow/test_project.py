"""@project: names, branches, production, and what a run carries of them."""

from __future__ import annotations

import pytest

from flowscope.errors import FlowDefinitionError, ParameterError
from flowscope.flow import FlowSpec, project
from flowscope.flow.project import ProjectDecorator, project_of


def test_branches_follow_the_familys_rules() -> None:
    deco = ProjectDecorator("fraud")
    user = deco.info("ScoreFlow", "alice")
    assert (user.branch_name, user.is_user_branch, user.is_production) == (
        "user.alice",
        True,
        False,
    )
    assert user.project_flow_name == "fraud.user.alice.ScoreFlow"
    assert user.tags == ("project:fraud", "project_branch:user.alice")
    assert deco.info("ScoreFlow", "alice", branch="better").branch_name == "test.better"
    prod = deco.info("ScoreFlow", "alice", production=True)
    assert (prod.branch_name, prod.is_production, prod.is_user_branch) == ("prod", True, False)
    assert deco.info("ScoreFlow", "a", branch="v2", production=True).branch_name == "prod.v2"


def test_branch_and_production_in_the_decorator_and_on_the_command_line() -> None:
    deco = ProjectDecorator("fraud", branch="shared", production=True)
    assert deco.info("F", "alice").branch_name == "prod.shared"
    with pytest.raises(ParameterError, match="sets branch='shared' already"):
        deco.info("F", "alice", branch="other")
    with pytest.raises(ParameterError, match="sets production=True already"):
        deco.info("F", "alice", production=True)
    with pytest.raises(ParameterError, match="'Bad Branch' is not a valid branch name"):
        ProjectDecorator("fraud").info("F", "alice", branch="Bad Branch")


def test_names_and_placement_are_checked() -> None:
    with pytest.raises(FlowDefinitionError, match="lowercase letters, digits and '_'"):
        project(name="Fraud-Team")
    with pytest.raises(FlowDefinitionError, match="limit is 128"):
        project(name="x" * 129)
    with pytest.raises(FlowDefinitionError, match="decorates a flow class"):
        project(name="p")(len)  # type: ignore[type-var]


def test_the_project_of_a_class_is_inherited() -> None:
    @project(name="base")
    class Base(FlowSpec):
        pass

    class Child(Base):
        pass

    found = project_of(Child)
    assert found is not None and found.project == "base"
    with pytest.raises(FlowDefinitionError, match="applied twice"):
        project(name="again")(Base)
