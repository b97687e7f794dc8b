//! GitHub Apps, their installations and installation tokens.

use serde::Serialize;
use sqlx::{FromRow, SqliteExecutor};

/// An App as stored; `permissions`, `events` and `webhook` are JSON.
#[derive(Debug, Clone, FromRow)]
pub struct AppRow {
    pub app_id: i64,
    pub client_id: String,
    pub slug: String,
    pub name: String,
    pub public_key_pem: String,
    pub private_key_pem: Option<String>,
    pub permissions: String,
    pub events: String,
    pub webhook: Option<String>,
    pub created_at: i64,
}

#[tracing::instrument(skip_all)]
pub async fn all_apps(db: impl SqliteExecutor<'_>) -> Result<Vec<AppRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT app_id, client_id, slug, name, public_key_pem, private_key_pem, permissions,
                events, webhook, created_at
           FROM app ORDER BY app_id",
    )
    .fetch_all(db)
    .await
}

/// Inserts an App (its id is ignored) and returns its id. A slug or client
/// id already used fails with the unique index's error.
#[tracing::instrument(skip_all)]
pub async fn insert_app(db: impl SqliteExecutor<'_>, app: &AppRow) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO app (client_id, slug, name, public_key_pem, private_key_pem, permissions,
                          events, webhook, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         RETURNING app_id",
    )
    .bind(&app.client_id)
    .bind(&app.slug)
    .bind(&app.name)
    .bind(&app.public_key_pem)
    .bind(&app.private_key_pem)
    .bind(&app.permissions)
    .bind(&app.events)
    .bind(&app.webhook)
    .bind(app.created_at)
    .fetch_one(db)
    .await
}

/// An installation as stored; `repository_ids` is a JSON array of scope
/// ids, or null for every repository of the account.
#[derive(Debug, Clone, FromRow)]
pub struct InstallationRow {
    pub installation_id: i64,
    pub app_id: i64,
    pub account_kind: String,
    pub account_id: i64,
    pub repository_ids: Option<String>,
    pub permissions: String,
    pub events: String,
    pub created_at: i64,
}

#[tracing::instrument(skip_all)]
pub async fn all_installations(
    db: impl SqliteExecutor<'_>,
) -> Result<Vec<InstallationRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT installation_id, app_id, account_kind, account_id, repository_ids, permissions,
                events, created_at
           FROM installation ORDER BY installation_id",
    )
    .fetch_all(db)
    .await
}

/// Inserts an installation (its id is ignored) and returns its id. A second
/// installation of an App on one account fails with the unique index's
/// error.
#[tracing::instrument(skip_all)]
pub async fn insert_installation(
    db: impl SqliteExecutor<'_>,
    installation: &InstallationRow,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO installation (app_id, account_kind, account_id, repository_ids, permissions,
                                   events, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         RETURNING installation_id",
    )
    .bind(installation.app_id)
    .bind(&installation.account_kind)
    .bind(installation.account_id)
    .bind(&installation.repository_ids)
    .bind(&installation.permissions)
    .bind(&installation.events)
    .bind(installation.created_at)
    .fetch_one(db)
    .await
}

/// Deletes an installation and its tokens.
#[tracing::instrument(skip_all)]
pub async fn delete_installation(
    conn: &mut sqlx::SqliteConnection,
    installation_id: i64,
) -> Result<(), sqlx::Error> {
    let mut tx = sqlx::Connection::begin(conn).await?;
    sqlx::query("DELETE FROM installation_token WHERE installation_id = ?1")
        .bind(installation_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM installation WHERE installation_id = ?1")
        .bind(installation_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// An installation token as stored.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct TokenRow {
    pub token: String,
    pub installation_id: i64,
    pub permissions: String,
    pub repository_ids: Option<String>,
    pub expires_at: i64,
}

/// Inserts tokens, one statement for the lot.
#[tracing::instrument(skip_all, fields(count = rows.len()))]
pub async fn insert_tokens(
    db: impl SqliteExecutor<'_>,
    rows: &[TokenRow],
) -> Result<(), sqlx::Error> {
    let batch = serde_json::to_string(rows).map_err(|e| sqlx::Error::Encode(e.into()))?;
    sqlx::query(
        "INSERT INTO installation_token (token, installation_id, permissions, repository_ids,
                                         expires_at)
         SELECT value ->> 'token', value ->> 'installation_id', value ->> 'permissions',
                value ->> 'repository_ids', value ->> 'expires_at'
           FROM json_each(?1)",
    )
    .bind(batch)
    .execute(db)
    .await?;
    Ok(())
}

/// Tokens that have not expired at `now_ms`.
#[tracing::instrument(skip_all)]
pub async fn live_tokens(
    db: impl SqliteExecutor<'_>,
    now_ms: i64,
) -> Result<Vec<TokenRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT token, installation_id, permissions, repository_ids, expires_at
           FROM installation_token WHERE expires_at > ?1 ORDER BY expires_at, token",
    )
    .bind(now_ms)
    .fetch_all(db)
    .await
}

/// Revokes a token.
#[tracing::instrument(skip_all)]
pub async fn delete_token(db: impl SqliteExecutor<'_>, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM installation_token WHERE token = ?1")
        .bind(token)
        .execute(db)
        .await?;
    Ok(())
}

/// Forgets the tokens expired at `now_ms`.
#[tracing::instrument(skip_all)]
pub async fn delete_expired_tokens(
    db: impl SqliteExecutor<'_>,
    now_ms: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM installation_token WHERE expires_at <= ?1")
        .bind(now_ms)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
