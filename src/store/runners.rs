//! Runners and their labels.

use serde::Serialize;
use sqlx::{FromRow, SqliteConnection, SqliteExecutor};

use crate::model::{Label, Runner, Scope};

/// The columns of a runner as GitHub shows it. The labels come from one
/// correlated subquery as a JSON array, so a page of runners is one query
/// however many labels they carry.
/// (A macro, so that each query stays one literal string.)
macro_rules! runner_columns {
    () => {
        "r.runner_id, r.name, r.os, r.status, r.busy, r.labels_json AS labels"
    };
}

#[derive(Debug, FromRow)]
struct RunnerRow {
    runner_id: i64,
    name: String,
    os: String,
    status: String,
    busy: bool,
    labels: String,
}

impl TryFrom<RunnerRow> for Runner {
    type Error = sqlx::Error;

    fn try_from(row: RunnerRow) -> Result<Runner, sqlx::Error> {
        let decode = |e: String| sqlx::Error::Decode(e.into());
        let labels: Vec<Label> =
            serde_json::from_str(&row.labels).map_err(|e| decode(e.to_string()))?;
        Ok(Runner {
            id: row.runner_id,
            name: row.name,
            os: row.os.parse().map_err(decode)?,
            status: row.status.parse().map_err(decode)?,
            busy: row.busy,
            labels,
        })
    }
}

fn into_runners(rows: Vec<RunnerRow>) -> Result<Vec<Runner>, sqlx::Error> {
    rows.into_iter().map(Runner::try_from).collect()
}

/// A runner as GitHub's JSON, built by SQLite (same keys, same order as
/// [`Runner`] serializes to).
macro_rules! runner_json {
    () => {
        "json_object('id', r.runner_id, 'name', r.name, 'os', r.os, 'status', r.status,
                     'busy', json(CASE WHEN r.busy THEN 'true' ELSE 'false' END),
                     'labels', json(r.labels_json))"
    };
}

/// One page of a scope's runners in id order as one JSON array, with the
/// scope's runner count: one query answering one row, so the page crosses
/// the driver once and is never parsed. The scope is found through its
/// unique key; the offset is walked over ids alone on the covering
/// `(scope_id, runner_id)` index, and only the page's runners are read.
const PAGE: &str = concat!(
    "SELECT (SELECT runner_count FROM scope WHERE scope_key = ?1) AS total_count,",
    "       (SELECT json_group_array(json(runner) ORDER BY runner_id) FROM (",
    "           SELECT r.runner_id, ",
    runner_json!(),
    " AS runner FROM (SELECT runner_id FROM runner",
    "                  WHERE scope_id = (SELECT scope_id FROM scope WHERE scope_key = ?1)",
    "                  ORDER BY runner_id LIMIT ?2 OFFSET ?3) AS page",
    "            JOIN runner r ON r.runner_id = page.runner_id)) AS runners"
);

/// The scope's runner count (0 for a scope never seen) and the page as a
/// JSON array of runners.
#[tracing::instrument(skip_all)]
pub async fn page(
    db: impl SqliteExecutor<'_>,
    scope: &Scope,
    limit: u32,
    offset: u64,
) -> Result<(i64, String), sqlx::Error> {
    let (total_count, runners): (Option<i64>, String) = sqlx::query_as(PAGE)
        .bind(scope.key())
        .bind(limit)
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_one(db)
        .await?;
    Ok((total_count.unwrap_or(0), runners))
}

/// A runner of the scope with this key, in one query.
#[tracing::instrument(skip_all)]
pub async fn get_in(
    db: impl SqliteExecutor<'_>,
    scope: &Scope,
    runner_id: i64,
) -> Result<Option<Runner>, sqlx::Error> {
    let row: Option<RunnerRow> = sqlx::query_as(concat!(
        "SELECT ",
        runner_columns!(),
        " FROM runner r WHERE r.runner_id = ?1",
        " AND r.scope_id = (SELECT scope_id FROM scope WHERE scope_key = ?2)"
    ))
    .bind(runner_id)
    .bind(scope.key())
    .fetch_optional(db)
    .await?;
    row.map(Runner::try_from).transpose()
}

/// A runner of the given scope.
#[tracing::instrument(skip_all)]
pub async fn get(
    db: impl SqliteExecutor<'_>,
    scope_id: i64,
    runner_id: i64,
) -> Result<Option<Runner>, sqlx::Error> {
    let row: Option<RunnerRow> = sqlx::query_as(concat!(
        "SELECT ",
        runner_columns!(),
        " FROM runner r WHERE r.runner_id = ?1 AND r.scope_id = ?2"
    ))
    .bind(runner_id)
    .bind(scope_id)
    .fetch_optional(db)
    .await?;
    row.map(Runner::try_from).transpose()
}

/// A runner of any scope, with the id of its scope.
#[tracing::instrument(skip_all)]
pub async fn get_any(
    db: impl SqliteExecutor<'_>,
    runner_id: i64,
) -> Result<Option<(i64, Runner)>, sqlx::Error> {
    #[derive(FromRow)]
    struct Row {
        scope_id: i64,
        #[sqlx(flatten)]
        runner: RunnerRow,
    }
    let row: Option<Row> = sqlx::query_as(concat!(
        "SELECT r.scope_id, ",
        runner_columns!(),
        " FROM runner r WHERE r.runner_id = ?1"
    ))
    .bind(runner_id)
    .fetch_optional(db)
    .await?;
    row.map(|row| Ok((row.scope_id, Runner::try_from(row.runner)?)))
        .transpose()
}

/// Every runner of a scope, for the state dump.
#[tracing::instrument(skip_all)]
pub async fn all_of(
    db: impl SqliteExecutor<'_>,
    scope_id: i64,
) -> Result<Vec<Runner>, sqlx::Error> {
    let rows = sqlx::query_as(concat!(
        "SELECT ",
        runner_columns!(),
        " FROM runner r WHERE r.scope_id = ?1 ORDER BY r.runner_id"
    ))
    .bind(scope_id)
    .fetch_all(db)
    .await?;
    into_runners(rows)
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

/// A runner to insert; `labels` are every label name in display order.
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
    pub labels: Vec<String>,
}

/// Inserts runners with their labels in four statements, whatever their
/// number: the batch travels as one JSON parameter that SQLite unpacks with
/// `json_each`. Custom labels are created on first use.
#[tracing::instrument(skip_all, fields(count = runners.len()))]
pub async fn insert(
    conn: &mut SqliteConnection,
    runners: &[NewRunner],
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    let batch = serde_json::to_string(runners).map_err(|e| sqlx::Error::Encode(e.into()))?;
    sqlx::query(
        "INSERT OR IGNORE INTO label (name, type)
         SELECT DISTINCT l.value, 'custom' FROM json_each(?1) j, json_each(j.value, '$.labels') l",
    )
    .bind(&batch)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO runner (runner_id, scope_id, name, os, architecture, status, busy,
                             created_at, status_changed_at)
         SELECT j.value ->> 'id', j.value ->> 'scope_id', j.value ->> 'name', j.value ->> 'os',
                j.value ->> 'architecture', j.value ->> 'status', j.value ->> 'busy', ?2, ?2
           FROM json_each(?1) j ORDER BY j.key",
    )
    .bind(&batch)
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT OR IGNORE INTO runner_label (runner_id, label_id, position)
         SELECT r.runner_id, lb.label_id, l.key
           FROM json_each(?1) j
           JOIN runner r ON r.scope_id = j.value ->> 'scope_id' AND r.name = j.value ->> 'name'
           JOIN json_each(j.value, '$.labels') l
           JOIN label lb ON lb.name = l.value",
    )
    .bind(&batch)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE runner SET labels_json = (
             SELECT json_group_array(json_object('id', l.label_id, 'name', l.name, 'type', l.type)
                                     ORDER BY rl.position)
               FROM runner_label rl JOIN label l ON l.label_id = rl.label_id
              WHERE rl.runner_id = runner.runner_id)
          WHERE runner_id IN (
             SELECT r.runner_id FROM json_each(?1) j
               JOIN runner r ON r.scope_id = j.value ->> 'scope_id' AND r.name = j.value ->> 'name')",
    )
    .bind(&batch)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Deletes a runner of a scope unless it is busy; false when nothing was
/// deleted (unknown, another scope's, or busy).
#[tracing::instrument(skip_all)]
pub async fn delete_idle(
    db: impl SqliteExecutor<'_>,
    scope_id: i64,
    runner_id: i64,
) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("DELETE FROM runner WHERE runner_id = ?1 AND scope_id = ?2 AND busy = 0")
            .bind(runner_id)
            .bind(scope_id)
            .execute(db)
            .await?;
    Ok(done.rows_affected() > 0)
}

/// Deletes a runner whatever its state; false when there was none.
#[tracing::instrument(skip_all)]
pub async fn delete(db: impl SqliteExecutor<'_>, runner_id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM runner WHERE runner_id = ?1")
        .bind(runner_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Deletes the runners offline since before `cutoff_ms`; returns how many.
#[tracing::instrument(skip_all)]
pub async fn delete_offline_since_before(
    db: impl SqliteExecutor<'_>,
    cutoff_ms: i64,
) -> Result<u64, sqlx::Error> {
    let done =
        sqlx::query("DELETE FROM runner WHERE status = 'offline' AND status_changed_at < ?1")
            .bind(cutoff_ms)
            .execute(db)
            .await?;
    Ok(done.rows_affected())
}

/// Sets status and/or busy; false when there is no such runner.
#[tracing::instrument(skip_all)]
pub async fn update(
    db: impl SqliteExecutor<'_>,
    runner_id: i64,
    status: Option<&str>,
    busy: Option<bool>,
    now_ms: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
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
    Ok(done.rows_affected() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[tokio::test]
    async fn a_page_is_read_through_indexes_without_scanning_a_table() {
        let store = Store::connect(None).await.unwrap();
        let plan: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {PAGE}")))
                .bind("org:octo-org")
                .bind(30)
                .bind(9000)
                .fetch_all(store.reader())
                .await
                .unwrap();
        let steps: Vec<&str> = plan
            .iter()
            .map(|(_, _, _, detail)| detail.as_str())
            .collect();
        assert!(
            steps
                .iter()
                .any(|s| s.contains("USING COVERING INDEX runner_scope_id")),
            "{steps:?}"
        );
        // No table is scanned (only the page's own ids and the constant row
        // of the outer select), the offset is walked on the covering index,
        // and nothing larger than a page is sorted.
        let scans_a_table = |step: &&str| {
            step.starts_with("SCAN")
                && !step.starts_with("SCAN CONSTANT ROW")
                && !step.starts_with("SCAN page")
        };
        assert!(!steps.iter().any(scans_a_table), "{steps:?}");
        assert!(
            !steps.iter().any(|s| s.contains("TEMP B-TREE FOR ORDER BY")),
            "{steps:?}"
        );
    }
}
