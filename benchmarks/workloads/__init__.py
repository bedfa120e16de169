"""One module per workload; each has ID, TITLE and run(ctx) -> list[Row]."""

from workloads import w1_hello, w2_foreach, w3_artifacts, w4_client, w5_import

WORKLOADS = {m.ID: m for m in (w1_hello, w2_foreach, w3_artifacts, w4_client, w5_import)}
