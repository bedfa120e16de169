"""Time and service memory of two blob-proxy uploads: a decompression bomb and a large
compressible artifact.

Starts a real `flowscope service` (over SQLite) per case and PUTs one stored blob: 48 lz4
segments of zeros (12 MiB on the wire, 3 GiB decoded, under its honest key), then an honest
768 MiB value that lz4 shrinks to 3.1 MiB. Prints the answer, the time it took and how much
the service's peak RSS (VmHWM) grew. Linux only (reads /proc).

    python benchmarks/bench_blob_uploads.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from flowscope.datastore import ContentStore, LocalStorage  # noqa: E402
from pg import ServiceProcess  # noqa: E402
from reliability.test_service_blobs import peak_rss_mib, put, zero_bomb  # noqa: E402

MiB = 1024 * 1024


def compressible(root: str) -> tuple[str, bytes]:
    store = ContentStore(LocalStorage(f"{root}/client"))
    key = store.put(bytes(range(256)) * (3 * MiB))
    return key, bytes(store.storage.read(key))


def main() -> None:
    root = tempfile.mkdtemp(prefix="bench-blobs-")
    try:
        cases = [("bomb: 3 GiB of zeros", lambda: zero_bomb(48)), ("compressible 768 MiB", None)]
        for index, (name, make) in enumerate(cases):
            key, body = make() if make else compressible(root)
            service = ServiceProcess(f"{root}/{index}.db", f"{root}/blobs{index}").start()
            try:
                assert service.proc is not None
                before = peak_rss_mib(service.proc.pid)
                start = time.monotonic()
                status, _ = put(service, key, body, timeout=300)
                elapsed = time.monotonic() - start
                grown = peak_rss_mib(service.proc.pid) - before
                print(
                    f"{name:24} wire {len(body) / MiB:5.1f} MiB  HTTP {status}  "
                    f"{elapsed:6.2f} s  service peak RSS +{grown:,.0f} MiB"
                )
            finally:
                service.cleanup()
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
