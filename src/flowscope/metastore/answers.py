"""Check the shape of the service's JSON answers before they become records.

An answer that is JSON but not what a flowscope service sends (another server, a proxy, an
incompatible version) is a `MetadataError` naming the address and what was expected, never a
KeyError or TypeError from deep inside a conversion. Field types are checked against the
records' own annotations, so the checks cannot drift from the records; each record class's
checks are built once (`_table`), so a listing of thousands costs no reflection per record.
Strings that a hostile service could make huge (inline blobs, datastore addresses) are bounded.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, get_args, get_origin

from flowscope.frozen import MISSING, fields
from flowscope.metastore import records as _records
from flowscope.remote.transport import Answer

R = TypeVar("R")


Check = Callable[[Any], bool]
_MISSING = object()
_LIMITS: dict[tuple[str, str], int] = {
    ("ArtifactRecord", "inline"): _records.MAX_INLINE_TEXT,
    ("RunRecord", "datastore"): _records.MAX_ADDRESS,
}
"""The longest string a field of an answer may hold (a hostile service's oversized field is
refused here, before anything decodes it)."""


def _is_str(v: Any) -> bool:
    return type(v) is str


def _is_int(v: Any) -> bool:
    return type(v) is int


def _is_number(v: Any) -> bool:
    return type(v) is float or type(v) is int


def _is_bool(v: Any) -> bool:
    return type(v) is bool


def _is_none(v: Any) -> bool:
    return v is None


def _is_object(v: Any) -> bool:
    return type(v) is dict and all(type(k) is str for k in v)


def _never(v: Any) -> bool:
    return False  # a field type this checker does not know: refuse rather than guess


def _checker(tp: Any) -> Check | None:
    """A check for a JSON value of type `tp`, built once per field (None: anything goes)."""
    if tp is Any:
        return None
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [_checker(arg) for arg in get_args(tp)]
        if any(check is None for check in options):
            return None
        known = tuple(check for check in options if check is not None)
        if len(known) == 2 and _is_none in known:
            other = known[0] if known[1] is _is_none else known[1]
            return lambda v: v is None or other(v)
        return lambda v: any(check(v) for check in known)
    simple = {type(None): _is_none, bool: _is_bool, int: _is_int, float: _is_number, str: _is_str}
    if tp in simple:
        return simple[tp]
    if origin is tuple:
        item = _checker(get_args(tp)[0]) if get_args(tp) else None
        if item is None:
            return lambda v: type(v) is list
        return lambda v: type(v) is list and all(item(x) for x in v)
    if origin in (Mapping, dict):
        return _is_object
    return _never


@dataclass(frozen=True)
class _Field:
    name: str
    tp: Any
    required: bool
    check: Check | None
    limit: int | None


@functools.cache
def _table(cls: type) -> tuple[_Field, ...]:
    """Each field of `cls` with its precomputed check (the records' own annotations)."""
    hints = typing.get_type_hints(cls, vars(_records))
    table = []
    for f in fields(cls):
        limit = _LIMITS.get((cls.__name__, f.name))
        check = _checker(hints[f.name])
        if limit is not None and check is not None:
            check = _bounded(check, limit)
        required = f.default is MISSING and f.default_factory is MISSING
        table.append(_Field(f.name, hints[f.name], required, check, limit))
    return tuple(table)


def _bounded(check: Check, limit: int) -> Check:
    return lambda v: check(v) and (type(v) is not str or len(v) <= limit)


def _describe(cls: type) -> str:
    return f"a {cls.__name__} object"


def _refuse(cls: type, field: _Field, value: Any, answer: Answer) -> Exception:
    if field.limit is not None and type(value) is str and len(value) > field.limit:
        return answer.wrong_shape(
            f"{_describe(cls)} whose {field.name!r} holds at most {field.limit} characters, "
            f"got {len(value)}"
        )
    return answer.wrong_shape(
        f"{_describe(cls)} whose {field.name!r} is {getattr(field.tp, '__name__', field.tp)}, "
        f"got {type(value).__name__}"
    )


def record(cls: type[R], value: Any, answer: Answer) -> R:
    """`value` as a `cls` record, or the error saying which field was wrong."""
    if type(value) is not dict:
        raise answer.wrong_shape(f"{_describe(cls)}, got {type(value).__name__}")
    kwargs: dict[str, Any] = {}
    for field in _table(typing.cast(type, cls)):
        got = value.get(field.name, _MISSING)
        if got is _MISSING:
            if field.required:
                raise answer.wrong_shape(f"{_describe(cls)} with the field {field.name!r}")
            continue
        if field.check is not None and not field.check(got):
            raise _refuse(typing.cast(type, cls), field, got, answer)
        kwargs[field.name] = tuple(got) if type(got) is list else got
    if _plain(typing.cast(type, cls)):  # built from the checked fields: no second pass
        return cls(**kwargs)
    made: R = cls.from_dict(value)  # type: ignore[attr-defined]
    return made


@functools.cache
def _plain(cls: type) -> bool:
    """Whether `cls` keeps the shared `Record.from_dict` (fields as given, lists as tuples)."""
    shared: Any = _records.Record.__dict__["from_dict"]
    return bool(all(vars(base).get("from_dict", shared) is shared for base in cls.__mro__))


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
