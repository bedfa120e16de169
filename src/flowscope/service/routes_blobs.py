"""The blob proxy: artifact data, logs and code packages for clients with only URL and token.

    HEAD /blobs/{key}         200 with Content-Length (the stored size), or 404
    GET  /blobs/{key}         the stored bytes (the datastore's encoded form), or 404
    PUT  /blobs/{key}         store them; the service decodes them as they arrive and
                              checks that their content hashes to {key} first (400
                              BlobCorrupted otherwise; 413 above max_blob bytes on the wire
                              or max_blob_decoded bytes decoded)
    GET  /blobs/serves?datastore=ADDRESS   {"served": bool}: is the blob root the datastore
                              a run recorded (the root itself is never shown)
    POST /blobs/exists        {"keys": [...]} -> {"present": [...]}
    POST /blobs/batch         {"keys": [...], "max_bytes": N} -> several stored blobs in one
                              length-prefixed answer (datastore/batch.py), at most
                              batch.MAX_KEYS keys and min(N, batch.MAX_BYTES) bytes of blobs

Bytes are moved as stored (compressed, with their header): the client's ContentStore encodes
and verifies, so the proxy adds no work but one hash check on the way in, made while the
body arrives (one segment decoded at a time: a compressed upload never costs its decoded
size in memory). A PUT is held in memory up to `max_blob` bytes (configurable) as received;
object storage will lift that later.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from flowscope.datastore import BlobStorage, batch
from flowscope.datastore.cas import StreamVerifier
from flowscope.datastore.keys import blob_not_found, check_key
from flowscope.errors import BlobNotFound, BlobTooLarge, DataStoreError, StorageFull
from flowscope.service import parse as p
from flowscope.service.context import ServiceContext, guarded
from flowscope.service.wire import HttpError, bad_request, disk_full, json_response, log

MAX_KEYS = 100_000


VERIFY_BATCH = 1024 * 1024
"""Bytes of an upload handed to the verifier at a time (one thread hop each)."""


def routes(ctx: ServiceContext) -> list[Route]:
    def storage() -> BlobStorage:
        if ctx.blobs is None:
            raise HttpError(501, "NotConfigured", "This service has no blob root configured.")
        return ctx.blobs

    async def read_blob(request: Request) -> Response:
        key, blobs = p.blob_key(request), storage()
        try:
            if request.method == "HEAD":
                size = await ctx.call(blobs.size, key)
                return Response(
                    status_code=200,
                    headers={"content-length": str(size)},
                    media_type="application/octet-stream",
                )
            data = await ctx.call(blobs.read, key)
        except BlobNotFound:
            # the backend's message names its directory: never show server paths to callers
            raise blob_not_found(key, "this service's blob store") from None
        return Response(memoryview(data), media_type="application/octet-stream")

    async def write_blob(request: Request) -> Response:
        key, blobs = p.blob_key(request), storage()
        p.check_declared_length(request, ctx.max_blob)
        if await ctx.call(blobs.exists, key):
            await p.drain(request, ctx.max_blob)
            return json_response({"key": key, "written": False})
        verifier = StreamVerifier(key, "the upload", max_size=ctx.max_blob_decoded)
        received: list[bytes] = []
        try:
            await _receive(request, verifier, received)
            await ctx.call(verifier.finish)
        except BlobTooLarge as exc:
            await p.drain(request, ctx.max_blob)
            raise HttpError(
                413,
                "PayloadTooLarge",
                f"Refused blob {key}: {exc} Raise the service's --max-blob-decoded-mb to "
                "accept it.",
            ) from None
        except DataStoreError as exc:
            await p.drain(request, ctx.max_blob)
            raise HttpError(400, "BlobCorrupted", f"Refused blob {key}: {exc}") from None
        try:
            await ctx.call(blobs.write, key, received)
        except DataStoreError as exc:
            if not disk_full(exc):
                raise
            log.error("PUT blob %s: the disk is full: %s", key, exc)  # the path, for operators
            raise StorageFull(
                f"Could not store blob {key}: the service's blob storage is out of space (the "
                "disk is full). Nothing was stored; ask the service's operator to free space, "
                "then run the flow again."
            ) from None
        return json_response({"key": key, "written": True}, status=201)

    async def _receive(request: Request, verifier: StreamVerifier, received: list[bytes]) -> None:
        """Read the body into `received` (at most max_blob bytes), verifying it as it comes."""
        size, batch = 0, bytearray()
        async for chunk in request.stream():
            size += len(chunk)
            if size > ctx.max_blob:
                raise p.too_large(size, ctx.max_blob)
            if chunk:
                received.append(chunk)
                batch += chunk
            if len(batch) >= VERIFY_BATCH:
                await ctx.call(verifier.feed, batch)
                batch = bytearray()
        await ctx.call(verifier.feed, batch)

    async def serves(request: Request) -> Response:
        """Whether the blob root is the datastore a run recorded (`?datastore=ADDRESS`): yes
        or no only, so the root's address (a server path) is never shown to callers."""
        asked = p.text(request.query_params.get("datastore"), "datastore", max_length=2000)
        root = ctx.blob_address
        served = root is not None and ctx.blobs is not None
        return json_response({"served": served and asked.rstrip("/") == str(root).rstrip("/")})

    async def exists_many(request: Request) -> Response:
        blobs = storage()
        keys = (await p.read_json(request, ctx.max_body)).get("keys")
        if not isinstance(keys, list) or len(keys) > MAX_KEYS:
            raise bad_request(f"keys must be a list of at most {MAX_KEYS} blob keys.")
        try:
            checked = [check_key(k) for k in keys]
        except DataStoreError as exc:
            raise bad_request(str(exc)) from None
        present = await ctx.call(blobs.exists_many, checked)
        return json_response({"present": sorted(present)})

    async def read_batch(request: Request) -> Response:
        blobs = storage()
        data = await p.read_json(request, ctx.max_body)
        keys, max_bytes = data.get("keys"), data.get("max_bytes", batch.MAX_BYTES)
        if not isinstance(keys, list) or not 0 < len(keys) <= batch.MAX_KEYS:
            raise bad_request(f"keys must be a list of 1 to {batch.MAX_KEYS} blob keys.")
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 0:
            raise bad_request("max_bytes must be a whole number of bytes, 0 or more.")
        try:
            checked = list(dict.fromkeys(check_key(k) for k in keys))
        except DataStoreError as exc:
            raise bad_request(str(exc)) from None
        budget = min(max_bytes, batch.MAX_BYTES)
        chunks = await ctx.call(_collect, blobs, checked, budget)
        return Response(b"".join(chunks), media_type="application/octet-stream")

    return [
        Route("/blobs/serves", guarded(serves), methods=["GET"]),
        Route("/blobs/exists", guarded(exists_many), methods=["POST"]),
        Route("/blobs/batch", guarded(read_batch), methods=["POST"]),
        Route("/blobs/{key}", guarded(read_blob), methods=["GET", "HEAD"]),
        Route("/blobs/{key}", guarded(write_blob), methods=["PUT"]),
    ]


def _collect(blobs: BlobStorage, keys: list[str], budget: int) -> list[bytes]:
    """The batch answer's chunks: each blob that fits in `budget` bytes (in order; one that
    does not is left out for the caller to ask again), and a "not stored" entry for each
    missing key. Sizes are asked first, so a blob that does not fit is never read."""
    entries: list[tuple[str, bytes | bytearray | None]] = []
    used = 0
    for key in keys:
        try:
            size = blobs.size(key)
            if used + size > budget:
                continue
            data = blobs.read(key)
        except BlobNotFound:
            entries.append((key, None))
            continue
        if used + len(data) > budget:  # it grew between the two calls: cannot, but be bounded
            continue
        used += len(data)
        entries.append((key, data))
    return batch.encode(entries)
