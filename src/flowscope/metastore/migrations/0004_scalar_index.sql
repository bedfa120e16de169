-- flowscope metadata schema, version 4: the query index of `where=` filters.
-- Scalar values (bool, number, str of at most 256 characters, None) as typed rows:
-- kind is bool | number | str | none; booleans (0/1) and numbers in num, strings in txt.

-- the scalar artifacts of each task's latest attempt that recorded artifacts (a later
-- attempt's rows replace an earlier one's)
CREATE TABLE scalar_artifacts (
    flow_name  TEXT NOT NULL,
    run_id     BIGINT NOT NULL,
    task_id    BIGINT NOT NULL,
    attempt    BIGINT NOT NULL,
    step_name  TEXT NOT NULL,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    num        DOUBLE PRECISION,
    txt        TEXT,
    PRIMARY KEY (flow_name, run_id, task_id, attempt, name)
);
-- covering indexes: a filter reads run ids from the index alone; a page's rows by run
CREATE INDEX scalar_artifacts_by_num ON scalar_artifacts (flow_name, step_name, name, kind, num, run_id);
CREATE INDEX scalar_artifacts_by_txt ON scalar_artifacts (flow_name, step_name, name, kind, txt, run_id);
CREATE INDEX scalar_artifacts_by_run ON scalar_artifacts (flow_name, step_name, run_id, name, kind, num, txt);

-- the scalar parameters of each run (run_params keeps every value as JSON text)
CREATE TABLE scalar_params (
    flow_name  TEXT NOT NULL,
    run_id     BIGINT NOT NULL,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    num        DOUBLE PRECISION,
    txt        TEXT,
    PRIMARY KEY (flow_name, run_id, name)
);
CREATE INDEX scalar_params_by_num ON scalar_params (flow_name, name, kind, num, run_id);
CREATE INDEX scalar_params_by_txt ON scalar_params (flow_name, name, kind, txt, run_id);
CREATE INDEX scalar_params_by_run ON scalar_params (flow_name, run_id, name, kind, num, txt);

-- the foreach input of each task, when it is a scalar
CREATE TABLE task_inputs (
    flow_name  TEXT NOT NULL,
    run_id     BIGINT NOT NULL,
    task_id    BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    num        DOUBLE PRECISION,
    txt        TEXT,
    PRIMARY KEY (flow_name, run_id, task_id)
);

-- which fields exist, with which kinds, per flow: unknown-field and type checks, did-you-mean
-- (scope: params, data or input; step_name '' for params)
CREATE TABLE query_fields (
    flow_name  TEXT NOT NULL,
    scope      TEXT NOT NULL,
    step_name  TEXT NOT NULL,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    PRIMARY KEY (flow_name, scope, step_name, name, kind)
);
