//! Enterprises, organizations and repositories.

use sqlx::{FromRow, SqliteConnection, SqliteExecutor};

use crate::model::Scope;

#[derive(Debug, Clone, FromRow)]
pub struct ScopeRow {
    pub scope_id: i64,
    pub kind: String,
    pub name: String,
}

impl ScopeRow {
    pub fn scope(&self) -> Option<Scope> {
        Scope::from_stored(&self.kind, &self.name)
    }
}

/// The scope's row, created on first use with the spelling given.
#[tracing::instrument(skip_all)]
pub async fn ensure(conn: &mut SqliteConnection, scope: &Scope) -> Result<ScopeRow, sqlx::Error> {
    // The no-op update makes RETURNING answer for an existing row too.
    sqlx::query_as(
        "INSERT INTO scope (kind, scope_key, name) VALUES (?1, ?2, ?3)
         ON CONFLICT (scope_key) DO UPDATE SET scope_key = excluded.scope_key
         RETURNING scope_id, kind, name",
    )
    .bind(scope.kind())
    .bind(scope.key())
    .bind(scope.name())
    .fetch_one(conn)
    .await
}

#[tracing::instrument(skip_all)]
pub async fn all(db: impl SqliteExecutor<'_>) -> Result<Vec<ScopeRow>, sqlx::Error> {
    sqlx::query_as("SELECT scope_id, kind, name FROM scope ORDER BY scope_id")
        .fetch_all(db)
        .await
}
