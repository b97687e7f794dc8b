//! Workflow runs and jobs of a repository, as the simulator makes them:
//! what a runner manager polls instead of, or besides, its webhooks.

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::LINK;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::{Captures, Origin};
use super::pagination::ListQuery;
use super::scope::{ActionsAccess, Authorized};
use crate::app::AppState;
use crate::error::Error;
use crate::model::Page;
use crate::service::RunFilter;
use crate::version::{Feature, GhesVersion};

type Repo = Authorized<ActionsAccess>;

/// The run and job routes of the version presented.
pub fn routes(version: GhesVersion) -> Router<AppState> {
    const RUNS: &str = "/repos/{owner}/{repo}/actions/runs";
    let mut routes = Router::new()
        .route(RUNS, get(list_workflow_runs_for_repo))
        .route(
            &format!("{RUNS}/{{run_id}}"),
            get(get_workflow_run).delete(delete_workflow_run),
        )
        .route(
            &format!("{RUNS}/{{run_id}}/jobs"),
            get(list_jobs_for_workflow_run),
        )
        .route(
            "/repos/{owner}/{repo}/actions/jobs/{job_id}",
            get(get_job_for_workflow_run),
        );
    if version.has(Feature::RunAttempts) {
        routes = routes
            .route(
                &format!("{RUNS}/{{run_id}}/attempts/{{attempt_number}}"),
                get(get_workflow_run_attempt),
            )
            .route(
                &format!("{RUNS}/{{run_id}}/attempts/{{attempt_number}}/jobs"),
                get(list_jobs_for_workflow_run_attempt),
            );
    }
    routes
}

#[derive(Deserialize)]
struct RunPath {
    run_id: i64,
}

#[derive(Deserialize)]
struct AttemptPath {
    run_id: i64,
    attempt_number: i64,
}

#[derive(Deserialize)]
struct JobPath {
    job_id: i64,
}

/// A list answer with its `Link` header.
fn listed(query: &ListQuery, page: &Page<Vec<Value>>, key: &str) -> Response {
    let link = query.link(page).map(|link| [(LINK, link)]);
    let body = json!({"total_count": page.total_count, key: page.items});
    (link, Json(body)).into_response()
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/workflow-runs#list-workflow-runs-for-a-repository
async fn list_workflow_runs_for_repo(
    State(state): State<AppState>,
    Authorized(repo, _): Repo,
    Origin(origin): Origin,
    query: ListQuery,
) -> Result<Response, Error> {
    let text = |name: &str| query.param(name).map(str::to_owned);
    let filter = RunFilter {
        status: text("status"),
        branch: text("branch"),
        event: text("event"),
        head_sha: text("head_sha"),
        actor: text("actor"),
        check_suite_id: match query.param("check_suite_id") {
            None => None,
            Some(id) => Some(id.trim().parse().map_err(|_| {
                Error::invalid(
                    "WorkflowRun",
                    "check_suite_id",
                    format!("{id:?} is not an integer"),
                )
            })?),
        },
    };
    let page = state
        .service
        .list_runs(&repo, &filter, query.request, &origin)?;
    Ok(listed(&query, &page, "workflow_runs"))
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/workflow-runs#get-a-workflow-run
async fn get_workflow_run(
    State(state): State<AppState>,
    Authorized(repo, _): Repo,
    Captures(path): Captures<RunPath>,
    Origin(origin): Origin,
) -> Result<Json<Value>, Error> {
    Ok(Json(state.service.get_run(&repo, path.run_id, &origin)?))
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/workflow-runs#delete-a-workflow-run
async fn delete_workflow_run(
    State(state): State<AppState>,
    Authorized(repo, _): Repo,
    Captures(path): Captures<RunPath>,
) -> Result<StatusCode, Error> {
    state.service.delete_run(&repo, path.run_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/workflow-runs#get-a-workflow-run-attempt
async fn get_workflow_run_attempt(
    State(state): State<AppState>,
    Authorized(repo, _): Repo,
    Captures(path): Captures<AttemptPath>,
    Origin(origin): Origin,
) -> Result<Json<Value>, Error> {
    // Every simulated run has one attempt.
    if path.attempt_number != 1 {
        return Err(Error::NotFound);
    }
    Ok(Json(state.service.get_run(&repo, path.run_id, &origin)?))
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/workflow-jobs#list-jobs-for-a-workflow-run
async fn list_jobs_for_workflow_run(
    State(state): State<AppState>,
    Authorized(repo, _): Repo,
    Captures(path): Captures<RunPath>,
    Origin(origin): Origin,
    query: ListQuery,
) -> Result<Response, Error> {
    if let Some(filter) = query.param("filter")
        && filter != "latest"
        && filter != "all"
    {
        return Err(Error::invalid(
            "Job",
            "filter",
            format!("{filter:?} is not latest or all"),
        ));
    }
    let page = state
        .service
        .list_run_jobs(&repo, path.run_id, query.request, &origin)?;
    Ok(listed(&query, &page, "jobs"))
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/workflow-jobs#list-jobs-for-a-workflow-run-attempt
async fn list_jobs_for_workflow_run_attempt(
    State(state): State<AppState>,
    Authorized(repo, _): Repo,
    Captures(path): Captures<AttemptPath>,
    Origin(origin): Origin,
    query: ListQuery,
) -> Result<Response, Error> {
    if path.attempt_number != 1 {
        return Err(Error::NotFound);
    }
    let page = state
        .service
        .list_run_jobs(&repo, path.run_id, query.request, &origin)?;
    Ok(listed(&query, &page, "jobs"))
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/workflow-jobs#get-a-job-for-a-workflow-run
async fn get_job_for_workflow_run(
    State(state): State<AppState>,
    Authorized(repo, _): Repo,
    Captures(path): Captures<JobPath>,
    Origin(origin): Origin,
) -> Result<Json<Value>, Error> {
    Ok(Json(state.service.get_job(&repo, path.job_id, &origin)?))
}
