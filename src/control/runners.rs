//! Simulated runners: register, change state, remove.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use crate::api::{JsonBody, RunnerId};
use crate::app::AppState;
use crate::error::Error;
use crate::model::Runner;
use crate::service::{JitStart, Registration, Removal, RunnerUpdate};

/// `POST /_mock/runners`: a runner registers with a registration token.
pub async fn register(
    State(state): State<AppState>,
    JsonBody(registration): JsonBody<Registration>,
) -> Result<(StatusCode, Json<Runner>), Error> {
    let runner = state.service.register_runner(registration).await?;
    Ok((StatusCode::CREATED, Json(runner)))
}

/// `PATCH /_mock/runners/{id}`: the runner goes offline or picks up a job.
pub async fn update(
    State(state): State<AppState>,
    RunnerId(runner_id): RunnerId,
    JsonBody(update): JsonBody<RunnerUpdate>,
) -> Result<Json<Runner>, Error> {
    Ok(Json(state.service.update_runner(runner_id, update).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoveRequest {
    token: String,
}

/// `POST /_mock/runners/{id}/remove`: the runner removes itself with a
/// remove token.
pub async fn remove(
    State(state): State<AppState>,
    RunnerId(runner_id): RunnerId,
    JsonBody(request): JsonBody<RemoveRequest>,
) -> Result<StatusCode, Error> {
    state
        .service
        .remove_runner(runner_id, &request.token)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /_mock/runners/remove`: the runner of that name removes itself with
/// a remove token of its scope.
pub async fn remove_by_name(
    State(state): State<AppState>,
    JsonBody(removal): JsonBody<Removal>,
) -> Result<StatusCode, Error> {
    state.service.remove_runner_by_name(removal).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /_mock/runners/jit`: the runner of a JIT configuration starts, as
/// `run.sh --jitconfig` would: online, once.
pub async fn start_jit(
    State(state): State<AppState>,
    JsonBody(start): JsonBody<JitStart>,
) -> Result<Json<Runner>, Error> {
    Ok(Json(state.service.start_jit_runner(start).await?))
}
