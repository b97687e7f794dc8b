//! SQLite through sqlx, and nothing else: no rules live here. Every function
//! is one query (or one fixed set of statements) with its SQL beside it.

pub mod runners;
pub mod scopes;
pub mod tokens;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// The database, as one writer and a set of readers.
///
/// All writes go through a single connection, so writers queue in the pool
/// instead of meeting `database is locked` in SQLite. A file database (WAL)
/// gets its own readers, which never wait for the writer; an in-memory
/// database is one connection for both, kept open for the server's life
/// (it would vanish with its last connection).
#[derive(Debug, Clone)]
pub struct Store {
    writer: SqlitePool,
    reader: SqlitePool,
}

const READERS: u32 = 4;

impl Store {
    /// Opens the database (in memory when `file` is `None`) and brings its
    /// schema up to date.
    pub async fn connect(file: Option<&Path>) -> Result<Store, sqlx::Error> {
        let store = match file {
            None => {
                // Each parse of `sqlite::memory:` names a new private database.
                let options = SqliteConnectOptions::from_str("sqlite::memory:")?;
                let pool = single_connection().connect_with(options).await?;
                Store {
                    writer: pool.clone(),
                    reader: pool,
                }
            }
            Some(file) => {
                let options = SqliteConnectOptions::new()
                    .filename(file)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    // Every acknowledged write is on disk before the answer.
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(10));
                let writer = single_connection().connect_with(options.clone()).await?;
                sqlx::migrate!().run(&writer).await?;
                let reader = SqlitePoolOptions::new()
                    .max_connections(READERS)
                    .connect_with(options.read_only(true))
                    .await?;
                return Ok(Store { writer, reader });
            }
        };
        sqlx::migrate!().run(&store.writer).await?;
        Ok(store)
    }

    pub fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    pub fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    /// Empties every table but the read-only labels and restarts the ids, so
    /// that a reseed gives the same ids as the first seed.
    pub async fn clear(conn: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
        sqlx::query(
            "DELETE FROM runner_label;
             DELETE FROM runner;
             DELETE FROM token;
             DELETE FROM scope;
             DELETE FROM label WHERE type = 'custom';
             DELETE FROM sqlite_sequence;",
        )
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Waits for queries under way and closes every connection.
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}

fn single_connection() -> SqlitePoolOptions {
    SqlitePoolOptions::new()
        .min_connections(1)
        .max_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        // Writes queue here; a long seed must not fail the requests behind it.
        .acquire_timeout(Duration::from_secs(60))
}
