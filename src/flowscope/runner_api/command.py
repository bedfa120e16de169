"""Keyword arguments -> the command line of `python flow.py ...`. Pure.

`Runner("flow.py", metadata=DIR).run(alpha=0.1, tags=["a", "b"], max_workers=4)` becomes
`python flow.py --metadata DIR run --alpha 0.1 --tag a --tag b --max-workers 4`: a name is
its option (`max_workers` -> `--max-workers`; a flow parameter keeps its own name), True is a
bare flag, False and None leave the option out, a list or tuple repeats it, a dict is JSON.

As in the family's Runner:
- `config=` and `config_value=` (top-level) are `[(NAME, FILE), ...]` or `{NAME: FILE}`, and
  `[(NAME, VALUE), ...]` or `{NAME: VALUE}`; they become `--config NAME FILE` and
  `--config-value NAME TEXT` (a value that is not text is given as JSON).
- `decospecs=` (also `with_=`) is a decorator spec or a list of them: `--with SPEC` each.
  Given to the Runner it applies to every run and resume it starts.
- A list given to a parameter declared with `separator=` is joined with that separator.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from flowscope.errors import RunnerError

# the family's plural spellings of repeatable options
ALIASES = {"tags": "tag"}
# options that name things the Runner API itself manages
RESERVED = frozenset({"run_id_file"})
CLI_OPTIONS = frozenset(
    {
        "tag",
        "max_workers",
        "max_num_splits",
        "max_log_size",
        "namespace",
        "executor",
        "dask_address",
        "metadata",
        "datastore",
        "datastore_root",
        "environment",
        "quiet",
        "persist",
        "artifacts_module",
    }
)
CONFIG_OPTIONS = {"config": "--config", "config_value": "--config-value"}
WITH_NAMES = ("decospecs", "with_", "with")  # the spellings of `--with`


def _flag(name: str) -> str:
    name = ALIASES.get(name, name)
    return "--" + (name.replace("_", "-") if name in CLI_OPTIONS else name)


def _text(name: str, value: Any) -> str:
    if isinstance(value, (dict, list, tuple)) and name not in ALIASES:
        return json.dumps(value)
    if isinstance(value, (str, int, float)):
        return str(value)
    raise RunnerError(
        f"Cannot pass {name}={value!r:.60} on the command line: give a str, int, float, bool, "
        f"list or dict."
    )


def _joined(name: str, value: Iterable[Any], separator: str) -> str:
    """A list for a parameter with `separator=`: its items, joined with the separator."""
    parts = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise RunnerError(
                f"Cannot pass {name}={list(value)!r:.60}: the items of a separated parameter "
                f"must be str, int or float."
            )
        text = str(item)
        if separator in text:
            raise RunnerError(
                f"Cannot pass {name}: the item {text!r:.40} contains the parameter's separator "
                f"{separator!r}, so it would be split."
            )
        parts.append(text)
    return separator.join(parts)


def _pairs(name: str, value: Any) -> list[tuple[str, Any]]:
    """`config=`/`config_value=` as (NAME, VALUE) pairs, from a mapping or a list of pairs."""
    if isinstance(value, Mapping):
        items: list[Any] = list(value.items())
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        items = [None]
    for item in items:
        if not (isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[0], str)):
            raise RunnerError(
                f"{name}= takes {{NAME: VALUE}} or [(NAME, VALUE), ...], not {value!r:.60}."
            )
    return [(str(n), v) for n, v in items]


def config_args(name: str, value: Any) -> list[str]:
    """`--config NAME FILE` / `--config-value NAME TEXT` for each pair of `value`."""
    args: list[str] = []
    for config, given in _pairs(name, value):
        if name == "config" and not isinstance(given, str) and not hasattr(given, "__fspath__"):
            raise RunnerError(f"config=: the file of {config!r} must be a path, not {given!r:.60}.")
        if name == "config":
            text = str(given)
        elif isinstance(given, str):
            text = given
        else:
            try:
                text = json.dumps(given)
            except (TypeError, ValueError) as exc:
                raise RunnerError(
                    f"config_value=: the value of {config!r} is not JSON-able ({exc})."
                ) from None
        args += [CONFIG_OPTIONS[name], config, text]
    return args


def with_args(value: Any) -> list[str]:
    """`--with SPEC` for a decorator spec or each of a list of them."""
    specs = [value] if isinstance(value, str) else value
    if not isinstance(specs, (list, tuple)) or not all(isinstance(s, str) for s in specs):
        raise RunnerError(
            f"decospecs= takes a decorator spec or a list of them (e.g. ['retry:times=2']), "
            f"not {value!r:.60}."
        )
    args: list[str] = []
    for spec in specs:
        args += ["--with", spec]
    return args


def split_top_level(options: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """A Runner's keyword arguments as (top-level options, options for every run/resume):
    `config=`/`config_value=` are top-level, `decospecs=`/`with_=` go with each command."""
    top: dict[str, Any] = {}
    top_args: list[str] = []
    each: list[str] = []
    for name, value in options.items():
        if name in CONFIG_OPTIONS:
            top_args += config_args(name, value) if value is not None else []
        elif name in WITH_NAMES:
            each += with_args(value) if value is not None else []
        else:
            top[name] = value
    return option_args(top) + top_args, each


def option_args(
    options: Mapping[str, Any], separators: Mapping[str, str] | None = None
) -> list[str]:
    """The command-line form of keyword arguments (see the module docstring); `separators`
    gives the `separator=` of the flow's parameters that have one."""
    args: list[str] = []
    for name, value in options.items():
        if name in RESERVED:
            raise RunnerError(f"{name}= is set by the Runner API itself; leave it out.")
        if not name.isidentifier():
            raise RunnerError(f"{name!r:.60} is not an option or parameter name.")
        if name in CONFIG_OPTIONS:
            raise RunnerError(
                f"{name}= is a top-level option: give it to the Runner, e.g. "
                f"Runner('flow.py', {name}={{...}})."
            )
        if value is None or value is False:
            continue
        if name in WITH_NAMES:
            args += with_args(value)
            continue
        flag = _flag(name)
        separator = (separators or {}).get(name)
        if value is True:
            args.append(flag)
        elif name in ALIASES and isinstance(value, (list, tuple, set, frozenset)):
            for item in value:
                args += [flag, _text(name, item)]
        elif separator is not None and isinstance(value, (list, tuple)):
            args += [flag, _joined(name, value, separator)]
        else:
            args += [flag, _text(name, value)]
    return args


def resume_args(options: Mapping[str, Any]) -> list[str]:
    """`resume [STEP] [--origin-run-id ID] ...`: `origin_run_id=` is the run to resume,
    `step_to_rerun=` the step to run again from (as the family's), the rest are options."""
    rest = dict(options)
    origin = rest.pop("origin_run_id", None)
    step = rest.pop("step_to_rerun", None)
    positional = [] if step is None else [_text("step_to_rerun", step)]
    if origin is not None:
        positional += [str(origin)] if step is None else ["--origin-run-id", str(origin)]
    return positional + option_args(rest)
