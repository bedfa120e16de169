"""Slow clients against a real `flowscope service` process, over real sockets: a socket that
never sends a byte, headers sent a byte at a time (slowloris), a body trickled in, and 200
idle sockets at once. Each is closed within its bound; normal clients, and an upload that is
slow but steady, are served throughout."""

from __future__ import annotations

import http.client
import json
import socket
import time
from pathlib import Path

import pytest

from pg import ServiceFactory, ServiceProcess

pytestmark = pytest.mark.service

HEADER_TIMEOUT = 1.0
BODY_TIMEOUT = 2.0
SLACK = 1.5  # scheduling on a loaded 2-core machine


@pytest.fixture(scope="module")
def service(
    service_factory: ServiceFactory, tmp_path_factory: pytest.TempPathFactory
) -> ServiceProcess:
    root = tmp_path_factory.mktemp("svc-deadlines")
    return service_factory(
        str(root / "metadata.db"),
        str(root / "blobs"),
        extra_args=("--header-timeout", str(HEADER_TIMEOUT), "--body-timeout", str(BODY_TIMEOUT)),
    )


def connect(service: ServiceProcess) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", service.port), timeout=30)
    return sock


def closed_after(sock: socket.socket, limit: float, drip: bytes = b"", every: float = 0.2) -> float:
    """Seconds until the server closes `sock` (sending `drip` a byte at a time meanwhile)."""
    start = time.monotonic()
    sock.setblocking(False)
    sent = 0
    while time.monotonic() - start < limit:
        try:
            data = sock.recv(65536)
        except BlockingIOError:
            data = None
        except ConnectionResetError:
            return time.monotonic() - start
        if data == b"":
            return time.monotonic() - start
        if sent < len(drip):
            try:
                sock.send(drip[sent : sent + 1])
                sent += 1
            except (BrokenPipeError, ConnectionResetError):
                return time.monotonic() - start
        time.sleep(every)
    pytest.fail(f"the connection was still open after {limit:g} s")


def healthy(service: ServiceProcess) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=10)
    try:
        conn.request("GET", "/api/v1/health")
        return conn.getresponse().status == 200
    finally:
        conn.close()


def test_a_silent_socket_is_closed(service: ServiceProcess) -> None:
    with connect(service) as sock:
        assert closed_after(sock, HEADER_TIMEOUT + SLACK) >= HEADER_TIMEOUT - 0.1


def test_headers_dripped_a_byte_at_a_time_are_cut_off(service: ServiceProcess) -> None:
    request = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 400
    with connect(service) as sock:
        # bytes keep arriving every 0.2 s, yet the headers are not complete within the bound
        assert closed_after(sock, HEADER_TIMEOUT + SLACK, drip=request) < HEADER_TIMEOUT + SLACK


def test_a_trickled_body_is_cut_off(service: ServiceProcess) -> None:
    head = (
        b"POST /api/v1/flows/SlowFlow/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Bearer " + service.token.encode() + b"\r\n"
        b"Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
    )
    with connect(service) as sock:
        sock.sendall(head)
        elapsed = closed_after(sock, BODY_TIMEOUT + SLACK + 1, drip=b'{"user": "' + b"x" * 4000)
        assert BODY_TIMEOUT - 0.1 <= elapsed < BODY_TIMEOUT + SLACK + 1
    assert "Traceback" not in service.log()


def test_two_hundred_idle_sockets_are_all_closed(service: ServiceProcess) -> None:
    socks = [connect(service) for _ in range(200)]
    try:
        assert healthy(service)  # a real client is served meanwhile
        deadline = time.monotonic() + HEADER_TIMEOUT + SLACK + 2
        open_ = list(socks)
        while open_ and time.monotonic() < deadline:
            still = []
            for sock in open_:
                sock.setblocking(False)
                try:
                    if sock.recv(1) != b"":
                        still.append(sock)
                except BlockingIOError:
                    still.append(sock)
                except ConnectionResetError:
                    pass
            open_ = still
            time.sleep(0.1)
        assert not open_, f"{len(open_)} of 200 idle sockets still open"
    finally:
        for sock in socks:
            sock.close()
    assert healthy(service)


def test_a_slow_but_steady_upload_and_keep_alive_are_served(service: ServiceProcess) -> None:
    body = json.dumps({"user": "alice", "parameters": {"x": "y" * 1000}}).encode()
    conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=30)
    try:
        conn.putrequest("POST", "/api/v1/flows/SlowFlow/runs")
        for name, value in {
            "Authorization": f"Bearer {service.token}",
            "Content-Type": "application/json",
            "Content-Length": str(len(body)),
        }.items():
            conn.putheader(name, value)
        conn.endheaders()
        for i in range(0, len(body), len(body) // 3 + 1):  # three parts over 1.2 s
            conn.send(body[i : i + len(body) // 3 + 1])
            time.sleep(0.4)
        reply = conn.getresponse()
        assert reply.status == 201, reply.read()
        reply.read()
        time.sleep(HEADER_TIMEOUT + 0.5)  # idle between requests: keep-alive's bound, not ours
        conn.request("GET", "/api/v1/health")
        assert conn.getresponse().status == 200
    finally:
        conn.close()


@pytest.mark.slow
def test_idle_sockets_are_closed_with_the_default_bound(
    service_factory: ServiceFactory, tmp_path: Path
) -> None:
    service = service_factory(str(tmp_path / "metadata.db"), str(tmp_path / "blobs"))
    with connect(service) as sock:
        assert 9.5 < closed_after(sock, 10 + SLACK + 1, every=0.5) < 10 + SLACK + 1
