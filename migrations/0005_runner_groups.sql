-- The runner surface of GHES 3.1 to 3.22: runner groups, enterprise
-- membership of organizations, and the runner fields later versions added
-- (ephemeral, version, JIT configuration).

-- An organization belongs to at most one enterprise.
ALTER TABLE scope ADD COLUMN enterprise_id INTEGER REFERENCES scope (scope_id);

-- Runner groups of enterprises and organizations. Every such scope has its
-- default group, created with the scope; GitHub shows it with id 1 in every
-- scope, other groups with their own id. The sequence starts above 1 so that
-- no other group can ever be shown with the default's id.
CREATE TABLE runner_group (
    runner_group_id            INTEGER PRIMARY KEY AUTOINCREMENT,
    scope_id                   INTEGER NOT NULL REFERENCES scope (scope_id),
    -- Unique in a scope, compared case-insensitively, as runner names are.
    name                       TEXT    NOT NULL COLLATE NOCASE,
    is_default                 INTEGER NOT NULL CHECK (is_default IN (0, 1)),
    visibility                 TEXT    NOT NULL CHECK (visibility IN ('all', 'selected', 'private')),
    allows_public_repositories INTEGER NOT NULL CHECK (allows_public_repositories IN (0, 1)),
    restricted_to_workflows    INTEGER NOT NULL CHECK (restricted_to_workflows IN (0, 1)),
    -- JSON array of workflow refs.
    selected_workflows         TEXT    NOT NULL DEFAULT '[]',
    -- JSON array of the scope ids a `selected` group serves: organizations
    -- for an enterprise group, repositories for an organization group.
    selected_ids               TEXT    NOT NULL DEFAULT '[]'
);

CREATE UNIQUE INDEX runner_group_name ON runner_group (scope_id, name);
CREATE UNIQUE INDEX runner_group_default ON runner_group (scope_id) WHERE is_default = 1;

INSERT INTO sqlite_sequence (name, seq) VALUES ('runner_group', 1);

INSERT INTO runner_group (scope_id, name, is_default, visibility, allows_public_repositories,
                          restricted_to_workflows)
SELECT scope_id, 'Default', 1, 'all', 1, 0 FROM scope
 WHERE kind IN ('enterprise', 'org') ORDER BY scope_id;

-- The runner table again, because a JIT runner's OS is `unknown` until it
-- starts and SQLite cannot change a CHECK in place.
CREATE TABLE runner_next (
    runner_id         INTEGER PRIMARY KEY AUTOINCREMENT,
    scope_id          INTEGER NOT NULL REFERENCES scope (scope_id),
    name              TEXT    NOT NULL COLLATE NOCASE,
    os                TEXT    NOT NULL CHECK (os IN ('linux', 'macos', 'windows', 'unknown')),
    architecture      TEXT    NOT NULL CHECK (architecture IN ('x64', 'arm', 'arm64')),
    status            TEXT    NOT NULL CHECK (status IN ('online', 'offline')),
    busy              INTEGER NOT NULL CHECK (busy IN (0, 1)),
    created_at        INTEGER NOT NULL,
    status_changed_at INTEGER NOT NULL,
    label_ids         TEXT    NOT NULL DEFAULT '[]',
    -- The group of an enterprise or organization runner; repository runners
    -- have none.
    runner_group_id   INTEGER REFERENCES runner_group (runner_group_id),
    -- Removed once its one job is done.
    ephemeral         INTEGER NOT NULL DEFAULT 0 CHECK (ephemeral IN (0, 1)),
    -- The runner application version it reported; null until it connects.
    version           TEXT,
    -- Set while a JIT configuration waits to start the runner; what the
    -- configuration's credentials carry, so that only it can start it.
    jit_secret        TEXT
);

INSERT INTO runner_next (runner_id, scope_id, name, os, architecture, status, busy, created_at,
                         status_changed_at, label_ids, runner_group_id)
SELECT r.runner_id, r.scope_id, r.name, r.os, r.architecture, r.status, r.busy, r.created_at,
       r.status_changed_at, r.label_ids, g.runner_group_id
  FROM runner r LEFT JOIN runner_group g ON g.scope_id = r.scope_id AND g.is_default = 1;

-- Ids of deleted runners are never handed out again: the new table takes
-- the old one's sequence, which the rename then carries over.
DELETE FROM sqlite_sequence WHERE name = 'runner_next';
INSERT INTO sqlite_sequence (name, seq) SELECT 'runner_next', seq FROM sqlite_sequence WHERE name = 'runner';

DROP TABLE runner;
ALTER TABLE runner_next RENAME TO runner;

CREATE UNIQUE INDEX runner_scope_name ON runner (scope_id, name);
CREATE INDEX runner_offline_since ON runner (status_changed_at) WHERE status = 'offline';
