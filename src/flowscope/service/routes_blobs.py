"""The blob proxy: artifact data, logs and code packages for clients with only URL and token.

    HEAD /blobs/{key}         200 with Content-Length (the stored size), or 404
    GET  /blobs/{key}         the stored bytes (the datastore's encoded form), or 404
    PUT  /blobs/{key}         store them; the service decodes them and checks that their
                              content hashes to {key} first (400 BlobCorrupted otherwise)
    POST /blobs/exists        {"keys": [...]} -> {"present": [...]}

Bytes are moved as stored (compressed, with their header): the client's ContentStore encodes
and verifies, so the proxy adds no work but one hash check on the way in. A PUT is held in
memory up to `max_blob` bytes (configurable); object storage will lift that later.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from flowscope.datastore import BlobStorage, ContentStore, MemoryStorage
from flowscope.datastore.keys import blob_not_found, check_key
from flowscope.errors import BlobNotFound, DataStoreError
from flowscope.service import parse as p
from flowscope.service.context import ServiceContext, guarded
from flowscope.service.wire import HttpError, bad_request, json_response

MAX_KEYS = 100_000


def verify_stored(key: str, stored: bytes) -> None:
    """Raise BlobCorrupted (or DataStoreError) unless `stored` decodes to content hashing to `key`."""
    scratch = MemoryStorage()
    scratch.write(key, [stored])
    ContentStore(scratch).open(key)


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
        body = await p.read_body(request, ctx.max_blob)
        if await ctx.call(blobs.exists, key):
            return json_response({"key": key, "written": False})
        try:
            await ctx.call(verify_stored, key, body)
        except DataStoreError as exc:
            raise HttpError(400, "BlobCorrupted", f"Refused blob {key}: {exc}") from None
        await ctx.call(blobs.write, key, [body])
        return json_response({"key": key, "written": True}, status=201)

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

    return [
        Route("/blobs/exists", guarded(exists_many), methods=["POST"]),
        Route("/blobs/{key}", guarded(read_blob), methods=["GET", "HEAD"]),
        Route("/blobs/{key}", guarded(write_blob), methods=["PUT"]),
    ]
