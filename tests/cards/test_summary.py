"""TaskSummary: the default card's typed input, its duration, and output tails."""

from __future__ import annotations

from flowscope.cards.summary import TAIL_LINES, ArtifactSummary, TaskSummary, tail


def test_duration_needs_both_ends_and_is_never_negative() -> None:
    assert TaskSummary("F", "F/1/s/2").duration is None
    assert TaskSummary("F", "F/1/s/2", started_at=10.0, finished_at=12.5).duration == 2.5
    assert TaskSummary("F", "F/1/s/2", started_at=10.0, finished_at=9.0).duration == 0.0


def test_tail_keeps_the_last_lines_and_bounds_characters() -> None:
    output = "\n".join(f"line {i}" for i in range(1000))
    kept = tail(output)
    assert kept.splitlines()[-1] == "line 999" and len(kept.splitlines()) == TAIL_LINES
    assert len(tail("x" * 10**6, chars=500)) == 500
    assert tail("") == ""


def test_summaries_are_values() -> None:
    a = ArtifactSummary("x", "int", 8, "1")
    assert a == ArtifactSummary("x", "int", 8, "1")
    assert hash(TaskSummary("F", "F/1/s/2", artifacts=(a,)))
