"""The parameter values of one run, from the command line, the environment and the defaults.

For each parameter, in order: `--<name> VALUE`; the environment variable
`FLOWSCOPE_RUN_<NAME>` (or the family's `METAFLOW_RUN_<NAME>`), NAME upper-cased; the
default, calling it first when it is a function (with a ParameterContext); else an error when
the parameter is required. Configs are not parameters here: their values are given as they
were loaded. Pure: the environment is passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from flowscope.errors import ParameterError
from flowscope.flow.config import Config, ParameterContext
from flowscope.flow.parameters import IncludeFile, Parameter, flow_parameters

ENV_PREFIXES: Final = ("FLOWSCOPE_RUN_", "METAFLOW_RUN_")


def env_names(param: Parameter) -> tuple[str, ...]:
    """The environment variables that can give `param` its value, first one first."""
    key = param.name.upper().replace("-", "_")
    return tuple(prefix + key for prefix in ENV_PREFIXES)


def run_parameters(flow_cls: type[Any]) -> list[Parameter]:
    """The parameters given on `run`'s command line (every Parameter except configs)."""
    return [p for p in flow_parameters(flow_cls).values() if not isinstance(p, Config)]


def parameter_values(
    flow_cls: type[Any],
    given: Mapping[str, str | None],
    env: Mapping[str, str],
    context: ParameterContext,
) -> dict[str, Any]:
    """Every parameter's value for a run; `given` holds the command line's text by name."""
    values: dict[str, Any] = {}
    for param in run_parameters(flow_cls):
        raw, origin = given.get(param.name), param.option
        if raw is None:
            for name in env_names(param):
                if env.get(name) is not None:
                    raw, origin = env[name], name
                    break
        if raw is not None:
            try:
                values[param.name] = param.convert(raw)
            except ParameterError as exc:
                if origin == param.option:
                    raise
                raise ParameterError(f"{exc} (the value came from {origin})") from None
            continue
        if callable(param.deferred_default):
            values[param.name] = _call_default(param, context)
        elif isinstance(param, IncludeFile):
            values[param.name] = param.resolve(None)
        elif param.required:
            raise ParameterError(
                f"Parameter '{param.name}' is required: pass {param.option} {param.metavar} "
                f"(or set {env_names(param)[0]})."
            )
        else:
            values[param.name] = param.default
    return values


def _call_default(param: Parameter, context: ParameterContext) -> Any:
    try:
        value = param.deferred_default(context._replace(parameter_name=param.name))
    except Exception as exc:  # noqa: BLE001 - the user's function may raise anything
        raise ParameterError(
            f"Parameter '{param.name}': its default function failed ({type(exc).__name__}: "
            f"{exc}); fix it, or pass {param.option} {param.metavar}."
        ) from None
    function = param.deferred_default
    try:
        param.bind_default(value)
    except Exception as exc:
        param.deferred_default = function  # keep the function for a later attempt
        raise ParameterError(f"{exc} (the value came from its default function)") from None
    if isinstance(param, IncludeFile):
        return param.resolve(None)
    return param.default
