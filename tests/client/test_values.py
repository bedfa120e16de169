"""TaskException, Metadata, LogLine (client/values.py)."""

from __future__ import annotations

from flowscope.client.values import TaskException


def test_str_is_the_traceback_ending_with_the_summary():
    exc = TaskException(
        "ValueError", "bad", "Traceback (most recent call last):\n  x\nValueError: bad\n"
    )
    assert str(exc) == "Traceback (most recent call last):\n  x\nValueError: bad"


def test_str_adds_the_summary_when_the_traceback_lacks_it():
    exc = TaskException("ValueError", "bad", "Traceback (most recent call last):\n  x\n")
    assert str(exc).endswith("\nValueError: bad")


def test_without_traceback_or_message():
    assert str(TaskException("ValueError", "bad")) == "ValueError: bad"
    assert str(TaskException("StopFlow", "")) == "StopFlow"


def test_qualified_type_and_repr():
    exc = TaskException("Oops", "m", module="mylib.errors")
    assert exc.qualified_type == "mylib.errors.Oops"
    assert repr(exc) == "TaskException(type='mylib.errors.Oops', message='m')"
    assert TaskException("ValueError", "m").qualified_type == "ValueError"


def test_from_a_partial_record():
    exc = TaskException._from_record({"message": "m"})
    assert (exc.type, exc.module, exc.traceback) == ("Exception", "builtins", "")


def test_equality():
    assert TaskException("A", "m") == TaskException("A", "m")
    assert TaskException("A", "m") != TaskException("A", "n")
    assert len({TaskException("A", "m"), TaskException("A", "m")}) == 1
