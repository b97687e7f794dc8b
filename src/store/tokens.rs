//! Registration and remove tokens.

use sqlx::{FromRow, SqliteExecutor};

#[derive(Debug, Clone, FromRow)]
pub struct TokenRow {
    pub token: String,
    pub scope_id: i64,
    pub kind: String,
    pub expires_at: i64,
}

#[tracing::instrument(skip_all)]
pub async fn insert(db: impl SqliteExecutor<'_>, row: &TokenRow) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO token (token, scope_id, kind, expires_at) VALUES (?1, ?2, ?3, ?4)")
        .bind(&row.token)
        .bind(row.scope_id)
        .bind(&row.kind)
        .bind(row.expires_at)
        .execute(db)
        .await?;
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn delete(db: impl SqliteExecutor<'_>, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM token WHERE token = ?1")
        .bind(token)
        .execute(db)
        .await?;
    Ok(())
}

/// Tokens that have not expired at `now_ms`.
#[tracing::instrument(skip_all)]
pub async fn live(db: impl SqliteExecutor<'_>, now_ms: i64) -> Result<Vec<TokenRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT token, scope_id, kind, expires_at FROM token
         WHERE expires_at > ?1 ORDER BY expires_at, token",
    )
    .bind(now_ms)
    .fetch_all(db)
    .await
}

/// Deletes the tokens expired at `now_ms`; returns how many went.
#[tracing::instrument(skip_all)]
pub async fn delete_expired(db: impl SqliteExecutor<'_>, now_ms: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM token WHERE expires_at <= ?1")
        .bind(now_ms)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
