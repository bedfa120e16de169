"""Throwaway PostgreSQL servers and real `flowscope service` processes, for tests and benchmarks.

Pytest fixtures defined here (usable from any test directory: import them into a conftest,
or list this module in a root conftest's `pytest_plugins`):

    pg_server        session   a running PostgreSQL (PgServer); FAILS if the binaries are missing
    pg_url           session   its DSN, for the `postgres` database
    pg_database      function  the DSN of a fresh, empty database
    service_factory  session   start(database, blob_root, ...) -> ServiceProcess (a real
                               `python -m flowscope.cli.service_cmd` on a free loopback port,
                               with a token file); every one started is stopped at the end
    pg_service       session   a ServiceProcess over its own PostgreSQL database
    sqlite_service   session   a ServiceProcess over a SQLite file
                               (both: .url, .token, .database, .blob_root; reset_database(url)
                               empties a metadata database between tests)

Running as root (CI), PostgreSQL is started through `runuser -u postgres --` (initdb refuses
root) in a directory under /tmp that the postgres user can reach. The server process is a
child of the test process, so it never outlives the session. A process-wide cache means
the server starts once, even when several conftests import these fixtures.
"""

from __future__ import annotations

import glob
import itertools
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

INSTALL_HINT = "apt-get install -y postgresql-15"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def find_pg_bin() -> str:
    """The newest PostgreSQL server bin directory, or FLOWSCOPE_TEST_PG_BIN."""
    explicit = os.environ.get("FLOWSCOPE_TEST_PG_BIN")
    candidates = (
        [explicit]
        if explicit
        else sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    )
    for directory in reversed(candidates):
        if directory and os.access(os.path.join(directory, "initdb"), os.X_OK):
            return directory
    raise RuntimeError(
        "PostgreSQL server binaries (initdb, postgres) were not found in "
        f"{explicit or '/usr/lib/postgresql/*/bin'}. The service tests need a real PostgreSQL: "
        f"install it with `{INSTALL_HINT}` (or set FLOWSCOPE_TEST_PG_BIN to its bin directory)."
    )


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class PgServer:
    """One PostgreSQL server in a temp dir on a free loopback port; restartable."""

    def __init__(self, bin_dir: str | None = None) -> None:
        self.bin_dir = bin_dir or find_pg_bin()
        self.dir = tempfile.mkdtemp(prefix="flowscope-pg-", dir="/tmp")
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self._names = itertools.count(1)
        subprocess.run(
            _as_postgres(
                [
                    f"{self.bin_dir}/initdb",
                    "-D",
                    self.data,
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def start(self, timeout: float = 30.0) -> None:
        with open(os.path.join(self.dir, "server.log"), "ab") as log:
            self.proc = subprocess.Popen(
                _as_postgres(
                    [
                        f"{self.bin_dir}/postgres",
                        "-D",
                        self.data,
                        "-p",
                        str(self.port),
                        "-k",
                        self.dir,
                        "-c",
                        "listen_addresses=127.0.0.1",
                        "-c",
                        "fsync=off",
                        "-c",
                        "synchronous_commit=off",
                        "-c",
                        "full_page_writes=off",
                        "-c",
                        "max_connections=200",
                    ]
                ),
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + timeout
        import psycopg

        while True:
            try:
                psycopg.connect(self.url(), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"PostgreSQL did not start on port {self.port}; see {self.dir}/server.log"
                    ) from None
                time.sleep(0.05)

    def stop(self, mode: str = "fast") -> None:
        """Shut the server down ("fast": disconnect clients; "immediate": no checkpoint)."""
        if self.proc is None:
            return
        # pg_ctl signals the postmaster itself: runuser would turn any signal into a
        # SIGTERM ("smart" shutdown, which waits for every client to disconnect)
        subprocess.run(
            _as_postgres(
                [f"{self.bin_dir}/pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "30", "stop"]
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def create_database(self, name: str | None = None) -> str:
        import psycopg

        name = name or f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class ServiceProcess:
    """A real `flowscope service` subprocess on loopback, with a bearer token file."""

    def __init__(
        self,
        database: str,
        blob_root: str,
        *,
        token: str | None = None,
        workers: int = 1,
        env: dict[str, str] | None = None,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.database = database
        self.blob_root = blob_root
        self.token = token if token is not None else secrets.token_urlsafe(24)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = tempfile.mkdtemp(prefix="flowscope-svc-")
        self.token_file = os.path.join(self.dir, "token")
        Path(self.token_file).write_text(self.token + "\n")
        os.chmod(self.token_file, 0o600)
        self.workers = workers
        self.env = {**os.environ, **(env or {})}
        self.extra_args = extra_args
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = os.path.join(self.dir, "service.log")

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "flowscope.cli.service_cmd",
            "--database",
            self.database,
            "--blob-root",
            self.blob_root,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--token-file",
            self.token_file,
            "--workers",
            str(self.workers),
            *self.extra_args,
        ]

    def start(self, timeout: float = 30.0) -> ServiceProcess:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.command(), stdout=log, stderr=log, env=self.env)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/health", timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"flowscope service did not start on {self.url}:\n{self.log()}")
            time.sleep(0.05)

    def log(self) -> str:
        try:
            return Path(self.log_path).read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


METADATA_TABLES = (
    "blob_refs",
    "run_values",
    "query_fields",
    "task_inputs",
    "scalar_params",
    "scalar_artifacts",
    "run_requests",
    "task_facts",
    "artifacts",
    "attempts",
    "tasks",
    "run_params",
    "run_tags",
    "runs",
    "flows",
)


def reset_database(url: str) -> None:
    """Empty every metadata table (the schema stays), on PostgreSQL or SQLite."""
    if url.startswith(("postgresql://", "postgres://")):
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"TRUNCATE {', '.join(METADATA_TABLES)}")
        return
    import sqlite3

    conn = sqlite3.connect(url, timeout=30)
    try:
        with conn:
            for table in METADATA_TABLES:
                conn.execute(f"DELETE FROM {table}")
    finally:
        conn.close()


_SERVER: list[PgServer] = []  # the session's one server, shared by every conftest


def shared_pg_server() -> PgServer:
    if not _SERVER:
        server = PgServer()
        server.start()
        _SERVER.append(server)
        import atexit

        atexit.register(server.cleanup)
    return _SERVER[0]


@pytest.fixture(scope="session")
def pg_server() -> PgServer:
    try:
        return shared_pg_server()
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        pytest.fail(
            f"Cannot start PostgreSQL for the tests: {exc} {detail.decode(errors='replace')}",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def pg_url(pg_server: PgServer) -> str:
    return pg_server.url()


@pytest.fixture()
def pg_database(pg_server: PgServer) -> str:
    return pg_server.create_database()


class ServiceFactory:
    def __init__(self) -> None:
        self.started: list[ServiceProcess] = []

    def __call__(self, database: str, blob_root: str, **kwargs: object) -> ServiceProcess:
        service = ServiceProcess(database, blob_root, **kwargs)  # type: ignore[arg-type]
        self.started.append(service)
        return service.start()

    def cleanup(self) -> None:
        for service in self.started:
            service.cleanup()


@pytest.fixture(scope="session")
def service_factory() -> Iterator[ServiceFactory]:
    factory = ServiceFactory()
    try:
        yield factory
    finally:
        factory.cleanup()


@pytest.fixture(scope="session")
def pg_service(pg_server: PgServer, service_factory: ServiceFactory) -> Iterator[ServiceProcess]:
    blob_root = tempfile.mkdtemp(prefix="flowscope-blobs-")
    try:
        yield service_factory(pg_server.create_database(f"svc{os.getpid()}"), blob_root)
    finally:
        shutil.rmtree(blob_root, ignore_errors=True)


@pytest.fixture(scope="session")
def sqlite_service(service_factory: ServiceFactory) -> Iterator[ServiceProcess]:
    root = tempfile.mkdtemp(prefix="flowscope-svc-sqlite-")
    try:
        yield service_factory(os.path.join(root, "metadata.db"), os.path.join(root, "blobs"))
    finally:
        shutil.rmtree(root, ignore_errors=True)
