//! Registration and remove tokens.

use serde::Serialize;
use sqlx::{FromRow, SqliteExecutor};

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct TokenRow {
    pub token: String,
    pub scope_id: i64,
    pub kind: String,
    pub expires_at: i64,
}

/// Inserts tokens, one statement for the lot.
#[tracing::instrument(skip_all, fields(count = rows.len()))]
pub async fn insert(db: impl SqliteExecutor<'_>, rows: &[TokenRow]) -> Result<(), sqlx::Error> {
    let batch = serde_json::to_string(rows).map_err(|e| sqlx::Error::Encode(e.into()))?;
    sqlx::query(
        "INSERT INTO token (token, scope_id, kind, expires_at)
         SELECT value ->> 'token', value ->> 'scope_id', value ->> 'kind', value ->> 'expires_at'
           FROM json_each(?1)",
    )
    .bind(batch)
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes these tokens, one statement for the lot.
#[tracing::instrument(skip_all, fields(count = tokens.len()))]
pub async fn delete(
    db: impl SqliteExecutor<'_>,
    tokens: &[impl AsRef<str>],
) -> Result<(), sqlx::Error> {
    let tokens: Vec<&str> = tokens.iter().map(AsRef::as_ref).collect();
    let batch = serde_json::to_string(&tokens).map_err(|e| sqlx::Error::Encode(e.into()))?;
    sqlx::query("DELETE FROM token WHERE token IN (SELECT value FROM json_each(?1))")
        .bind(batch)
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
