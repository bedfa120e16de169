"""Frozen, slotted values that cost nothing at import. Pure.

`@dataclass(frozen=True, slots=True)` compiles its methods when the class is made: about
0.3-1 ms per class, at every import, and the run path had some fifty of them. A `Frozen`
subclass instead names its fields in `__slots__` (in constructor order) and writes its own
`__init__`, setting each field with `init(self, name, value)`; this base gives the rest from
the slots, with nothing compiled:

- assignment and deletion refuse (`dataclasses.FrozenInstanceError`, as a frozen dataclass);
- `==` (same class and equal fields), `hash()` of the fields, a dataclass-style `repr`;
- pickling and copying (by the constructor, positionally);
- `dataclasses.fields()`, `asdict()`, `replace()` and `is_dataclass()` still work on them: the
  `__dataclass_fields__` table is built the first time something asks for it (once per class,
  only in the processes that reflect), from the slots, the annotations and `__init__`'s
  defaults. `fields(cls)` and `replace(value, **changes)` here do the same without building it.

    class Point(Frozen):
        __slots__ = ("x", "y")
        x: int
        y: int

        def __init__(self, x: int, y: int = 0) -> None:
            init(self, "x", x)
            init(self, "y", y)
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

V = TypeVar("V", bound="Frozen")

init: Callable[[object, str, Any], None] = object.__setattr__
"""Set a field of a value being built (in its `__init__` only)."""

MISSING: Any = object()
"""`Field.default` of a field without a default (`dataclasses.MISSING` in the dataclass table)."""


_FIELDS: dict[type, tuple[Field, ...]] = {}
_DATACLASS_FIELDS: dict[type, dict[str, Any]] = {}


def names(cls: type[Frozen]) -> tuple[str, ...]:
    """The field names of a Frozen class, in constructor order (its bases' slots first)."""
    return cls._field_names


def values(value: Frozen) -> tuple[Any, ...]:
    """The fields of `value`, in constructor order."""
    return value.__class__._field_values(value)


def _slots(cls: type) -> tuple[str, ...]:
    slots = vars(cls).get("__slots__", ())
    return (slots,) if isinstance(slots, str) else tuple(slots)


def _getter(fields: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    if len(fields) > 1:
        return attrgetter(*fields)
    if fields:
        one = attrgetter(fields[0])
        return lambda value: (one(value),)
    return lambda value: ()


def fields(cls: type[Frozen]) -> tuple[Field, ...]:
    """Each field of a Frozen class with its default (MISSING when the constructor needs it)."""
    found = _FIELDS.get(cls)
    if found is None:
        code = cls.__init__.__code__
        params = code.co_varnames[1 : code.co_argcount]
        defaults = cls.__init__.__defaults__ or ()
        given = dict(zip(params[len(params) - len(defaults) :], defaults, strict=True))
        given.update(cls.__init__.__kwdefaults__ or {})
        found = _FIELDS[cls] = tuple(Field(n, given.get(n, MISSING)) for n in names(cls))
    return found


def as_dict(value: Frozen) -> dict[str, Any]:
    """The fields of `value` by name, as they are (no copy of nested values: unlike
    `dataclasses.asdict`, for flat values)."""
    return dict(zip(names(type(value)), values(value), strict=True))


def replace(value: V, **changes: Any) -> V:
    """A copy of `value` with `changes` (keyword: field name), as `dataclasses.replace`."""
    cls = type(value)
    unknown = set(changes) - set(names(cls))
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {sorted(unknown)[0]!r}")
    return cls(**{**dict(zip(names(cls), values(value), strict=True)), **changes})


def _dataclass_fields(cls: type[Frozen]) -> dict[str, Any]:
    """The `__dataclass_fields__` table of a Frozen class, built once on first use."""
    table = _DATACLASS_FIELDS.get(cls)
    if table is None:
        import dataclasses

        hints: dict[str, Any] = {}
        for base in reversed(cls.__mro__):
            hints.update(vars(base).get("__annotations__", {}))
        spec = [(f.name, hints.get(f.name, "Any"), _field(f.default)) for f in fields(cls)]
        made = dataclasses.make_dataclass(cls.__name__, spec, frozen=True, eq=False, repr=False)
        table = _DATACLASS_FIELDS[cls] = dict(made.__dataclass_fields__)  # type: ignore[attr-defined]
    return table


def _field(default: Any) -> Any:
    import dataclasses

    if default is MISSING:
        return dataclasses.field()
    if isinstance(default, (list, dict, set)):
        return dataclasses.field(default_factory=default.copy)
    return dataclasses.field(default=default)


class _Reflected:
    """`cls.__dataclass_fields__`, made on first access (what `dataclasses.fields` reads)."""

    def __get__(self, obj: object, owner: type[Frozen]) -> dict[str, Any]:
        return _dataclass_fields(owner)


def _frozen_error(message: str) -> Exception:
    from dataclasses import FrozenInstanceError

    return FrozenInstanceError(message)


class Frozen:
    """Base of a frozen value whose fields are its `__slots__` (see the module docstring)."""

    __slots__ = ()
    if TYPE_CHECKING:  # declared for mypy only: a subclass's hints are its fields alone
        __dataclass_fields__: ClassVar[dict[str, Any]]
        _field_names: ClassVar[tuple[str, ...]]
        _field_values: ClassVar[Callable[[Any], tuple[Any, ...]]]
    __dataclass_fields__ = _Reflected()  # type: ignore[assignment]
    _field_names = ()
    _field_values = staticmethod(_getter(()))

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._field_names = tuple(
            name for base in reversed(cls.__mro__) for name in _slots(base) if name[:2] != "__"
        )
        cls._field_values = staticmethod(_getter(cls._field_names))

    def __setattr__(self, name: str, value: Any) -> None:
        raise _frozen_error(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise _frozen_error(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        get = self.__class__._field_values
        return bool(get(self) == get(other))

    def __hash__(self) -> int:
        return hash(self.__class__._field_values(self))

    def __repr__(self) -> str:
        cls = self.__class__
        shown = ", ".join(f"{n}={v!r}" for n, v in zip(names(cls), values(self), strict=True))
        return f"{cls.__qualname__}({shown})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.__class__, values(self))


class Field(Frozen):
    """A field's name and default (`default_factory` is always MISSING: kept for callers that
    read a `dataclasses.Field`)."""

    __slots__ = ("name", "default", "default_factory")
    name: str
    default: Any
    default_factory: Any

    def __init__(self, name: str, default: Any, default_factory: Any = MISSING) -> None:
        init(self, "name", name)
        init(self, "default", default)
        init(self, "default_factory", default_factory)
