"""Runs as columns, for `runs(...).to_pandas()`: the packed form of a run's scalar values, a
page of runs in that form (`RunTable`), its wire form, and its decoding into columns. Pure.

A run's scalar parameters, and the scalar artifacts of its end task, are each kept packed in
one row of `run_values` (written with the scalar index, query_index.repack), so a page of
runs reads one row per run and scope instead of one per value:

    names  JSON array of the names, sorted
    kinds  one letter per name: f float, i int (|v| <= 2**53), b bool, n None, s str,
           j any other JSON value (a larger int)
    nums   little-endian float64 per name (the value for f, i and b; 0 otherwise)
    texts  JSON array of the s and j values in order, or NULL when there are none

Runs whose values share names and kinds (usually all of a page) decode together: their
`nums` joined are one array of doubles, and a column is every k-th of them, so no value
goes through JSON or a per-value Python object until the column list itself.
"""

from __future__ import annotations

import base64
import json
import struct
import sys
from array import array
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flowscope.errors import MetadataError
from flowscope.frozen import Frozen, init

SCOPES = ("params", "data")
"""The packed scopes: a run's parameters, and its end task's artifacts."""
KIND_LETTERS = frozenset("fibnsj")
_EXACT_INT = 2**53
_NUMERIC = frozenset("fib")
_NAN = float("nan")

Packed = tuple[str, str, bytes, str | None]
"""(names, kinds, nums, texts) of one run and scope."""


def pack(rows: Sequence[tuple[str, str, float | None, str | None]]) -> Packed:
    """The packed form of one run's (name, kind, num, txt) rows of a scalar table."""
    names: list[str] = []
    kinds: list[str] = []
    nums: list[float] = []
    texts: list[Any] = []
    for name, kind, num, txt in sorted(rows, key=lambda row: row[0]):
        names.append(name)
        number = 0.0
        if kind == "number":
            value = json.loads(txt) if txt is not None else num
            if isinstance(value, float):
                letter, number = "f", value
            elif isinstance(value, int) and abs(value) <= _EXACT_INT:
                letter, number = "i", float(value)
            else:
                letter = "j"
                texts.append(value)
        elif kind == "bool":
            letter, number = "b", 1.0 if num else 0.0
        elif kind == "str":
            letter = "s"
            texts.append(txt)
        else:
            letter = "n"
        kinds.append(letter)
        nums.append(number)
    packed_texts = json.dumps(texts, ensure_ascii=False) if texts else None
    return json.dumps(names, ensure_ascii=False), "".join(kinds), _doubles(nums), packed_texts


def _doubles(values: Sequence[float]) -> bytes:
    return struct.pack(f"<{len(values)}d", *values)


class PackedScope(Frozen):
    """One scope's values of a page of runs: `shapes` are the distinct (names, kinds) and
    `shape_of[i]` run i's shape (-1 when it has no values); `nums[i]` and `texts[i]` are
    run i's packed numbers and texts."""

    __slots__ = ("shapes", "shape_of", "nums", "texts")
    shapes: tuple[tuple[str, str], ...]
    shape_of: tuple[int, ...]
    nums: tuple[bytes, ...]
    texts: tuple[str | None, ...]

    def __init__(
        self,
        shapes: tuple[tuple[str, str], ...] = (),
        shape_of: tuple[int, ...] = (),
        nums: tuple[bytes, ...] = (),
        texts: tuple[str | None, ...] = (),
    ) -> None:
        init(self, "shapes", shapes)
        init(self, "shape_of", shape_of)
        init(self, "nums", nums)
        init(self, "texts", texts)

    @classmethod
    def of(cls, packed: Sequence[Packed | None]) -> PackedScope:
        index: dict[tuple[str, str], int] = {}
        shape_of = []
        for found in packed:
            if found is None or not found[1]:  # no values (not packed, or none to pack)
                shape_of.append(-1)
                continue
            key = (found[0], found[1])
            shape = index.get(key)
            if shape is None:
                shape = index[key] = len(index)
            shape_of.append(shape)
        pairs = list(zip(shape_of, packed, strict=True))
        return cls(
            shapes=tuple(index),
            shape_of=tuple(shape_of),
            nums=tuple(b"" if s < 0 or p is None else p[2] for s, p in pairs),
            texts=tuple(None if s < 0 or p is None else p[3] for s, p in pairs),
        )


class RunTable(Frozen):
    """A page of runs as columns, newest first: the run facts (epoch seconds, live status,
    every tag sorted) and the packed values of each scope; `cursor` as in `Page`."""

    __slots__ = (
        "run_ids",
        "users",
        "statuses",
        "created_at",
        "finished_at",
        "tags",
        "params",
        "data",
        "cursor",
    )
    run_ids: tuple[int, ...]
    users: tuple[str, ...]
    statuses: tuple[str, ...]
    created_at: tuple[float, ...]
    finished_at: tuple[float | None, ...]
    tags: tuple[tuple[str, ...], ...]
    params: PackedScope
    data: PackedScope
    cursor: str | None

    def __init__(
        self,
        run_ids: tuple[int, ...],
        users: tuple[str, ...],
        statuses: tuple[str, ...],
        created_at: tuple[float, ...],
        finished_at: tuple[float | None, ...],
        tags: tuple[tuple[str, ...], ...],
        params: PackedScope,
        data: PackedScope,
        cursor: str | None = None,
    ) -> None:
        init(self, "run_ids", run_ids)
        init(self, "users", users)
        init(self, "statuses", statuses)
        init(self, "created_at", created_at)
        init(self, "finished_at", finished_at)
        init(self, "tags", tags)
        init(self, "params", params)
        init(self, "data", data)
        init(self, "cursor", cursor)

    def __len__(self) -> int:
        return len(self.run_ids)


def unpack(scope: PackedScope, prefix: str = "") -> dict[str, list[Any]]:
    """Columns `prefix + name` -> one value per run (None where a run has no such value)."""
    n = len(scope.shape_of)
    rows_of: dict[int, list[int]] = {}
    for row, shape in enumerate(scope.shape_of):
        rows_of.setdefault(shape, []).append(row)
    columns: dict[str, list[Any]] = {}
    for shape, rows in rows_of.items():
        if shape < 0:
            continue
        names_text, kinds = scope.shapes[shape]
        names = _names(names_text, kinds)
        width = len(kinds)
        joined = b"".join([scope.nums[r] for r in rows])
        if len(joined) != 8 * width * len(rows):
            raise MetadataError("A packed run row has the wrong number of values.")
        numbers = array("d")
        numbers.frombytes(joined)
        if sys.byteorder != "little":
            numbers.byteswap()
        texts = _texts(scope, rows, kinds)
        whole = len(rows) == n
        text_at = 0
        for j, (name, kind) in enumerate(zip(names, kinds, strict=True)):
            if kind in _NUMERIC:
                column: list[Any] = numbers[j::width].tolist()
                if kind == "i":
                    column = [int(v) for v in column]
                elif kind == "b":
                    column = [v != 0.0 for v in column]
            elif kind == "n":
                column = [None] * len(rows)
            else:
                column = [found[text_at] for found in texts]
                text_at += 1
            key = prefix + name
            if whole:
                columns[key] = column
                continue
            target = columns.get(key)
            if target is None:
                target = columns[key] = [None] * n
            for r, value in zip(rows, column, strict=True):
                target[r] = value
    return dict(sorted(columns.items()))


def _names(text: str, kinds: str) -> list[str]:
    names = _json(text)
    if (
        not isinstance(names, list)
        or len(names) != len(kinds)
        or not all(isinstance(n, str) for n in names)
        or not set(kinds) <= KIND_LETTERS
    ):
        raise MetadataError("A packed run row has names and kinds that do not match.")
    return names


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise MetadataError("A packed run row holds text that is not JSON.") from None


def _texts(scope: PackedScope, rows: list[int], kinds: str) -> list[list[Any]]:
    wanted = sum(1 for k in kinds if k in "sj")
    if not wanted:
        return []
    found = []
    for r in rows:
        text = scope.texts[r]
        values = _json(text) if text is not None else None
        if not isinstance(values, list) or len(values) != wanted:
            raise MetadataError("A packed run row has the wrong number of texts.")
        found.append(values)
    return found


# ---- the wire form (the service's GET /flows/{flow}/table) ---------------------------------
def to_wire(table: RunTable) -> dict[str, Any]:
    """A JSON-able dict. Numbers travel as base64 strings of float64s (each scope's packed
    numbers; the times, NaN for no finish), so they are never printed or parsed as text."""
    return {
        "run_ids": list(table.run_ids),
        "users": list(table.users),
        "statuses": list(table.statuses),
        "created_at": _b64(_doubles(table.created_at)),
        "finished_at": _b64(_doubles([_NAN if f is None else f for f in table.finished_at])),
        "tags": [list(t) for t in table.tags],
        "params": _scope_to_wire(table.params),
        "data": _scope_to_wire(table.data),
        "cursor": table.cursor,
    }


def _scope_to_wire(scope: PackedScope) -> dict[str, Any]:
    return {
        "shapes": [list(s) for s in scope.shapes],
        "shape_of": list(scope.shape_of),
        "nums": _b64(b"".join(scope.nums)),
        "texts": list(scope.texts),
    }


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(data: Any, key: str) -> bytes:
    if not isinstance(data, str):
        raise MetadataError(f"a run table whose {key} is a base64 string")
    try:
        return base64.b64decode(data, validate=True)
    except ValueError:
        raise MetadataError(f"a run table whose {key} is base64") from None


def _floats(data: Any, key: str, n: int) -> list[float]:
    blob = _unb64(data.get(key), key)
    if len(blob) != 8 * n:
        raise MetadataError(f"a run table whose {key} holds {n} doubles")
    values = array("d")
    values.frombytes(blob)
    if sys.byteorder != "little":
        values.byteswap()
    return values.tolist()


Wrong = Callable[[str], Exception]
"""Makes the error for a wire table that is not well formed, from what was expected."""


def from_wire(data: Any, wrong: Wrong | None = None) -> RunTable:
    """The RunTable of `to_wire`'s dict. A malformed part raises `wrong(expected)`, where
    `expected` says what was expected (by default a MetadataError saying so)."""
    try:
        return _from_wire(data)
    except MetadataError as exc:
        if wrong is None:
            raise MetadataError(f"Malformed run table: expected {exc}.") from None
        raise wrong(str(exc)) from None


def _from_wire(data: Any) -> RunTable:
    run_ids = _list(data, "run_ids", {int})
    n = len(run_ids)
    cursor = data.get("cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise MetadataError("a run table whose cursor is a string or null")
    return RunTable(
        run_ids=run_ids,
        users=_list(data, "users", {str}, n),
        statuses=_list(data, "statuses", {str}, n),
        created_at=tuple(_floats(data, "created_at", n)),
        finished_at=tuple(None if f != f else f for f in _floats(data, "finished_at", n)),
        tags=tuple(tuple(t) for t in _list(data, "tags", {list}, n, of=str)),
        params=_scope_from_wire(data.get("params"), "params", n),
        data=_scope_from_wire(data.get("data"), "data", n),
        cursor=cursor,
    )


def _list(
    data: Any, key: str, kinds: set[type], n: int | None = None, of: type | None = None
) -> tuple[Any, ...]:
    found = data.get(key) if isinstance(data, Mapping) else None
    if not isinstance(found, list) or (n is not None and len(found) != n):
        raise MetadataError(
            f"a run table whose {key} is a list{'' if n is None else f' of {n} items'}"
        )
    # exact types (bool is no int here), found a set at a time: thousands of items a list
    wrong = {type(x) for x in found} - kinds
    if not wrong and of is not None:
        wrong = {type(x) for item in found for x in item} - {of}
    if wrong:
        raise MetadataError(f"a run table whose {key} holds no {wrong.pop().__name__}")
    return tuple(found)


def _scope_from_wire(data: Any, name: str, n: int) -> PackedScope:
    if not isinstance(data, Mapping):
        raise MetadataError(f"a run table whose {name} is an object")
    shapes = _list(data, "shapes", {list}, of=str)
    if not all(len(s) == 2 for s in shapes):
        raise MetadataError(f"a run table whose {name}.shapes are [names, kinds] pairs")
    shape_of = _list(data, "shape_of", {int}, n)
    if any(not -1 <= s < len(shapes) for s in shape_of):
        raise MetadataError(f"a run table whose {name}.shape_of names its shapes")
    texts = _list(data, "texts", {str, type(None)}, n)
    blob = _unb64(data.get("nums"), f"{name}.nums")
    widths = [0 if s < 0 else 8 * len(shapes[s][1]) for s in shape_of]
    if sum(widths) != len(blob):
        raise MetadataError(f"a run table whose {name}.nums holds {sum(widths)} bytes")
    nums, at = [], 0
    for width in widths:
        nums.append(blob[at : at + width])
        at += width
    return PackedScope(
        shapes=tuple((str(a), str(b)) for a, b in shapes),
        shape_of=shape_of,
        nums=tuple(nums),
        texts=texts,
    )
