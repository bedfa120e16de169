"""SqlMetadataStore as assembled (metastore/store.py): one class over its parts, answering the
whole provider protocol, with the helpers callers import from this module. The parts' rules are
tested in test_store_base.py, test_store_writes.py, test_store_reads.py and
test_store_listings.py; the behaviour every provider shares in test_provider_contract.py."""

from __future__ import annotations

import inspect

from flowscope.metastore import store as store_module
from flowscope.metastore.new_records import NewRun
from flowscope.metastore.provider import MetadataProvider
from flowscope.metastore.store import SqlMetadataStore
from flowscope.metastore.store_base import StoreBase
from flowscope.metastore.store_listings import StoreListings, iter_all_runs
from flowscope.metastore.store_reads import StoreReads, live_log_path
from flowscope.metastore.store_writes import StoreWrites


def _public(cls: type) -> set[str]:
    return {n for n in dir(cls) if not n.startswith("_")}


def test_the_store_is_its_parts_over_one_base() -> None:
    assert SqlMetadataStore.__mro__[1:] == (
        StoreWrites,
        StoreReads,
        StoreListings,
        StoreBase,
        object,
    )


def test_the_parts_share_no_public_method() -> None:
    parts = [_public(p) - _public(StoreBase) for p in (StoreWrites, StoreReads, StoreListings)]
    for i, a in enumerate(parts):
        for b in parts[i + 1 :]:
            assert not a & b


def test_every_provider_method_is_answered_with_its_signature() -> None:
    protocol = {
        n for n, v in vars(MetadataProvider).items() if callable(v) and not n.startswith("_")
    }
    assert protocol <= _public(SqlMetadataStore)
    for name in protocol:
        expected = list(inspect.signature(getattr(MetadataProvider, name)).parameters)
        got = list(inspect.signature(getattr(SqlMetadataStore, name)).parameters)
        assert got[: len(expected)] == expected, name


def test_the_module_exports_the_store_and_its_helpers() -> None:
    assert store_module.__all__ == ["SqlMetadataStore", "iter_all_runs", "live_log_path"]
    assert store_module.iter_all_runs is iter_all_runs
    assert store_module.live_log_path is live_log_path


def test_one_store_writes_and_reads_back(clocked_store: SqlMetadataStore) -> None:
    run = clocked_store.create_run(NewRun("F", "u", user_tags=("t",)))
    assert clocked_store.get_run("F", run.run_id) == run
    assert clocked_store.list_runs("F").items == (run,)
    assert [f.flow_name for f in clocked_store.list_flows(tag="t")] == ["F"]
