//! Simulated workflow runs: queue them, and end a job early.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

use crate::api::{Captures, JsonBody, Origin};
use crate::app::AppState;
use crate::error::Error;
use crate::model::Conclusion;
use crate::service::NewRun;

#[derive(Deserialize)]
pub struct JobPath {
    job_id: i64,
}

#[derive(Deserialize)]
pub struct RunPath {
    run_id: i64,
}

/// `POST /_mock/runs`: queues a run; answers it with its jobs, as they are
/// once idle runners have taken what they can.
pub async fn queue(
    State(state): State<AppState>,
    Origin(origin): Origin,
    JsonBody(run): JsonBody<NewRun>,
) -> Result<Response, Error> {
    let run_id = state.service.queue_run(&run).await?;
    let json = state.service.run_with_jobs(run_id, &origin).await?;
    Ok((StatusCode::CREATED, json_body(json)).into_response())
}

/// `GET /_mock/runs/{id}`: a run of any repository, with its jobs.
pub async fn get_run(
    State(state): State<AppState>,
    Captures(path): Captures<RunPath>,
    Origin(origin): Origin,
) -> Result<Response, Error> {
    let json = state.service.run_with_jobs(path.run_id, &origin).await?;
    Ok(json_body(json))
}

/// JSON already written.
fn json_body(json: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], json).into_response()
}

/// `GET /_mock/jobs/{id}`: a job of any repository.
pub async fn get_job(
    State(state): State<AppState>,
    Captures(path): Captures<JobPath>,
    Origin(origin): Origin,
) -> Result<Json<Value>, Error> {
    Ok(Json(state.service.job_by_id(path.job_id, &origin)?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Completion {
    conclusion: Option<Conclusion>,
}

/// `POST /_mock/jobs/{id}/complete`: the job ends now, with a conclusion
/// (default `success`).
pub async fn complete(
    State(state): State<AppState>,
    Captures(path): Captures<JobPath>,
    Origin(origin): Origin,
    JsonBody(completion): JsonBody<Completion>,
) -> Result<Json<Value>, Error> {
    let conclusion = completion.conclusion.unwrap_or(Conclusion::Success);
    state
        .service
        .finish_job(path.job_id, Some(conclusion))
        .await?;
    Ok(Json(state.service.job_by_id(path.job_id, &origin)?))
}

/// `POST /_mock/jobs/{id}/cancel`: the job ends now, `cancelled`.
pub async fn cancel(
    State(state): State<AppState>,
    Captures(path): Captures<JobPath>,
    Origin(origin): Origin,
) -> Result<Json<Value>, Error> {
    state
        .service
        .finish_job(path.job_id, Some(Conclusion::Cancelled))
        .await?;
    Ok(Json(state.service.job_by_id(path.job_id, &origin)?))
}
