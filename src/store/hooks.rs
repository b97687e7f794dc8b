//! Webhooks and their deliveries. Hooks are read into memory; deliveries
//! are read from here, since only the deliveries API and the control API
//! look at them.

use serde::Serialize;
use sqlx::{FromRow, QueryBuilder, Sqlite, SqliteConnection, SqliteExecutor};

/// A hook as stored; `events` is a JSON array, `last_response` a JSON
/// object.
#[derive(Debug, Clone, FromRow)]
pub struct HookRow {
    pub hook_id: i64,
    pub kind: String,
    pub scope_id: Option<i64>,
    pub active: bool,
    pub events: String,
    pub url: String,
    pub content_type: String,
    pub secret: Option<String>,
    pub insecure_ssl: String,
    pub last_response: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The columns of a [`HookRow`], for `concat!`: the SQL stays a literal.
macro_rules! hook_columns {
    () => {
        "hook_id, kind, scope_id, active, events, url, content_type, secret, insecure_ssl, \
         last_response, created_at, updated_at"
    };
}

/// Every hook, in id order.
#[tracing::instrument(skip_all)]
pub async fn all(db: impl SqliteExecutor<'_>) -> Result<Vec<HookRow>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        hook_columns!(),
        " FROM hook ORDER BY hook_id"
    ))
    .fetch_all(db)
    .await
}

/// Stores a new hook; returns it with its id.
#[tracing::instrument(skip_all)]
pub async fn insert(db: impl SqliteExecutor<'_>, hook: &HookRow) -> Result<HookRow, sqlx::Error> {
    sqlx::query_as(concat!(
        "INSERT INTO hook (kind, scope_id, active, events, url, content_type, secret,
                           insecure_ssl, last_response, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)
         RETURNING ",
        hook_columns!()
    ))
    .bind(&hook.kind)
    .bind(hook.scope_id)
    .bind(hook.active)
    .bind(&hook.events)
    .bind(&hook.url)
    .bind(&hook.content_type)
    .bind(&hook.secret)
    .bind(&hook.insecure_ssl)
    .bind(&hook.last_response)
    .bind(hook.created_at)
    .fetch_one(db)
    .await
}

/// Writes a hook's settings.
#[tracing::instrument(skip_all)]
pub async fn update(db: impl SqliteExecutor<'_>, hook: &HookRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE hook SET active = ?2, events = ?3, url = ?4, content_type = ?5, secret = ?6,
                         insecure_ssl = ?7, updated_at = ?8
          WHERE hook_id = ?1",
    )
    .bind(hook.hook_id)
    .bind(hook.active)
    .bind(&hook.events)
    .bind(&hook.url)
    .bind(&hook.content_type)
    .bind(&hook.secret)
    .bind(&hook.insecure_ssl)
    .bind(hook.updated_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes a hook and its deliveries.
#[tracing::instrument(skip_all)]
pub async fn delete(conn: &mut SqliteConnection, hook_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM delivery WHERE hook_id = ?1")
        .bind(hook_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM hook WHERE hook_id = ?1")
        .bind(hook_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records the last delivery's answer on a hook.
#[tracing::instrument(skip_all)]
pub async fn set_last_response(
    db: impl SqliteExecutor<'_>,
    hook_id: i64,
    last_response: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE hook SET last_response = ?2 WHERE hook_id = ?1")
        .bind(hook_id)
        .bind(last_response)
        .execute(db)
        .await?;
    Ok(())
}

/// A delivery as stored.
#[derive(Debug, Clone, Default, FromRow)]
pub struct DeliveryRow {
    pub delivery_id: i64,
    pub hook_id: Option<i64>,
    pub app_id: Option<i64>,
    pub guid: String,
    pub event: String,
    pub action: Option<String>,
    pub installation_id: Option<i64>,
    pub repository_id: Option<i64>,
    pub redelivery: bool,
    pub url: String,
    /// JSON array of `[name, value]` pairs.
    pub request_headers: String,
    pub request_body: Vec<u8>,
    pub state: String,
    pub status: Option<String>,
    pub status_code: Option<i64>,
    pub duration: Option<f64>,
    pub delivered_at: Option<i64>,
    /// JSON array of `[name, value]` pairs.
    pub response_headers: Option<String>,
    pub response_body: Option<String>,
    pub created_at: i64,
}

/// The columns of a [`DeliveryRow`], for `concat!`.
macro_rules! delivery_columns {
    () => {
        "delivery_id, hook_id, app_id, guid, event, action, installation_id, repository_id, \
         redelivery, url, request_headers, request_body, state, status, status_code, duration, \
         delivered_at, response_headers, response_body, created_at"
    };
}

/// Stores a delivery to make (`pending`) or one already made; returns its id.
pub async fn insert_delivery(
    db: impl SqliteExecutor<'_>,
    row: &DeliveryRow,
) -> Result<i64, sqlx::Error> {
    let ids = insert_deliveries(db, &[row]).await?;
    ids.first().copied().ok_or(sqlx::Error::RowNotFound)
}

/// Stores deliveries in one statement; returns their ids in the order
/// given. The bodies are bytes, so the rows are bound one by one rather
/// than passed as a JSON array: planned eight at a time, the statement has
/// a few shapes at most.
#[tracing::instrument(skip_all)]
pub async fn insert_deliveries(
    db: impl SqliteExecutor<'_>,
    rows: &[&DeliveryRow],
) -> Result<Vec<i64>, sqlx::Error> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = QueryBuilder::<Sqlite>::new(
        "INSERT INTO delivery (hook_id, app_id, guid, event, action, installation_id,
                               repository_id, redelivery, url, request_headers, request_body,
                               state, status, status_code, duration, delivered_at,
                               response_headers, response_body, created_at) ",
    );
    query.push_values(rows, |mut values, row| {
        values
            .push_bind(row.hook_id)
            .push_bind(row.app_id)
            .push_bind(&row.guid)
            .push_bind(&row.event)
            .push_bind(&row.action)
            .push_bind(row.installation_id)
            .push_bind(row.repository_id)
            .push_bind(row.redelivery)
            .push_bind(&row.url)
            .push_bind(&row.request_headers)
            .push_bind(&row.request_body)
            .push_bind(&row.state)
            .push_bind(&row.status)
            .push_bind(row.status_code)
            .push_bind(row.duration)
            .push_bind(row.delivered_at)
            .push_bind(&row.response_headers)
            .push_bind(&row.response_body)
            .push_bind(row.created_at);
    });
    query.push(" RETURNING delivery_id");
    let mut ids: Vec<i64> = query.build_query_scalar().fetch_all(db).await?;
    // RETURNING promises no order, but the rows are inserted in the order
    // of their VALUES, each taking the next id: in id order, they are the
    // rows as given.
    ids.sort_unstable();
    Ok(ids)
}

/// What became of an attempt.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub delivery_id: i64,
    pub state: &'static str,
    pub status: String,
    pub status_code: i64,
    pub duration: f64,
    pub delivered_at: i64,
    pub response_headers: String,
    pub response_body: String,
}

/// Records attempts on their deliveries, [`super::ROWS_PER_STATEMENT`] to a
/// statement; returns each recorded delivery's id with its hook (none for
/// an App's). A delivery that is gone is not in the answer.
#[tracing::instrument(skip_all, fields(count = attempts.len()))]
pub async fn record_all(
    conn: &mut SqliteConnection,
    attempts: &[&Attempt],
) -> Result<Vec<(i64, Option<i64>)>, sqlx::Error> {
    let mut recorded = Vec::with_capacity(attempts.len());
    let mut parts = super::Parts::new(attempts);
    while let Some(part) = parts.next().await {
        let rows: Vec<(i64, Option<i64>)> = sqlx::query_as(
            "UPDATE delivery
                SET state = j.value ->> 'state', status = j.value ->> 'status',
                    status_code = j.value ->> 'status_code', duration = j.value ->> 'duration',
                    delivered_at = j.value ->> 'delivered_at',
                    response_headers = j.value ->> 'response_headers',
                    response_body = j.value ->> 'response_body'
               FROM json_each(?1) j
              WHERE delivery.delivery_id = j.value ->> 'delivery_id'
             RETURNING delivery.delivery_id, delivery.hook_id",
        )
        .bind(part?)
        .fetch_all(&mut *conn)
        .await?;
        recorded.extend(rows);
    }
    Ok(recorded)
}

/// One delivery.
#[tracing::instrument(skip_all)]
pub async fn get(
    db: impl SqliteExecutor<'_>,
    delivery_id: i64,
) -> Result<Option<DeliveryRow>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        delivery_columns!(),
        " FROM delivery WHERE delivery_id = ?1"
    ))
    .bind(delivery_id)
    .fetch_optional(db)
    .await
}

/// Which deliveries a list shows.
#[derive(Debug, Clone, Default)]
pub struct DeliveryQuery {
    pub hook_id: Option<i64>,
    pub app_id: Option<i64>,
    /// Only those made (`sent`), as GitHub's deliveries API shows them.
    pub sent_only: bool,
    /// Only ids below this (the cursor of GitHub's pages).
    pub before: Option<i64>,
    /// Only these status codes: `success` (2xx, 3xx) or not.
    pub success: Option<bool>,
    pub redelivery: Option<bool>,
    pub event: Option<String>,
    pub action: Option<String>,
    /// Oldest first when set; newest first otherwise.
    pub oldest_first: bool,
    pub limit: i64,
}

/// Deliveries matching a query.
#[tracing::instrument(skip_all)]
pub async fn list(
    db: impl SqliteExecutor<'_>,
    query: &DeliveryQuery,
) -> Result<Vec<DeliveryRow>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        delivery_columns!(),
        " FROM delivery
          WHERE (?1 IS NULL OR hook_id = ?1)
            AND (?2 IS NULL OR app_id = ?2)
            AND (NOT ?3 OR state = 'sent')
            AND (?4 IS NULL OR delivery_id < ?4)
            AND (?5 IS NULL OR (status_code BETWEEN 200 AND 399) = ?5)
            AND (?6 IS NULL OR redelivery = ?6)
            AND (?7 IS NULL OR event = ?7)
            AND (?8 IS NULL OR action = ?8)
          ORDER BY CASE WHEN ?10 THEN delivery_id ELSE -delivery_id END
          LIMIT ?9"
    ))
    .bind(query.hook_id)
    .bind(query.app_id)
    .bind(query.sent_only)
    .bind(query.before)
    .bind(query.success)
    .bind(query.redelivery)
    .bind(&query.event)
    .bind(&query.action)
    .bind(query.limit)
    .bind(query.oldest_first)
    .fetch_all(db)
    .await
}

/// Deliveries not attempted yet, oldest first: those the server stopped
/// before sending, to send when it starts again.
#[tracing::instrument(skip_all)]
pub async fn pending(db: impl SqliteExecutor<'_>) -> Result<Vec<DeliveryRow>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        delivery_columns!(),
        " FROM delivery WHERE state = 'pending' ORDER BY delivery_id"
    ))
    .fetch_all(db)
    .await
}
