"""dump --include/--file helpers (cli/export.py)."""

from __future__ import annotations

import pickle

import pytest

from flowscope.cli.export import parse_include, write_pickle
from flowscope.errors import DataStoreError, InvalidPathspec, ParameterError


def test_parse_include():
    assert parse_include(None) is None
    assert parse_include("a, b,a,") == ("a", "b")
    with pytest.raises(ParameterError):
        parse_include(" , ")
    with pytest.raises(InvalidPathspec):
        parse_include("a,../b")


def test_write_pickle_is_whole_or_absent(tmp_path):
    target = write_pickle(str(tmp_path / "x.pkl"), {"1/a/2": {"x": 1}})
    assert pickle.loads(target.read_bytes()) == {"1/a/2": {"x": 1}}
    assert [p.name for p in tmp_path.iterdir()] == ["x.pkl"]
    with pytest.raises(DataStoreError, match="does not exist"):
        write_pickle(str(tmp_path / "no" / "x.pkl"), {})
