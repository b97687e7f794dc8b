-- The state a GHES keeps for self-hosted runners: the scopes runners live in,
-- the runners, their labels and the short-lived registration/remove tokens.
-- Applied migrations are never edited: add a new file instead.

-- An enterprise, organization or repository. GitHub treats these names
-- case-insensitively, so `scope_key` is the lowercased identity
-- (`org:octo-org`, `repo:octo-org/octo-repo`) and `name` keeps the spelling
-- the scope was first seen with.
CREATE TABLE scope (
    scope_id     INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL CHECK (kind IN ('enterprise', 'org', 'repo')),
    scope_key    TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    -- Kept by the triggers below so that a list page never counts the scope.
    runner_count INTEGER NOT NULL DEFAULT 0
);

-- A label name has one id everywhere. The read-only labels GitHub applies at
-- registration get fixed ids; custom labels are added as they are first used.
CREATE TABLE label (
    label_id INTEGER PRIMARY KEY,
    name     TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    type     TEXT    NOT NULL CHECK (type IN ('read-only', 'custom'))
);

INSERT INTO label (label_id, name, type) VALUES
    (1, 'self-hosted', 'read-only'),
    (2, 'X64',         'read-only'),
    (3, 'ARM',         'read-only'),
    (4, 'ARM64',       'read-only'),
    (5, 'Linux',       'read-only'),
    (6, 'macOS',       'read-only'),
    (7, 'Windows',     'read-only');

-- AUTOINCREMENT: GitHub never hands a deleted runner's id to a new runner, and
-- a client holding an old id must keep getting 404.
CREATE TABLE runner (
    runner_id         INTEGER PRIMARY KEY AUTOINCREMENT,
    scope_id          INTEGER NOT NULL REFERENCES scope (scope_id),
    -- Runner names are unique per scope and compared case-insensitively.
    name              TEXT    NOT NULL COLLATE NOCASE,
    os                TEXT    NOT NULL CHECK (os IN ('linux', 'macos', 'windows')),
    architecture      TEXT    NOT NULL CHECK (architecture IN ('x64', 'arm', 'arm64')),
    status            TEXT    NOT NULL CHECK (status IN ('online', 'offline')),
    busy              INTEGER NOT NULL CHECK (busy IN (0, 1)),
    -- Milliseconds since the epoch on the mock clock.
    created_at        INTEGER NOT NULL,
    status_changed_at INTEGER NOT NULL
);

CREATE UNIQUE INDEX runner_scope_name ON runner (scope_id, name);
-- A list page walks this index in id order.
CREATE INDEX runner_scope_id ON runner (scope_id, runner_id);

CREATE TABLE runner_label (
    runner_id INTEGER NOT NULL REFERENCES runner (runner_id) ON DELETE CASCADE,
    label_id  INTEGER NOT NULL REFERENCES label (label_id),
    -- Labels are shown in the order GitHub shows them: self-hosted,
    -- architecture, OS, then custom labels as given.
    position  INTEGER NOT NULL,
    PRIMARY KEY (runner_id, label_id)
) WITHOUT ROWID;

CREATE TRIGGER runner_counted AFTER INSERT ON runner BEGIN
    UPDATE scope SET runner_count = runner_count + 1 WHERE scope_id = NEW.scope_id;
END;

CREATE TRIGGER runner_uncounted AFTER DELETE ON runner BEGIN
    UPDATE scope SET runner_count = runner_count - 1 WHERE scope_id = OLD.scope_id;
END;

-- Registration and remove tokens. Expiry is decided by the service with the
-- mock clock, never by SQLite's own `now`.
CREATE TABLE token (
    token      TEXT    PRIMARY KEY,
    scope_id   INTEGER NOT NULL REFERENCES scope (scope_id),
    kind       TEXT    NOT NULL CHECK (kind IN ('registration', 'remove')),
    -- Milliseconds since the epoch on the mock clock.
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX token_expires_at ON token (expires_at);
