"""Test servers for the HTTP transport, provider and blob backend: the real app under uvicorn in
a thread, a scripted stub, a server that never answers, and a proxy that loses responses.

Loaded as a pytest plugin (tests/conftest.py): `served_store` is a fresh SQLite store and
`served` the real app over it (with a blob root) on a loopback port, token TOKEN."""

from __future__ import annotations

import contextlib
import http.server
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flowscope.datastore import LocalStorage
from flowscope.metastore.db import SqliteDatabase
from flowscope.metastore.migrations import migrate
from flowscope.metastore.store import SqlMetadataStore
from pg import free_port

TOKEN = "t0ken-for-tests"


@pytest.fixture()
def served_store(tmp_path: Path) -> Iterator[SqlMetadataStore]:
    db = SqliteDatabase(tmp_path / "metadata.db")
    migrate(db)
    s = SqlMetadataStore(db)
    yield s
    s.close()


@pytest.fixture()
def served(served_store: SqlMetadataStore, tmp_path: Path) -> Iterator[str]:
    from flowscope.service.app import create_app

    app = create_app(
        served_store, blobs=LocalStorage(tmp_path / "blobs"), token=TOKEN, close_store=False
    )
    with uvicorn_thread(app, keep_alive=1) as url:
        yield url


@contextlib.contextmanager
def uvicorn_thread(app: Any, keep_alive: int = 5) -> Iterator[str]:
    """Serve `app` on a free loopback port from a thread; yields the base URL."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        timeout_keep_alive=keep_alive,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


class ScriptedServer:
    """Answers requests from a script of (status, json body) in order; records request paths."""

    def __init__(self, script: list[tuple[int, Any]]) -> None:
        self.script = list(script)
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                outer.requests.append((self.command, self.path, dict(self.headers)))
                status, body = outer.script.pop(0) if outer.script else (200, {})
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_HEAD = _answer

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self) -> ScriptedServer:  # noqa: PYI034
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def silent_server() -> Iterator[str]:
    """Accepts connections and reads, but never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        body += conn.recv(65536)
    return head + b"\r\n\r\n" + body


class LosingProxy:
    """Forwards each request to `upstream`, but for the first request of every (method, path)
    closes the client's connection after the upstream has answered: a lost response."""

    def __init__(self, upstream: str) -> None:
        host, port = upstream.rsplit("//", 1)[1].split(":")
        self.upstream = (host, int(port))
        self.seen: set[bytes] = set()
        self.lost = 0
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> LosingProxy:  # noqa: PYI034
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(5)
        self.listener.close()

    def _serve(self) -> None:
        self.listener.settimeout(0.05)
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            request = _read_request(conn)
            if not request:
                return
            line, _, rest = request.partition(b"\r\n")
            method_path = b" ".join(line.split(b" ")[:2]).split(b"?")[0]
            with socket.create_connection(self.upstream) as up:
                up.sendall(line + b"\r\nConnection: close\r\n" + rest)
                response = b""
                while chunk := up.recv(65536):
                    response += chunk
            if method_path not in self.seen and not method_path.startswith(b"GET"):
                self.seen.add(method_path)
                self.lost += 1
                return  # the write happened; its answer is lost
            conn.sendall(response)
