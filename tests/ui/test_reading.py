"""What the pages read (reading.py), over real runs of the hostile flow."""

from __future__ import annotations

from typing import Any

import pytest

from flowscope.errors import ObjectNotFound
from flowscope.ui.reading import read_run, read_step, read_task


def test_a_run_with_its_steps_bars_and_code(stores: Any) -> None:
    view = read_run(stores, "/ui", "HostileFlow", 1)
    assert [s["name"] for s in view.steps] == ["start", "body", "join", "end"]
    assert view.tasks == 6 and len(view.bars) == 7  # one retried attempt
    assert [b.earlier for b in view.bars].count(True) == 1
    assert any(name == "hostile.py" for name, _ in view.files) and view.source is not None
    assert {s.type for s in view.graph.steps} >= {"foreach", "join", "end"}


def test_a_step_and_a_task(stores: Any) -> None:
    _, tasks = read_step(stores, "HostileFlow", 1, "body")
    assert len(tasks) == 3
    retried = next(t for t in tasks if t.attempt == 1)
    view = read_task(stores, "HostileFlow", 1, "body", retried.task_id, None)
    assert [a.status for a in view.attempts] == ["failed", "succeeded"]
    first = read_task(stores, "HostileFlow", 1, "body", retried.task_id, 0)
    assert first.record.status == "failed" and first.record.exception is not None


def test_missing_objects(stores: Any) -> None:
    with pytest.raises(ObjectNotFound):
        read_run(stores, "/ui", "HostileFlow", 999)
    with pytest.raises(ObjectNotFound):
        read_step(stores, "HostileFlow", 1, "nostep")
    with pytest.raises(ObjectNotFound):
        read_task(stores, "HostileFlow", 1, "body", 99999, None)
