//! Workflow runs and their jobs. Reads are answered from memory; SQLite is
//! read here only to load it.

use sqlx::{FromRow, QueryBuilder, Sqlite, SqliteConnection, SqliteExecutor};

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
#[derive(Debug, Clone, FromRow)]
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

/// Stores a run's jobs, a statement for up to [`JOBS_PER_INSERT`] of them;
/// returns their ids in the order given.
#[tracing::instrument(skip_all)]
pub async fn insert_jobs(
    conn: &mut SqliteConnection,
    jobs: &[JobRow],
) -> Result<Vec<i64>, sqlx::Error> {
    let mut ids = Vec::with_capacity(jobs.len());
    for part in jobs.chunks(JOBS_PER_INSERT) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "INSERT INTO workflow_job (run_id, name, labels, runner_group, duration_ms,
                                       planned_conclusion, status, created_at, started_at) ",
        );
        query.push_values(part, |mut values, job| {
            values
                .push_bind(job.run_id)
                .push_bind(&job.name)
                .push_bind(&job.labels)
                .push_bind(&job.runner_group)
                .push_bind(job.duration_ms)
                .push_bind(&job.planned_conclusion)
                .push_bind("queued")
                .push_bind(job.created_at)
                .push_bind(job.created_at);
        });
        query.push(" RETURNING job_id");
        let mut part_ids: Vec<i64> = query.build_query_scalar().fetch_all(&mut *conn).await?;
        // RETURNING promises no order, but the rows are inserted in the
        // order of their VALUES, each taking the next id.
        part_ids.sort_unstable();
        ids.extend(part_ids);
    }
    Ok(ids)
}

/// How many jobs one `INSERT` stores.
const JOBS_PER_INSERT: usize = 50;

/// How many rows one `UPDATE` changes.
pub(crate) const ROWS_PER_STATEMENT: usize = 100;

/// A runner taking a job.
#[derive(Debug, Clone)]
pub struct Start {
    pub job_id: i64,
    pub runner_id: i64,
    pub runner_name: String,
    pub runner_group_id: i64,
    pub runner_group_name: String,
    pub started_at: i64,
}

/// Marks jobs in progress on their runners, many to a statement (the
/// runners' `busy` is the caller's).
#[tracing::instrument(skip_all)]
pub async fn start_all(conn: &mut SqliteConnection, starts: &[Start]) -> Result<(), sqlx::Error> {
    for part in starts.chunks(ROWS_PER_STATEMENT) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "UPDATE workflow_job
                SET status = 'in_progress', runner_id = v.column2, runner_name = v.column3,
                    runner_group_id = v.column4, runner_group_name = v.column5,
                    started_at = v.column6
               FROM (",
        );
        query.push_values(part, |mut values, start| {
            values
                .push_bind(start.job_id)
                .push_bind(start.runner_id)
                .push_bind(&start.runner_name)
                .push_bind(start.runner_group_id)
                .push_bind(&start.runner_group_name)
                .push_bind(start.started_at);
        });
        query.push(") AS v WHERE workflow_job.job_id = v.column1");
        query.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// A job ending.
#[derive(Debug, Clone, Copy)]
pub struct Completion<'a> {
    pub job_id: i64,
    pub conclusion: &'a str,
    pub completed_at: i64,
}

/// Marks jobs completed with their conclusions, many to a statement.
#[tracing::instrument(skip_all)]
pub async fn complete_all(
    conn: &mut SqliteConnection,
    completions: &[Completion<'_>],
) -> Result<(), sqlx::Error> {
    for part in completions.chunks(ROWS_PER_STATEMENT) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "UPDATE workflow_job
                SET status = 'completed', conclusion = v.column2, completed_at = v.column3
               FROM (",
        );
        query.push_values(part, |mut values, completion| {
            values
                .push_bind(completion.job_id)
                .push_bind(completion.conclusion)
                .push_bind(completion.completed_at);
        });
        query.push(") AS v WHERE workflow_job.job_id = v.column1");
        query.build().execute(&mut *conn).await?;
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
