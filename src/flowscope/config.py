"""Settings, resolved once into a frozen value: explicit arguments > environment > defaults.

Nothing here runs at import time; `Settings.from_env()` reads the environment when called.

| variable                        | meaning                                        | default        |
|---------------------------------|------------------------------------------------|----------------|
| FLOWSCOPE_USER                  | the user name runs are recorded under          | USERNAME, USER, login name |
| FLOWSCOPE_ROOT                  | the local store directory (.flowscope)         | found by walking up from cwd |
| FLOWSCOPE_SERVICE_URL           | record to / read from this metadata service    | unset (local)  |
| FLOWSCOPE_SERVICE_TOKEN         | bearer token for the service                   | unset          |
| FLOWSCOPE_SERVICE_TOKEN_FILE    | file holding the bearer token                  | unset          |
| FLOWSCOPE_SERVICE_TIMEOUT       | seconds before an unanswered service call fails| 5              |
| FLOWSCOPE_SERVICE_MAX_ANSWER_MB | largest JSON answer the client reads (MiB)     | 32             |
| FLOWSCOPE_SERVICE_MAX_BLOB_MB   | largest blob the client downloads (MiB)        | 4096           |
| FLOWSCOPE_SERVICE_MIN_RATE_MB   | slowest blob transfer accepted (MiB/s): a blob | 1              |
|                                 | may take the timeout + its size at this rate   |                |
| FLOWSCOPE_DATASTORE             | where artifacts, logs, code packages live      | the metadata's |
|                                 | (a directory, file://, s3:// or http(s):// URL)| (blobs/, proxy)|
| FLOWSCOPE_BLOB_CACHE            | local cache of blobs read from s3://           | ~/.cache/      |
|                                 | (by content hash; always safe to delete)       | flowscope/blobs|
| FLOWSCOPE_BLOB_CACHE_MB         | its bound in MiB (0: no cache)                 | 2048           |
| FLOWSCOPE_DATASTORE_RETRY_TIME  | seconds an s3:// transfer retries a server that| 60             |
|                                 | does not answer, before the task fails         |                |
| FLOWSCOPE_INLINE_BLOB_MAX       | bytes: an artifact blob stored this small is   | 2048           |
|                                 | also kept in its metadata row, read with the   |                |
|                                 | listing (0: never; at most 65536)              |                |
| FLOWSCOPE_HEARTBEAT_INTERVAL    | seconds between heartbeats of a running run    | 5              |
| FLOWSCOPE_LOST_AFTER            | seconds without heartbeat before "lost"        | 60             |
| FLOWSCOPE_CARD_TIMEOUT          | seconds a card may take to render (@card's     | 45             |
|                                 | default timeout); then it shows the timeout    |                |
| FLOWSCOPE_CARD_MAX_MB           | largest card stored (MiB); a bigger one is     | 16             |
|                                 | replaced by an error card saying so            |                |
| FLOWSCOPE_CARD_REFRESH_INTERVAL | least seconds between two stored refreshes of  | 1              |
|                                 | a running task's card (current.card.refresh()) |                |
| FLOWSCOPE_EXECUTOR              | where tasks run: local (forks) or dask         | local          |
| FLOWSCOPE_DASK_ADDRESS          | the Dask scheduler (tcp://host:port) for       | unset: a local |
|                                 | `--executor dask`                              | cluster        |
| FLOWSCOPE_DASK_CONNECT_TIMEOUT  | seconds to reach the scheduler and its workers | 20             |
| FLOWSCOPE_DASK_ENV              | names (comma-separated) of more of the runner's| none           |
|                                 | variables that tasks on Dask workers get; they |                |
|                                 | cross the Dask wire in clear: no secrets       |                |
| FLOWSCOPE_DASK_ISOLATION        | fork: each attempt in a fork of a task host;   | fork           |
|                                 | host: in the task host itself (faster; tasks   |                |
|                                 | share class state and the Python-level output) |                |
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path

from flowscope.errors import ConfigError as ConfigError  # its home was here: still importable
from flowscope.frozen import Frozen, init, replace

STORE_DIRNAME = ".flowscope"
SPIN_DIRNAME = ".flowscope_spin"  # where `spin --persist` keeps what it ran (see cli/spin_cmd.py)


def _float(env: Mapping[str, str], name: str, default: float, unit: str = "seconds") -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number of {unit}.") from None
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"{name}={raw!r} must be a finite number greater than zero.")
    return value


EXECUTORS = ("local", "dask")
INLINE_BLOB_MAX = 2048
"""Default FLOWSCOPE_INLINE_BLOB_MAX (bytes of a blob's stored form)."""
INLINE_BLOB_LIMIT = 64 * 1024
"""Its largest accepted value (metastore.records.MAX_INLINE: what readers accept)."""


def _inline_max(env: Mapping[str, str]) -> int:
    name = "FLOWSCOPE_INLINE_BLOB_MAX"
    raw = env.get(name, "").strip()
    if not raw:
        return INLINE_BLOB_MAX
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r:.80} is not a whole number of bytes.") from None
    if not 0 <= value <= INLINE_BLOB_LIMIT:
        raise ConfigError(f"{name}={raw!r:.80} must be between 0 (never) and {INLINE_BLOB_LIMIT}.")
    return value


ISOLATIONS = ("fork", "host")


def _isolation(env: Mapping[str, str]) -> str:
    raw = env.get("FLOWSCOPE_DASK_ISOLATION", "").strip()
    if raw and raw not in ISOLATIONS:
        raise ConfigError(
            f"FLOWSCOPE_DASK_ISOLATION={raw!r:.40} is not one of: {', '.join(ISOLATIONS)}."
        )
    return raw or "fork"


def _names(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated list of environment variable names."""
    found = tuple(n.strip() for n in env.get(name, "").split(",") if n.strip())
    for item in found:
        if not (item.isascii() and item.isidentifier()):
            raise ConfigError(
                f"{name} names {item!r:.60}, which is not a variable name (letters, digits, _)."
            )
    return found


def _executor(env: Mapping[str, str]) -> str:
    raw = env.get("FLOWSCOPE_EXECUTOR", "").strip()
    if not raw:
        return "local"
    if raw.lower() not in EXECUTORS:
        raise ConfigError(f"FLOWSCOPE_EXECUTOR={raw!r:.80} is not one of: {', '.join(EXECUTORS)}.")
    return raw.lower()


def _mebibytes(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default * 1024 * 1024
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number of MiB.") from None
    if value < 0:
        raise ConfigError(f"{name}={raw!r} must be 0 (no cache) or more.")
    return value * 1024 * 1024


def _cache_dir(env: Mapping[str, str]) -> Path | None:
    if env.get("FLOWSCOPE_BLOB_CACHE"):
        return expand_path(env["FLOWSCOPE_BLOB_CACHE"])
    if env.get("XDG_CACHE_HOME"):
        return Path(env["XDG_CACHE_HOME"]) / "flowscope" / "blobs"
    return None


def resolve_user(env: Mapping[str, str]) -> str:
    for name in ("FLOWSCOPE_USER", "USERNAME", "USER"):
        if env.get(name):
            return env[name]
    try:
        import getpass  # only when no variable names the user

        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def expand_path(text: str) -> Path:
    """`text` as a path with a leading `~` or `~user` expanded; ConfigError for an unknown user."""
    path = Path(text)
    try:
        return path.expanduser()
    except RuntimeError:  # pathlib's answer to `~nouser`
        user = text[1:].split("/", 1)[0]
        raise ConfigError(
            f"Cannot expand {text!r}: there is no user '{user}' on this machine. Write the "
            f"directory out in full."
        ) from None


def find_store(start: Path) -> Path | None:
    """The nearest `.flowscope` directory at or above `start`, like git finds `.git`."""
    here = start.resolve()
    for directory in (here, *here.parents):
        candidate = directory / STORE_DIRNAME
        if candidate.is_dir():
            return candidate
    return None


class Settings(Frozen):
    __slots__ = (
        "user",
        "local_root",
        "service_url",
        "service_token",
        "service_timeout",
        "heartbeat_interval",
        "lost_after",
        "service_max_answer_mb",
        "service_max_blob_mb",
        "service_min_rate_mb",
        "datastore",
        "datastore_retry_time",
        "blob_cache",
        "blob_cache_bytes",
        "inline_blob_max",
        "card_timeout",
        "card_max_mb",
        "card_refresh_interval",
        "executor",
        "dask_address",
        "dask_connect_timeout",
        "dask_env",
        "dask_isolation",
    )
    user: str
    local_root: Path | None
    service_url: str | None
    service_token: str | None
    service_timeout: float
    heartbeat_interval: float
    lost_after: float
    service_max_answer_mb: float
    service_max_blob_mb: float
    service_min_rate_mb: float
    datastore: str | None
    datastore_retry_time: float
    blob_cache: Path | None  # None: ~/.cache/flowscope/blobs (`blob_cache_dir`)
    blob_cache_bytes: int
    inline_blob_max: int
    card_timeout: float
    card_max_mb: float
    card_refresh_interval: float
    executor: str
    dask_address: str | None
    dask_connect_timeout: float
    dask_env: tuple[str, ...]  # more variables sent with each task (runtime/portable.py)
    dask_isolation: str  # how a worker isolates attempts (runtime/task_host.py)

    def __init__(
        self,
        user: str,
        local_root: Path | None,
        service_url: str | None,
        service_token: str | None,
        service_timeout: float,
        heartbeat_interval: float,
        lost_after: float,
        service_max_answer_mb: float = 32.0,
        service_max_blob_mb: float = 4096.0,
        service_min_rate_mb: float = 1.0,
        datastore: str | None = None,
        datastore_retry_time: float = 60.0,
        blob_cache: Path | None = None,
        blob_cache_bytes: int = 2048 * 1024 * 1024,
        inline_blob_max: int = INLINE_BLOB_MAX,
        card_timeout: float = 45.0,
        card_max_mb: float = 16.0,
        card_refresh_interval: float = 1.0,
        executor: str = "local",
        dask_address: str | None = None,
        dask_connect_timeout: float = 20.0,
        dask_env: tuple[str, ...] = (),
        dask_isolation: str = "fork",
    ) -> None:
        init(self, "user", user)
        init(self, "local_root", local_root)
        init(self, "service_url", service_url)
        init(self, "service_token", service_token)
        init(self, "service_timeout", service_timeout)
        init(self, "heartbeat_interval", heartbeat_interval)
        init(self, "lost_after", lost_after)
        init(self, "service_max_answer_mb", service_max_answer_mb)
        init(self, "service_max_blob_mb", service_max_blob_mb)
        init(self, "service_min_rate_mb", service_min_rate_mb)
        init(self, "datastore", datastore)
        init(self, "datastore_retry_time", datastore_retry_time)
        init(self, "blob_cache", blob_cache)
        init(self, "blob_cache_bytes", blob_cache_bytes)
        init(self, "inline_blob_max", inline_blob_max)
        init(self, "card_timeout", card_timeout)
        init(self, "card_max_mb", card_max_mb)
        init(self, "card_refresh_interval", card_refresh_interval)
        init(self, "executor", executor)
        init(self, "dask_address", dask_address)
        init(self, "dask_connect_timeout", dask_connect_timeout)
        init(self, "dask_env", dask_env)
        init(self, "dask_isolation", dask_isolation)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        token = env.get("FLOWSCOPE_SERVICE_TOKEN") or None
        token_file = env.get("FLOWSCOPE_SERVICE_TOKEN_FILE")
        if token is None and token_file:
            try:
                token = Path(token_file).read_text().strip() or None
            except OSError as exc:
                raise ConfigError(
                    f"FLOWSCOPE_SERVICE_TOKEN_FILE={token_file!r} cannot be read: {exc.strerror}."
                ) from None
        root = env.get("FLOWSCOPE_ROOT")
        return cls(
            user=resolve_user(env),
            local_root=Path(root) if root else None,
            service_url=env.get("FLOWSCOPE_SERVICE_URL") or None,
            service_token=token,
            service_timeout=_float(env, "FLOWSCOPE_SERVICE_TIMEOUT", 5.0),
            heartbeat_interval=_float(env, "FLOWSCOPE_HEARTBEAT_INTERVAL", 5.0),
            lost_after=_float(env, "FLOWSCOPE_LOST_AFTER", 60.0),
            service_max_answer_mb=_float(env, "FLOWSCOPE_SERVICE_MAX_ANSWER_MB", 32.0, "MiB"),
            service_max_blob_mb=_float(env, "FLOWSCOPE_SERVICE_MAX_BLOB_MB", 4096.0, "MiB"),
            service_min_rate_mb=_float(env, "FLOWSCOPE_SERVICE_MIN_RATE_MB", 1.0, "MiB/s"),
            datastore=env.get("FLOWSCOPE_DATASTORE", "").strip() or None,
            datastore_retry_time=_float(env, "FLOWSCOPE_DATASTORE_RETRY_TIME", 60.0),
            blob_cache=_cache_dir(env),
            blob_cache_bytes=_mebibytes(env, "FLOWSCOPE_BLOB_CACHE_MB", 2048),
            inline_blob_max=_inline_max(env),
            card_timeout=_float(env, "FLOWSCOPE_CARD_TIMEOUT", 45.0),
            card_max_mb=_float(env, "FLOWSCOPE_CARD_MAX_MB", 16.0, "MiB"),
            card_refresh_interval=_float(env, "FLOWSCOPE_CARD_REFRESH_INTERVAL", 1.0),
            executor=_executor(env),
            dask_address=env.get("FLOWSCOPE_DASK_ADDRESS", "").strip() or None,
            dask_connect_timeout=_float(env, "FLOWSCOPE_DASK_CONNECT_TIMEOUT", 20.0),
            dask_env=_names(env, "FLOWSCOPE_DASK_ENV"),
            dask_isolation=_isolation(env),
        )

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)

    def blob_cache_dir(self) -> Path:
        """Where blobs read from remote datastores are cached (`blob_cache`, else
        ~/.cache/flowscope/blobs)."""
        return self.blob_cache or Path.home() / ".cache" / "flowscope" / "blobs"

    def store_root(self, cwd: Path | None = None) -> Path:
        """The local store directory: explicit root, else the nearest one up, else cwd/.flowscope."""
        if self.local_root is not None:
            root = self.local_root
            return (
                root
                if root.name == STORE_DIRNAME or (root / "metadata.db").exists()
                else root / STORE_DIRNAME
            )
        start = cwd or Path.cwd()
        return find_store(start) or (start / STORE_DIRNAME)
