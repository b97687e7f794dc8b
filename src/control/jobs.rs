//! Simulated workflow runs: queue them, and end a job early.

use std::convert::Infallible;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
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

/// An answer is written to the socket this many bytes at a time.
const ANSWER_SLICE: usize = 16 * 1024;

/// JSON already written, sent [`ANSWER_SLICE`] bytes at a time with a yield
/// between: a run of a thousand jobs is half a megabyte, and writing it to a
/// socket at once keeps the server's core for milliseconds.
fn json_body(json: Vec<u8>) -> Response {
    let length = HeaderValue::from(json.len());
    let slices =
        futures_util::stream::unfold((Bytes::from(json), true), |(mut rest, first)| async move {
            if rest.is_empty() {
                return None;
            }
            if !first {
                tokio::task::yield_now().await;
            }
            let slice = rest.split_to(rest.len().min(ANSWER_SLICE));
            Some((Ok::<_, Infallible>(slice), (rest, false)))
        });
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::CONTENT_LENGTH, length),
        ],
        Body::from_stream(slices),
    )
        .into_response()
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
