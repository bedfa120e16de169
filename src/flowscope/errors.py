"""Every error flowscope raises on purpose derives from one root.

    FlowscopeError
    ├── ConfigError             a setting (FLOWSCOPE_* variable) has a value that cannot be used
    ├── InvalidPathspec         a malformed address (also a ValueError)
    ├── ObjectNotFound          the object does not exist (also a KeyError)
    ├── NamespaceMismatch       it exists, but outside the namespace in force
    ├── TagError                an invalid tag, or an attempt to remove a system tag
    ├── FlowDefinitionError     the flow class is not a valid flow
    │   ├── GraphError          one or more problems in the step graph (step, line)
    │   └── SwitchError         a switch's condition is missing or matches no case (step)
    ├── ParameterError          a parameter value that cannot be used
    ├── MergeConflict           merge_artifacts found differing values
    ├── QueryError              a runs/tasks filter that is not valid (position, field)
    ├── RunError                a run could not be started, resumed or completed
    │   ├── ExecutorLost        the cluster running its tasks went away mid-run
    │   ├── ExecutorUnavailable the chosen executor cannot run it (refused before start)
    │   ├── EnvironmentMismatch this interpreter lacks what @pypi/@conda ask (before start)
    │   ├── RunInterrupted      Ctrl-C or SIGTERM stopped it (exit code 130)
    │   └── RunnerError         the Runner API's subprocess did not start a run, or timed out
    ├── MulticoreError          a parallel_map call failed in its child process
    ├── CardError               a card or card component was given input it cannot use
    ├── ComparisonError         runs that cannot be compared (other flows, not runs)
    ├── DataStoreError          artifact data could not be read or written
    │   ├── BlobNotFound
    │   ├── BlobCorrupted       what was read does not match its content hash
    │   ├── BlobTooLarge        a blob is larger than a configured limit allows
    │   ├── StorageFull         the disk (or quota) behind the datastore is full
    │   ├── DataStoreUnavailable  the datastore's server did not answer in time
    │   └── S3Error             flowscope.S3 (the data tool) failed
    │       ├── S3NotFound      no such object
    │       ├── S3AccessDenied  the credentials may not read or write it
    │       ├── S3URLError      a key or URL outside the root (also a ValueError)
    │       └── S3InvalidObject a value put() cannot store (also a TypeError)
    ├── MetadataError           the metadata store or service failed
    │   ├── ServiceUnavailable  the service did not answer in time
    │   ├── DatabaseUnavailable the database behind the store did not answer in time
    │   ├── AuthenticationError the service refused the token
    │   ├── RunAlreadyFinished  a finished run asked to finish with another status
    │   ├── SchemaError         the database schema is newer than this code
    │   └── StoreVanished       the local store was deleted or replaced while in use
    └── HttpError               the service refuses a request with this status and wire type

Messages say what failed, with which value, and what to do next. The CLI turns any
FlowscopeError into a one-line message and its `exit_code` in one place (cli/errors.py). The
names these errors carry over HTTP are one table: flowscope/remote/wire.py.
"""

from __future__ import annotations

from flowscope.frozen import Frozen, init


class FlowscopeError(Exception):
    """The root of every error flowscope raises on purpose."""

    exit_code = 1


class ConfigError(FlowscopeError):
    """A setting has a value that cannot be used (flowscope.config reads them)."""


class InvalidPathspec(FlowscopeError, ValueError):
    """A pathspec with the wrong shape or characters that cannot be an id."""

    exit_code = 2


class ObjectNotFound(FlowscopeError, KeyError):
    """The addressed object does not exist. A KeyError too, so `parent['x']` reads naturally."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else "object not found"


class NamespaceMismatch(FlowscopeError):
    """The object exists, but its run does not carry the namespace tag in force."""


class TagError(FlowscopeError, ValueError):
    """A tag that is not a non-empty string of at most 500 characters, or a system tag change."""

    exit_code = 2


class FlowDefinitionError(FlowscopeError):
    """The flow class cannot be used as a flow."""

    exit_code = 2


class GraphProblem(Frozen):
    """One problem in a flow's step graph."""

    __slots__ = ("step", "line", "message")
    step: str | None
    line: int | None
    message: str

    def __init__(self, step: str | None, line: int | None, message: str) -> None:
        init(self, "step", step)
        init(self, "line", line)
        init(self, "message", message)

    def __str__(self) -> str:
        where = []
        if self.step:
            where.append(f"step '{self.step}'")
        if self.line:
            where.append(f"line {self.line}")
        prefix = f"{', '.join(where)}: " if where else ""
        return prefix + self.message


class GraphError(FlowDefinitionError):
    """One or more problems found by the graph check; each names its step and line."""

    def __init__(self, problems: list[GraphProblem]) -> None:
        self.problems = list(problems)
        lines = [str(p) for p in self.problems]
        if len(lines) == 1:
            message = f"The flow graph is invalid: {lines[0]}"
        else:
            message = "The flow graph is invalid:\n" + "\n".join(f"  - {s}" for s in lines)
        super().__init__(message)


class SwitchError(FlowDefinitionError):
    """A switch step's condition artifact is missing, or its value matches none of the cases."""

    def __init__(self, message: str, *, step: str, condition: str) -> None:
        super().__init__(message)
        self.step = step
        self.condition = condition


class ParameterError(FlowscopeError, ValueError):
    """A parameter value that is missing, or cannot be converted to the parameter's type."""

    exit_code = 2


class QueryError(FlowscopeError, ValueError):
    """A `where=` filter that cannot be run: a syntax error (`position`, 0-based), an unknown
    field, or a value of the wrong type for its field."""

    exit_code = 2

    def __init__(self, message: str, *, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


class MergeConflict(FlowscopeError):
    """merge_artifacts found an artifact with different values in different inputs."""


class RunError(FlowscopeError):
    """A run could not be started, resumed, or completed."""


class ExecutorLost(RunError):
    """The engine that runs the tasks (a cluster's scheduler) went away during a run."""


class ExecutorUnavailable(RunError):
    """The chosen executor cannot run this run (not installed, not reachable, cannot reach
    the run's datastore); nothing was recorded."""


class EnvironmentMismatch(RunError):
    """The interpreter that runs the flow lacks a package or the Python version its @pypi or
    @conda decorators ask for; nothing was recorded."""

    exit_code = 2


class RunInterrupted(RunError):
    """The run was stopped by Ctrl-C or SIGTERM; it is recorded as failed."""

    exit_code = 130


class RunnerError(RunError):
    """A run started through the Runner API did not start (its command ended before a run was
    recorded, naming why), or did not finish within the time it was given."""


class MulticoreError(FlowscopeError):
    """A call of parallel_map (or parallel_imap_unordered) failed in its child process."""


class CardError(FlowscopeError, ValueError):
    """A card (`@card` type, id, options) or a card component was given input it cannot use."""

    exit_code = 2


class ComparisonError(FlowscopeError, ValueError):
    """Objects a run diff or comparison cannot take: runs of different flows, or not runs."""

    exit_code = 2


class DataStoreError(FlowscopeError):
    """Artifact data, logs or code packages could not be read or written."""


class BlobNotFound(DataStoreError):
    """No blob is stored under the content hash asked for."""

    key: str | None = None


class BlobCorrupted(DataStoreError):
    """The bytes read do not hash to the key they were stored under."""

    key: str | None = None


class DataStoreUnavailable(DataStoreError):
    """The datastore's server (an S3 endpoint) did not answer within the retry time."""


class BlobTooLarge(DataStoreError):
    """A blob (as stored, or once decoded) is larger than a configured limit allows."""


class StorageFull(DataStoreError):
    """The disk (or quota) behind the datastore is full: nothing was stored."""


class S3Error(DataStoreError):
    """`flowscope.S3` (the family's `metaflow.S3` data tool) could not do what was asked."""


class S3NotFound(S3Error):
    """The S3 object asked for does not exist (get without return_missing=True)."""


class S3AccessDenied(S3Error):
    """The credentials in use may not read or write that S3 object."""


class S3URLError(S3Error, ValueError):
    """A key or URL that is not an S3 object under the root `S3` was opened with."""


class S3InvalidObject(S3Error, TypeError):
    """A value `S3.put` cannot store: give bytes or str."""


class MetadataError(FlowscopeError):
    """The metadata store or service failed."""


class ServiceUnavailable(MetadataError):
    """The metadata service did not answer within the configured time."""


class DatabaseUnavailable(MetadataError):
    """The database behind the store did not answer within its retry window."""


class AuthenticationError(MetadataError):
    """The metadata service refused the request's token."""


class RunAlreadyFinished(MetadataError):
    """A finished run's status is final: finishing it again with another status is refused."""


class SchemaError(MetadataError):
    """The database schema is missing, or newer than this version of flowscope knows."""


class StoreVanished(MetadataError):
    """The local store's database file was deleted or replaced while it was in use: what was
    recorded in it is gone, so nothing recorded there can be resumed."""


class HttpError(FlowscopeError):
    """A request the metadata service refuses: answered with `status` and the wire type `kind`
    (BadRequest, PayloadTooLarge, NotConfigured, ...), `message` in the error envelope."""

    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message
