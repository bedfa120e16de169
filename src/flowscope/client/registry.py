"""The client object classes by kind (`"Run"`), for parents and unpickling.

A class registers itself when it is defined (`ClientObject.__init_subclass__`), so an object
can build its parent, or be rebuilt from a pickle, without importing the module of the class
above it: modules import downwards only (flow -> run -> step -> task -> artifact).
`import flowscope.client` defines every class, so the table is complete before any object is
made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowscope.errors import InvalidPathspec

if TYPE_CHECKING:
    from flowscope.client.base import ClientObject

_CLASSES: dict[str, type[ClientObject[Any]]] = {}


def register(cls: type[ClientObject[Any]]) -> None:
    """Record `cls` under its `_kind` (the class name users see: `Run`, `DataArtifact`)."""
    _CLASSES[cls._kind] = cls


def class_named(kind: str) -> type[ClientObject[Any]]:
    """The class registered as `kind`; InvalidPathspec for a kind that is not one."""
    try:
        return _CLASSES[kind]
    except KeyError:
        raise InvalidPathspec(f"Unknown client object kind {kind!r:.60}.") from None
