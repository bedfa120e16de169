"""Flow and step mutators: adding, overriding and removing decorators and parameters."""

from __future__ import annotations

from typing import Any

import pytest

from flowscope.errors import FlowDefinitionError
from flowscope.flow import (
    Config,
    FlowMutator,
    FlowSpec,
    MutableFlow,
    MutableStep,
    Parameter,
    StepMutator,
    retry,
    step,
    user_step_decorator,
)
from flowscope.flow.decorators import step_decorators
from flowscope.flow.prepare import prepare


@user_step_decorator
def tagged(step_name: str, flow: Any, inputs: Any = None, attributes: Any = None) -> Any:
    yield


class robust(FlowMutator):
    def init(self, times: int = 1) -> None:
        self.times = times

    def pre_mutate(self, mutable_flow: MutableFlow) -> None:
        mutable_flow.add_parameter("extra", Parameter("extra", default=1))

    def mutate(self, mutable_flow: MutableFlow) -> None:
        assert mutable_flow.cfg.depth == 2  # configs are readable by attribute
        for _, mutable in mutable_flow.steps:
            mutable.add_decorator("retry", deco_kwargs={"times": self.times}, duplicates="ignore")


class labelled(StepMutator):
    def init(self, label: str = "") -> None:
        self.label = label

    def mutate(self, mutable_step: MutableStep) -> None:
        mutable_step.add_decorator(tagged, deco_kwargs={"label": self.label})
        mutable_step.remove_decorator("catch")


def _flow() -> type:
    @robust(times=2)
    class F(FlowSpec):
        cfg = Config("cfg")

        @retry(times=5)
        @labelled(label=cfg.label)
        @step
        def start(self) -> None:
            self.next(self.end)

        @step
        def end(self) -> None:
            pass

    return F


def test_mutators_run_after_configs_and_respect_duplicates() -> None:
    flow = _flow()
    prepare(flow, {"cfg": {"label": "L", "depth": 2}})
    start = {d.name: d.attributes() for d in step_decorators(flow.start)}
    assert start["retry"]["times"] == 5  # IGNORE: the step's own @retry stays
    assert start["tagged"] == {"label": "L"}  # the mutator's argument came from the config
    assert {d.name: d.attributes() for d in step_decorators(flow.end)}["retry"]["times"] == 2
    assert isinstance(flow.extra, Parameter)


def test_override_error_and_unknown_decorators() -> None:
    flow = _flow()
    mutable = MutableStep("start", flow.start)
    mutable.add_decorator(retry, deco_kwargs={"times": 1}, duplicates=MutableStep.OVERRIDE)
    assert [d.attributes()["times"] for d in step_decorators(flow.start) if d.name == "retry"] == [
        1
    ]
    with pytest.raises(FlowDefinitionError, match="has one already"):
        mutable.add_decorator("retry")
    with pytest.raises(FlowDefinitionError, match="no decorator 'nosuch'"):
        mutable.add_decorator("nosuch")
    specs = list(mutable.decorator_specs)
    assert (
        "retry",
        "flowscope.flow.decorators",
        (),
        {"times": 1, "minutes_between_retries": 0},
    ) in specs


def test_mutators_are_placed_like_decorators() -> None:
    with pytest.raises(FlowDefinitionError, match="decorates a step"):
        labelled(label="x")(lambda: None)
    with pytest.raises(FlowDefinitionError, match="decorates a flow class"):
        robust(times=1)(len)


def test_the_base_flow_pattern() -> None:
    from flowscope.flow import config_expr, project, resources
    from flowscope.flow.project import project_of

    class linter(FlowMutator):
        def mutate(self, mutable_flow: MutableFlow) -> None:
            limits = mutable_flow.limits
            for _, mutable in mutable_flow.steps:
                for name, _module, _args, attributes in mutable.decorator_specs:
                    if name == "resources" and attributes["cpu"] > limits.cpu:
                        attributes["cpu"] = limits.cpu
                        mutable.add_decorator(
                            name, deco_kwargs=attributes, duplicates=mutable.OVERRIDE
                        )

    @linter
    @project(name=config_expr("project.name"))
    class BaseFlow(FlowSpec):
        project_config = Config("project")
        limits = Config("limits")

    class Composed(BaseFlow):
        @resources(cpu=16)
        @step
        def start(self) -> None:
            self.next(self.end)

        @step
        def end(self) -> None:
            pass

    prepare(Composed, {"project": {"name": "myproject"}, "limits": {"cpu": 2}})
    found = project_of(Composed)
    assert found is not None and found.project == "myproject"
    (deco,) = step_decorators(Composed.start)
    assert deco.attributes()["cpu"] == 2.0
