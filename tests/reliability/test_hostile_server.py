"""The HTTP client against a hostile server (issue 10, items 1, 10 and 16): every call ends
within its deadline, reads no more than a bound that fits the call, and fails with a
FlowscopeError naming the address, never a raw Python error or an endless wait."""

from __future__ import annotations

import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from flowscope.config import Settings
from flowscope.datastore.http import HttpBlobStorage
from flowscope.errors import FlowscopeError, MetadataError, ServiceUnavailable
from flowscope.metastore.new_records import NewRun
from flowscope.metastore.providers import open_provider
from flowscope.remote import transport
from flowscope.remote.transport import HttpTransport
from pg import free_port

from .hostile import KINDS, Behaviour, HostileServer, json_body

MiB = 1024 * 1024
KEY = "0" * 64  # a well-formed blob key


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    with HostileServer() as s:
        yield s


@pytest.fixture(autouse=True)
def _fresh(server: HostileServer) -> None:
    server.reset_counts()


def env_settings(**env: str) -> Settings:
    return Settings.from_env({"FLOWSCOPE_USER": "tester", **env})


def timed(call: Callable[[], Any], limit: float) -> tuple[float, BaseException | None]:
    """Run `call` in a thread; its duration and what it raised. Fails if it outlives `limit`."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            outcome.append(exc)

    start = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit)
    elapsed = time.monotonic() - start
    assert outcome, f"the call was still running after {limit:g} s"
    return elapsed, outcome[0]


# ---- item 1: a total deadline and a size bound -------------------------------------------


def test_a_dripping_server_fails_within_the_service_timeout(server: HostileServer) -> None:
    server.behaviour = Behaviour("drip", body=json_body({"flows": []}), interval=0.25)
    provider = open_provider(server.url, env_settings(FLOWSCOPE_SERVICE_TIMEOUT="1"))
    elapsed, error = timed(provider.list_flows, 20)
    assert isinstance(error, ServiceUnavailable), repr(error)
    assert elapsed < 1.6  # one byte every 0.25 s re-armed the socket timeout for ever
    assert server.url in str(error)


def test_a_dripping_body_of_a_blob_read_is_bounded_too(server: HostileServer) -> None:
    server.behaviour = Behaviour("drip", body=b"x" * 200, interval=0.25)
    blobs = HttpBlobStorage(HttpTransport(server.url, timeout=1.0))
    elapsed, error = timed(lambda: blobs.read(KEY), 30)
    assert isinstance(error, ServiceUnavailable), repr(error)
    assert elapsed < 1.8


@pytest.mark.parametrize(
    "length,chunked",
    [(None, False), (None, True), (10**15, False)],
    ids=["close-delimited", "chunked", "huge-content-length"],
)
def test_an_endless_answer_is_cut_at_the_bound(
    server: HostileServer, length: int | None, chunked: bool
) -> None:
    server.behaviour = Behaviour("endless", length=length, chunked=chunked)
    provider = open_provider(server.url, env_settings(FLOWSCOPE_SERVICE_MAX_ANSWER_MB="1"))
    elapsed, error = timed(provider.list_flows, 30)
    assert isinstance(error, MetadataError), repr(error)
    assert "FLOWSCOPE_SERVICE_MAX_ANSWER_MB" in str(error) and server.url in str(error)
    assert elapsed < 2
    time.sleep(0.2)
    # the client stopped soon after its 1 MiB bound (loopback socket buffers hold several MiB)
    assert server.sent < 32 * MiB


def test_a_blob_read_is_bounded_by_the_blob_cap(server: HostileServer) -> None:
    limits = transport.Limits(max_answer=MiB, max_blob=4 * MiB, min_rate=MiB)
    blobs = HttpBlobStorage(HttpTransport(server.url, timeout=1.0, limits=limits))
    server.behaviour = Behaviour("endless", length=10**12)
    elapsed, error = timed(lambda: blobs.read(KEY), 30)
    assert isinstance(error, MetadataError) and "FLOWSCOPE_SERVICE_MAX_BLOB_MB" in str(error)
    assert elapsed < 1
    server.reset_counts()
    server.behaviour = Behaviour("endless", chunked=True)
    elapsed, error = timed(lambda: blobs.read(KEY), 30)
    assert isinstance(error, MetadataError) and "FLOWSCOPE_SERVICE_MAX_BLOB_MB" in str(error)
    time.sleep(0.2)
    assert server.sent < 36 * MiB  # the 4 MiB bound plus the socket buffers


def test_a_large_blob_slower_than_the_timeout_still_arrives(server: HostileServer) -> None:
    """Transfers are bounded by progress and by size, not by the 5 s of a JSON call."""
    data = bytes(range(256)) * (12 * MiB // 256)
    server.behaviour = Behaviour("paced", body=data, rate=6 * MiB)  # about 2 s
    limits = transport.Limits(max_answer=MiB, max_blob=64 * MiB, min_rate=MiB)
    blobs = HttpBlobStorage(HttpTransport(server.url, timeout=1.0, limits=limits))
    start = time.monotonic()
    assert blobs.read(KEY) == data
    assert time.monotonic() - start > 1.0  # longer than the timeout, and it worked


def test_a_stalled_transfer_fails_after_the_progress_bound(server: HostileServer) -> None:
    data = b"y" * (4 * MiB)
    server.behaviour = Behaviour("truncate", body=data, interval=30)  # half, then nothing
    limits = transport.Limits(max_answer=MiB, max_blob=64 * MiB, min_rate=MiB)
    blobs = HttpBlobStorage(HttpTransport(server.url, timeout=0.5, limits=limits))
    elapsed, error = timed(lambda: blobs.read(KEY), 30)
    assert isinstance(error, ServiceUnavailable), repr(error)
    assert elapsed < 0.5 + 4 + 1  # the read bound plus what the bytes moved earned


def test_limit_settings_are_documented_and_checked() -> None:
    s = env_settings()
    assert s.service_max_answer_mb > 1 and s.service_max_blob_mb >= 1024
    assert s.service_min_rate_mb > 0
    import flowscope.config as config

    for name in (
        "FLOWSCOPE_SERVICE_MAX_ANSWER_MB",
        "FLOWSCOPE_SERVICE_MAX_BLOB_MB",
        "FLOWSCOPE_SERVICE_MIN_RATE_MB",
    ):
        assert name in (config.__doc__ or "")
        assert name in (Path(__file__).parents[2] / "README.md").read_text()
        with pytest.raises(FlowscopeError, match=name):
            env_settings(**{name: "-3"})


# ---- item 10: wrong answers and wrong addresses -----------------------------------------

HTML = b"<!doctype html><html><body>It works! (a proxy's page)</body></html>"


def _calls(provider: Any) -> dict[str, Callable[[], Any]]:
    return {
        "list_flows": provider.list_flows,
        "get_flow": lambda: provider.get_flow("F"),
        "list_runs": lambda: provider.list_runs("F"),
        "get_run": lambda: provider.get_run("F", 1),
        "get_parameters": lambda: provider.get_parameters("F", 1),
        "list_steps": lambda: provider.list_steps("F", 1),
        "list_tasks": lambda: provider.list_tasks("F", 1),
        "get_task": lambda: provider.get_task("F", 1, 2),
        "list_artifacts": lambda: provider.list_artifacts("F", 1, 2, 0),
        "list_step_artifacts": lambda: provider.list_step_artifacts("F", 1, "s"),
        "list_facts": lambda: provider.list_facts("F", 1, 2, 0),
        "update_tags": lambda: provider.update_tags("F", 1, add=["x"]),
        "list_run_table": lambda: provider.list_run_table("F"),
        "list_run_index": lambda: provider.list_run_index("F", 1),
        "check_filter": lambda: provider.check_filter("F", "user = 'a'"),
    }


WRONG_SHAPES = [
    HTML,
    b"not json at all",
    b"",
    json_body([]),
    json_body(3),
    json_body({"flows": 3, "items": {}, "steps": None, "tasks": "x", "artifacts": [1]}),
    json_body({"flows": [{"x": 1}], "items": [[]], "cursor": 5, "steps": [{"run_id": "a"}]}),
    json_body({"tasks": {"x": [{}]}, "facts": [{"field": 1}], "parameters": []}),
    json_body({"flow_name": 1, "run_id": "1", "user": None, "status": [], "created_at": "x"}),
    json_body({"tasks": [{"flow_name": "F", "run_id": 1, "step_name": "s", "task_id": True}]}),
]


@pytest.mark.parametrize("body", WRONG_SHAPES, ids=range(len(WRONG_SHAPES)))
def test_a_wrong_answer_is_a_flowscope_error_naming_the_address(
    server: HostileServer, body: bytes
) -> None:
    server.behaviour = Behaviour("answer", body=body)
    provider = open_provider(server.url, env_settings())
    for name, call in _calls(provider).items():
        with pytest.raises(MetadataError) as info:
            call()
        message = str(info.value)
        assert server.url in message, (name, message)
        assert "expected" in message, (name, message)


_TASK_COLUMNS = {
    "step_name": ["s"], "task_id": [2], "created_at": [1.0], "attempt": [0],
    "status": ["succeeded"], "started_at": [None], "finished_at": [None],
    "heartbeat_at": [None], "foreach_index": [None], "foreach_stack": [[]],
    "origin_pathspec": [None], "stdout_key": [None], "stderr_key": [None], "env_key": [None],
    "exception": [None],
}  # fmt: skip
_ARTIFACT_COLUMNS = {
    "task_id": [2], "name": ["x"], "sha": ["a" * 64], "size": [3], "type_name": ["int"],
    "serializer": ["pickle"], "created_at": [1.0], "inline": [None],
}  # fmt: skip
COLUMN_SHAPES = [
    ("list_tasks", {"columns": []}, "object of columns"),
    ("list_tasks", {"columns": {**_TASK_COLUMNS, "task_id": [2, 3]}}, "as long as the others"),
    ("list_tasks", {"columns": {**_TASK_COLUMNS, "task_id": [True]}}, "holds no bool"),
    ("list_tasks", {"columns": {**_TASK_COLUMNS, "exception": ["x"]}}, "holds no str"),
    ("list_tasks", {"columns": {k: v for k, v in _TASK_COLUMNS.items() if k != "status"}}, "status"),
    ("list_step_artifacts", {"columns": 7}, "object of columns"),
    ("list_step_artifacts", {"columns": {**_ARTIFACT_COLUMNS, "sha": []}}, "as long as"),
    ("list_step_artifacts", {"columns": {**_ARTIFACT_COLUMNS, "size": ["3"]}}, "holds no str"),
    ("list_step_artifacts", {"columns": {**_ARTIFACT_COLUMNS, "inline": ["A" * 10**6]}}, "at most"),
    ("list_run_index", {"tasks": _TASK_COLUMNS, "artifacts": {**_ARTIFACT_COLUMNS, "inline": ["A" * 10**6]}}, "at most"),
    ("list_run_index", {"tasks": {**_TASK_COLUMNS, "step_name": [1]}, "artifacts": _ARTIFACT_COLUMNS}, "holds no int"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "body", "expected"), COLUMN_SHAPES)
def test_a_malformed_columns_answer_is_a_flowscope_error_naming_the_address(
    server: HostileServer, call: str, body: Any, expected: str
) -> None:
    server.behaviour = Behaviour("answer", body=json_body(body))
    provider = open_provider(server.url, env_settings())
    with pytest.raises(MetadataError) as info:
        _calls(provider)[call]()
    message = str(info.value)
    assert server.url in message and "expected" in message and expected in message, message


def test_a_well_formed_columns_answer_is_read(server: HostileServer) -> None:
    provider = open_provider(server.url, env_settings())
    server.behaviour = Behaviour("answer", body=json_body({"columns": _TASK_COLUMNS}))
    assert [t.pathspec for t in provider.list_tasks("F", 1)] == ["F/1/s/2"]
    server.behaviour = Behaviour("answer", body=json_body({"columns": _ARTIFACT_COLUMNS}))
    assert [a.sha for a in provider.list_step_artifacts("F", 1, "s")[2]] == ["a" * 64]


def test_a_wrong_blob_answer_is_a_flowscope_error(server: HostileServer) -> None:
    blobs = HttpBlobStorage(HttpTransport(server.url, timeout=1.0))
    for body in (HTML, json_body({"present": 3}), json_body({"present": [1]}), json_body([])):
        server.behaviour = Behaviour("answer", body=body)
        with pytest.raises(MetadataError, match="expected"):
            blobs.exists_many([KEY])
    server.behaviour = Behaviour("answer", body=b"")
    assert blobs.size(KEY) == 0


def test_other_schemes_are_never_taken_as_a_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for address in ("s3://bucket/x", "ftp://host/x", "file://otherhost/tmp/x", "gs:x"):
        with pytest.raises(MetadataError, match="scheme"):
            open_provider(address, env_settings(), create=True)
    assert list(tmp_path.iterdir()) == []  # no ./s3:/..., ./file:/... created
    target = tmp_path / "store"
    provider = open_provider(f"file://{target}", env_settings(), create=True)
    assert (target / ".flowscope").is_dir()
    assert provider.describe().endswith(str(target / ".flowscope"))
    provider.close()
    assert {p.name for p in tmp_path.iterdir()} == {"store"}


@pytest.mark.parametrize(
    "address", ["http://localhost:99999", "http://localhost:-1", "http://localhost:port/x"]
)
def test_a_bad_port_is_a_clear_error(address: str) -> None:
    with pytest.raises(MetadataError, match="port") as info:
        open_provider(address, env_settings())
    assert address in str(info.value)


def test_credentials_in_an_address_are_never_echoed(server: HostileServer) -> None:
    dead = free_port()
    addresses = [
        f"http://alice:s3cret@127.0.0.1:{dead}",
        "http://alice:s3cret@localhost:99999",
        "ftp://alice:s3cret@host/x",
        "service@alice:s3cret@host",
        f"{server.url.replace('//', '//alice:s3cret@')}",
    ]
    for address in addresses:
        with pytest.raises(FlowscopeError) as info:
            open_provider(address, env_settings(FLOWSCOPE_SERVICE_TIMEOUT="0.3")).list_flows()
        assert "s3cret" not in str(info.value), str(info.value)
        assert "alice" not in str(info.value), str(info.value)


# ---- item 16: the server's reason survives a timeout on the last attempt ------------------


def test_a_database_outage_keeps_the_services_reason(server: HostileServer) -> None:
    down = {"error": {"type": "DatabaseUnavailable", "message": "The database db:5432 is down."}}
    provider = open_provider(server.url, env_settings(FLOWSCOPE_SERVICE_TIMEOUT="1"))
    server.behaviour = Behaviour("answer", status=503, body=json_body(down), delay=0.3)
    elapsed, error = timed(provider.list_flows, 10)
    assert isinstance(error, ServiceUnavailable), repr(error)
    assert elapsed < 1.6
    message = str(error)
    # the last attempt ran out of time waiting; the reason is still the server's
    assert "The database db:5432 is down." in message, message
    assert "is running" not in message, message
    assert server.url in message


@pytest.mark.parametrize("kind", ["DatabaseUnavailable", "ObjectNotFound", "TagError"])
def test_a_known_error_without_a_message_still_says_who_answered_what(
    server: HostileServer, kind: str
) -> None:
    """Found by the property test below: `{"error": {"type": ..., "message": ""}}` became an
    error with an empty message."""
    server.behaviour = Behaviour(
        "answer", status=400, body=json_body({"error": {"type": kind, "message": ""}})
    )
    provider = open_provider(server.url, env_settings(FLOWSCOPE_SERVICE_TIMEOUT="1"))
    elapsed, error = timed(provider.list_flows, 10)
    assert isinstance(error, FlowscopeError), repr(error)
    message = str(error)
    assert server.url in message and "400" in message and kind in message, message


# ---- property: whatever the server does, every call ends in time, bounded, as a result or a
# FlowscopeError ------------------------------------------------------------------------------

TIMEOUT = 0.6
FUZZ_LIMITS = transport.Limits(max_answer=MiB, max_blob=2 * MiB, min_rate=4 * MiB)
SLACK = 1.0  # thread scheduling on a busy 2-core machine; the bounds themselves are exact
FIELDS = [
    "flows", "items", "cursor", "tasks", "steps", "artifacts", "facts", "parameters",
    "present", "error", "type", "message", "flow_name", "run_id", "user", "status",
    "created_at", "step_name", "task_id", "name", "sha", "size", "user_tags",
]  # fmt: skip
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(FIELDS), inner, max_size=6)
    ),
    max_leaves=16,
)
BODIES = st.one_of(
    JSON.map(json_body),
    st.just(HTML),
    st.binary(max_size=64),
    st.just(json_body({"flows": [{"flow_name": "F", "created_at": 1.0}], "present": []})),
    st.builds(
        lambda kind, msg: json_body({"error": {"type": kind, "message": msg}}),
        st.sampled_from(["DatabaseUnavailable", "ObjectNotFound", "BlobNotFound", "Nope", 3]),
        st.text(max_size=20),
    ),
    st.integers(1, 3 * MiB).map(lambda n: b"[" + b"0," * (n // 2) + b"0]"),
)
BEHAVIOURS = st.builds(
    Behaviour,
    kind=st.sampled_from(KINDS),
    status=st.sampled_from([200, 201, 400, 401, 404, 409, 418, 500, 502, 503, 504]),
    body=BODIES,
    delay=st.sampled_from([0.0, 0.0, 0.0, 0.05, 0.3, 0.8]),
    interval=st.sampled_from([0.0, 0.01, 0.2]),
    length=st.none() | st.integers(0, 200) | st.just(10**13),
    chunked=st.booleans(),
    rate=st.sampled_from([0.0, 256 * 1024.0, 8 * MiB]),
)


def _provider_calls(provider: Any, blobs: HttpBlobStorage) -> dict[str, Callable[[], Any]]:
    run = NewRun("F", "tester")
    return {
        "list_flows": provider.list_flows,
        "get_run": lambda: provider.get_run("F", 1),
        "list_tasks": lambda: provider.list_tasks("F", 1),
        "list_step_artifacts": lambda: provider.list_step_artifacts("F", 1, "s"),
        "get_parameters": lambda: provider.get_parameters("F", 1),
        "create_run": lambda: provider.create_run(run),
        "update_tags": lambda: provider.update_tags("F", 1, add=["x"]),
        "blob_read": lambda: blobs.read(KEY),
        "blob_size": lambda: blobs.size(KEY),
        "blob_exists_many": lambda: blobs.exists_many([KEY]),
        "blob_read_many": lambda: blobs.read_many([KEY]),
        "blob_write": lambda: blobs.write(KEY, [b"z" * 4096]),
    }


CALL_NAMES = [
    "list_flows", "get_run", "list_tasks", "list_step_artifacts", "get_parameters",
    "create_run", "update_tags", "blob_read", "blob_size", "blob_exists_many", "blob_write",
    "blob_read_many",
]  # fmt: skip


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(behaviour=BEHAVIOURS, name=st.sampled_from(CALL_NAMES))
def test_any_hostile_answer_ends_in_time_as_a_result_or_a_flowscope_error(
    server: HostileServer, behaviour: Behaviour, name: str
) -> None:
    server.behaviour = behaviour
    server.reset_counts()
    from flowscope.metastore.http import HttpMetadataProvider

    provider = HttpMetadataProvider(server.url, timeout=TIMEOUT, limits=FUZZ_LIMITS)
    plain = HttpTransport(server.url, timeout=TIMEOUT, limits=FUZZ_LIMITS)
    calls = _provider_calls(provider, HttpBlobStorage(plain))
    assert sorted(calls) == sorted(CALL_NAMES)
    call = calls[name]
    # a transfer earns 1/min_rate s per byte, up to the blob bound
    bound = TIMEOUT + (FUZZ_LIMITS.max_blob / FUZZ_LIMITS.min_rate if "blob" in name else 0)
    tracemalloc.start()
    try:
        elapsed, error = timed(call, bound + 10)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        provider.close()
        plain.close()
    assert error is None or isinstance(error, FlowscopeError), (name, behaviour, repr(error))
    assert error is None or str(error).strip(), (name, behaviour)
    assert elapsed <= bound + SLACK, (name, behaviour, elapsed, error)
    assert peak < 16 * MiB, (name, behaviour, peak)


# ---- issue 13: batch blob reads ----------------------------------------------------------


def test_an_endless_batch_answer_is_cut_at_the_answer_bound(server: HostileServer) -> None:
    limits = transport.Limits(max_answer=MiB, max_blob=64 * MiB, min_rate=MiB)
    blobs = HttpBlobStorage(HttpTransport(server.url, timeout=1.0, limits=limits))
    server.behaviour = Behaviour("endless", length=10**12)
    elapsed, error = timed(lambda: blobs.read_many([KEY, "1" * 64]), 30)
    assert isinstance(error, MetadataError) and "FLOWSCOPE_SERVICE_MAX_ANSWER_MB" in str(error)
    assert elapsed < 2
    time.sleep(0.2)
    assert server.sent < 32 * MiB


def test_a_dripping_batch_answer_fails_within_the_timeout(server: HostileServer) -> None:
    server.behaviour = Behaviour("drip", body=KEY.encode() + b" 3\nabc", interval=0.25)
    blobs = HttpBlobStorage(HttpTransport(server.url, timeout=1.0))
    elapsed, error = timed(lambda: blobs.read_many([KEY]), 30)
    assert isinstance(error, ServiceUnavailable), repr(error)
    assert elapsed < 1.8


@pytest.mark.parametrize(
    "body",
    [
        KEY.encode() + b" 100\nshort",  # a length past the end of the answer
        ("f" * 64).encode() + b" 1\nx",  # a blob that was not asked for
        KEY.encode() + b" 1\nx" + KEY.encode() + b" 1\nx",  # the same blob twice
        b'{"not": "a batch"}',
    ],
    ids=["overlong", "unasked", "twice", "json"],
)
def test_a_malformed_batch_answer_is_a_clear_error(server: HostileServer, body: bytes) -> None:
    server.behaviour = Behaviour("answer", body=body)
    blobs = HttpBlobStorage(HttpTransport(server.url, timeout=1.0))
    elapsed, error = timed(lambda: blobs.read_many([KEY, "1" * 64]), 10)
    assert isinstance(error, FlowscopeError), repr(error)
    assert "batch blob answer is malformed" in str(error)


@pytest.mark.parametrize(
    "address",
    ["ftp://bob:hunter2@host/x", "s3://bob:hunter2@B/x", "file://bob:hunter2@host/x"],
)
def test_credentials_in_a_datastore_address_are_never_echoed(address: str) -> None:
    from flowscope.datastore import open_storage

    with pytest.raises(FlowscopeError) as info:
        open_storage(address)
    assert "hunter2" not in str(info.value), str(info.value)
