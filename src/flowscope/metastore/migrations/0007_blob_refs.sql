-- flowscope metadata schema, version 7: which runs reference which blobs, for a later
-- garbage collector ("which blobs does nothing reference" is one indexed lookup per key).
-- One row per (run, blob key) whatever references it in the run: an attempt's artifacts,
-- logs, environment or cards, or the run's code package (a key passed through a thousand
-- tasks is one row). Runs are what a collector deletes, so a run is the unit here. Written
-- in the same transaction as the records it comes from (metastore/blob_refs.py); runs
-- recorded before this version get their rows from `flowscope reindex`. docs/storage.md,
-- "Garbage collection layout", says how a collector uses it.
-- The primary key leads with blob_key, so it is the index a collector's lookup reads; the
-- index by run (without the key) is what deleting a run's rows reads.
CREATE TABLE blob_refs (
    blob_key   TEXT NOT NULL,
    flow_name  TEXT NOT NULL,
    run_id     BIGINT NOT NULL,
    PRIMARY KEY (blob_key, flow_name, run_id)
);
CREATE INDEX blob_refs_by_run ON blob_refs (flow_name, run_id);
