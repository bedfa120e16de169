"""Check the shape of the service's JSON answers before they become records.

An answer that is JSON but not what a flowscope service sends (another server, a proxy, an
incompatible version) is a `MetadataError` naming the address and what was expected, never a
KeyError or TypeError from deep inside a conversion. Field types are checked against the
records' own annotations, so the checks cannot drift from the records.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, fields
from typing import Any, TypeVar, get_args, get_origin

from flowscope.metastore import records as _records
from flowscope.remote.transport import Answer

R = TypeVar("R")


@functools.cache
def _hints(cls: type) -> dict[str, tuple[Any, bool]]:
    """Each field's type, and whether the field is required."""
    hints = typing.get_type_hints(cls, vars(_records))
    return {
        f.name: (hints[f.name], f.default is MISSING and f.default_factory is MISSING)
        for f in fields(cls)
    }


def _fits(value: Any, tp: Any) -> bool:
    if tp is Any:
        return True
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, arg) for arg in get_args(tp))
    if tp is type(None):
        return value is None
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if tp is str:
        return isinstance(value, str)
    if origin is tuple:
        item = get_args(tp)[0] if get_args(tp) else Any
        return isinstance(value, list) and all(_fits(v, item) for v in value)
    if origin in (Mapping, dict):
        return isinstance(value, dict) and all(isinstance(k, str) for k in value)
    return False  # a field type this checker does not know: refuse rather than guess


def _describe(cls: type) -> str:
    return f"a {cls.__name__} object"


def record(cls: type[R], value: Any, answer: Answer) -> R:
    """`value` as a `cls` record, or the error saying which field was wrong."""
    if not isinstance(value, dict):
        raise answer.wrong_shape(f"{_describe(cls)}, got {type(value).__name__}")
    for name, (tp, required) in _hints(typing.cast(type, cls)).items():
        if name not in value:
            if required:
                raise answer.wrong_shape(f"{_describe(cls)} with the field {name!r}")
            continue
        if not _fits(value[name], tp):
            raise answer.wrong_shape(
                f"{_describe(cls)} whose {name!r} is {getattr(tp, '__name__', tp)}, "
                f"got {type(value[name]).__name__}"
            )
    made: R = cls.from_dict(value)  # type: ignore[attr-defined]
    return made


def member(data: Any, key: str, kind: type, answer: Answer) -> Any:
    """`data[key]`, checked to be a `kind` (list, dict, str ...)."""
    if not isinstance(data, dict):
        raise answer.wrong_shape(f"a JSON object with {key!r}, got {type(data).__name__}")
    value = data.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise answer.wrong_shape(
            f"a JSON object whose {key!r} is {kind.__name__}, got {type(value).__name__}"
        )
    return value


def record_list(cls: type[R], data: Any, key: str, answer: Answer) -> list[R]:
    """`data[key]` as a list of `cls` records."""
    return [record(cls, item, answer) for item in member(data, key, list, answer)]
