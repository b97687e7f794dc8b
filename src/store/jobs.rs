//! Workflow runs and their jobs. Reads are answered from memory; SQLite is
//! read here only to load it.

use serde::Serialize;
use sqlx::{FromRow, SqliteConnection, SqliteExecutor};

/// A run as stored.
#[derive(Debug, Clone, FromRow)]
pub struct RunRow {
    pub run_id: i64,
    pub repo_id: i64,
    pub run_number: i64,
    pub workflow_name: String,
    pub head_branch: String,
    pub head_sha: String,
    pub event: String,
    pub created_at: i64,
}

/// A job as stored; `labels` is a JSON array of names.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct JobRow {
    pub job_id: i64,
    pub run_id: i64,
    pub name: String,
    pub labels: String,
    pub runner_group: Option<String>,
    pub duration_ms: Option<i64>,
    pub planned_conclusion: String,
    pub status: String,
    pub conclusion: Option<String>,
    pub runner_id: Option<i64>,
    pub runner_name: Option<String>,
    pub runner_group_id: Option<i64>,
    pub runner_group_name: Option<String>,
    pub created_at: i64,
    pub started_at: i64,
    pub completed_at: Option<i64>,
}

/// Every run, in id order.
#[tracing::instrument(skip_all)]
pub async fn all_runs(db: impl SqliteExecutor<'_>) -> Result<Vec<RunRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT run_id, repo_id, run_number, workflow_name, head_branch, head_sha, event,
                created_at
           FROM workflow_run ORDER BY run_id",
    )
    .fetch_all(db)
    .await
}

/// Every job, in id order.
#[tracing::instrument(skip_all)]
pub async fn all_jobs(db: impl SqliteExecutor<'_>) -> Result<Vec<JobRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT job_id, run_id, name, labels, runner_group, duration_ms, planned_conclusion,
                status, conclusion, runner_id, runner_name, runner_group_id, runner_group_name,
                created_at, started_at, completed_at
           FROM workflow_job ORDER BY job_id",
    )
    .fetch_all(db)
    .await
}

/// Stores a run, numbered after the repository's last one; returns its id
/// and number. Numbers grow with ids in a repository, so its last run is
/// found on the `(repo_id, run_id)` index, not by reading all its runs.
#[tracing::instrument(skip_all)]
pub async fn insert_run(
    conn: &mut SqliteConnection,
    run: &RunRow,
) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO workflow_run (repo_id, run_number, workflow_name, head_branch, head_sha,
                                   event, created_at)
         VALUES (?1, coalesce((SELECT run_number FROM workflow_run WHERE repo_id = ?1
                                ORDER BY run_id DESC LIMIT 1), 0) + 1,
                 ?2, ?3, ?4, ?5, ?6)
         RETURNING run_id, run_number",
    )
    .bind(run.repo_id)
    .bind(&run.workflow_name)
    .bind(&run.head_branch)
    .bind(&run.head_sha)
    .bind(&run.event)
    .bind(run.created_at)
    .fetch_one(conn)
    .await
}

/// Stores a run's jobs, [`super::ROWS_PER_STATEMENT`] to a statement;
/// returns their ids in the order given.
#[tracing::instrument(skip_all, fields(count = jobs.len()))]
pub async fn insert_jobs(
    conn: &mut SqliteConnection,
    jobs: &[JobRow],
) -> Result<Vec<i64>, sqlx::Error> {
    let mut ids = Vec::with_capacity(jobs.len());
    let mut parts = super::Parts::new(jobs);
    while let Some(part) = parts.next().await {
        let mut inserted: Vec<i64> = sqlx::query_scalar(
            "INSERT INTO workflow_job (run_id, name, labels, runner_group, duration_ms,
                                       planned_conclusion, status, created_at, started_at)
             SELECT j.value ->> 'run_id', j.value ->> 'name', j.value ->> 'labels',
                    j.value ->> 'runner_group', j.value ->> 'duration_ms',
                    j.value ->> 'planned_conclusion', 'queued', j.value ->> 'created_at',
                    j.value ->> 'created_at'
               FROM json_each(?1) j ORDER BY j.key
             RETURNING job_id",
        )
        .bind(part?)
        .fetch_all(&mut *conn)
        .await?;
        // RETURNING promises no order, but the rows are inserted in the
        // order of the array, each taking the next id.
        inserted.sort_unstable();
        ids.extend(inserted);
    }
    Ok(ids)
}

/// A runner taking a job.
#[derive(Debug, Clone, Serialize)]
pub struct Start {
    pub job_id: i64,
    pub runner_id: i64,
    pub runner_name: String,
    pub runner_group_id: i64,
    pub runner_group_name: String,
    pub started_at: i64,
}

/// Marks jobs in progress on their runners, [`super::ROWS_PER_STATEMENT`]
/// to a statement (the runners' `busy` is the caller's).
#[tracing::instrument(skip_all, fields(count = starts.len()))]
pub async fn start_all(conn: &mut SqliteConnection, starts: &[Start]) -> Result<(), sqlx::Error> {
    let mut parts = super::Parts::new(starts);
    while let Some(part) = parts.next().await {
        sqlx::query(
            "UPDATE workflow_job
                SET status = 'in_progress', runner_id = j.value ->> 'runner_id',
                    runner_name = j.value ->> 'runner_name',
                    runner_group_id = j.value ->> 'runner_group_id',
                    runner_group_name = j.value ->> 'runner_group_name',
                    started_at = j.value ->> 'started_at'
               FROM json_each(?1) j
              WHERE workflow_job.job_id = j.value ->> 'job_id'",
        )
        .bind(part?)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A job ending.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Completion<'a> {
    pub job_id: i64,
    pub conclusion: &'a str,
    pub completed_at: i64,
}

/// Marks jobs completed with their conclusions,
/// [`super::ROWS_PER_STATEMENT`] to a statement.
#[tracing::instrument(skip_all, fields(count = completions.len()))]
pub async fn complete_all(
    conn: &mut SqliteConnection,
    completions: &[Completion<'_>],
) -> Result<(), sqlx::Error> {
    let mut parts = super::Parts::new(completions);
    while let Some(part) = parts.next().await {
        sqlx::query(
            "UPDATE workflow_job
                SET status = 'completed', conclusion = j.value ->> 'conclusion',
                    completed_at = j.value ->> 'completed_at'
               FROM json_each(?1) j
              WHERE workflow_job.job_id = j.value ->> 'job_id'",
        )
        .bind(part?)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Deletes a run and its jobs.
#[tracing::instrument(skip_all)]
pub async fn delete_run(conn: &mut SqliteConnection, run_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM workflow_job WHERE run_id = ?1")
        .bind(run_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM workflow_run WHERE run_id = ?1")
        .bind(run_id)
        .execute(conn)
        .await?;
    Ok(())
}
