"""Compact pickling of object arrays of repeated strings (the label columns of data frames).

numpy pickles an object array as the list of its elements. For a column of a few distinct
strings repeated a million times, that makes loading call into pickle once per element.
Here such an array is pickled instead as its distinct strings plus an integer code per
element (out of band, like any numeric buffer), and rebuilt on load with one ``take``.

The reduction is exact: it applies only when every element is a plain ``str`` (not a
subclass, whose type would be lost), and the rebuilt array has the original shape, memory
order and values. Identity between equal strings is the only thing not kept, and nothing
can rely on it. Arrays of mostly distinct strings are left to numpy: codes would only add
to them.
"""

from __future__ import annotations

import sys
from typing import Any

MIN_ELEMENTS = 4096
"""Smaller arrays pickle fast enough as they are."""

_SAMPLE = 1024
_MAX_DISTINCT_SHARE = 0.5  # of the sample: above it, the strings are not repeated enough


def reduce_string_array(array: Any) -> tuple[Any, tuple[Any, ...]] | None:
    """The pickle reduction of an object ndarray of repeated plain strings, else None."""
    if array.dtype.kind != "O" or array.dtype.metadata is not None or array.size < MIN_ELEMENTS:
        return None
    pandas = sys.modules.get("pandas")  # its factorize is the fast hash; no pandas, no frames
    if pandas is None:
        return None
    order = "F" if array.flags.f_contiguous and not array.flags.c_contiguous else "C"
    flat = array.ravel(order=order)
    sample = flat[:: max(1, flat.size // _SAMPLE)].tolist()
    if set(map(type, sample)) != {str} or len(set(sample)) > _MAX_DISTINCT_SHARE * len(sample):
        return None
    if set(map(type, flat)) != {str}:
        return None
    codes, distinct = pandas.factorize(flat, use_na_sentinel=False)
    codes = codes.astype(_code_type(len(distinct)), copy=False)
    return rebuild_string_array, (list(distinct), codes, array.shape, order)


def rebuild_string_array(
    distinct: list[str], codes: Any, shape: tuple[int, ...], order: str
) -> Any:
    """The object array that ``reduce_string_array`` took apart."""
    import numpy

    values = numpy.empty(len(distinct), dtype=object)
    values[:] = distinct
    return values.take(codes).reshape(shape, order=order)


def _code_type(count: int) -> str:
    for name, limit in (("int8", 1 << 7), ("int16", 1 << 15), ("int32", 1 << 31)):
        if count <= limit:
            return name
    return "int64"
