"""The query index's SQL (metastore/query_index.py): records, catalog, latest attempts, rows."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings, strategies as st

from flowscope.metastore.db import open_database
from flowscope.metastore.filter_sql import Target
from flowscope.metastore.migrations import migrate
from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
from flowscope.metastore.queries import RunQuery
from flowscope.metastore.query_index import load_catalog, repack
from flowscope.metastore.records import ArtifactRecord
from flowscope.metastore.store import SqlMetadataStore


def _store(tmp_path: Path) -> SqlMetadataStore:
    db = open_database(str(tmp_path / "m.db"))
    migrate(db)
    return SqlMetadataStore(db)


def _art(name: str, value: object) -> ArtifactRecord:
    return ArtifactRecord(name, "a" * 64, 1, "t", "pickle", scalar=json.dumps(value))


def test_catalog_lists_fields_with_their_kinds(tmp_path: Path) -> None:
    store = _store(tmp_path)
    run = store.create_run(NewRun("F", "u", parameters={"a": 1, "b": "x", "c": [1]})).run_id
    store.create_run(NewRun("F", "u", parameters={"a": "one"}))
    store.create_tasks("F", run, [NewTask("end", 1)])
    store.start_attempts("F", run, [AttemptStart(1, 0)])
    store.finish_attempts(
        "F", run, [AttemptResult(1, 0, "succeeded", artifacts=(_art("s", 0.5), _art("n", None)))]
    )
    catalog = store.db.read(lambda c: load_catalog(c, Target("runs", "F")))
    assert catalog == {
        ("params", "a"): frozenset({"number", "str"}),
        ("params", "b"): frozenset({"str"}),  # c is a list: not indexed
        ("data", "s"): frozenset({"number"}),
        ("data", "n"): frozenset({"none"}),
    }


def test_a_later_attempt_replaces_an_earlier_one_in_the_index(tmp_path: Path) -> None:
    store = _store(tmp_path)
    run = store.create_run(NewRun("F", "u")).run_id
    store.create_tasks("F", run, [NewTask("end", 1)])
    store.start_attempts("F", run, [AttemptStart(1, 0)])
    store.finish_attempts("F", run, [AttemptResult(1, 0, "failed", artifacts=(_art("s", 1),))])
    store.start_attempts("F", run, [AttemptStart(1, 1)])
    store.finish_attempts("F", run, [AttemptResult(1, 1, "succeeded", artifacts=(_art("s", 2),))])
    assert [r.run_id for r in store.list_runs("F", RunQuery(where="data.s = 1")).items] == []
    assert [r.run_id for r in store.list_runs("F", RunQuery(where="data.s = 2")).items] == [run]
    rows = store.db.read(lambda c: c.execute("SELECT attempt FROM scalar_artifacts"))
    assert rows == [(1,)]


def test_a_first_attempt_deletes_nothing_from_the_index(tmp_path: Path) -> None:
    store = _store(tmp_path)
    run = store.create_run(NewRun("F", "u")).run_id
    store.create_tasks("F", run, [NewTask("end", 1), NewTask("end", 2)])
    store.start_attempts("F", run, [AttemptStart(1, 0), AttemptStart(2, 0)])
    seen: list[str] = []
    store.db.read(lambda c: c.raw.set_trace_callback(seen.append))
    store.finish_attempts(
        "F",
        run,
        [AttemptResult(t, 0, "succeeded", artifacts=(_art("s", t),)) for t in (1, 2)],
    )
    assert not [sql for sql in seen if sql.startswith("DELETE FROM scalar_artifacts")]
    assert len([sql for sql in seen if sql.startswith("INSERT INTO scalar_artifacts")]) == 2


def test_a_retried_batch_records_each_value_once(tmp_path: Path) -> None:
    store = _store(tmp_path)
    run = store.create_run(NewRun("F", "u")).run_id
    store.create_tasks("F", run, [NewTask("train", 1, foreach_index=0)])
    store.start_attempts("F", run, [AttemptStart(1, 0)])
    result = AttemptResult(1, 0, "succeeded", artifacts=(_art("s", 1),), input='"a"')
    store.finish_attempts("F", run, [result])
    store.finish_attempts("F", run, [result])
    counts = store.db.read(
        lambda c: c.execute(
            "SELECT (SELECT COUNT(*) FROM scalar_artifacts), (SELECT COUNT(*) FROM task_inputs)"
        )
    )
    assert counts == [(1, 1)]
    assert [t.task_id for t in store.list_tasks("F", run, "train", where="input = 'a'")] == [1]


def test_run_rows_page_like_list_runs(tmp_path: Path) -> None:
    store = _store(tmp_path)
    for i in range(5):
        store.create_run(NewRun("F", "u", parameters={"i": i}))
    query = RunQuery(where="params.i >= 1", limit=3)
    rows = store.list_run_rows("F", query)
    runs = store.list_runs("F", query)
    assert [r.run for r in rows.items] == list(runs.items) and rows.cursor == runs.cursor == "3"
    assert [r.params for r in rows.items] == [{"i": 4}, {"i": 3}, {"i": 2}]


@settings(max_examples=25, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=30))
def test_run_rows_give_values_back_exactly(number: float, text: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        store = _store(Path(tmp))
        params = {"f": number, "s": text, "b": True, "n": None, "i": 2**60}
        store.create_run(NewRun("F", "u", parameters=params))
        (row,) = store.list_run_rows("F").items
        assert row.params == params and type(row.params["f"]) is float
        store.close()


def _packed(store: SqlMetadataStore, run: int) -> dict[str, tuple[object, ...]]:
    rows = store.db.read(
        lambda c: c.execute(
            "SELECT scope, names, kinds, texts FROM run_values WHERE flow_name = 'F' "
            "AND run_id = ?",
            [run],
        )
    )
    return {str(r[0]): tuple(r[1:]) for r in rows}


def test_packed_rows_follow_the_scalar_rows_they_pack(tmp_path: Path) -> None:
    store = _store(tmp_path)
    run = store.create_run(NewRun("F", "u", parameters={"b": "x", "a": 1, "c": [1]})).run_id
    assert _packed(store, run) == {
        "params": ('["a", "b"]', "is", '["x"]'),
        "data": ("[]", "", None),
    }
    store.create_tasks("F", run, [NewTask("start", 1), NewTask("end", 2)])
    store.start_attempts("F", run, [AttemptStart(1, 0), AttemptStart(2, 0)])
    store.finish_attempts(
        "F", run, [AttemptResult(1, 0, "succeeded", artifacts=(_art("early", 1),))]
    )
    assert _packed(store, run)["data"] == ("[]", "", None)  # only the end task's are packed
    store.finish_attempts("F", run, [AttemptResult(2, 0, "failed", artifacts=(_art("s", 1),))])
    assert _packed(store, run)["data"] == ('["s"]', "i", None)
    store.start_attempts("F", run, [AttemptStart(2, 1)])
    later = (_art("s", 2.5), _art("t", True))
    store.finish_attempts("F", run, [AttemptResult(2, 1, "succeeded", artifacts=later)])
    assert _packed(store, run)["data"] == ('["s", "t"]', "fb", None)  # the later attempt's


def test_repack_rebuilds_every_run_and_a_table_reads_runs_without_packed_rows(
    tmp_path: Path,
) -> None:
    store = _store(tmp_path)
    runs = [store.create_run(NewRun("F", "u", parameters={"a": i})).run_id for i in range(3)]
    before = store.list_run_table("F")
    store.db.write(lambda c: c.execute("DELETE FROM run_values WHERE run_id <> ?", [runs[0]]))
    assert store.list_run_table("F") == before  # the missing ones packed from the scalar rows
    assert store.db.write(lambda c: repack(c, "F")) == 6  # 3 runs x 2 scopes
    assert _packed(store, runs[2]) == {"params": ('["a"]', "i", None), "data": ("[]", "", None)}
    assert store.list_run_table("F") == before
