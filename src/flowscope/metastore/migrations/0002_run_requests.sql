-- flowscope metadata schema, version 2: idempotent run creation.
-- A client of the service sends a fresh key with each create_run call; a retry of that
-- call (after a lost response, a service or database restart) finds its key here and gets
-- the run the first call created, instead of a second run.

CREATE TABLE run_requests (
    request_key  TEXT PRIMARY KEY,
    flow_name    TEXT NOT NULL,
    run_id       BIGINT NOT NULL,
    created_at   DOUBLE PRECISION NOT NULL
);
