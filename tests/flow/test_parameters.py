"""Parameter and IncludeFile: types, conversion, defaults, names, files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flowscope.errors import FlowDefinitionError, ParameterError
from flowscope.flow import FlowSpec, IncludeFile, JSONType, Parameter, step
from flowscope.flow.parameters import flow_parameters


@pytest.mark.parametrize(
    ("default", "kind", "name"),
    [
        (0.5, float, "float"),
        (3, int, "int"),
        (True, bool, "bool"),
        ("x", str, "str"),
        (None, str, "str"),
        ({"a": 1}, JSONType, "JSON"),
        ([1, 2], JSONType, "JSON"),
    ],
)
def test_type_is_inferred_from_the_default(default: Any, kind: type, name: str) -> None:
    param = Parameter("p", default=default)
    assert param.type is kind and param.type_name == name


def test_explicit_types_and_int_default_for_float() -> None:
    param = Parameter("rate", default=1, type=float)
    assert param.type is float and param.default == 1.0 and isinstance(param.default, float)
    assert Parameter("cfg", type=JSONType).type is JSONType


def test_unsupported_or_mismatched_types() -> None:
    with pytest.raises(FlowDefinitionError, match="type=<class 'list'> is not supported"):
        Parameter("p", type=list)
    with pytest.raises(FlowDefinitionError, match="cannot infer a type from the default"):
        Parameter("p", default=object())
    with pytest.raises(FlowDefinitionError, match="the default '3' is a str, but .* int"):
        Parameter("p", default="3", type=int)
    with pytest.raises(FlowDefinitionError, match="the default True is a bool"):
        Parameter("p", default=True, type=int)
    with pytest.raises(FlowDefinitionError, match="Parameter 'p'"):
        Parameter("p", default={1, 2}, type=JSONType)


@pytest.mark.parametrize(
    ("kind", "raw", "value"),
    [
        (str, "hello world", "hello world"),
        (int, "42", 42),
        (int, " -7 ", -7),
        (float, "0.25", 0.25),
        (float, "3", 3.0),
        (bool, "true", True),
        (bool, "YES", True),
        (bool, "1", True),
        (bool, "False", False),
        (bool, "no", False),
        (bool, "0", False),
        (JSONType, '{"a": [1, 2]}', {"a": [1, 2]}),
        (JSONType, "[]", []),
    ],
)
def test_convert(kind: type, raw: str, value: Any) -> None:
    converted = Parameter("p", type=kind).convert(raw)
    assert converted == value and type(converted) is type(value)


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (int, "1.5", "int"),
        (int, "ten", "int"),
        (float, "fast", "float"),
        (bool, "maybe", "bool"),
        (JSONType, "{oops", "JSON"),
    ],
)
def test_bad_values_name_parameter_value_and_type(kind: type, raw: str, expected: str) -> None:
    with pytest.raises(ParameterError) as info:
        Parameter("alpha", type=kind).convert(raw)
    message = str(info.value)
    assert "Parameter 'alpha'" in message and repr(raw) in message
    assert f"not a valid {expected}" in message and "--alpha VALUE" in message


def test_resolve_applies_default_and_required() -> None:
    assert Parameter("n", default=3).resolve(None) == 3
    assert Parameter("n", default=3).resolve("5") == 5
    assert Parameter("n").resolve(None) is None
    with pytest.raises(ParameterError, match=r"Parameter 'n' is required: pass --n VALUE\."):
        Parameter("n", type=int, required=True).resolve(None)
    with pytest.raises(FlowDefinitionError, match="required and also has a default"):
        Parameter("n", default=1, required=True)


@pytest.mark.parametrize("name", ["1x", "a-b", "_private", "", "class", 3])
def test_invalid_names(name: Any) -> None:
    with pytest.raises(FlowDefinitionError, match="is not valid"):
        Parameter(name)


@pytest.mark.parametrize("name", ["name", "next", "input", "index", "help", "tag"])
def test_reserved_names(name: str) -> None:
    with pytest.raises(FlowDefinitionError, match=f"'{name}' is reserved"):
        Parameter(name)


def test_option_help_and_describe() -> None:
    param = Parameter("learning_rate", default=0.1, help="step size")
    assert param.option == "--learning_rate"
    assert param.describe() == {
        "name": "learning_rate",
        "type": "float",
        "default": 0.1,
        "required": False,
        "help": "step size",
    }
    assert repr(param) == "Parameter('learning_rate', type=float)"


class Base(FlowSpec):
    alpha = Parameter("alpha", default=1.0)
    beta = Parameter("beta", default=2)


class Derived(Base):
    beta = Parameter("beta", default=3)
    gamma = IncludeFile("gamma")

    @step
    def start(self):  # pragma: no cover - never run
        self.next(self.end)

    @step
    def end(self):  # pragma: no cover - never run
        pass


def test_descriptor_and_flow_parameters() -> None:
    assert isinstance(Derived.alpha, Parameter) and Derived.alpha.attr_name == "alpha"
    found = flow_parameters(Derived)
    assert list(found) == ["alpha", "beta", "gamma"]
    assert found["beta"].default == 3
    assert isinstance(found["gamma"], IncludeFile)


def test_outside_a_run_an_instance_reads_the_default() -> None:
    assert Derived(use_cli=False).beta == 3


def test_include_file_reads_text_and_bytes(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text("héllo\n", encoding="utf-8")
    assert IncludeFile("data").convert(str(path)) == "héllo\n"
    assert IncludeFile("data", is_text=False).load(str(path)) == "héllo\n".encode()
    latin = tmp_path / "latin.txt"
    latin.write_bytes("é".encode("latin-1"))
    assert IncludeFile("data", encoding="latin-1").load(str(latin)) == "é"
    assert IncludeFile("data", default=str(path)).resolve(None) == "héllo\n"
    assert IncludeFile("data").resolve(None) is None
    assert IncludeFile("data").type_name == "file path"


def test_include_file_errors_name_parameter_and_path(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.csv")
    with pytest.raises(ParameterError) as info:
        IncludeFile("table").resolve(missing)
    assert "Parameter 'table'" in str(info.value) and repr(missing) in str(info.value)
    assert isinstance(info.value.__cause__, FileNotFoundError)
    binary = tmp_path / "blob.bin"
    binary.write_bytes(b"\xff\xfe\xfa")
    with pytest.raises(ParameterError, match="UnicodeDecodeError"):
        IncludeFile("table").load(str(binary))
    with pytest.raises(ParameterError, match=r"required: pass --table PATH"):
        IncludeFile("table", required=True).resolve(None)


def test_separator_splits_values_and_converts_each() -> None:
    sizes = Parameter("sizes", type=int, separator=",", default="1,2")
    assert sizes.default == [1, 2] and sizes.convert("3,4,5") == [3, 4, 5]
    assert sizes.convert("") == []
    names = Parameter("names", default=["a", "b"], separator=";")
    assert names.type is str and names.convert("x;y") == ["x", "y"]
    with pytest.raises(ParameterError, match="'x' is not a valid int"):
        sizes.convert("1,x")
    with pytest.raises(FlowDefinitionError, match="not JSON"):
        Parameter("p", type=JSONType, separator=",")
    with pytest.raises(FlowDefinitionError, match="separator='' is not valid"):
        Parameter("p", separator="")


def test_a_function_default_is_deferred_and_bound_later() -> None:
    param = Parameter("p", default=lambda ctx: 3)
    assert param.default is None and callable(param.deferred_default)
    param.bind_default(3)
    assert param.default == 3 and param.type is int and param.deferred_default is None
    with pytest.raises(FlowDefinitionError, match="required and also has a default"):
        Parameter("q", required=True, default=lambda ctx: 1)
