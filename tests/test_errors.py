"""The error tree (errors.py): one root, the stdlib bases callers rely on, exit codes, and
graph problems that name their step and line."""

from __future__ import annotations

import inspect

import pytest

from flowscope import errors
from flowscope.errors import (
    BlobCorrupted,
    BlobNotFound,
    DataStoreError,
    FlowDefinitionError,
    FlowscopeError,
    GraphError,
    GraphProblem,
    InvalidPathspec,
    MetadataError,
    ObjectNotFound,
    ParameterError,
    SchemaError,
    ServiceUnavailable,
    TagError,
)


def _error_classes() -> list[type[BaseException]]:
    return [
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, BaseException) and cls.__module__ == errors.__name__
    ]


def test_every_error_class_has_the_one_root() -> None:
    classes = _error_classes()
    assert len(classes) >= 15
    assert all(issubclass(cls, FlowscopeError) for cls in classes)


def test_every_error_class_is_drawn_in_the_docstring() -> None:
    doc = errors.__doc__ or ""
    assert [c.__name__ for c in _error_classes() if c.__name__ not in doc] == []


def test_stdlib_bases_let_callers_catch_naturally() -> None:
    assert issubclass(InvalidPathspec, ValueError) and issubclass(TagError, ValueError)
    assert issubclass(ParameterError, ValueError) and issubclass(ObjectNotFound, KeyError)
    assert issubclass(BlobNotFound, DataStoreError) and issubclass(BlobCorrupted, DataStoreError)
    assert issubclass(ServiceUnavailable, MetadataError) and issubclass(SchemaError, MetadataError)
    assert issubclass(GraphError, FlowDefinitionError)


def test_exit_codes_tell_usage_errors_from_failures() -> None:
    for usage in (InvalidPathspec, TagError, FlowDefinitionError, GraphError, ParameterError):
        assert usage.exit_code == 2
    for failure in (FlowscopeError, ObjectNotFound, MetadataError, DataStoreError):
        assert failure.exit_code == 1


def test_object_not_found_prints_its_message_not_a_repr() -> None:
    assert str(ObjectNotFound("Flow 'X' does not exist.")) == "Flow 'X' does not exist."
    assert str(ObjectNotFound()) == "object not found"
    with pytest.raises(KeyError):
        raise ObjectNotFound("missing")


def test_graph_problems_name_where_they_are() -> None:
    assert (
        str(GraphProblem("start", 12, "no self.next()")) == "step 'start', line 12: no self.next()"
    )
    assert str(GraphProblem(None, 3, "m")) == "line 3: m"
    assert str(GraphProblem("end", None, "m")) == "step 'end': m"
    assert str(GraphProblem(None, None, "m")) == "m"


def test_graph_error_lists_one_or_many_problems() -> None:
    one = GraphError([GraphProblem("a", 1, "bad")])
    assert str(one) == "The flow graph is invalid: step 'a', line 1: bad"
    many = GraphError([GraphProblem("a", 1, "bad"), GraphProblem("b", None, "worse")])
    assert str(many).splitlines() == [
        "The flow graph is invalid:",
        "  - step 'a', line 1: bad",
        "  - step 'b': worse",
    ]
    assert [p.step for p in many.problems] == ["a", "b"]
