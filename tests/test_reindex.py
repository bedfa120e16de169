"""flowscope reindex (flowscope/reindex.py): the index filled for runs recorded before it."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowscope.config import Settings
from flowscope.datastore import save_artifact
from flowscope.errors import MetadataError, QueryError
from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
from flowscope.metastore.queries import RunQuery
from flowscope.metastore.records import ArtifactRecord
from flowscope.reindex import MAX_BLOB, reindex
from flowscope.stores import open_stores


def test_reindex_indexes_parameters_and_small_scalar_artifacts(tmp_path: Path) -> None:
    stores = open_stores(
        str(tmp_path), settings=Settings.from_env({"FLOWSCOPE_USER": "u"}), create=True
    )
    store = stores.provider
    run = store.create_run(NewRun("F", "u")).run_id
    # recorded as before the index: no scalar carried, and parameters written afterwards
    store.db.write(  # type: ignore[attr-defined]
        lambda c: c.execute(
            "INSERT INTO run_params (flow_name, run_id, name, value) VALUES ('F', ?, 'a', '2')",
            (run,),
        )
    )
    values = {"score": 0.9, "name": "x", "big": "y" * (MAX_BLOB * 2), "items": [1, 2]}
    records = []
    for name, value in values.items():
        info = save_artifact(stores.datastore, value)
        records.append(ArtifactRecord(name, info.sha, info.size, info.type_name, info.serializer))
    store.create_tasks("F", run, [NewTask("end", 1)])
    store.start_attempts("F", run, [AttemptStart(1, 0)])
    store.finish_attempts("F", run, [AttemptResult(1, 0, "succeeded", artifacts=tuple(records))])
    with pytest.raises(QueryError, match="data.score"):
        store.list_runs("F", RunQuery(where="data.score > 0.5"))
    report = reindex(stores, "F")
    assert (report.runs, report.parameters, report.artifacts) == (1, 1, 2)
    where = "data.score > 0.5 and data.name = 'x' and params.a = 2"
    assert [r.run_id for r in store.list_runs("F", RunQuery(where=where)).items] == [run]
    packed = store.db.read(  # type: ignore[attr-defined]
        lambda c: c.execute("SELECT scope, names, kinds FROM run_values ORDER BY scope")
    )
    assert packed == [("data", '["name", "score"]', "sf"), ("params", '["a"]', "i")]
    assert reindex(stores).artifacts == 2  # again: nothing doubled
    with pytest.raises(MetadataError, match="no flow named 'G'"):
        reindex(stores, "G")
    stores.close()


def test_reindex_reads_a_runs_blobs_from_the_datastore_it_recorded(tmp_path: Path) -> None:
    from flowscope.datastore import ContentStore, LocalStorage

    stores = open_stores(
        str(tmp_path / "meta"), settings=Settings.from_env({"FLOWSCOPE_USER": "u"}), create=True
    )
    team = tmp_path / "team"
    elsewhere = ContentStore(LocalStorage(team), address=str(team))
    store = stores.provider
    run = store.create_run(NewRun("F", "u", datastore=str(team))).run_id
    info = save_artifact(elsewhere, 0.75)
    record = ArtifactRecord("score", info.sha, info.size, info.type_name, info.serializer)
    store.create_tasks("F", run, [NewTask("end", 1)])
    store.start_attempts("F", run, [AttemptStart(1, 0)])
    store.finish_attempts("F", run, [AttemptResult(1, 0, "succeeded", artifacts=(record,))])
    report = reindex(stores, "F")
    assert (report.artifacts, report.skipped) == (1, 0)  # read from team/, not meta/blobs
    found = store.list_runs("F", RunQuery(where="data.score > 0.5")).items
    assert [r.run_id for r in found] == [run]
    stores.close()
