"""A run's start and stop (runtime/lifecycle.py): what the record says, and what a stop
records of the attempts in flight. Driven through RunDriver, as the runner uses them."""

from __future__ import annotations

from pathlib import Path

from flowscope.config import Settings
from flowscope.datastore import ContentStore, MemoryStorage
from flowscope.flow import FlowGraph
from flowscope.metastore.local import open_local
from flowscope.runtime.lifecycle import start_run
from flowscope.runtime.runner import RunDriver

from .support import FlakyFlow as LinearFlow


def test_the_run_record_and_the_parts_serving_it(tmp_path: Path) -> None:
    provider = open_local(tmp_path / ".flowscope", create=True)
    driver = RunDriver(
        LinearFlow,
        FlowGraph.from_class(LinearFlow),
        provider,
        Settings.from_env({"FLOWSCOPE_USER": "ann"}),
        datastore=ContentStore(MemoryStorage()),
        parameters={"alpha": 1},
        tags=("t1",),
        command_line="python flow.py run",
    )
    parts = start_run(driver, code_key=None)
    record = provider.get_run(LinearFlow.__name__, parts.record.run_id)
    assert record is not None and record.user == "ann" and record.status == "running"
    assert "t1" in record.user_tags and record.command_line == "python flow.py run"
    assert parts.work.run_id == parts.record.run_id and parts.work.parameters == {"alpha": 1}
    assert parts.journal.run_id == parts.record.run_id and len(parts.journal) == 0
    provider.close()
