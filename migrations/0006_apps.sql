-- GitHub Apps: the Apps the mock hosts, their installations on
-- organizations, users and enterprises, and the installation tokens they
-- trade their JWTs for.

CREATE TABLE app (
    app_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    -- `Iv1.` and 16 hex digits, as GitHub's.
    client_id       TEXT    NOT NULL UNIQUE,
    slug            TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    name            TEXT    NOT NULL,
    -- SPKI PEM of the key that verifies the App's JWTs.
    public_key_pem  TEXT    NOT NULL,
    -- PKCS#1 PEM of its private key when the mock made it, so that a test
    -- can read it back; null when the App was given only a public key.
    private_key_pem TEXT,
    -- JSON object: permission name to `read`, `write` or `admin`.
    permissions     TEXT    NOT NULL DEFAULT '{}',
    -- JSON array of event names.
    events          TEXT    NOT NULL DEFAULT '[]',
    -- JSON {url, secret, content_type}, or null.
    webhook         TEXT,
    created_at      INTEGER NOT NULL
);

-- The account of a user is stored as a scope of kind `org`: users and
-- organizations share one namespace of logins, and a user's repositories
-- are `repos/USER/REPO`. `account_kind` says which it is.
CREATE TABLE installation (
    installation_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id               INTEGER NOT NULL REFERENCES app (app_id),
    account_kind         TEXT    NOT NULL CHECK (account_kind IN ('org', 'user', 'enterprise')),
    account_id           INTEGER NOT NULL REFERENCES scope (scope_id),
    -- JSON array of repository scope ids, or null for all of the account's.
    repository_ids       TEXT,
    permissions          TEXT    NOT NULL DEFAULT '{}',
    events               TEXT    NOT NULL DEFAULT '[]',
    created_at           INTEGER NOT NULL
);

CREATE UNIQUE INDEX installation_account ON installation (app_id, account_id);

-- Installation tokens. Expiry is decided with the mock clock.
CREATE TABLE installation_token (
    token           TEXT    PRIMARY KEY,
    installation_id INTEGER NOT NULL REFERENCES installation (installation_id),
    -- JSON object, at most the installation's permissions.
    permissions     TEXT    NOT NULL,
    -- JSON array of repository scope ids, or null for all the
    -- installation's.
    repository_ids  TEXT,
    -- Milliseconds since the epoch on the mock clock.
    expires_at      INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX installation_token_expires_at ON installation_token (expires_at);
