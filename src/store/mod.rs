//! SQLite through sqlx, and nothing else: no rules live here. Every function
//! is one query (or one fixed set of statements) with its SQL beside it; a
//! batched write runs its query over parts of its rows ([`Parts`]).

pub mod apps;
pub mod groups;
pub mod hooks;
pub mod jobs;
pub mod labels;
pub mod runners;
pub mod scopes;
pub mod tokens;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use serde::Serialize;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// The database, as one connection that every write goes through.
///
/// Writers queue for it in the pool instead of meeting `database is locked`
/// in SQLite, and a write and the change to memory that follows its commit
/// happen in one turn. Reads are answered from memory and never come here.
/// An in-memory database lives as long as this connection does.
#[derive(Debug, Clone)]
pub struct Store {
    writer: SqlitePool,
}

/// A batched write sends its rows to SQLite in parts of at most this many,
/// one statement a part. A statement runs on SQLite's thread without a
/// break, and on a busy core a request arriving meanwhile waits for it: a
/// part of this size takes a fifth of a millisecond at most (inserting
/// jobs, the dearest, reads nine fields of each row's JSON).
pub const ROWS_PER_STATEMENT: usize = 16;

/// The rows of a batched write as JSON arrays of at most
/// [`ROWS_PER_STATEMENT`] rows, a statement reading each with `json_each`.
/// Every part but the first comes after a yield, so that the other tasks
/// run between two statements.
///
/// ```ignore
/// let mut parts = Parts::new(ids);
/// while let Some(part) = parts.next().await {
///     sqlx::query("… json_each(?1) …").bind(part?).execute(&mut *conn).await?;
/// }
/// ```
pub(crate) struct Parts<'a, T> {
    parts: std::slice::Chunks<'a, T>,
    first: bool,
}

impl<'a, T: Serialize> Parts<'a, T> {
    pub(crate) fn new(rows: &'a [T]) -> Self {
        Parts {
            parts: rows.chunks(ROWS_PER_STATEMENT),
            first: true,
        }
    }

    pub(crate) async fn next(&mut self) -> Option<Result<String, sqlx::Error>> {
        let part = self.parts.next()?;
        if !std::mem::take(&mut self.first) {
            tokio::task::yield_now().await;
        }
        Some(serde_json::to_string(part).map_err(|e| sqlx::Error::Encode(e.into())))
    }
}

impl Store {
    /// Opens the database (in memory when `file` is `None`) and brings its
    /// schema up to date.
    pub async fn connect(file: Option<&Path>) -> Result<Store, sqlx::Error> {
        let options = match file {
            // Each parse of `sqlite::memory:` names a new private database.
            None => SqliteConnectOptions::from_str("sqlite::memory:")?,
            Some(file) => SqliteConnectOptions::new()
                .filename(file)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // Every acknowledged write is on disk before the answer.
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10)),
        };
        let writer = open_writer(options.thread_name(|_| SQLITE_THREAD.to_owned())).await?;
        sqlx::migrate!().run(&writer).await?;
        Ok(Store { writer })
    }

    pub fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    /// Empties every table but the read-only labels and restarts the ids, so
    /// that a reseed gives the same ids as the first seed; delivery ids go
    /// on, so that the outcome of an attempt made before never lands on a
    /// delivery made after.
    pub async fn clear(conn: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
        sqlx::query(
            "DELETE FROM delivery;
             DELETE FROM hook;
             DELETE FROM workflow_job;
             DELETE FROM workflow_run;
             DELETE FROM installation_token;
             DELETE FROM installation;
             DELETE FROM app;
             DELETE FROM runner;
             DELETE FROM token;
             DELETE FROM runner_group;
             DELETE FROM scope;
             DELETE FROM label WHERE type = 'custom';
             DELETE FROM sqlite_sequence WHERE name <> 'delivery';
             INSERT INTO sqlite_sequence (name, seq) VALUES ('runner_group', 1);",
        )
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Waits for queries under way and closes the connection.
    pub async fn close(&self) {
        self.writer.close().await;
    }
}

/// The name of SQLite's thread, as `top -H` or `perf` show it.
const SQLITE_THREAD: &str = "ghes-mock-db";

/// Opens the pool and its one connection, from a short-lived thread made
/// batch work first ([`as_batch_work`]): sqlx starts SQLite's thread from
/// the thread that opens the connection, and a new thread takes the
/// scheduling policy of the thread that starts it.
///
/// The pool keeps no minimum of connections: with one, sqlx also opens the
/// first connection from a task of its own, on any thread, racing this one.
/// With neither a lifetime nor an idle timeout, the pool never closes the
/// connection opened here.
async fn open_writer(options: SqliteConnectOptions) -> Result<SqlitePool, sqlx::Error> {
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        // A local connection does not go stale: no ping before each write.
        .test_before_acquire(false)
        // Writes queue here; a long seed must not fail the requests behind it.
        .acquire_timeout(Duration::from_secs(60));
    let runtime = tokio::runtime::Handle::current();
    let (opened, open) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("ghes-mock-open".to_owned())
        .spawn(move || {
            as_batch_work();
            let _ = opened.send(runtime.block_on(pool.connect_with(options)));
        })?;
    open.await.map_err(|_| sqlx::Error::WorkerCrashed)?
}

/// Makes the calling thread, and the threads it starts from now on, batch
/// work for Linux's scheduler (`SCHED_BATCH`): the same share of the CPU,
/// but waking does not preempt the thread running.
///
/// SQLite's thread wakes for every statement handed to it. On a busy core
/// it used to take the core from the runtime's worker at once and keep it
/// to the statement's end, while requests arriving meanwhile waited; as
/// batch work it runs when the worker waits or its time slice ends, and
/// requests go first. Best effort: a thread at another niceness stays as
/// it is (the call would reset that too), as does one the kernel refuses.
#[cfg(target_os = "linux")]
fn as_batch_work() {
    use thread_priority::unix::{
        NormalThreadSchedulePolicy, ThreadSchedulePolicy, set_thread_priority_and_policy,
        thread_native_id,
    };
    use thread_priority::{ThreadPriority, ThreadPriorityOsValue};

    if niceness() != Some(0) {
        tracing::debug!("SQLite's thread keeps its scheduling policy: the niceness is not 0");
        return;
    }
    let batch = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Batch);
    // For a normal policy the priority is the niceness: 0, as it was.
    let niceness = ThreadPriority::Os(ThreadPriorityOsValue::default());
    if let Err(error) = set_thread_priority_and_policy(thread_native_id(), niceness, batch) {
        tracing::debug!(?error, "SQLite's thread keeps its scheduling policy");
    }
}

#[cfg(not(target_os = "linux"))]
fn as_batch_work() {}

/// The calling thread's niceness, field 19 of `/proc/thread-self/stat`.
#[cfg(target_os = "linux")]
fn niceness() -> Option<i32> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // The fields after the command name, which is in parentheses and may
    // hold anything: the first of them is field 3.
    let (_, fields) = stat.rsplit_once(')')?;
    fields.split_whitespace().nth(19 - 3)?.parse().ok()
}

/// Whether a write failed on a unique index: a runner or group name already
/// taken in its scope.
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    /// A database written before reads moved to memory keeps every runner's
    /// labels, in order, when it is opened by this version.
    #[tokio::test]
    async fn an_older_database_keeps_its_runners_labels() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("old.db");
        let options = SqliteConnectOptions::new()
            .filename(&file)
            .create_if_missing(true);
        let pool = SqlitePool::connect_with(options).await.unwrap();
        let mut before = sqlx::migrate!();
        before.migrations = Cow::Owned(before.migrations[..3].to_vec());
        before.run(&pool).await.unwrap();
        sqlx::query(
            "INSERT INTO scope (scope_id, kind, scope_key, name) VALUES (1, 'org', 'org:o', 'o');
             INSERT INTO label (label_id, name, type) VALUES (8, 'gpu', 'custom');
             INSERT INTO runner (runner_id, scope_id, name, os, architecture, status, busy,
                                 created_at, status_changed_at)
                 VALUES (1, 1, 'a', 'linux', 'x64', 'online', 0, 0, 0),
                        (2, 1, 'b', 'linux', 'x64', 'online', 0, 0, 0);
             INSERT INTO runner_label (runner_id, label_id, position)
                 VALUES (1, 1, 0), (1, 2, 1), (1, 5, 2), (1, 8, 3), (2, 8, 0), (2, 1, 1);",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;

        let store = Store::connect(Some(&file)).await.unwrap();
        let mut conn = store.writer().acquire().await.unwrap();
        let rows = runners::after(&mut *conn, 0, 10).await.unwrap();
        let labels: Vec<&str> = rows.iter().map(|r| r.label_ids.as_str()).collect();
        assert_eq!(
            labels,
            ["[1,2,5,8]", "[8,1]"],
            "in display order, not id order"
        );
        assert_eq!(scopes::all(&mut *conn).await.unwrap()[0].name, "o");
    }

    /// SQLite's thread is batch work (`SCHED_BATCH`, policy 3 in field 41
    /// of a thread's stat): handed a statement, it does not take the core
    /// from the thread that handed it over. At another niceness, nothing
    /// changes (policy 0).
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn sqlite_runs_as_batch_work() {
        let store = Store::connect(None).await.unwrap();
        sqlx::query("SELECT 1")
            .execute(store.writer())
            .await
            .unwrap();
        let mut policies = Vec::new();
        for task in std::fs::read_dir("/proc/self/task").unwrap() {
            let stat =
                std::fs::read_to_string(task.unwrap().path().join("stat")).unwrap_or_default();
            if let Some((name, fields)) = stat
                .split_once(" (")
                .and_then(|(_, rest)| rest.rsplit_once(')'))
                && name == SQLITE_THREAD
            {
                policies.push(fields.split_whitespace().nth(41 - 3).unwrap().to_owned());
            }
        }
        let expected = if niceness() == Some(0) { "3" } else { "0" };
        assert!(!policies.is_empty(), "no thread named {SQLITE_THREAD}");
        assert!(policies.iter().all(|p| p == expected), "{policies:?}");
    }

    #[tokio::test]
    async fn tokens_are_inserted_and_deleted_in_batches() {
        let store = Store::connect(None).await.unwrap();
        let mut conn = store.writer().acquire().await.unwrap();
        let scope = crate::model::Scope::Org("o".to_owned());
        let scope_id = scopes::ensure(&mut conn, &scope).await.unwrap().0.scope_id;
        let token = |token: &str, expires_at| tokens::TokenRow {
            token: token.to_owned(),
            scope_id,
            kind: "registration".to_owned(),
            expires_at,
        };
        let rows = [token("A", 1), token("B", 2), token("C", 3)];

        tokens::insert(&mut *conn, &rows).await.unwrap();
        tokens::delete(&mut *conn, &["A", "C", "unknown"])
            .await
            .unwrap();

        let live = tokens::live(&mut *conn, 0).await.unwrap();
        let live: Vec<(&str, i64, &str)> = live
            .iter()
            .map(|t| (t.token.as_str(), t.expires_at, t.kind.as_str()))
            .collect();
        assert_eq!(live, [("B", 2, "registration")]);
    }

    /// A database written before runner groups keeps its runners, puts
    /// each enterprise's and organization's runners into its new default
    /// group, and never hands out a deleted runner's id again.
    #[tokio::test]
    async fn an_older_database_gets_default_groups_and_keeps_its_id_sequence() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("old.db");
        let options = SqliteConnectOptions::new()
            .filename(&file)
            .create_if_missing(true);
        let pool = SqlitePool::connect_with(options).await.unwrap();
        let mut before = sqlx::migrate!();
        before.migrations = Cow::Owned(before.migrations[..4].to_vec());
        before.run(&pool).await.unwrap();
        sqlx::query(
            "INSERT INTO scope (scope_id, kind, scope_key, name)
                 VALUES (1, 'org', 'org:o', 'o'), (2, 'repo', 'repo:o/r', 'o/r');
             INSERT INTO runner (runner_id, scope_id, name, os, architecture, status, busy,
                                 created_at, status_changed_at, label_ids)
                 VALUES (1, 1, 'a', 'linux', 'x64', 'online', 0, 0, 0, '[1,2,5]'),
                        (2, 2, 'b', 'macos', 'arm64', 'online', 0, 0, 0, '[1,4,6]'),
                        (3, 1, 'gone', 'linux', 'x64', 'online', 0, 0, 0, '[1]');
             DELETE FROM runner WHERE runner_id = 3;",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;

        let store = Store::connect(Some(&file)).await.unwrap();
        let mut conn = store.writer().acquire().await.unwrap();
        let rows = runners::after(&mut *conn, 0, 10).await.unwrap();
        let groups = groups::all(&mut *conn).await.unwrap();
        let next = runners::NewRunner {
            id: None,
            scope_id: 1,
            name: "next".to_owned(),
            os: "unknown",
            architecture: "x64",
            status: "offline",
            busy: false,
            label_ids: Vec::new(),
            runner_group_id: None,
            ephemeral: true,
            version: None,
            jit_secret: Some("s".to_owned()),
        };
        let next_id = runners::insert(&mut *conn, &next, 0).await.unwrap();

        assert_eq!(groups.len(), 1, "the organization's default group");
        assert!(groups[0].is_default && groups[0].scope_id == 1);
        let group_of = |name: &str| {
            rows.iter()
                .find(|r| r.name == name)
                .and_then(|r| r.runner_group_id)
        };
        assert_eq!(group_of("a"), Some(groups[0].runner_group_id));
        assert_eq!(group_of("b"), None, "a repository's runner has no group");
        assert_eq!(rows[1].label_ids, "[1,4,6]");
        assert_eq!(next_id, 4, "3 was used once and is never used again");
    }
}
