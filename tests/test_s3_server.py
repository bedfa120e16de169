"""The radosgw test server (tests/s3.py) behaves as the S3 backend relies on: real SigV4
authentication, conditional PUT, and multipart uploads that stay invisible until completed."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.s3


def test_a_wrong_secret_is_refused(rgw):
    import boto3
    from botocore.exceptions import ClientError

    client = boto3.client(
        "s3",
        endpoint_url=rgw.endpoint,
        aws_access_key_id=rgw.access_key,
        aws_secret_access_key="not-the-secret",
        region_name="us-east-1",
    )
    with pytest.raises(ClientError) as info:
        client.head_bucket(Bucket=rgw.bucket)
    assert info.value.response["Error"]["Code"] in ("403", "SignatureDoesNotMatch")


def test_conditional_put_keeps_the_first_object(rgw):
    from botocore.exceptions import ClientError

    client = rgw.client()
    key = rgw.new_url().split("/", 3)[3] + "/object"
    client.put_object(Bucket=rgw.bucket, Key=key, Body=b"first", IfNoneMatch="*")
    with pytest.raises(ClientError) as info:
        client.put_object(Bucket=rgw.bucket, Key=key, Body=b"second", IfNoneMatch="*")
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert client.get_object(Bucket=rgw.bucket, Key=key)["Body"].read() == b"first"


def test_an_unfinished_multipart_upload_is_not_visible(rgw):
    from botocore.exceptions import ClientError

    client = rgw.client()
    key = rgw.new_url().split("/", 3)[3] + "/multi"
    upload = client.create_multipart_upload(Bucket=rgw.bucket, Key=key)
    client.upload_part(
        Bucket=rgw.bucket, Key=key, UploadId=upload["UploadId"], PartNumber=1, Body=b"z" * 1024
    )
    with pytest.raises(ClientError) as info:
        client.head_object(Bucket=rgw.bucket, Key=key)
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    client.abort_multipart_upload(Bucket=rgw.bucket, Key=key, UploadId=upload["UploadId"])
    listed = client.list_multipart_uploads(Bucket=rgw.bucket, Prefix=key)
    assert not listed.get("Uploads")
