"""Object arrays of repeated strings: pickled as distinct strings plus codes, rebuilt exactly."""

from __future__ import annotations

import enum
import pickle
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from flowscope.datastore import MemoryStorage
from flowscope.datastore.cas import ContentStore
from flowscope.datastore.reducers import MIN_ELEMENTS, rebuild_string_array, reduce_string_array
from flowscope.datastore.serializers import PickleSerializer

N = 3 * MIN_ELEMENTS
LABELS = np.array(["alpha", "beta", "gamma", "delta"], dtype=object)


def labels(n: int = N) -> np.ndarray:
    return LABELS[np.arange(n) % 4]


def round_trip(value: object) -> object:
    store = ContentStore(MemoryStorage())
    serializer = PickleSerializer()
    return serializer.load(store.open(store.put_chunks(serializer.dump(value))))


def rebuilt(array: np.ndarray) -> np.ndarray:
    reduced = reduce_string_array(array)
    assert reduced is not None
    function, args = reduced
    assert function is rebuild_string_array
    return function(*args)


@pytest.mark.parametrize(
    "make",
    [
        lambda: labels(),
        lambda: labels().reshape(3, -1),
        lambda: np.asfortranarray(labels().reshape(3, -1)),
        lambda: labels(2 * N)[::2],  # not contiguous
        lambda: labels().reshape(3, -1).T,  # F-ordered view of a C array
    ],
)
def test_repeated_strings_are_rebuilt_with_shape_order_and_values(make) -> None:
    array = make()
    back = rebuilt(array)
    assert back.dtype == object and back.shape == array.shape
    assert back.tolist() == array.tolist()
    fortran = array.flags.f_contiguous and not array.flags.c_contiguous
    assert back.flags.f_contiguous if fortran else back.flags.c_contiguous
    assert back.flags.writeable
    assert {type(x) for x in back.ravel()} == {str}


def test_the_codes_travel_as_a_small_integer_buffer() -> None:
    _, (distinct, codes, shape, order) = reduce_string_array(labels())
    assert sorted(distinct) == sorted(LABELS.tolist())
    assert codes.dtype == np.int8 and codes.size == N
    many = np.array([f"s{i % 300}" for i in range(N)], dtype=object)
    _, (distinct, codes, _, _) = reduce_string_array(many)
    assert len(distinct) == 300 and codes.dtype == np.int16


class Color(str, enum.Enum):
    RED = "red"


@pytest.mark.parametrize(
    "odd",
    [
        np.str_("alpha"),  # a str subclass equal to a label: merging would lose its type
        Color.RED,
        None,
        float("nan"),
        b"alpha",
        7,
    ],
)
def test_anything_but_plain_strings_is_left_to_numpy(odd: object) -> None:
    array = labels()
    array[N // 2 + 1] = odd
    assert reduce_string_array(array) is None
    back = round_trip(array)
    assert type(back[N // 2 + 1]) is type(odd)
    assert back[:5].tolist() == array[:5].tolist()


def test_unhashable_elements_are_left_to_numpy() -> None:
    array = labels()
    array[0] = ["a", "list"]
    assert reduce_string_array(array) is None
    assert round_trip(array)[0] == ["a", "list"]


def test_mostly_distinct_small_or_non_object_arrays_are_left_alone() -> None:
    distinct = np.array([f"id-{i}" for i in range(N)], dtype=object)
    assert reduce_string_array(distinct) is None
    assert reduce_string_array(labels(MIN_ELEMENTS - 1)) is None
    assert reduce_string_array(np.arange(N)) is None
    assert reduce_string_array(labels().astype(str)) is None  # fixed-width unicode: already compact


def test_without_pandas_loaded_nothing_is_reduced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    assert reduce_string_array(labels()) is None


def test_a_frame_with_a_label_column_round_trips_and_stores_smaller() -> None:
    n = 50_000
    frame = pd.DataFrame({"id": np.arange(n), "x": np.linspace(0, 1, n), "label": labels(n)})
    back = round_trip(frame)
    pd.testing.assert_frame_equal(back, frame)
    compact = sum(memoryview(c).nbytes for c in PickleSerializer().dump(frame))
    plain = len(pickle.dumps(frame, protocol=5))
    assert compact < plain - n // 2  # about a byte per label instead of a memo reference


def test_values_without_arrays_pickle_as_before() -> None:
    value = {"a": [1, 2.5, "x"], "b": (None, True)}
    assert round_trip(value) == value


ELEMENTS = ["a", "b", "", "é", "a" * 40, np.str_("a"), Color.RED, None, 1, 1.0, True, b"a", ("a",)]


@settings(max_examples=60, deadline=None)
@given(
    pattern=st.lists(st.sampled_from(ELEMENTS), min_size=1, max_size=12),
    odd_at=st.none() | st.integers(0, N - 1),
    odd=st.sampled_from(ELEMENTS),
)
def test_any_object_array_round_trips_with_its_types(pattern, odd_at, odd) -> None:
    array = np.empty(N, dtype=object)
    array[:] = [pattern[i % len(pattern)] for i in range(N)]
    if odd_at is not None:
        array[odd_at] = odd
    back = round_trip(array)
    assert [type(x) for x in back] == [type(x) for x in array]
    assert back.tolist() == array.tolist()
