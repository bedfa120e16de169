"""`run.py --s3`: both frameworks keep their artifacts on one radosgw (tests/s3.py starts it).

Each store directory gets a prefix of its own on each side (the flows' values are seeded, so a
shared prefix would let a repeat find its blobs already stored):

    flowscope  FLOWSCOPE_DATASTORE=s3://BUCKET/flowscope/<dir>
    Metaflow   METAFLOW_DEFAULT_DATASTORE=s3, METAFLOW_DATASTORE_SYSROOT_S3=s3://BUCKET/metaflow/<dir>,
               METAFLOW_S3_ENDPOINT_URL=<radosgw>

Both read the same standard AWS variables for the credentials. Metadata stays local on both.
flowscope runs from this checkout's `src` (PYTHONPATH), not whatever the venv has installed.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from harness import FLOWSCOPE, Framework

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from s3 import RadosGateway  # noqa: E402

SRC = Path(__file__).resolve().parents[1] / "src"
OSD_BYTES = 8 * 1024**3  # in memory: 200 MB arrays, a few repeats, both sides


def start_gateway() -> RadosGateway:
    return RadosGateway(osd_bytes=OSD_BYTES).start()


def on_s3(fw: Framework, gateway: RadosGateway, workdir: Path) -> Framework:
    """`fw` with its artifacts on `gateway` (a prefix per store directory)."""
    env = {**fw.env, **gateway.env()}
    # each side's client cache of blobs read from S3 lives in the work dir, as Metaflow's
    # does in local mode (harness.metaflow_framework): both start empty, both are kept
    env["FLOWSCOPE_BLOB_CACHE"] = str(workdir / "flowscope_blob_cache")
    root = f"s3://{gateway.bucket}"
    if fw.name == FLOWSCOPE:
        env["PYTHONPATH"] = str(SRC)  # this checkout, as the rest of the command measures it
        dir_env = (("FLOWSCOPE_DATASTORE", f"{root}/flowscope/{{dir}}"),)
    else:
        env.update(METAFLOW_DEFAULT_DATASTORE="s3", METAFLOW_S3_ENDPOINT_URL=gateway.endpoint)
        dir_env = (("METAFLOW_DATASTORE_SYSROOT_S3", f"{root}/metaflow/{{dir}}"),)
    return dataclasses.replace(fw, env=env, dir_env=dir_env)
