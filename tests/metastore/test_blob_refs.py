"""The blob references table (metastore/blob_refs.py): written with the records on SQLite,
PostgreSQL and through the service; `unreferenced` answers from it; a real run of every kind
of blob leaves nothing under blobs/ unreferenced; `reindex` fills it for older runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from flowscope.metastore import blob_refs
from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
from flowscope.metastore.records import ArtifactRecord
from flowscope.metastore.store import SqlMetadataStore


def key(n: int) -> str:
    return f"{n:064x}"


def art(name: str, n: int) -> ArtifactRecord:
    return ArtifactRecord(name, key(n), 3, "int", "pickle", 1.0)


def test_attempt_keys_name_every_field_once() -> None:
    result = AttemptResult(
        1, 0, "succeeded", artifacts=(art("a", 1), art("b", 2), art("c", 1)),
        stdout_key=key(3), stderr_key=None, env_key=key(4), blob_keys=(key(5), key(3)),
    )  # fmt: skip
    assert blob_refs.attempt_keys(result) == [key(1), key(2), key(3), key(4), key(5)]
    assert blob_refs.attempt_keys(AttemptResult(1, 0, "failed")) == []
    assert [len(c) for c in blob_refs.batches(map(key, range(1201)), 500)] == [500, 500, 201]


@pytest.fixture(params=["sqlite", "postgres"])
def sql_store(request: pytest.FixtureRequest) -> SqlMetadataStore:
    store: SqlMetadataStore = request.getfixturevalue(f"provider_{request.param}")
    return store


def _record(provider: Any) -> None:
    """A run with a code package, a retried task, a heartbeat's log snapshot and a card."""
    provider.create_run(NewRun("F", "u", code_key=key(10)))
    provider.create_tasks("F", 1, [NewTask("body", 1), NewTask("body", 2)])
    provider.start_attempts("F", 1, [AttemptStart(1, 0), AttemptStart(2, 0)])
    provider.heartbeat("F", 1, [(2, 0)], logs=[(2, 0, key(20), None)])
    provider.finish_attempts(
        "F", 1, [AttemptResult(1, 0, "failed", artifacts=(art("x", 11),), stdout_key=key(12))]
    )
    provider.start_attempts("F", 1, [AttemptStart(1, 1)])
    done = [
        AttemptResult(1, 1, "succeeded", artifacts=(art("x", 13),), env_key=key(14)),
        AttemptResult(2, 0, "succeeded", stderr_key=key(21), blob_keys=(key(22),)),
    ]
    provider.finish_attempts("F", 1, done)
    provider.finish_attempts("F", 1, done)  # a retried write adds nothing twice


RECORDED = {10, 11, 12, 13, 14, 20, 21, 22}


def test_every_write_records_its_references_and_unreferenced_answers(
    sql_store: SqlMetadataStore,
) -> None:
    _record(sql_store)
    candidates = [key(n) for n in range(8, 25)]
    assert sql_store.unreferenced(candidates) == {key(n) for n in range(8, 25)} - {
        key(n) for n in RECORDED
    }
    assert sql_store.unreferenced([]) == set()
    streamed = list(sql_store.iter_unreferenced(iter(candidates)))
    assert streamed == [k for k in candidates if int(k, 16) not in RECORDED]  # in order
    rows = sql_store.db.read(lambda c: c.execute("SELECT flow_name, run_id FROM blob_refs"))
    assert [tuple(r) for r in rows] == [("F", 1)] * len(RECORDED)  # once each, for the run


def test_the_service_write_route_carries_declared_keys(
    provider_http_sqlite: Any, sqlite_service: Any
) -> None:
    from flowscope.metastore.db import open_database

    _record(provider_http_sqlite)
    store = SqlMetadataStore(open_database(sqlite_service.database))
    try:
        assert store.unreferenced([key(n) for n in RECORDED] + [key(99)]) == {key(99)}
    finally:
        store.close()


def test_a_large_listing_is_answered_in_batches(
    sql_store: SqlMetadataStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(blob_refs, "BATCH", {"sqlite": 7, "postgresql": 7})
    sql_store.create_run(NewRun("F", "u"))
    sql_store.create_tasks("F", 1, [NewTask("body", 1)])
    sql_store.start_attempts("F", 1, [AttemptStart(1, 0)])
    kept = tuple(key(n) for n in range(0, 3000, 3))
    sql_store.finish_attempts("F", 1, [AttemptResult(1, 0, "succeeded", blob_keys=kept)])
    found = sql_store.unreferenced(key(n) for n in range(3000))
    assert len(found) == 2000 and not found & set(kept)
    streamed = sql_store.iter_unreferenced(key(n) for n in range(3000))
    assert next(streamed) == key(1)  # the first batch answers before the rest is asked


FLOW = """
from flowscope import FlowSpec, card, current, retry, step
from flowscope.cards import Markdown


class EveryBlobFlow(FlowSpec):
    @card
    @step
    def start(self):
        print("a log line")
        self.small = 3  # inline with its record, and a blob too
        self.large = __import__("os").urandom(100_000)  # too large to be inline
        current.card.append(Markdown("# a card"))
        self.next(self.flaky)

    @retry(times=1)
    @step
    def flaky(self):
        import sys
        self.attempt_seen = current.retry_count
        print("on stderr", file=sys.stderr)
        if current.retry_count == 0:
            raise RuntimeError("first attempt fails")
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    EveryBlobFlow()
"""


def _blob_keys(root: Path) -> set[str]:
    return {p.name for p in (root / "blobs").rglob("*") if p.is_file() and len(p.name) == 64}


@pytest.fixture(scope="module")
def recorded_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("every-blob")
    (work / "every_blob.py").write_text(FLOW)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWSCOPE_")}
    env["FLOWSCOPE_USER"] = "tester"
    subprocess.run(
        [sys.executable, "every_blob.py", "run"], cwd=work, env=env, check=True,
        capture_output=True, timeout=300,
    )  # fmt: skip
    return work / ".flowscope"


def _open(root: Path) -> SqlMetadataStore:
    from flowscope.metastore.db import open_database

    return SqlMetadataStore(open_database(str(root / "metadata.db")))


def test_a_run_of_every_kind_of_blob_leaves_none_unreferenced(recorded_run: Path) -> None:
    from flowscope.cards.records import CARDS_FACT, decode_records
    from flowscope.datastore import ContentStore, open_storage

    keys = _blob_keys(recorded_run)
    store = _open(recorded_run)
    try:
        run = store.get_run("EveryBlobFlow", 1)
        assert run is not None and run.status == "succeeded" and run.code_key in keys
        start = store.list_tasks("EveryBlobFlow", 1, "start")[0]
        cards = [
            r.key
            for f in store.list_facts("EveryBlobFlow", 1, start.task_id, start.attempt)
            if f.field == CARDS_FACT
            for r in decode_records(f.value)
        ]
        arts = {a.name: a for a in store.list_artifacts("EveryBlobFlow", 1, start.task_id, 0)}
        assert arts["small"].inline is not None and arts["large"].inline is None
        flaky = store.list_tasks("EveryBlobFlow", 1, "flaky")[0]
        first = store.list_artifacts("EveryBlobFlow", 1, flaky.task_id, 0)  # the failed try
        kinds = [run.code_key, start.stdout_key, start.env_key, *cards, arts["large"].sha]
        kinds += [arts["small"].sha, *(a.sha for a in first)]
        assert all(k in keys for k in kinds), "each kind of blob is in the datastore"
        assert store.unreferenced(keys) == set()
        by_hand = ContentStore(open_storage(str(recorded_run / "blobs"))).put(b"nobody's")
        assert store.unreferenced(_blob_keys(recorded_run)) == {by_hand}
    finally:
        store.close()


def test_reindex_fills_the_table_for_runs_recorded_before_it(recorded_run: Path) -> None:
    from flowscope.config import Settings
    from flowscope.reindex import reindex
    from flowscope.stores import open_stores

    keys = _blob_keys(recorded_run)
    store = _open(recorded_run)
    try:
        before = store.unreferenced(keys)  # nothing, or what a test wrote by hand
        store.db.write(lambda c: c.execute("DELETE FROM blob_refs"))  # as before version 7
        assert store.unreferenced(keys) == keys
    finally:
        store.close()
    settings = Settings.from_env({"FLOWSCOPE_USER": "u"})
    stores = open_stores(str(recorded_run.parent), settings=settings)
    try:
        reindex(stores, "EveryBlobFlow")
        reindex(stores, "EveryBlobFlow")  # idempotent
        left = stores.provider.unreferenced(keys)  # type: ignore[attr-defined]
    finally:
        stores.close()
    assert left == before  # the card blobs too, read from the cards facts
