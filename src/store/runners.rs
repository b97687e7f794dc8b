//! Runners. Reads are answered from memory; SQLite is read here only to load
//! memory, and to find a name through its unique index.

use serde::Serialize;
use sqlx::{FromRow, SqliteConnection, SqliteExecutor};

/// A runner as stored; `label_ids` is a JSON array of label ids in the
/// order GitHub shows them.
#[derive(Debug, Clone, FromRow)]
pub struct RunnerRow {
    pub runner_id: i64,
    pub scope_id: i64,
    pub name: String,
    pub os: String,
    pub status: String,
    pub busy: bool,
    pub label_ids: String,
    pub runner_group_id: Option<i64>,
    pub ephemeral: bool,
    pub version: Option<String>,
}

/// Runners with ids above `after`, in id order, at most `limit` of them:
/// memory is loaded a slice at a time so that a large database is never
/// held twice.
#[tracing::instrument(skip_all)]
pub async fn after(
    db: impl SqliteExecutor<'_>,
    after: i64,
    limit: u32,
) -> Result<Vec<RunnerRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT runner_id, scope_id, name, os, status, busy, label_ids, runner_group_id,
                ephemeral, version
           FROM runner WHERE runner_id > ?1 ORDER BY runner_id LIMIT ?2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// How many runners each scope and group holds.
#[derive(Debug, Clone, FromRow)]
pub struct CountRow {
    pub scope_id: i64,
    pub runner_group_id: Option<i64>,
    pub count: i64,
}

/// The runner count of every scope and group, so that memory is loaded into
/// lists of the right size.
#[tracing::instrument(skip_all)]
pub async fn counts(db: impl SqliteExecutor<'_>) -> Result<Vec<CountRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT scope_id, runner_group_id, count(*) AS count FROM runner
          GROUP BY scope_id, runner_group_id",
    )
    .fetch_all(db)
    .await
}

/// The id of the runner with this name (case-insensitively) in a scope.
#[tracing::instrument(skip_all)]
pub async fn id_by_name(
    db: impl SqliteExecutor<'_>,
    scope_id: i64,
    name: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT runner_id FROM runner WHERE scope_id = ?1 AND name = ?2")
        .bind(scope_id)
        .bind(name)
        .fetch_optional(db)
        .await
}

/// A runner to insert.
#[derive(Debug, Clone, Serialize)]
pub struct NewRunner {
    /// Kept when a runner is replaced; new runners get the next id.
    pub id: Option<i64>,
    pub scope_id: i64,
    pub name: String,
    pub os: &'static str,
    pub architecture: &'static str,
    pub status: &'static str,
    pub busy: bool,
    /// Label ids in display order.
    pub label_ids: Vec<i64>,
    /// Its group; none for a repository's runner.
    pub runner_group_id: Option<i64>,
    pub ephemeral: bool,
    /// The runner application version it reported, if it has connected.
    pub version: Option<String>,
    /// What only its JIT configuration knows, while that waits to start it.
    pub jit_secret: Option<String>,
}

impl NewRunner {
    fn label_ids_json(&self) -> String {
        serde_json::to_string(&self.label_ids).unwrap_or_else(|_| "[]".to_owned())
    }
}

/// Inserts one runner and returns its id. A name already used in the scope
/// fails with the unique index's error (see [`crate::store::is_unique_violation`]).
#[tracing::instrument(skip_all)]
pub async fn insert(
    db: impl SqliteExecutor<'_>,
    runner: &NewRunner,
    now_ms: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO runner (runner_id, scope_id, name, os, architecture, status, busy,
                             label_ids, created_at, status_changed_at, runner_group_id,
                             ephemeral, version, jit_secret)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11, ?12, ?13)
         RETURNING runner_id",
    )
    .bind(runner.id)
    .bind(runner.scope_id)
    .bind(&runner.name)
    .bind(runner.os)
    .bind(runner.architecture)
    .bind(runner.status)
    .bind(runner.busy)
    .bind(runner.label_ids_json())
    .bind(now_ms)
    .bind(runner.runner_group_id)
    .bind(runner.ephemeral)
    .bind(&runner.version)
    .bind(&runner.jit_secret)
    .fetch_one(db)
    .await
}

/// Runners inserted per statement when seeding: the batch travels as one
/// JSON parameter, and a slice keeps that parameter small.
const BATCH: usize = 5_000;

/// Inserts the runners of a JSON array (`?1`) of [`NewRunner`]s, in order,
/// created at `?2`.
macro_rules! insert_from_json {
    () => {
        "INSERT INTO runner (runner_id, scope_id, name, os, architecture, status, busy,
                             label_ids, created_at, status_changed_at, runner_group_id,
                             ephemeral, version, jit_secret)
         SELECT j.value ->> 'id', j.value ->> 'scope_id', j.value ->> 'name',
                j.value ->> 'os', j.value ->> 'architecture', j.value ->> 'status',
                j.value ->> 'busy', j.value -> 'label_ids', ?2, ?2,
                j.value ->> 'runner_group_id', j.value ->> 'ephemeral',
                j.value ->> 'version', j.value ->> 'jit_secret'
           FROM json_each(?1) j ORDER BY j.key"
    };
}

/// A runner just inserted: its new id, and what tells it from the others.
#[derive(Debug, Clone, FromRow)]
pub struct Inserted {
    pub runner_id: i64,
    pub scope_id: i64,
    pub name: String,
}

/// Inserts a few runners in one statement; returns their ids.
#[tracing::instrument(skip_all, fields(count = runners.len()))]
pub async fn insert_all(
    db: impl SqliteExecutor<'_>,
    runners: &[NewRunner],
    now_ms: i64,
) -> Result<Vec<Inserted>, sqlx::Error> {
    let batch = serde_json::to_string(runners).map_err(|e| sqlx::Error::Encode(e.into()))?;
    sqlx::query_as(concat!(
        insert_from_json!(),
        " RETURNING runner_id, scope_id, name"
    ))
    .bind(batch)
    .bind(now_ms)
    .fetch_all(db)
    .await
}

/// Inserts many runners, in order, a few statements for the lot.
#[tracing::instrument(skip_all, fields(count = runners.len()))]
pub async fn insert_many(
    conn: &mut SqliteConnection,
    runners: &[NewRunner],
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    for slice in runners.chunks(BATCH) {
        let batch = serde_json::to_string(slice).map_err(|e| sqlx::Error::Encode(e.into()))?;
        sqlx::query(insert_from_json!())
            .bind(&batch)
            .bind(now_ms)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Deletes a runner; false when there was none.
#[tracing::instrument(skip_all)]
pub async fn delete(db: impl SqliteExecutor<'_>, runner_id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM runner WHERE runner_id = ?1")
        .bind(runner_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Deletes the runners offline since before `cutoff_ms`; returns their ids.
#[tracing::instrument(skip_all)]
pub async fn delete_offline_since_before(
    db: impl SqliteExecutor<'_>,
    cutoff_ms: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "DELETE FROM runner WHERE status = 'offline' AND status_changed_at < ?1
         RETURNING runner_id",
    )
    .bind(cutoff_ms)
    .fetch_all(db)
    .await
}

/// Sets status and/or busy.
#[tracing::instrument(skip_all)]
pub async fn update(
    db: impl SqliteExecutor<'_>,
    runner_id: i64,
    status: Option<&str>,
    busy: Option<bool>,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE runner
            SET status_changed_at = CASE WHEN ?2 IS NOT NULL AND ?2 <> status
                                         THEN ?4 ELSE status_changed_at END,
                status = coalesce(?2, status),
                busy = coalesce(?3, busy)
          WHERE runner_id = ?1",
    )
    .bind(runner_id)
    .bind(status)
    .bind(busy)
    .bind(now_ms)
    .execute(db)
    .await?;
    Ok(())
}

/// Marks runners busy or idle, [`super::ROWS_PER_STATEMENT`] to a
/// statement.
#[tracing::instrument(skip_all, fields(count = runner_ids.len()))]
pub async fn set_busy(
    conn: &mut SqliteConnection,
    runner_ids: &[i64],
    busy: bool,
) -> Result<(), sqlx::Error> {
    let mut parts = super::Parts::new(runner_ids);
    while let Some(ids) = parts.next().await {
        sqlx::query(
            "UPDATE runner SET busy = ?2 WHERE runner_id IN (SELECT value FROM json_each(?1))",
        )
        .bind(ids?)
        .bind(busy)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Deletes runners, [`super::ROWS_PER_STATEMENT`] to a statement.
#[tracing::instrument(skip_all, fields(count = runner_ids.len()))]
pub async fn delete_all(
    conn: &mut SqliteConnection,
    runner_ids: &[i64],
) -> Result<(), sqlx::Error> {
    let mut parts = super::Parts::new(runner_ids);
    while let Some(ids) = parts.next().await {
        sqlx::query("DELETE FROM runner WHERE runner_id IN (SELECT value FROM json_each(?1))")
            .bind(ids?)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Replaces a runner's labels (ids in display order).
#[tracing::instrument(skip_all)]
pub async fn set_labels(
    db: impl SqliteExecutor<'_>,
    runner_id: i64,
    label_ids: &[i64],
) -> Result<(), sqlx::Error> {
    let ids = serde_json::to_string(label_ids).map_err(|e| sqlx::Error::Encode(e.into()))?;
    sqlx::query("UPDATE runner SET label_ids = ?2 WHERE runner_id = ?1")
        .bind(runner_id)
        .bind(ids)
        .execute(db)
        .await?;
    Ok(())
}

/// Puts these runners into a group, one statement for the lot.
#[tracing::instrument(skip_all, fields(count = runner_ids.len()))]
pub async fn set_group(
    db: impl SqliteExecutor<'_>,
    runner_ids: &[i64],
    runner_group_id: i64,
) -> Result<(), sqlx::Error> {
    let ids = serde_json::to_string(runner_ids).map_err(|e| sqlx::Error::Encode(e.into()))?;
    sqlx::query(
        "UPDATE runner SET runner_group_id = ?2
          WHERE runner_id IN (SELECT value FROM json_each(?1))",
    )
    .bind(ids)
    .bind(runner_group_id)
    .execute(db)
    .await?;
    Ok(())
}

/// The secret of the runner's JIT configuration: `None` when there is no
/// such runner, `Some(None)` when its configuration has been used.
#[tracing::instrument(skip_all)]
pub async fn jit_secret(
    db: impl SqliteExecutor<'_>,
    runner_id: i64,
) -> Result<Option<Option<String>>, sqlx::Error> {
    sqlx::query_scalar("SELECT jit_secret FROM runner WHERE runner_id = ?1")
        .bind(runner_id)
        .fetch_optional(db)
        .await
}

/// What a runner reports when it first connects.
#[derive(Debug, Clone)]
pub struct Started<'a> {
    pub os: &'static str,
    pub architecture: &'static str,
    pub version: &'a str,
}

/// A JIT runner started by its configuration: online, its OS and version
/// known, the configuration used up.
#[tracing::instrument(skip_all)]
pub async fn start(
    db: impl SqliteExecutor<'_>,
    runner_id: i64,
    started: &Started<'_>,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE runner
            SET status = 'online', status_changed_at = ?5, os = ?2, architecture = ?3,
                version = ?4, jit_secret = NULL
          WHERE runner_id = ?1",
    )
    .bind(runner_id)
    .bind(started.os)
    .bind(started.architecture)
    .bind(started.version)
    .bind(now_ms)
    .execute(db)
    .await?;
    Ok(())
}
