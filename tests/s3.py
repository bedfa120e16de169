"""A throwaway S3 server for tests and benchmarks: Ceph's radosgw over one monitor and one
in-memory OSD, on free loopback ports in a temp dir (real SigV4 auth, real multipart uploads,
conditional PUT).

Pytest fixtures defined here (listed in the root conftest's `pytest_plugins`):

    rgw          session   a running RadosGateway (endpoint, access_key, secret_key, bucket);
                           FAILS with the install command when the Debian packages are missing
    s3_env       function  the AWS_* variables that point a process at it (set for the test)
    s3_url       function  an s3://bucket/prefix address no other test uses

The daemons run in the foreground as children of the test process (`-f`), so they are stopped
by pid (radosgw, then the OSD, then the monitor) and never outlive the session. Every ceph
command runs under a timeout: they wait silently forever when the monitor is unreachable.
The first write and the first multipart upload in a fresh cluster are slow (pools are created
lazily), so the fixture warms both up before any test runs.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

INSTALL_HINT = "apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd"
BINARIES = ("ceph-mon", "ceph-osd", "radosgw", "radosgw-admin", "ceph", "ceph-authtool")
ACCESS_KEY = "FLOWSCOPETESTKEY"
SECRET_KEY = "flowscope-test-secret"
BUCKET = "flowscope-test"
COMMAND_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def missing_binaries() -> list[str]:
    return [name for name in BINARIES if shutil.which(name) is None]


_CONF = """\
[global]
fsid = {fsid}
mon host = v2:127.0.0.1:{mon_port}
public addr = 127.0.0.1
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
mon data avail warn = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
run dir = {d}/run
admin socket = {d}/run/$name.asok
log file = {d}/log/$name.log
pid file = {d}/run/$name.pid
keyring = {d}/keyring
ms bind ipv6 = false
client mount timeout = 20
rados mon op timeout = 20
rados osd op timeout = 20
[mon.a]
mon data = {d}/mon
[osd.0]
osd data = {d}/osd0
osd objectstore = memstore
memstore device bytes = {osd_bytes}
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:{rgw_port} tcp_nodelay=1
rgw data = {d}/rgw
rgw dns name = 127.0.0.1
"""


class RadosGateway:
    """One single-node Ceph cluster with radosgw, started in `start()`, stopped in `stop()`."""

    def __init__(self, osd_bytes: int = 3 * 1024**3) -> None:
        missing = missing_binaries()
        if missing:
            raise RuntimeError(
                f"The S3 tests need Ceph's radosgw; {', '.join(missing)} not found. "
                f"Install it with `{INSTALL_HINT}` (./dev test does)."
            )
        self.dir = tempfile.mkdtemp(prefix="flowscope-rgw-", dir="/tmp")
        self.conf = os.path.join(self.dir, "ceph.conf")
        self.mon_port = free_port()
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.access_key = ACCESS_KEY
        self.secret_key = SECRET_KEY
        self.bucket = BUCKET
        self.osd_bytes = osd_bytes
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self._prefixes = itertools.count(1)

    # -- commands -------------------------------------------------------------------------
    def _run(self, *cmd: str, timeout: float = COMMAND_TIMEOUT) -> str:
        try:
            done = subprocess.run(
                list(cmd), capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise RuntimeError(
                f"`{' '.join(cmd)}` did not finish in {timeout:.0f} s; see {self.dir}/log"
            ) from None
        if done.returncode != 0:
            raise RuntimeError(f"`{' '.join(cmd)}` failed: {done.stderr.strip()[-2000:]}")
        return done.stdout

    def _daemon(self, name: str, *cmd: str) -> None:
        log = open(os.path.join(self.dir, "log", f"{name}.out"), "ab")  # noqa: SIM115
        with log:
            self.procs[name] = subprocess.Popen(
                list(cmd), stdout=log, stderr=log, stdin=subprocess.DEVNULL
            )

    def _wait(self, what: str, ready: object, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():  # type: ignore[operator]
                return
            dead = [name for name, p in self.procs.items() if p.poll() is not None]
            if dead:
                raise RuntimeError(f"ceph daemon {dead[0]} exited; see {self.dir}/log")
            time.sleep(0.2)
        raise RuntimeError(f"{what} not ready within {timeout:.0f} s; see {self.dir}/log")

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> RadosGateway:
        d = self.dir
        for sub in ("mon", "osd0", "run", "log", "rgw"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        fsid = str(uuid.uuid4())
        Path(self.conf).write_text(
            _CONF.format(
                fsid=fsid,
                mon_port=self.mon_port,
                rgw_port=self.port,
                d=d,
                osd_bytes=self.osd_bytes,
            )
        )
        keyring = os.path.join(d, "keyring")
        auth = "ceph-authtool"
        self._run(auth, "--create-keyring", keyring, "--gen-key", "-n", "mon.", "--cap", "mon", "allow *")  # fmt: skip
        self._run(auth, keyring, "--gen-key", "-n", "client.admin", "--cap", "mon", "allow *",
                  "--cap", "osd", "allow *", "--cap", "mgr", "allow *")  # fmt: skip
        self._run(auth, keyring, "--gen-key", "-n", "osd.0", "--cap", "mon", "allow profile osd",
                  "--cap", "osd", "allow *")  # fmt: skip
        self._run(auth, keyring, "--gen-key", "-n", "client.rgw.a", "--cap", "mon", "allow rw",
                  "--cap", "osd", "allow rwx")  # fmt: skip
        monmap = os.path.join(d, "monmap")
        self._run("monmaptool", "--create", "--addv", "a", f"[v2:127.0.0.1:{self.mon_port}]",
                  "--fsid", fsid, monmap)  # fmt: skip
        self._run("ceph-mon", "-c", self.conf, "--mkfs", "-i", "a", "--monmap", monmap,
                  "--keyring", keyring)  # fmt: skip
        self._daemon("mon", "ceph-mon", "-f", "-c", self.conf, "-i", "a")
        self._run("ceph", "-c", self.conf, "--connect-timeout", "20", "osd", "create")
        self._run("ceph-osd", "-c", self.conf, "-i", "0", "--mkfs")
        self._daemon("osd", "ceph-osd", "-f", "-c", self.conf, "-i", "0")
        self._wait("the OSD", self._osd_up, 60)
        self._daemon("rgw", "radosgw", "-f", "-c", self.conf, "-n", "client.rgw.a")
        self._wait("radosgw", self._answers, 60)
        self._run("radosgw-admin", "-c", self.conf, "user", "create", "--uid=test",
                  "--display-name=test", f"--access-key={self.access_key}",
                  f"--secret={self.secret_key}")  # fmt: skip
        self._warm_up()
        return self

    def _osd_up(self) -> bool:
        try:
            return "1 up" in self._run("ceph", "-c", self.conf, "--connect-timeout", "5",
                                       "osd", "stat", timeout=10)  # fmt: skip
        except RuntimeError:
            return False

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.endpoint, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    def client(self, **config: object):  # type: ignore[no-untyped-def]
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
            config=Config(
                s3={"addressing_style": "path"}, connect_timeout=5, read_timeout=30, **config
            ),
        )

    def _warm_up(self) -> None:
        """Create the bucket and pay for the lazy pool creation (first write, multipart)."""
        deadline = time.monotonic() + 90
        client = self.client()
        while True:
            try:
                client.create_bucket(Bucket=self.bucket)
                break
            except client.exceptions.BucketAlreadyOwnedByYou:
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        client.put_object(Bucket=self.bucket, Key="warm-up/small", Body=b"x")
        upload = client.create_multipart_upload(Bucket=self.bucket, Key="warm-up/multi")
        part = client.upload_part(
            Bucket=self.bucket,
            Key="warm-up/multi",
            UploadId=upload["UploadId"],
            PartNumber=1,
            Body=b"y" * (5 * 1024 * 1024),
        )
        client.complete_multipart_upload(
            Bucket=self.bucket,
            Key="warm-up/multi",
            UploadId=upload["UploadId"],
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
        )
        client.delete_objects(
            Bucket=self.bucket,
            Delete={"Objects": [{"Key": "warm-up/small"}, {"Key": "warm-up/multi"}]},
        )

    def env(self) -> dict[str, str]:
        """The standard AWS variables that point boto3 (and flowscope) at this server."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.path.join(self.dir, "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(self.dir, "no-aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def new_url(self) -> str:
        """An s3:// address under a prefix no other caller of this server got."""
        return f"s3://{self.bucket}/t{os.getpid()}-{next(self._prefixes)}"

    def stop_gateway(self) -> None:
        """Stop only radosgw (a fault test: the endpoint goes away); `start_gateway` again."""
        self._stop("rgw")

    def start_gateway(self) -> None:
        self._daemon("rgw", "radosgw", "-f", "-c", self.conf, "-n", "client.rgw.a")
        self._wait("radosgw", self._answers, 60)

    def _stop(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # memstore: nothing to lose
            proc.kill()
            proc.wait(timeout=10)

    def stop(self) -> None:
        for name in ("rgw", "osd", "mon"):
            self._stop(name)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


_GATEWAY: list[RadosGateway] = []  # the session's one cluster, shared by every conftest


def shared_gateway() -> RadosGateway:
    if not _GATEWAY:
        gateway = RadosGateway()
        try:
            gateway.start()
        except BaseException:
            gateway.cleanup()
            raise
        _GATEWAY.append(gateway)
        import atexit

        atexit.register(gateway.cleanup)
    return _GATEWAY[0]


@pytest.fixture(scope="session")
def rgw() -> Iterator[RadosGateway]:
    try:
        gateway = shared_gateway()
    except RuntimeError as exc:
        pytest.fail(f"Cannot start radosgw for the S3 tests: {exc}", pytrace=False)
    yield gateway
    gateway.cleanup()
    _GATEWAY.clear()


@pytest.fixture
def s3_env(rgw: RadosGateway, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = rgw.env()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def s3_url(rgw: RadosGateway, s3_env: dict[str, str]) -> str:
    return rgw.new_url()
