"""What every client object shares: its address, identity, pickling, tags and errors.

An object is its address: the pathspec components, the attempt (tasks and artifacts), the
provider it reads and the namespace in force when it was made. Records fetched from the
provider are cached on the object in slots; `refresh()` drops them.

Public constructors (`Run('F/7')`) check that the object exists and is in the namespace.
Objects reached by iteration are built by `_make`, from records already fetched, with no
further queries.

The classes are generic in what is around them: `ClientObject[Parent]` types `parent`,
`Container[Parent, Child]` types `obj[key]` and iteration. A module imports the classes below
it (a Flow makes Runs); the class above is found in the registry (registry.py), so `parent`
and unpickling need no import of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar, cast

from flowscope.client.context import CONTEXT
from flowscope.client.registry import class_named, register
from flowscope.errors import InvalidPathspec, NamespaceMismatch, ObjectNotFound
from flowscope.metastore.records import FAILED, SUCCEEDED
from flowscope.pathspec import check_id, parse

if TYPE_CHECKING:
    from typing_extensions import Self

    from flowscope.metastore.provider import MetadataProvider
    from flowscope.metastore.records import RunRecord

FINISHED = frozenset({SUCCEEDED, FAILED})

ParentT = TypeVar("ParentT")
"""The type of an object's parent (None for a Flow)."""
ChildT = TypeVar("ChildT")
"""The type of a container's children."""


def to_datetime(timestamp: float | None) -> datetime | None:
    """Seconds since the epoch as an aware UTC datetime (None stays None)."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, tz=timezone.utc)


def object_name(kind: str, pathspec: str, attempt: int | None = None) -> str:
    """How an object is written in messages and reprs: `Run('F/7')`."""
    if attempt is None:
        return f"{kind}({pathspec!r})"
    return f"{kind}({pathspec!r}, attempt={attempt})"


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """`did you mean 'x'?` for close matches of `name`, else an empty string."""
    import difflib

    close = difflib.get_close_matches(name, list(candidates), n=3)
    if not close:
        return ""
    return "did you mean " + " or ".join(repr(c) for c in close) + "?"


def not_found(name: str, hint: str = "") -> ObjectNotFound:
    """`Run('F/9') does not exist`, with an optional `: hint`."""
    return ObjectNotFound(f"{name} does not exist" + (f": {hint}" if hint else ""))


MAX_ATTEMPT = 2**31 - 1  # far beyond any retry count; keeps the value inside a SQL integer


def check_attempt(attempt: object) -> int | None:
    if attempt is None:
        return None
    if (
        isinstance(attempt, bool)
        or not isinstance(attempt, int)
        or attempt < 0
        or attempt > MAX_ATTEMPT
    ):
        raise InvalidPathspec(
            f"attempt must be None or an integer from 0 (the first attempt) to {MAX_ATTEMPT}, "
            f"got {attempt!r:.60}."
        )
    return attempt


def in_namespace(record: RunRecord, ns: str | None) -> bool:
    return ns is None or ns in record.system_tags or ns in record.user_tags


def check_namespace(name: str, record: RunRecord, ns: str | None) -> None:
    """Raise NamespaceMismatch naming the object, the namespace and how to see it."""
    if in_namespace(record, ns):
        return
    owner = next((t for t in record.system_tags if t.startswith("user:")), None)
    how = "namespace(None) for the global namespace"
    if owner is not None:
        how += f", or namespace({owner!r}) for its owner's"
    raise NamespaceMismatch(
        f"{name} exists, but is not in the namespace {ns!r} in force: its run does not carry "
        f"the tag {ns!r}. To see it, call {how}."
    )


def visible(name: str) -> bool:
    """Names starting with `_` (internal steps and artifacts) are hidden from iteration."""
    return not name.startswith("_")


class _Timed(Protocol):
    @property
    def created_at(self) -> float: ...


class ClientObject(Generic[ParentT]):
    """The shared interface of Flow, Run, Step, Task and DataArtifact.

    A subclass names its kind (`_kind`, the class name users see), its pathspec level
    (`_level`) and the kind of its parent (`_parent_kind`), and says where its facts come
    from: `_own_record()` (for `created_at`), `_run_record()` (for tags) and `_origin()`.
    """

    __slots__ = ("_attempt", "_components", "_namespace", "_provider")

    _kind: ClassVar[str] = "ClientObject"
    _level: ClassVar[str] = ""
    _parent_kind: ClassVar[str | None] = None

    _provider: MetadataProvider
    _namespace: str | None
    _components: tuple[str, ...]
    _attempt: int | None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_kind" in cls.__dict__:
            register(cls)

    # ---- construction ------------------------------------------------------------------
    def _bind(self, pathspec: object, attempt: object = None) -> None:
        """Public-constructor plumbing: parse, take the context's provider and namespace."""
        self._components = parse(pathspec, self._level)
        self._attempt = check_attempt(attempt)
        self._provider = CONTEXT.provider()
        self._namespace = CONTEXT.get_namespace()
        self._clear()

    @classmethod
    def _make(
        cls,
        provider: MetadataProvider,
        namespace: str | None,
        components: tuple[str, ...],
        attempt: int | None = None,
    ) -> Self:
        """Build without queries or checks (children of a checked parent, unpickling)."""
        obj = object.__new__(cls)
        obj._provider = provider
        obj._namespace = namespace
        obj._components = components
        obj._attempt = attempt
        obj._clear()
        return obj

    def _clear(self) -> None:
        """Reset cached records (subclasses extend)."""

    def refresh(self) -> None:
        """Drop everything cached on this object; the next read asks the provider again."""
        self._clear()

    # ---- identity ----------------------------------------------------------------------
    @property
    def id(self) -> str:
        """The last component of the pathspec (a string, even for numeric ids)."""
        return self._components[-1]

    @property
    def pathspec(self) -> str:
        """The object's fully qualified name, e.g. `HelloFlow/2/start/3`."""
        return "/".join(self._components)

    @property
    def path_components(self) -> list[str]:
        """The pathspec's components (a new list on each call)."""
        return list(self._components)

    @property
    def _name(self) -> str:
        return object_name(self._kind, self.pathspec, self._attempt)

    def __repr__(self) -> str:
        return self._name

    def __str__(self) -> str:
        return self._name

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, ClientObject)
        return self._components == other._components and self._attempt == other._attempt

    def __hash__(self) -> int:
        return hash((self._kind, self._components, self._attempt))

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _restore,
            (self._kind, self.pathspec, self._attempt, self._provider.describe(), self._namespace),
        )

    # ---- common properties -------------------------------------------------------------
    @property
    def parent(self) -> ParentT:
        """The object one level up (a Run's Flow, a Task's Step); None for a Flow."""
        kind = self._parent_kind
        if kind is None:
            return cast(ParentT, None)
        made = class_named(kind)._make(self._provider, self._namespace, self._components[:-1])
        self._seed(made)
        return cast(ParentT, made)

    def _seed(self, parent: Any) -> None:
        """Hand the records cached here that describe `parent` to it (subclasses)."""

    def _own_record(self) -> _Timed:
        raise NotImplementedError

    @property
    def created_at(self) -> datetime:
        """When the object was created (UTC): a flow's first run, a run's start, a step's
        first task, a task, an artifact's recording."""
        return datetime.fromtimestamp(self._own_record().created_at, tz=timezone.utc)

    def _origin(self) -> str | None:
        return None

    @property
    def origin_pathspec(self) -> str | None:
        """The pathspec of the object this one was cloned from by a resume (a run, a task,
        an artifact of a cloned task); None for objects that were not cloned."""
        return self._origin()

    @property
    def namespace(self) -> str | None:
        """The namespace in force when this object was created (it keeps using it)."""
        return self._namespace

    # ---- tags (a run's; a Flow has none) -----------------------------------------------
    def _run_record(self) -> RunRecord:
        raise NotImplementedError

    def _tag_record(self) -> RunRecord | None:
        """The record whose tags this object reports: its run's (None for a Flow)."""
        return self._run_record()

    @property
    def tags(self) -> frozenset[str]:
        """The tags of the object's run: user tags and system tags (a Flow has none)."""
        record = self._tag_record()
        if record is None:
            return frozenset()
        return frozenset(record.user_tags) | frozenset(record.system_tags)

    @property
    def user_tags(self) -> frozenset[str]:
        """The run's user tags (`--tag` at run time, or added later)."""
        record = self._tag_record()
        return frozenset() if record is None else frozenset(record.user_tags)

    @property
    def system_tags(self) -> frozenset[str]:
        """The run's system tags (`user:<name>`, `runtime:<kind>`, ...)."""
        record = self._tag_record()
        return frozenset() if record is None else frozenset(record.system_tags)


class LazyChildren(Generic[ChildT]):
    """An iterator over children that lists them on its first `next()`.

    `list(obj)` calls `iter(obj)` and then `len(obj)` as a size hint; `len` fills the
    pending iterator with the children it listed, so `list(obj)` costs one listing, not two.
    """

    __slots__ = ("_it", "_items", "_make")

    def __init__(self, make: Callable[[], Iterator[ChildT]]) -> None:
        self._make = make
        self._items: list[ChildT] | None = None
        self._it: Iterator[ChildT] | None = None

    @property
    def started(self) -> bool:
        return self._it is not None

    def materialize(self) -> list[ChildT]:
        if self._items is None:
            self._items = list(self._make())
        return self._items

    def __iter__(self) -> LazyChildren[ChildT]:
        return self

    def __next__(self) -> ChildT:
        if self._it is None:
            self._it = iter(self._items) if self._items is not None else self._make()
        return next(self._it)


class Container(ClientObject[ParentT], Generic[ParentT, ChildT]):
    """An object with children: iteration (newest first), `[id]`, `in`, `len`."""

    __slots__ = ("_pending",)

    _child_level: ClassVar[str] = ""
    _pending: LazyChildren[ChildT] | None

    def _children(self) -> Iterator[ChildT]:
        raise NotImplementedError

    def _child(self, key: str) -> ChildT:
        raise NotImplementedError

    def __iter__(self) -> Iterator[ChildT]:
        self._pending = LazyChildren(self._children)
        return self._pending

    def __len__(self) -> int:
        pending = getattr(self, "_pending", None)
        self._pending = None
        if pending is not None and not pending.started:
            return len(pending.materialize())
        return sum(1 for _ in self._children())

    def __bool__(self) -> bool:
        return True

    def refresh(self) -> None:
        self._pending = None
        self._clear()

    def __getitem__(self, key: str) -> ChildT:
        return self._child(check_id(self._child_level, key))

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            check_id(self._child_level, key)  # raises InvalidPathspec with a hint
        try:
            check_id(self._child_level, key)
        except InvalidPathspec:
            return False  # a string that cannot be an id names nothing
        try:
            self._child(key)  # type: ignore[arg-type]
        except (ObjectNotFound, NamespaceMismatch):
            return False
        return True


def _restore(
    kind: str, pathspec: str, attempt: int | None, address: str, namespace: str | None
) -> ClientObject[Any]:
    """Unpickle an object: re-open its provider (shared per address) and rebuild it."""
    cls = class_named(kind)
    components = parse(pathspec, cls._level)
    return cls._make(CONTEXT.provider_for(address), namespace, components, attempt)
