-- flowscope metadata schema, version 1. Portable SQL: the same text runs on SQLite and
-- PostgreSQL. Times are float seconds since the epoch (UTC). JSON is stored as TEXT.

CREATE TABLE flows (
    flow_name    TEXT PRIMARY KEY,
    created_at   DOUBLE PRECISION NOT NULL,
    last_run_id  BIGINT NOT NULL
);

CREATE TABLE runs (
    flow_name     TEXT NOT NULL,
    run_id        BIGINT NOT NULL,
    user_name     TEXT NOT NULL,
    status        TEXT NOT NULL,
    created_at    DOUBLE PRECISION NOT NULL,
    finished_at   DOUBLE PRECISION,
    heartbeat_at  DOUBLE PRECISION,
    user_tags     TEXT NOT NULL,
    system_tags   TEXT NOT NULL,
    code_key      TEXT,
    origin_run_id BIGINT,
    PRIMARY KEY (flow_name, run_id)
);
CREATE INDEX runs_by_user ON runs (user_name, flow_name, run_id);
CREATE INDEX runs_by_created ON runs (created_at);

-- one row per (run, tag): what namespace and tag filters search
CREATE TABLE run_tags (
    flow_name  TEXT NOT NULL,
    run_id     BIGINT NOT NULL,
    tag        TEXT NOT NULL,
    is_system  BOOLEAN NOT NULL,
    PRIMARY KEY (flow_name, run_id, tag)
);
CREATE INDEX run_tags_by_tag ON run_tags (tag, flow_name, run_id);

-- parameter values as JSON text, for queries of runs by parameter value
CREATE TABLE run_params (
    flow_name  TEXT NOT NULL,
    run_id     BIGINT NOT NULL,
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (flow_name, run_id, name)
);
CREATE INDEX run_params_by_value ON run_params (flow_name, name, value);

CREATE TABLE tasks (
    flow_name       TEXT NOT NULL,
    run_id          BIGINT NOT NULL,
    task_id         BIGINT NOT NULL,
    step_name       TEXT NOT NULL,
    created_at      DOUBLE PRECISION NOT NULL,
    foreach_index   BIGINT,
    foreach_stack   TEXT NOT NULL,
    origin_pathspec TEXT,
    last_attempt    BIGINT,
    PRIMARY KEY (flow_name, run_id, task_id)
);
CREATE INDEX tasks_by_step ON tasks (flow_name, run_id, step_name, task_id);

CREATE TABLE attempts (
    flow_name     TEXT NOT NULL,
    run_id        BIGINT NOT NULL,
    task_id       BIGINT NOT NULL,
    attempt       BIGINT NOT NULL,
    status        TEXT NOT NULL,
    started_at    DOUBLE PRECISION NOT NULL,
    finished_at   DOUBLE PRECISION,
    heartbeat_at  DOUBLE PRECISION,
    stdout_key    TEXT,
    stderr_key    TEXT,
    env_key       TEXT,
    exception     TEXT,
    PRIMARY KEY (flow_name, run_id, task_id, attempt)
);

CREATE TABLE artifacts (
    flow_name   TEXT NOT NULL,
    run_id      BIGINT NOT NULL,
    task_id     BIGINT NOT NULL,
    attempt     BIGINT NOT NULL,
    name        TEXT NOT NULL,
    sha         TEXT NOT NULL,
    size        BIGINT NOT NULL,
    type_name   TEXT NOT NULL,
    serializer  TEXT NOT NULL,
    created_at  DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (flow_name, run_id, task_id, attempt, name)
);
CREATE INDEX artifacts_by_sha ON artifacts (sha);

CREATE TABLE task_facts (
    flow_name   TEXT NOT NULL,
    run_id      BIGINT NOT NULL,
    task_id     BIGINT NOT NULL,
    attempt     BIGINT NOT NULL,
    field       TEXT NOT NULL,
    value       TEXT NOT NULL,
    type        TEXT NOT NULL,
    created_at  DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (flow_name, run_id, task_id, attempt, field)
);
