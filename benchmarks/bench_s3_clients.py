"""S3 client libraries side by side on one radosgw (tests/s3.py starts it): boto3/s3transfer
and obstore, the same bytes, the same server, medians printed; and flowscope's S3 datastore
(S3Storage over boto3, and ContentStore on it: hashing, encoding and verified reads included)
on the same workloads, against the raw client it is built on.

    .venv/bin/python benchmarks/bench_s3_clients.py [--large-mb 200] [--repeat 3]

Workloads: small PUT and GET latency (1 KiB, one at a time), a large object uploaded and
downloaded (multipart, 16 MiB parts, 8 in flight), and many small objects in parallel (500 x
4 KiB, 16 in flight). Figures go into the S3 closing note; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

PART = 16 * 1024 * 1024
CONCURRENCY = 8
SMALL = 1024
MANY, MANY_SIZE, MANY_PARALLEL = 500, 4096, 16


def _median(run: Callable[[], float], repeat: int) -> float:
    return statistics.median(run() for _ in range(repeat))


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


class Boto3Client:
    name = "boto3 " + __import__("boto3").__version__

    def __init__(self, gateway) -> None:  # type: ignore[no-untyped-def]
        from boto3.s3.transfer import TransferConfig

        self.client = gateway.client(max_pool_connections=32)
        self.bucket = gateway.bucket
        self.transfer = TransferConfig(
            multipart_threshold=PART, multipart_chunksize=PART, max_concurrency=CONCURRENCY
        )

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data)

    def get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()  # type: ignore[no-any-return]

    def put_large(self, key: str, data: bytes) -> None:
        import io

        self.client.upload_fileobj(io.BytesIO(data), self.bucket, key, Config=self.transfer)

    def get_large(self, key: str, size: int) -> bytes:
        import io

        out = io.BytesIO()
        self.client.download_fileobj(self.bucket, key, out, Config=self.transfer)
        return out.getvalue()

    def put_many(self, items: dict[str, bytes]) -> None:
        with ThreadPoolExecutor(MANY_PARALLEL) as pool:
            list(pool.map(lambda kv: self.put(*kv), items.items()))

    def get_many(self, keys: list[str]) -> None:
        with ThreadPoolExecutor(MANY_PARALLEL) as pool:
            list(pool.map(self.get, keys))


class ObstoreClient:
    name = "obstore " + __import__("obstore").__version__

    def __init__(self, gateway) -> None:  # type: ignore[no-untyped-def]
        from obstore.store import S3Store

        self.store = S3Store(
            gateway.bucket,
            endpoint=gateway.endpoint,
            access_key_id=gateway.access_key,
            secret_access_key=gateway.secret_key,
            region="us-east-1",
            virtual_hosted_style_request=False,
            client_options={"allow_http": True, "pool_max_idle_per_host": "32"},
        )

    def put(self, key: str, data: bytes) -> None:
        import obstore

        obstore.put(self.store, key, data, use_multipart=False)

    def get(self, key: str) -> bytes:
        import obstore

        return obstore.get(self.store, key).bytes().to_bytes()

    def put_large(self, key: str, data: bytes) -> None:
        import obstore

        obstore.put(self.store, key, data, chunk_size=PART, max_concurrency=CONCURRENCY)

    def get_large(self, key: str, size: int) -> bytes:
        import obstore

        ranges = [(start, min(start + PART, size)) for start in range(0, size, PART)]
        out = bytearray(size)

        async def fetch() -> None:
            sem = asyncio.Semaphore(CONCURRENCY)

            async def one(start: int, end: int) -> None:
                async with sem:
                    piece = await obstore.get_range_async(self.store, key, start=start, end=end)
                out[start:end] = memoryview(piece)

            await asyncio.gather(*(one(s, e) for s, e in ranges))

        asyncio.run(fetch())
        return bytes(out)

    def put_many(self, items: dict[str, bytes]) -> None:
        import obstore

        async def go() -> None:
            sem = asyncio.Semaphore(MANY_PARALLEL)

            async def one(key: str, data: bytes) -> None:
                async with sem:
                    await obstore.put_async(self.store, key, data, use_multipart=False)

            await asyncio.gather(*(one(k, v) for k, v in items.items()))

        asyncio.run(go())

    def get_many(self, keys: list[str]) -> None:
        import obstore

        async def go() -> None:
            sem = asyncio.Semaphore(MANY_PARALLEL)

            async def one(key: str) -> None:
                async with sem:
                    await (await obstore.get_async(self.store, key)).bytes_async()

            await asyncio.gather(*(one(k) for k in keys))

        asyncio.run(go())


class FlowscopeStorage:
    """flowscope's S3Storage (raw blobs by key), with the same part size and parallelism.
    Every PUT gets a key never used before (a repeat must upload, not find its blob there)."""

    name = "flowscope S3Storage"

    def __init__(self, gateway) -> None:  # type: ignore[no-untyped-def]
        from flowscope.datastore.s3 import S3Storage

        self.storage = S3Storage(
            gateway.bucket, "bench-storage", part_size=PART, concurrency=CONCURRENCY
        )
        self.keys: dict[str, str] = {}

    def put(self, key: str, data: bytes) -> None:
        import hashlib

        fresh = hashlib.sha256(os.urandom(16)).hexdigest()
        self.storage.write(fresh, [data])
        self.keys[key] = fresh

    def get(self, key: str) -> bytes:
        return self.storage.read(self.keys[key])  # type: ignore[return-value]

    def put_large(self, key: str, data: bytes) -> None:
        self.put(key, data)

    def get_large(self, key: str, size: int) -> bytes:
        return self.get(key)

    def put_many(self, items: dict[str, bytes]) -> None:
        with ThreadPoolExecutor(MANY_PARALLEL) as pool:
            list(pool.map(lambda kv: self.put(*kv), items.items()))

    def get_many(self, keys: list[str]) -> None:
        with ThreadPoolExecutor(MANY_PARALLEL) as pool:
            list(pool.map(self.get, keys))


def measure(client, large: bytes, repeat: int, tag: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    small = os.urandom(SMALL)
    latencies_put, latencies_get = [], []
    for i in range(30):
        latencies_put.append(_timed(lambda i=i: client.put(f"{tag}/small/{i}", small)))
        latencies_get.append(_timed(lambda i=i: client.get(f"{tag}/small/{i}")))
    mb = len(large) / 1e6
    up = _median(lambda: _timed(lambda: client.put_large(f"{tag}/large", large)), repeat)
    got: list[bytes] = []
    down = _median(
        lambda: _timed(lambda: got.append(client.get_large(f"{tag}/large", len(large)))), repeat
    )
    assert got[-1] == large  # (a bytearray compares equal too)
    items = {f"{tag}/many/{i}": os.urandom(MANY_SIZE) for i in range(MANY)}
    many_put = _median(lambda: _timed(lambda: client.put_many(items)), repeat)
    many_get = _median(lambda: _timed(lambda: client.get_many(list(items))), repeat)
    return {
        "small PUT ms": 1000 * statistics.median(latencies_put),
        "small GET ms": 1000 * statistics.median(latencies_get),
        "large upload MB/s": mb / up,
        "large download MB/s": mb / down,
        f"{MANY} small PUT objects/s": MANY / many_put,
        f"{MANY} small GET objects/s": MANY / many_get,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large-mb", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from s3 import RadosGateway

    gateway = RadosGateway(osd_bytes=(args.large_mb * 8 + 1024) * 1024 * 1024).start()
    os.environ.update(gateway.env())  # flowscope reads the standard AWS variables only
    try:
        large = os.urandom(args.large_mb * 1024 * 1024)
        rows = {}
        for factory in (Boto3Client, ObstoreClient, FlowscopeStorage):
            try:
                client = factory(gateway)
            except ImportError as exc:
                print(f"{factory.__name__}: not installed ({exc})")
                continue
            rows[factory.name] = measure(client, large, args.repeat, factory.__name__)
        metrics = list(next(iter(rows.values())))
        print(f"| metric (median, radosgw on loopback) | {' | '.join(rows)} |")
        print("|---|" + "---|" * len(rows))
        for metric in metrics:
            print(f"| {metric} | " + " | ".join(f"{r[metric]:.1f}" for r in rows.values()) + " |")
    finally:
        gateway.cleanup()


if __name__ == "__main__":
    main()
