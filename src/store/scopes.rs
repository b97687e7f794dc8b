//! Enterprises, organizations and repositories.

use sqlx::{Connection, FromRow, SqliteConnection, SqliteExecutor};

use super::groups::{self, GroupRow};
use crate::model::Scope;

#[derive(Debug, Clone, FromRow)]
pub struct ScopeRow {
    pub scope_id: i64,
    pub kind: String,
    pub name: String,
    /// The enterprise an organization belongs to.
    pub enterprise_id: Option<i64>,
}

impl ScopeRow {
    pub fn scope(&self) -> Option<Scope> {
        Scope::from_stored(&self.kind, &self.name)
    }
}

/// The scope's row, created on first use with the spelling given, and the
/// default runner group an enterprise or organization is created with.
#[tracing::instrument(skip_all)]
pub async fn ensure(
    conn: &mut SqliteConnection,
    scope: &Scope,
) -> Result<(ScopeRow, Option<GroupRow>), sqlx::Error> {
    // Both or neither: a scope is never without its default group.
    let mut tx = conn.begin().await?;
    // The no-op update makes RETURNING answer for an existing row too.
    let row: ScopeRow = sqlx::query_as(
        "INSERT INTO scope (kind, scope_key, name) VALUES (?1, ?2, ?3)
         ON CONFLICT (scope_key) DO UPDATE SET scope_key = excluded.scope_key
         RETURNING scope_id, kind, name, enterprise_id",
    )
    .bind(scope.kind())
    .bind(scope.key())
    .bind(scope.name())
    .fetch_one(&mut *tx)
    .await?;
    let group = match scope {
        Scope::Repo { .. } => None,
        _ => groups::ensure_default(&mut *tx, row.scope_id).await?,
    };
    tx.commit().await?;
    Ok((row, group))
}

#[tracing::instrument(skip_all)]
pub async fn all(db: impl SqliteExecutor<'_>) -> Result<Vec<ScopeRow>, sqlx::Error> {
    sqlx::query_as("SELECT scope_id, kind, name, enterprise_id FROM scope ORDER BY scope_id")
        .fetch_all(db)
        .await
}

/// Makes an organization a member of an enterprise, or of none.
#[tracing::instrument(skip_all)]
pub async fn set_enterprise(
    db: impl SqliteExecutor<'_>,
    org_id: i64,
    enterprise_id: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE scope SET enterprise_id = ?2 WHERE scope_id = ?1")
        .bind(org_id)
        .bind(enterprise_id)
        .execute(db)
        .await?;
    Ok(())
}
