"""Building a RunDiff from snapshots (client/diff_logic.py): pure, with plain values."""

from __future__ import annotations

from flowscope.client.diff_logic import (
    RunSnapshot,
    StepSnapshot,
    TaskSnapshot,
    diff_files,
    diff_snapshots,
    task_key,
)
from flowscope.metastore.records import ArtifactRecord


def _snap(pathspec, steps, **kw):
    return RunSnapshot(
        pathspec=pathspec,
        flow="F",
        status="succeeded",
        user="u",
        created_at=0.0,
        finished_at=kw.pop("finished_at", 10.0),
        parameters=kw.pop("parameters", {}),
        steps=steps,
        **kw,
    )


def _art(name, sha, type_name="builtins.int"):
    return ArtifactRecord(name, sha, 10, type_name, "pickle")


def test_pure_diff_asks_values_only_for_differing_scalars():
    def step(sha, start, end):
        task = TaskSnapshot(
            "F/1/s/1",
            (),
            "succeeded",
            {"x": _art("x", sha), "l": _art("l", "L", "builtins.list")},
            start,
            end,
        )
        return {"s": StepSnapshot("s", (task,))}

    asked = []

    def values(records):
        records = list(records)
        asked.extend(r.sha for r in records)
        return {r.sha: {"A": 1, "B": 2}[r.sha] for r in records}

    diff = diff_snapshots(
        _snap("F/1", step("A", 0.0, 2.0)), _snap("F/2", step("B", 0.0, 9.0)), values, lambda k: {}
    )
    assert sorted(asked) == ["A", "B"]
    assert diff.steps[0].slower_or_faster and diff.steps[0].duration.b == 9.0
    small = diff_snapshots(
        _snap("F/1", step("A", 0.0, 2.0)), _snap("F/2", step("A", 0.0, 2.5)), values, lambda k: {}
    )
    assert not small.steps[0].slower_or_faster and small.identical  # 0.5 s is noise


def test_task_key_reads_runtime_frames_and_bare_indexes():
    assert task_key([["start", 3, 10, False]], 3) == (3,)
    assert task_key([["a", 1, 2, False], ["b", 4, 5, False]], 4) == (1, 4)
    assert task_key((7,), 7) == (7,)
    assert task_key((), None) == ()


def test_diff_files_handles_binary_and_missing_newlines():
    files = diff_files({"a.py": b"x = 1", "b.bin": b"\0\1"}, {"a.py": b"x = 2", "b.bin": b"\0\2"})
    by = {f.path: f for f in files}
    assert by["b.bin"].binary and by["b.bin"].diff == ""
    assert "\\ No newline at end of file" in by["a.py"].diff
