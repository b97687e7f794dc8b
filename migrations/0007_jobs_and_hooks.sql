-- Simulated workflow runs and their jobs, the webhooks that announce them,
-- and every delivery made.
--
-- A job is queued through the control API, taken by a matching idle runner,
-- and completed on the mock clock. Each change of a job is written in one
-- transaction with the deliveries it causes, so that a delivery is never
-- lost once the change is acknowledged: a delivery still `pending` when the
-- server stops is sent when it starts again.

CREATE TABLE workflow_run (
    run_id        INTEGER PRIMARY KEY AUTOINCREMENT,
    repo_id       INTEGER NOT NULL REFERENCES scope (scope_id),
    -- Counts the runs of one repository from 1.
    run_number    INTEGER NOT NULL,
    workflow_name TEXT    NOT NULL,
    head_branch   TEXT    NOT NULL,
    head_sha      TEXT    NOT NULL,
    event         TEXT    NOT NULL,
    -- Milliseconds since the epoch on the mock clock.
    created_at    INTEGER NOT NULL
);

CREATE INDEX workflow_run_repo ON workflow_run (repo_id, run_id);

CREATE TABLE workflow_job (
    job_id            INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id            INTEGER NOT NULL REFERENCES workflow_run (run_id),
    name              TEXT    NOT NULL,
    -- JSON array of the label names the job runs on, as given.
    labels            TEXT    NOT NULL,
    -- Only runners of the group of this name may take it, when set.
    runner_group      TEXT,
    -- How long it runs once taken; null runs until completed or cancelled.
    duration_ms       INTEGER,
    -- The conclusion it ends with when its time is up.
    planned_conclusion TEXT   NOT NULL,
    status            TEXT    NOT NULL CHECK (status IN ('queued', 'in_progress', 'completed')),
    conclusion        TEXT,
    -- The runner that took it, as it was then; kept after the runner is gone.
    runner_id         INTEGER,
    runner_name       TEXT,
    runner_group_id   INTEGER,
    runner_group_name TEXT,
    created_at        INTEGER NOT NULL,
    started_at        INTEGER NOT NULL,
    completed_at      INTEGER
);

CREATE INDEX workflow_job_run ON workflow_job (run_id);

-- Repository, organization and global (`/admin/hooks`) webhooks.
CREATE TABLE hook (
    hook_id       INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT    NOT NULL CHECK (kind IN ('repo', 'org', 'global')),
    -- The repository or organization; null for a global hook.
    scope_id      INTEGER REFERENCES scope (scope_id),
    active        INTEGER NOT NULL,
    -- JSON array of event names; `*` is every event.
    events        TEXT    NOT NULL,
    url           TEXT    NOT NULL,
    content_type  TEXT    NOT NULL CHECK (content_type IN ('json', 'form')),
    -- Never shown back, never logged.
    secret        TEXT,
    insecure_ssl  TEXT    NOT NULL DEFAULT '0',
    -- JSON {code, status, message} of the last delivery.
    last_response TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- One attempt to deliver an event to a hook or an App: a redelivery is a
-- new row with the same guid.
CREATE TABLE delivery (
    delivery_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    -- A hook's delivery, or an App's (`app_id`); never both.
    hook_id          INTEGER,
    app_id           INTEGER,
    guid             TEXT    NOT NULL,
    event            TEXT    NOT NULL,
    action           TEXT,
    installation_id  INTEGER,
    repository_id    INTEGER,
    redelivery       INTEGER NOT NULL DEFAULT 0,
    url              TEXT    NOT NULL,
    -- JSON array of [name, value] pairs, in the order sent.
    request_headers  TEXT    NOT NULL,
    -- The exact bytes sent.
    request_body     BLOB    NOT NULL,
    -- `pending` until attempted; `dropped` when a fault kept it back.
    state            TEXT    NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'sent', 'dropped')),
    status           TEXT,
    status_code      INTEGER,
    duration         REAL,
    delivered_at     INTEGER,
    response_headers TEXT,
    response_body    TEXT,
    created_at       INTEGER NOT NULL
);

CREATE INDEX delivery_hook ON delivery (hook_id, delivery_id);
CREATE INDEX delivery_pending ON delivery (delivery_id) WHERE state = 'pending';
