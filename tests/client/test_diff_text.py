"""The text form of a RunDiff (client/diff_text.py)."""

from __future__ import annotations

from .diff_fixtures import two_runs


def test_text_form(client, builder):
    a, b = two_runs(builder, second_alpha=0.2)
    text = str(a.diff(b))
    assert f"diff {a.pathspec} -> {b.pathspec}" in text
    assert "~ alpha: 0.5 -> 0.2" in text and "+ beta = 2" in text and "- gamma = 3" in text
    assert "~ best: 0.9 -> 0.95" in text
    assert "start" not in text  # the same: left out
    assert "start" in a.diff(b).text(differences_only=False)
