"""How attempts are split into bundles, their deadlines, and the markers client and worker
agree through (pure; the bundles on a cluster are in test_dask_executor.py)."""

from __future__ import annotations

from pathlib import Path

from flowscope.datastore import ContentStore, open_storage
from flowscope.runtime.dask_bundles import (
    Bundle,
    announced,
    in_a_gang,
    in_flight,
    marker,
    marker_key,
    sizes,
    unstarted,
)
from flowscope.runtime.spec import TaskSpec


def test_a_backlog_no_bigger_than_the_free_slots_goes_one_attempt_a_task() -> None:
    assert sizes(3, 4) == [1, 1, 1]
    assert sizes(4, 4) == [1, 1, 1, 1]
    assert sizes(0, 4) == []


def test_a_bigger_backlog_is_split_evenly_over_the_free_slots() -> None:
    assert sizes(16, 4) == [4, 4, 4, 4]
    assert sizes(6, 4) == [2, 2, 1, 1]
    assert sum(sizes(1001, 3)) == 1001 and max(sizes(1001, 3)) - min(sizes(1001, 3)) <= 1


def test_no_bundle_is_bigger_than_the_most_and_at_least_one_goes() -> None:
    assert sizes(100, 1, most=32) == [25, 25, 25, 25]
    assert sizes(5, 0) == [5]


def test_each_slot_has_one_dask_task_running_and_the_next_one_queued() -> None:
    assert in_flight(2) == 4 and in_flight(8) == 16
    assert in_flight(0) == 2  # no worker seen yet: a little goes, the rest waits


def test_deadlines_add_up_the_timeouts_of_the_attempts_before() -> None:
    bundle = Bundle(0, ((1, 0), (2, 0), (3, 0)), (10.0, 5.0, None), ())
    assert bundle.deadlines(100.0, 30.0) == {(1, 0): 140.0, (2, 0): 145.0, (3, 0): None}
    after = Bundle(0, ((1, 0), (2, 0)), (None, 5.0), ())
    assert after.deadlines(0.0, 1.0) == {(1, 0): None, (2, 0): None}  # behind one unbounded


def test_a_marker_key_is_the_key_the_datastore_stores_it_under(tmp_path: Path) -> None:
    store = ContentStore(open_storage(str(tmp_path)))
    started = marker("started", "topic", 7, (3, 1))
    assert not store.exists(marker_key(started))  # looking does not write it
    assert store.put(started) == marker_key(started)
    assert marker("cancelled", "topic", 7, (3, 1)) != started
    assert marker("started", "topic", 7, (3, 0)) != started
    assert marker("started", "topic", 8, (3, 1)) != started  # sent again: fresh markers


def test_gang_members_are_known_by_their_spec() -> None:
    assert in_a_gang(TaskSpec(3, "train", (), (), gang=(3, 4)))
    assert not in_a_gang(TaskSpec(3, "train", (), ()))
    assert not in_a_gang(7)  # a plain payload


def test_only_a_bundle_with_a_hard_timeout_or_a_resource_need_says_when_it_starts() -> None:
    plain = [((1, 0), "p", None), ((2, 0), "q", None)]
    assert not announced(plain, ())
    assert announced([*plain, ((3, 0), "r", 5.0)], ())
    assert announced(plain, (("GPU", 1.0),))


def test_what_never_started_in_a_dead_workers_bundle_is_claimed_to_go_again() -> None:
    keys = ((1, 0), (2, 0), (3, 0), (4, 0))
    bundle = Bundle(5, keys, (None, 2.0, None, None), (), ("a", "b", "c", "d"))
    started_by_the_worker = {(1, 0), (2, 0)}  # (2, 0) ran when the worker died
    claimed: list = []

    def claim(key: tuple) -> bool:
        if key == (4, 0):
            raise OSError("the datastore is away")
        claimed.append(key)
        return key not in started_by_the_worker

    again = unstarted(bundle, [(2, 0), (3, 0), (4, 0)], claim)
    assert again == [((3, 0), "c", None)]  # with its payload and timeout, in order
    assert claimed == [(2, 0), (3, 0)]  # a refused claim leaves (4, 0) to fail
