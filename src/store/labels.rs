//! Label names and their ids.

use sqlx::{FromRow, SqliteConnection, SqliteExecutor};

#[derive(Debug, Clone, FromRow)]
pub struct LabelRow {
    pub label_id: i64,
    pub name: String,
    #[sqlx(rename = "type")]
    pub kind: String,
}

#[tracing::instrument(skip_all)]
pub async fn all(db: impl SqliteExecutor<'_>) -> Result<Vec<LabelRow>, sqlx::Error> {
    sqlx::query_as("SELECT label_id, name, type FROM label ORDER BY label_id")
        .fetch_all(db)
        .await
}

/// Adds custom labels not known yet (names compare case-insensitively) and
/// returns every label added.
#[tracing::instrument(skip_all, fields(count = names.len()))]
pub async fn add_custom(
    conn: &mut SqliteConnection,
    names: &[&str],
) -> Result<Vec<LabelRow>, sqlx::Error> {
    let names = serde_json::to_string(names).map_err(|e| sqlx::Error::Encode(e.into()))?;
    sqlx::query_as(
        "INSERT INTO label (name, type)
         SELECT value, 'custom' FROM json_each(?1) WHERE true
         ON CONFLICT (name) DO NOTHING
         RETURNING label_id, name, type",
    )
    .bind(names)
    .fetch_all(conn)
    .await
}
