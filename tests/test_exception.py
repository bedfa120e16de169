"""The family's exception names (exception.py) catch what flowscope raises."""

from __future__ import annotations

import pytest

from flowscope import Flow, namespace
from flowscope.errors import FlowscopeError, MergeConflict, ObjectNotFound
from flowscope.exception import (
    CommandException,
    MetaflowException,
    MetaflowNotFound,
    UnhandledInMergeArtifactsException,
)


def test_the_family_names_are_flowscope_errors(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert MetaflowException is FlowscopeError and MetaflowNotFound is ObjectNotFound
    assert UnhandledInMergeArtifactsException is MergeConflict
    assert issubclass(CommandException, MetaflowException)
    monkeypatch.chdir(tmp_path)
    namespace(None)
    with pytest.raises(MetaflowException):  # as a notebook written for the family catches it
        Flow("NoSuchFlow")
