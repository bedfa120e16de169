"""Client classes by kind, for parents and unpickling (client/registry.py)."""

from __future__ import annotations

import pickle

import pytest

from flowscope.client import DataArtifact, Flow, Metaflow, Run, Step, Task
from flowscope.client.base import _restore
from flowscope.client.registry import class_named
from flowscope.errors import InvalidPathspec
from flowscope.pathspec import CLASS_NAMES


def test_every_kind_names_its_class():
    assert [class_named(kind) for kind in CLASS_NAMES] == [Flow, Run, Step, Task, DataArtifact]
    for cls in (Flow, Run, Step, Task, DataArtifact):
        assert class_named(cls.__name__) is cls


@pytest.mark.parametrize("kind", ["Metaflow", "ClientObject", "Container", "run", "", "Run\x00"])
def test_an_unknown_kind_is_a_clear_error(kind):
    with pytest.raises(InvalidPathspec, match="Unknown client object kind"):
        class_named(kind)


def test_a_subclass_does_not_take_over_its_parents_kind():
    class MyRun(Run):
        __slots__ = ()

    assert class_named("Run") is Run
    assert MyRun._kind == "Run"


def test_parents_come_from_the_registry(client, builder):
    recorded = builder.hello()
    artifact = DataArtifact(f"{recorded.task('start')}/x")
    chain = [artifact.parent, artifact.parent.parent, artifact.parent.parent.parent]
    assert [type(o) for o in chain] == [Task, Step, Run]
    assert type(chain[-1].parent) is Flow and chain[-1].parent.parent is None
    assert Metaflow()["HelloFlow"] == chain[-1].parent


def test_unpickling_a_forged_kind_is_refused(client, builder):
    run = Run(builder.hello().pathspec)
    address = run._provider.describe()
    forged = pickle.dumps(run).replace(b"\x8c\x03Run", b"\x8c\x03Bad")
    with pytest.raises(InvalidPathspec, match="'Bad'"):
        pickle.loads(forged)
    with pytest.raises(InvalidPathspec, match="Unknown client object kind"):
        _restore("Metaflow", run.pathspec, None, address, None)
    assert _restore("Run", run.pathspec, None, address, None) == run
