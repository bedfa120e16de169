"""Scalar values for the query index: which values qualify, and how they are stored. Pure.

A scalar is a bool, an int or float (finite, within 64 bits), None, or a str of at most
`MAX_SCALAR_TEXT` characters. It travels as canonical JSON text (`scalar_text`) in an
`ArtifactRecord.scalar` or an `AttemptResult.input`, and is stored as a row
(kind, num, txt): kind is `bool`, `number`, `str` or `none`; booleans and numbers go in num
(booleans as 0/1) for comparisons; txt holds a string itself, or the JSON text of any other
value (exact: ints stay ints, floats keep every digit), for showing it back.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_SCALAR_TEXT = 256
"""Longest string recorded in the query index, in characters."""
_INT_LIMIT = 2**63

KINDS = ("bool", "number", "str", "none")
StoredScalar = tuple[str, float | None, str | None]


def is_scalar(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -_INT_LIMIT <= value < _INT_LIMIT
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        return len(value) <= MAX_SCALAR_TEXT
    return False


_TEXT = json.JSONEncoder(ensure_ascii=False)
"""What `json.dumps(value, ensure_ascii=False)` encodes with, made once (not per value)."""
_LITERALS = {None: "null", True: "true", False: "false"}


def scalar_text(value: Any) -> str | None:
    """The value as JSON text when it is a scalar (exact types only: no subclasses), else None.
    The same text as `json.dumps(value, ensure_ascii=False)`; numbers are written as json
    writes them (`int.__repr__`, `float.__repr__` of a finite float) without its machinery."""
    kind = type(value)
    if kind not in (bool, int, float, str, type(None)) or not is_scalar(value):
        return None
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        return float.__repr__(value)
    if kind is not str:
        return _LITERALS[value]
    try:
        return _TEXT.encode(value)
    except (ValueError, UnicodeError):  # lone surrogates
        return None


def stored(value: Any) -> StoredScalar:
    """(kind, num, txt) of a scalar value."""
    if value is None:
        return ("none", None, "null")
    if isinstance(value, bool):
        return ("bool", 1.0 if value else 0.0, "true" if value else "false")
    if isinstance(value, (int, float)):
        return ("number", float(value), json.dumps(value))
    return ("str", None, str(value))


def stored_text(text: str | None) -> StoredScalar | None:
    """(kind, num, txt) of JSON text from `scalar_text`, or None if it is not a scalar."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return stored(value) if is_scalar(value) and not isinstance(value, (list, dict)) else None


def loaded(kind: str, num: float | None, txt: str | None) -> Any:
    """The Python value of a stored row."""
    if kind == "str":
        return txt
    if txt is not None:
        return json.loads(txt)
    return bool(num) if kind == "bool" else num
