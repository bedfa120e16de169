"""prepare: config values written in the class are resolved and checked, once per class."""

from __future__ import annotations

from typing import Any

import pytest

from flowscope.errors import FlowDefinitionError
from flowscope.flow import Config, FlowSpec, Parameter, config_expr, project, step, timeout
from flowscope.flow.decorators import step_decorators
from flowscope.flow.prepare import prepare
from flowscope.flow.project import project_of


def _flow() -> type:
    @project(name=config_expr("cfg.project"))
    class F(FlowSpec):
        cfg = Config("cfg")
        alpha = Parameter("alpha", default=cfg.alpha)

        @timeout(seconds=cfg.limits["seconds"])
        @step
        def start(self) -> None:
            self.next(self.end)

        @step
        def end(self) -> None:
            pass

    return F


CONFIGS: dict[str, Any] = {"cfg": {"project": "demo", "alpha": 0.5, "limits": {"seconds": 7}}}


def test_decorator_arguments_parameter_defaults_and_project_names_are_resolved() -> None:
    flow = _flow()
    prepare(flow, CONFIGS)
    (deco,) = step_decorators(flow.start)
    assert deco.attributes() == {"seconds": 7}
    assert flow.alpha.default == 0.5 and flow.alpha.type is float
    deco_project = project_of(flow)
    assert deco_project is not None and deco_project.project == "demo"
    prepare(flow, CONFIGS)  # once per class: again with the same configs is a no-op
    with pytest.raises(FlowDefinitionError, match="prepared for a run with other configs"):
        prepare(flow, {"cfg": {}})


def test_a_config_value_that_breaks_a_decorator_is_checked_when_resolved() -> None:
    flow = _flow()
    bad = {"cfg": {"project": "demo", "alpha": 1.0, "limits": {"seconds": -1}}}
    with pytest.raises(FlowDefinitionError, match="@timeout on step 'start': seconds=-1"):
        prepare(flow, bad)


def test_a_missing_key_names_the_expression() -> None:
    with pytest.raises(FlowDefinitionError, match="cfg.limits\\['seconds'\\] cannot be evaluated"):
        prepare(_flow(), {"cfg": {"project": "demo", "alpha": 1.0, "limits": {}}})


def test_with_adds_a_decorator_to_every_step_that_has_none_of_that_name() -> None:
    from flowscope.errors import ParameterError
    from flowscope.flow.prepare import attach_everywhere

    flow = _flow()
    prepare(flow, CONFIGS)
    attach_everywhere(flow, ["retry:times=3", "timeout:seconds=99"])
    start = {d.name: d.attributes() for d in step_decorators(flow.start)}
    end = {d.name: d.attributes() for d in step_decorators(flow.end)}
    assert start["retry"]["times"] == 3 and end["retry"]["times"] == 3
    assert start["timeout"] == {"seconds": 7} and end["timeout"] == {"seconds": 99}
    with pytest.raises(ParameterError, match="'times' is not key=value"):
        attach_everywhere(flow, ["catch:times"])
    with pytest.raises(FlowDefinitionError, match="times='x' is not valid"):
        attach_everywhere(_flow(), ["retry:times=x"])


def test_a_flow_without_mutators_is_prepared_without_loading_them() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from flowscope.flow import FlowSpec, step, retry\n"
        "from flowscope.flow.prepare import attach_everywhere, prepare\n"
        "class F(FlowSpec):\n"
        "    @retry(times=1)\n"
        "    @step\n"
        "    def start(self):\n"
        "        self.next(self.end)\n"
        "    @step\n"
        "    def end(self):\n"
        "        pass\n"
        "prepare(F, {})\n"
        "attach_everywhere(F, [])\n"
        "print('flowscope.flow.mutators' in sys.modules)\n"
        "attach_everywhere(F, ['timeout:seconds=5'])\n"  # --with needs them
        "print('flowscope.flow.mutators' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
