"""run_values: a run's parameter values from the command line, the environment, defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flowscope.errors import ParameterError
from flowscope.flow import Config, FlowSpec, IncludeFile, Parameter, ParameterContext, step
from flowscope.flow.run_values import env_names, parameter_values, run_parameters

CONTEXT = ParameterContext("F", "alice", "", print, "local", None)


def _flow(**attrs: Any) -> type:
    def start(self: Any) -> None:
        self.next(self.end)

    def end(self: Any) -> None:
        pass

    return type("F", (FlowSpec,), {**attrs, "start": step(start), "end": step(end)})


def test_command_line_then_flowscope_then_metaflow_environment_then_default() -> None:
    flow = _flow(alpha=Parameter("alpha", default=1), beta=Parameter("beta", default="b"))
    env = {"METAFLOW_RUN_ALPHA": "3", "FLOWSCOPE_RUN_ALPHA": "2", "METAFLOW_RUN_BETA": "m"}
    assert parameter_values(flow, {"alpha": "9"}, env, CONTEXT) == {"alpha": 9, "beta": "m"}
    assert parameter_values(flow, {}, env, CONTEXT) == {"alpha": 2, "beta": "m"}
    assert parameter_values(flow, {}, {}, CONTEXT) == {"alpha": 1, "beta": "b"}


def test_a_bad_environment_value_names_its_variable() -> None:
    flow = _flow(alpha=Parameter("alpha", default=1))
    with pytest.raises(ParameterError, match=r"not a valid int.*came from FLOWSCOPE_RUN_ALPHA"):
        parameter_values(flow, {}, {"FLOWSCOPE_RUN_ALPHA": "x"}, CONTEXT)


def test_required_parameters_say_how_to_give_them() -> None:
    flow = _flow(who=Parameter("who", required=True))
    with pytest.raises(ParameterError, match="pass --who VALUE \\(or set FLOWSCOPE_RUN_WHO\\)"):
        parameter_values(flow, {}, {}, CONTEXT)
    assert env_names(Parameter("who")) == ("FLOWSCOPE_RUN_WHO", "METAFLOW_RUN_WHO")


def test_a_function_default_is_called_at_run_start_with_the_context() -> None:
    seen: list[ParameterContext] = []

    def default(ctx: ParameterContext) -> int:
        seen.append(ctx)
        return 7

    flow = _flow(n=Parameter("n", type=int, default=default))
    assert parameter_values(flow, {"n": "1"}, {}, CONTEXT) == {"n": 1}
    assert not seen  # not called when a value is given
    assert parameter_values(flow, {}, {}, CONTEXT) == {"n": 7}
    assert seen[0].parameter_name == "n" and seen[0].user_name == "alice"


def test_a_failing_or_mistyped_function_default_is_a_parameter_error() -> None:
    def boom(ctx: ParameterContext) -> int:
        raise KeyError("nope")

    with pytest.raises(ParameterError, match="its default function failed \\(KeyError"):
        parameter_values(_flow(n=Parameter("n", default=boom)), {}, {}, CONTEXT)
    param = Parameter("n", type=int, default=lambda ctx: "text")
    with pytest.raises(ParameterError, match="came from its default function"):
        parameter_values(_flow(n=param), {}, {}, CONTEXT)
    assert callable(param.deferred_default)  # still the function, for another run


def test_configs_are_not_command_line_parameters(tmp_path: Path) -> None:
    notes = tmp_path / "n.txt"
    notes.write_text("hi")
    flow = _flow(cfg=Config("cfg"), notes=IncludeFile("notes", default=str(notes)))
    assert [p.name for p in run_parameters(flow)] == ["notes"]
    assert parameter_values(flow, {}, {}, CONTEXT) == {"notes": "hi"}
