"""What writers send (metastore/new_records.py): values that round-trip through JSON."""

from __future__ import annotations

import json

from flowscope.metastore.new_records import AttemptResult
from flowscope.metastore.records import ArtifactRecord, Fact


def _wire(record: object) -> dict[str, object]:
    data: dict[str, object] = json.loads(json.dumps(record.to_dict()))  # type: ignore[attr-defined]
    return data


def test_attempt_results_rebuild_their_nested_records() -> None:
    result = AttemptResult(
        2,
        1,
        "succeeded",
        finished_at=9.0,
        artifacts=(ArtifactRecord("x", "ab" * 32, 10, "int", "pickle", 1.0),),
        facts=(Fact("attempt", "1", "int"),),
        stdout_key="k",
    )
    back = AttemptResult.from_dict(_wire(result))
    assert back == result
    assert isinstance(back.artifacts[0], ArtifactRecord) and isinstance(back.facts[0], Fact)
    assert AttemptResult.from_dict({"task_id": 1, "attempt": 0, "status": "failed"}).artifacts == ()
