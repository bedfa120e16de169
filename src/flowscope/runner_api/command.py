"""Keyword arguments -> the command line of `python flow.py ...`. Pure.

`Runner("flow.py", metadata=DIR).run(alpha=0.1, tags=["a", "b"], max_workers=4)` becomes
`python flow.py --metadata DIR run --alpha 0.1 --tag a --tag b --max-workers 4`: a name is
its option (`max_workers` -> `--max-workers`; a flow parameter keeps its own name), True is a
bare flag, False and None leave the option out, a list or tuple repeats it, a dict is JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flowscope.errors import RunnerError

# the family's plural spellings of repeatable options
ALIASES = {"tags": "tag"}
# options that name things the Runner API itself manages
RESERVED = frozenset({"run_id_file"})
CLI_OPTIONS = frozenset({"tag", "max_workers", "metadata", "datastore", "quiet"})


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


def option_args(options: Mapping[str, Any]) -> list[str]:
    """The command-line form of keyword arguments (see the module docstring)."""
    args: list[str] = []
    for name, value in options.items():
        if name in RESERVED:
            raise RunnerError(f"{name}= is set by the Runner API itself; leave it out.")
        if not name.isidentifier():
            raise RunnerError(f"{name!r:.60} is not an option or parameter name.")
        flag = _flag(name)
        if value is None or value is False:
            continue
        if value is True:
            args.append(flag)
        elif name in ALIASES and isinstance(value, (list, tuple, set, frozenset)):
            for item in value:
                args += [flag, _text(name, item)]
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
