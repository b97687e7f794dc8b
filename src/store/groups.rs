//! Runner groups of enterprises and organizations.

use serde::Serialize;
use sqlx::{FromRow, SqliteExecutor};

/// A runner group as stored; the two lists are JSON arrays.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct GroupRow {
    pub runner_group_id: i64,
    pub scope_id: i64,
    pub name: String,
    pub is_default: bool,
    pub visibility: String,
    pub allows_public_repositories: bool,
    pub restricted_to_workflows: bool,
    /// JSON array of workflow refs.
    pub selected_workflows: String,
    /// JSON array of the scope ids of the organizations or repositories a
    /// `selected` group serves.
    pub selected_ids: String,
}

/// Every column, in [`GroupRow`]'s order.
macro_rules! columns {
    () => {
        "runner_group_id, scope_id, name, is_default, visibility, allows_public_repositories,
         restricted_to_workflows, selected_workflows, selected_ids"
    };
}

#[tracing::instrument(skip_all)]
pub async fn all(db: impl SqliteExecutor<'_>) -> Result<Vec<GroupRow>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM runner_group ORDER BY runner_group_id"
    ))
    .fetch_all(db)
    .await
}

/// The default group of an enterprise or organization, made with the scope.
#[tracing::instrument(skip_all)]
pub async fn ensure_default(
    db: impl SqliteExecutor<'_>,
    scope_id: i64,
) -> Result<Option<GroupRow>, sqlx::Error> {
    sqlx::query_as(concat!(
        "INSERT INTO runner_group (scope_id, name, is_default, visibility,
                                   allows_public_repositories, restricted_to_workflows)
         VALUES (?1, 'Default', 1, 'all', 1, 0)
         ON CONFLICT DO NOTHING
         RETURNING ",
        columns!()
    ))
    .bind(scope_id)
    .fetch_optional(db)
    .await
}

/// Inserts a group (its id is ignored) and returns it as stored. A name
/// already used in the scope fails with the unique index's error.
#[tracing::instrument(skip_all)]
pub async fn insert(
    db: impl SqliteExecutor<'_>,
    group: &GroupRow,
) -> Result<GroupRow, sqlx::Error> {
    sqlx::query_as(concat!(
        "INSERT INTO runner_group (scope_id, name, is_default, visibility,
                                   allows_public_repositories, restricted_to_workflows,
                                   selected_workflows, selected_ids)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         RETURNING ",
        columns!()
    ))
    .bind(group.scope_id)
    .bind(&group.name)
    .bind(group.is_default)
    .bind(&group.visibility)
    .bind(group.allows_public_repositories)
    .bind(group.restricted_to_workflows)
    .bind(&group.selected_workflows)
    .bind(&group.selected_ids)
    .fetch_one(db)
    .await
}

/// Writes every setting of a group.
#[tracing::instrument(skip_all)]
pub async fn update(db: impl SqliteExecutor<'_>, group: &GroupRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE runner_group
            SET name = ?2, visibility = ?3, allows_public_repositories = ?4,
                restricted_to_workflows = ?5, selected_workflows = ?6, selected_ids = ?7
          WHERE runner_group_id = ?1",
    )
    .bind(group.runner_group_id)
    .bind(&group.name)
    .bind(&group.visibility)
    .bind(group.allows_public_repositories)
    .bind(group.restricted_to_workflows)
    .bind(&group.selected_workflows)
    .bind(&group.selected_ids)
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes a group whose runners have gone elsewhere.
#[tracing::instrument(skip_all)]
pub async fn delete(db: impl SqliteExecutor<'_>, runner_group_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM runner_group WHERE runner_group_id = ?1")
        .bind(runner_group_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Moves every runner of one group to another.
#[tracing::instrument(skip_all)]
pub async fn move_runners(
    db: impl SqliteExecutor<'_>,
    from: i64,
    to: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE runner SET runner_group_id = ?2 WHERE runner_group_id = ?1")
        .bind(from)
        .bind(to)
        .execute(db)
        .await?;
    Ok(())
}
