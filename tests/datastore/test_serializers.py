"""The pickle serializer: round trips, out-of-band buffers loaded in place, errors."""

from __future__ import annotations

import datetime
import decimal
import fractions
import mmap
import sys
import threading
from collections import OrderedDict, namedtuple
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flowscope.datastore import ContentStore, LocalStorage, MemoryStorage, get_serializer
from flowscope.datastore.local import MAP_MIN_SIZE
from flowscope.datastore.serializers import OUT_OF_BAND_MIN, PickleSerializer, type_name
from flowscope.errors import DataStoreError

Point = namedtuple("Point", "x y")
pickle5 = PickleSerializer()


def roundtrip(value: object, store: ContentStore | None = None) -> object:
    store = store or ContentStore(MemoryStorage())
    return pickle5.load(store.open(store.put_chunks(pickle5.dump(value))))


def read_buffer_of(array: np.ndarray) -> object:
    """The object whose memory the array uses, following .base through views."""
    base: object = array
    while isinstance(base, np.ndarray):
        assert not base.flags.owndata
        base = base.base
    assert isinstance(base, memoryview), type(base)
    return base.obj


PLAIN_VALUES = [
    None,
    True,
    0,
    -(2**100),
    3.5,
    float("inf"),
    1 + 2j,
    "",
    "ünïcødé ✓",
    "x" * 100_000,
    b"",
    b"\x00\xff" * 50_000,
    bytearray(b"mutable"),
    [],
    [1, [2, [3]]],
    (1, "a"),
    {"a": 1, 2: "b", (3,): None},
    {1, 2, 3},
    frozenset({"x"}),
    OrderedDict(b=1, a=2),
    Point(1, 2),
    range(0, 10, 3),
    datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
    datetime.date(2020, 2, 29),
    decimal.Decimal("1.10"),
    fractions.Fraction(1, 3),
    Path("/tmp/x"),
]


@pytest.mark.parametrize("value", PLAIN_VALUES, ids=lambda v: type(v).__name__)
def test_plain_values_round_trip(value: object) -> None:
    back = roundtrip(value)
    assert back == value and type(back) is type(value)


def test_shared_references_survive() -> None:
    inner = [1, 2]
    back = roundtrip({"a": inner, "b": inner})
    assert isinstance(back, dict) and back["a"] is back["b"]


ARRAYS = {
    "float64": np.random.default_rng(1).random(50_000),
    "int8": np.arange(100_000, dtype=np.int8),
    "2d-c": np.arange(60_000, dtype=np.int32).reshape(300, 200),
    "2d-fortran": np.asfortranarray(np.arange(60_000, dtype=np.float32).reshape(300, 200)),
    "bool": np.random.default_rng(2).random(40_000) > 0.5,
    "complex": np.full(5000, 1 + 2j),
    "datetime64": np.arange(10_000).astype("datetime64[s]"),
    "structured": np.zeros(3000, dtype=[("a", "i4"), ("b", "f8"), ("c", "S3")]),
    "unicode": np.array(["abc", "de"] * 5000),
    "empty": np.zeros((0, 7)),
    "small": np.arange(5),
}


@pytest.mark.parametrize("name", sorted(ARRAYS))
def test_arrays_round_trip_exactly(name: str) -> None:
    array = ARRAYS[name]
    back = roundtrip(array)
    assert isinstance(back, np.ndarray)
    assert back.dtype == array.dtype and back.shape == array.shape
    assert back.flags.f_contiguous == array.flags.f_contiguous
    np.testing.assert_array_equal(back, array)


def test_non_contiguous_0d_and_object_arrays_round_trip() -> None:
    base = np.arange(200_000, dtype=np.float64).reshape(400, 500)
    values = {
        "strided": base[::3, ::7],
        "transposed-slice": base.T[10:20],
        "zero-d": np.array(2.5),
        "zero-d-int": np.int64(7),
        "object": np.array([1, "two", None, [3]], dtype=object),
        "masked": np.ma.masked_array([1, 2, 3], mask=[0, 1, 0]),
    }
    back = roundtrip(values)
    assert isinstance(back, dict)
    for name, value in values.items():
        np.testing.assert_array_equal(back[name], value, err_msg=name)
        assert type(back[name]) is type(value)
    assert back["strided"].shape == (134, 72)
    assert list(np.ma.getmaskarray(back["masked"])) == [False, True, False]


def test_a_loaded_array_uses_the_read_buffer_without_copying() -> None:
    store = ContentStore(MemoryStorage())
    first = np.random.default_rng(3).random(10_000)
    second = np.random.default_rng(4).integers(-(2**62), 2**62, 20_000)  # incompressible
    back = roundtrip({"f": first, "s": second}, store)
    assert isinstance(back, dict)
    owner = read_buffer_of(back["f"])
    assert isinstance(owner, bytearray)
    assert read_buffer_of(back["s"]) is owner  # one read, both arrays inside it
    np.testing.assert_array_equal(back["f"], first)
    back["f"][0] = -1.0  # writable, like any freshly built array
    assert back["f"][0] == -1.0


def test_a_large_array_is_loaded_from_a_private_memory_map(tmp_path: Path) -> None:
    store = ContentStore(LocalStorage(tmp_path))
    array = np.random.default_rng(4).random(MAP_MIN_SIZE // 8 + 1000)
    back = roundtrip(array, store)
    assert isinstance(back, np.ndarray)
    assert isinstance(read_buffer_of(back), mmap.mmap)
    assert back.flags.writeable and back.flags.aligned
    np.testing.assert_array_equal(back, array)
    back[:] = 0  # copy-on-write: the stored blob is unchanged
    again = roundtrip(array, store)
    assert isinstance(again, np.ndarray)
    np.testing.assert_array_equal(again, array)


def test_compressible_arrays_are_compressed_and_still_writable() -> None:
    store = ContentStore(MemoryStorage())
    array = np.zeros(1_000_000)
    result = store.put_info(pickle5.dump(array))
    assert result.stored_size < array.nbytes / 50
    back = pickle5.load(store.open(result.key))
    assert isinstance(back, np.ndarray) and back.flags.writeable
    np.testing.assert_array_equal(back, array)


def test_read_only_arrays_stay_read_only() -> None:
    array = np.arange(10_000.0)
    array.flags.writeable = False
    back = roundtrip(array)
    assert isinstance(back, np.ndarray) and not back.flags.writeable


def test_small_buffers_stay_in_the_pickle_stream() -> None:
    chunks = pickle5.dump([np.arange(10), np.arange(OUT_OF_BAND_MIN // 8 + 1)])
    assert len(chunks) == 3  # table, stream, one out-of-band buffer


def test_dataframes_with_mixed_columns_round_trip() -> None:
    n = 50_000
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {
            "int": np.arange(n),
            "float": rng.random(n),
            "nan": np.where(rng.random(n) > 0.5, np.nan, 1.0),
            "str": [f"s{i % 100}" for i in range(n)],
            "object": [None if i % 3 else {"i": i} for i in range(n)],
            "category": pd.Categorical(["red", "green", "blue", "red"] * (n // 4)),
            "bool": rng.random(n) > 0.5,
            "time": pd.date_range("2024-01-01", periods=n, freq="min", tz="UTC"),
            "nullable": pd.array([1, None] * (n // 2), dtype="Int64"),
        },
        index=pd.RangeIndex(n, 2 * n),
    )
    back = roundtrip(frame)
    assert isinstance(back, pd.DataFrame)
    pd.testing.assert_frame_equal(back, frame)


def test_pandas_indexes_and_series_round_trip() -> None:
    index = pd.MultiIndex.from_product([["a", "b"], range(10_000)], names=["k", "i"])
    series = pd.Series(np.arange(20_000.0), index=index, name="v")
    back = roundtrip(series)
    assert isinstance(back, pd.Series)
    pd.testing.assert_series_equal(back, series)


@pytest.mark.parametrize(
    "value, kind",
    [
        (lambda: 1, "builtins.function"),
        (threading.Lock(), "_thread.lock"),
        ((i for i in range(3)), "builtins.generator"),
    ],
    ids=["lambda", "lock", "generator"],
)
def test_unpicklable_values_name_their_type_and_what_to_do(value: object, kind: str) -> None:
    with pytest.raises(DataStoreError) as info:
        pickle5.dump(value)
    message = str(info.value)
    assert kind in message and "Store something picklable" in message
    assert info.value.__cause__ is not None


def test_a_value_whose_module_is_gone_says_which_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "vanishing_module.py").write_text("class Thing:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import vanishing_module

    store = ContentStore(MemoryStorage())
    key = store.put_chunks(pickle5.dump(vanishing_module.Thing()))
    monkeypatch.delitem(sys.modules, "vanishing_module")
    (tmp_path / "vanishing_module.py").unlink()
    with pytest.raises(DataStoreError, match="needs the module 'vanishing_module'"):
        pickle5.load(store.open(key))


def test_a_blob_not_written_by_pickle_is_refused() -> None:
    store = ContentStore(MemoryStorage())
    key = store.put(b"plain bytes, not an artifact")
    with pytest.raises(DataStoreError, match="not written by the pickle serializer"):
        pickle5.load(store.open(key))


def test_the_registry_finds_serializers_by_name() -> None:
    assert get_serializer("pickle").name == "pickle"
    assert get_serializer("bytes").name == "bytes"
    with pytest.raises(DataStoreError, match="Unknown serializer 'yaml'.*knows bytes, pickle"):
        get_serializer("yaml")


def test_type_names_are_module_qualified() -> None:
    assert type_name(1) == "builtins.int"
    assert type_name(np.zeros(1)) == "numpy.ndarray"
    assert type_name(pd.DataFrame()) == f"{pd.DataFrame.__module__}.DataFrame"
    assert type_name(Point(1, 2)).endswith("test_serializers.Point")
