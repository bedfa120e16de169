"""The parts of a RunDiff (client/diff_values.py): states, lines, JSON-ready dicts."""

from __future__ import annotations

import json

from flowscope.client.diff_values import (
    ArtifactChange,
    ArtifactSide,
    ValueChange,
    json_safe,
    short,
    state_of,
)


def test_state_of():
    assert state_of(True, True, True) == "same"
    assert state_of(True, True, False) == "changed"
    assert state_of(False, True, False) == "added"
    assert state_of(True, False, False) == "removed"


def test_lines_mark_each_state():
    assert ValueChange("a", "changed", 1, 2).line() == "~ a: 1 -> 2"
    assert ValueChange("a", "added", None, 2).line() == "+ a = 2"
    assert ValueChange("a", "removed", 1).line() == "- a = 1"
    assert ValueChange("a", "same", 1, 1).line() == "  a = 1"


def test_artifact_sides_show_a_value_or_the_type_and_hash():
    loaded = ArtifactSide("abc123", 10, "builtins.int", 0, True)
    unloaded = ArtifactSide("def4567890123", 10, "builtins.list")
    change = ArtifactChange("x", "changed", loaded, unloaded)
    assert change.line() == "~ x: 0 -> <builtins.list def4567890>"
    assert change.to_dict()["a"] == {
        "sha": "abc123",
        "size": 10,
        "type": "builtins.int",
        "value": 0,
    }
    assert "value" not in change.to_dict()["b"]  # no value known: none claimed
    assert ArtifactSide("s", 1, "builtins.NoneType", None, True).shown() == "None"


def test_json_safe_values():
    for value in (float("nan"), float("inf"), object()):
        json.dumps(json_safe(value), allow_nan=False)
    assert json_safe(1.5) == 1.5 and json_safe(None) is None and json_safe("x") == "x"


def test_short_cuts_long_reprs():
    assert len(short("x" * 500)) == 60 and short("x" * 500).endswith("…")


def test_durations_are_shown_in_seconds():
    assert ValueChange("duration", "changed", 1.23456, 20.0).line() == "~ duration: 1.23s -> 20.00s"
