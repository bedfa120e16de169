"""Data tools used inside steps and notebooks: `S3` (the family's `metaflow.S3`)."""

from flowscope.datatools.s3 import S3
from flowscope.datatools.s3object import S3Object

__all__ = ["S3", "S3Object"]
