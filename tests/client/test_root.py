"""Metaflow(): the root object (client/root.py)."""

from __future__ import annotations

import pickle

import pytest

from flowscope.client import Flow, Metaflow, namespace
from flowscope.errors import NamespaceMismatch


def test_metaflow_flows_are_those_visible_in_the_namespace(client, builder):
    builder.hello()
    builder.hello("BobFlow", user="bob")
    builder.failed()
    assert [f.id for f in Metaflow().flows] == ["FailFlow", "HelloFlow"]  # newest first
    namespace(None)
    assert {f.id for f in Metaflow().flows} == {"FailFlow", "HelloFlow", "BobFlow"}
    assert len(Metaflow()) == 3


def test_metaflow_brackets_and_contains(client, builder):
    builder.hello()
    builder.hello("BobFlow", user="bob")
    root = Metaflow()
    assert root["HelloFlow"] == Flow("HelloFlow")
    assert "HelloFlow" in root and "BobFlow" not in root and "Nope" not in root
    with pytest.raises(NamespaceMismatch):
        root["BobFlow"]
    with pytest.raises(KeyError):
        root["Nope"]


def test_metaflow_flows_is_a_new_list(client, builder):
    builder.hello()
    root = Metaflow()
    assert root.flows is not root.flows and isinstance(root.flows, list)


def test_metaflow_root_pickles_by_address(client, builder):
    builder.hello()
    back = pickle.loads(pickle.dumps(Metaflow()))
    assert back == Metaflow() and [f.id for f in back] == ["HelloFlow"]
    assert repr(back) == "Metaflow()"
