-- flowscope metadata schema, version 7: which records reference which blobs, for a later
-- garbage collector ("which blobs does nothing reference" is one indexed lookup per key).
-- One row per (referencing record, blob key): task_id and attempt name the attempt whose
-- artifacts, logs, environment or cards it is; task_id 0 (no task has it) is the run itself
-- (its code package). Written in the same transaction as the records it comes from
-- (metastore/blob_refs.py); runs recorded before this version get their rows from
-- `flowscope reindex`. docs/storage.md, "Garbage collection layout", says how a collector
-- uses it.
CREATE TABLE blob_refs (
    blob_key   TEXT NOT NULL,
    flow_name  TEXT NOT NULL,
    run_id     BIGINT NOT NULL,
    task_id    BIGINT NOT NULL,
    attempt    BIGINT NOT NULL,
    PRIMARY KEY (flow_name, run_id, task_id, attempt, blob_key)
);
CREATE INDEX blob_refs_by_key ON blob_refs (blob_key);
