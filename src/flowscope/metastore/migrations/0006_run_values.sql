-- flowscope metadata schema, version 6: each run's scalar values packed in one row per scope,
-- so a table of runs (`to_pandas()`) reads one row per run and scope (metastore/run_table.py
-- describes the packing). scope: params (the run's parameters) or data (its end task's
-- artifacts). Written with the scalar index (query_index.repack); a run without its row here
-- (recorded before this version, until `flowscope reindex`) is read from the scalar tables.
-- nums is BYTEA, the bytes type of PostgreSQL (SQLite keeps bytes as given in any column).
CREATE TABLE run_values (
    flow_name  TEXT NOT NULL,
    run_id     BIGINT NOT NULL,
    scope      TEXT NOT NULL,
    names      TEXT NOT NULL,
    kinds      TEXT NOT NULL,
    nums       BYTEA NOT NULL,
    texts      TEXT,
    PRIMARY KEY (flow_name, run_id, scope)
);
