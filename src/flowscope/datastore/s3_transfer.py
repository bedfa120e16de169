"""Large blobs on S3: a parallel multipart upload, parallel ranged GETs into one buffer.

`S3Storage` sends a blob of at most one part as a single conditional PUT and reads the first
part with one GET; what is larger comes here. An upload sends parts of `part_size` bytes
(grown so that at most 10,000 fit) read straight from the caller's buffers, `concurrency` at
a time, and becomes visible only when it is completed; any failure aborts it, so nothing
partial appears under the key. A download fills slices of the one preallocated buffer, so a
2 GB blob never needs a second copy. Every request goes through the storage's bounded retry.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import botocore.exceptions  # type: ignore[import-untyped]

from flowscope.datastore.s3_parts import PartReader, part_size_for, ranges, slice_views
from flowscope.errors import DataStoreError

if TYPE_CHECKING:
    from flowscope.datastore.s3 import S3Storage


def upload_parts(storage: S3Storage, name: str, views: Sequence[memoryview], size: int) -> None:
    """Store the `size` bytes of `views` as object `name` by a multipart upload."""
    client = storage.client()
    bucket = storage.bucket
    upload = storage._call(
        f"the start of an upload of {name}",
        lambda: client.create_multipart_upload(Bucket=bucket, Key=name),
    )
    upload_id = upload["UploadId"]
    part = part_size_for(size, storage.part_size)

    def send(number: int, start: int, stop: int) -> dict[str, object]:
        pieces = slice_views(views, start, stop)
        answer = storage._call(
            f"part {number} of {name}",
            lambda: client.upload_part(
                Bucket=bucket,
                Key=name,
                UploadId=upload_id,
                PartNumber=number,
                Body=PartReader(pieces),
                ContentLength=stop - start,
            ),
        )
        return {"PartNumber": number, "ETag": answer["ETag"]}

    try:
        with ThreadPoolExecutor(storage.concurrency) as pool:
            futures = [
                pool.submit(send, number, start, stop)
                for number, (start, stop) in enumerate(ranges(size, part), start=1)
            ]
            parts = [future.result() for future in futures]
        storage._call(
            f"the completion of an upload of {name}",
            lambda: client.complete_multipart_upload(
                Bucket=bucket, Key=name, UploadId=upload_id, MultipartUpload={"Parts": parts}
            ),
        )
    except BaseException:
        try:  # nothing becomes visible; free the parts already stored
            client.abort_multipart_upload(Bucket=bucket, Key=name, UploadId=upload_id)
        except Exception:  # the original error is the one to report
            pass
        raise


def fetch_ranges(storage: S3Storage, name: str, out: bytearray, start: int) -> None:
    """Fill `out[start:]` with the same bytes of object `name`, by parallel ranged GETs."""
    client = storage.client()
    buffer = memoryview(out)

    def fetch(first: int, stop: int) -> None:
        def get() -> None:
            answer = client.get_object(
                Bucket=storage.bucket, Key=name, Range=f"bytes={first}-{stop - 1}"
            )
            read_into(answer["Body"], buffer, first, stop)

        storage._call(f"bytes {first}-{stop - 1} of {name}", get)

    pieces = ranges(len(out) - start, storage.part_size)
    with ThreadPoolExecutor(storage.concurrency) as pool:
        for future in [pool.submit(fetch, start + a, start + b) for a, b in pieces]:
            future.result()


def total_size(answer: dict[str, Any]) -> int:
    """The whole object's size from a (ranged) GET's answer."""
    content_range = answer.get("ContentRange")  # "bytes 0-99/1234"
    if content_range and "/" in content_range:
        return int(content_range.rsplit("/", 1)[1])
    return int(answer["ContentLength"])  # the server sent the whole object


def read_into(body: Any, buffer: memoryview, start: int, stop: int) -> int:
    """Read a response body into buffer[start:stop]; the number of bytes read."""
    position = start
    try:
        for piece in body.iter_chunks(1024 * 1024):
            end = position + len(piece)
            if end > stop:
                raise DataStoreError(f"The S3 server sent more than the {stop - start} bytes asked")
            buffer[position:end] = piece
            position = end
    finally:
        body.close()
    if position != stop:  # the connection closed early: a transient failure, retried
        raise botocore.exceptions.ConnectionClosedError(endpoint_url="the S3 response body")
    return position - start
