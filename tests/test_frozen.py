"""Frozen values (flowscope/frozen.py): immutable, equal by fields, and still readable by the
`dataclasses` reflection functions, with nothing compiled when a class is made."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import subprocess
import sys

import pytest

from flowscope.frozen import MISSING, Field, Frozen, fields, init, names, replace, values


class Point(Frozen):
    __slots__ = ("x", "y")
    x: int
    y: int

    def __init__(self, x: int, y: int = 0) -> None:
        init(self, "x", x)
        init(self, "y", y)


class Labelled(Point):
    __slots__ = ("label",)
    label: str

    def __init__(self, x: int, y: int = 0, label: str = "") -> None:
        super().__init__(x, y)
        init(self, "label", label)


class One(Frozen):
    __slots__ = "only"
    only: tuple[int, ...]

    def __init__(self, only: tuple[int, ...]) -> None:
        init(self, "only", only)


def test_fields_come_from_the_slots_in_constructor_order() -> None:
    assert names(Point) == ("x", "y") and names(Labelled) == ("x", "y", "label")
    assert values(Labelled(1, 2, "a")) == (1, 2, "a") and values(One((3,))) == ((3,),)
    assert fields(Point) == (Field("x", MISSING), Field("y", 0))
    assert fields(Point)[0].default_factory is MISSING


def test_values_refuse_assignment_and_deletion_as_a_frozen_dataclass() -> None:
    p = Point(1)
    with pytest.raises(dataclasses.FrozenInstanceError, match="'x'"):
        p.x = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del p.y
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.other = 3  # type: ignore[attr-defined]
    assert not hasattr(p, "__dict__") and p.x == 1


def test_equality_and_hash_follow_the_fields_and_the_class() -> None:
    assert Point(1, 2) == Point(1, 2) and hash(Point(1, 2)) == hash(Point(1, 2))
    assert Point(1, 2) != Point(2, 1)
    assert Labelled(1, 2) != Point(1, 2)  # another class is never equal, as dataclasses
    assert Point(1, 2) != (1, 2)
    assert len({Point(1), Point(1), Point(2)}) == 2
    assert One((1,)) == One((1,)) and One((1,)) != One((2,))


def test_repr_names_each_field() -> None:
    assert repr(Labelled(1, label="a")) == "Labelled(x=1, y=0, label='a')"
    assert repr(One((1,))) == "One(only=(1,))"


def test_values_pickle_and_copy() -> None:
    value = Labelled(1, 2, "a")
    assert pickle.loads(pickle.dumps(value)) == value
    assert copy.copy(value) == value and copy.deepcopy(value) == value


def test_replace_changes_the_named_fields_only() -> None:
    assert replace(Labelled(1, 2, "a"), y=5) == Labelled(1, 5, "a")
    with pytest.raises(TypeError, match="'z'"):
        replace(Point(1), z=2)


def test_the_dataclasses_functions_still_work_on_them() -> None:
    value = Labelled(1, 2, "a")
    assert dataclasses.is_dataclass(value)
    assert [f.name for f in dataclasses.fields(Labelled)] == ["x", "y", "label"]
    assert dataclasses.fields(Point)[0].default is dataclasses.MISSING
    assert dataclasses.fields(Point)[1].default == 0
    assert dataclasses.asdict(value) == {"x": 1, "y": 2, "label": "a"}
    assert dataclasses.replace(value, label="b") == Labelled(1, 2, "b")


def test_making_a_class_compiles_nothing_and_loads_no_dataclasses() -> None:
    code = (
        "import sys\n"
        "from flowscope.frozen import Frozen, init\n"
        "class P(Frozen):\n"
        "    __slots__ = ('a',)\n"
        "    def __init__(self, a): init(self, 'a', a)\n"
        "assert P(1) == P(1) and hash(P(1)) == hash(P(1)) and repr(P(1)) == 'P(a=1)'\n"
        "print('dataclasses' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
