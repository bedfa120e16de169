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


def test_code_and_logs_come_from_the_datastore_the_run_recorded(tmp_path: Any) -> None:
    import io
    import tarfile

    from flowscope.client.datastores import RunDatastores
    from flowscope.config import Settings
    from flowscope.datastore import ContentStore, LocalStorage
    from flowscope.logs import LogRecord, encode
    from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
    from flowscope.stores import open_stores

    settings = Settings.from_env({"FLOWSCOPE_USER": "u"})
    stores = open_stores(str(tmp_path / "meta"), settings=settings, create=True)
    team = tmp_path / "team"
    elsewhere = ContentStore(LocalStorage(team), address=str(team), inline_max=0)
    package = io.BytesIO()
    with tarfile.open(fileobj=package, mode="w:gz") as tar:
        member = tarfile.TarInfo("flow.py")
        member.size = 9
        tar.addfile(member, io.BytesIO(b"# the flow"[:9]))
    code_key = elsewhere.put(package.getvalue())
    out_key = elsewhere.put(encode([LogRecord(1.0, "said elsewhere")]))
    try:
        run = stores.provider.create_run(
            NewRun("F", "u", datastore=str(team), code_key=code_key)
        ).run_id
        stores.provider.create_tasks("F", run, [NewTask("start", 1)])
        stores.provider.start_attempts("F", run, [AttemptStart(1, 0)])
        done = AttemptResult(1, 0, "succeeded", stdout_key=out_key)
        stores.provider.finish_attempts("F", run, [done])
        stores.provider.finish_run("F", run, "succeeded")
        for_run = RunDatastores(stores, settings)
        assert read_run(stores, "/ui", "F", run, datastore_for=for_run).files == [("flow.py", 9)]
        view = read_task(stores, "F", run, "start", 1, None, for_run)
        assert [text for _, text in view.logs["stdout"]] == ["said elsewhere"]
        without = read_task(stores, "F", run, "start", 1, None)  # the pair's: not there
        assert "could not be read" in _text(without.logs["stdout"])
    finally:
        stores.close()


def _text(lines: list[tuple[float, str]]) -> str:
    return " ".join(text for _, text in lines)
