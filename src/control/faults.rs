//! Planned faults for the GitHub surface.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use crate::api::JsonBody;
use crate::app::AppState;
use crate::error::Error;
use crate::service::Fault;

/// `POST /_mock/faults`: the next `times` matching API requests fail or wait.
pub async fn add(
    State(state): State<AppState>,
    JsonBody(fault): JsonBody<Fault>,
) -> Result<(StatusCode, Json<Fault>), Error> {
    Ok((
        StatusCode::CREATED,
        Json(state.service.faults().add(fault)?),
    ))
}

/// `GET /_mock/faults`: the faults still to apply.
pub async fn list(State(state): State<AppState>) -> Json<Vec<Fault>> {
    Json(state.service.faults().list())
}

/// `DELETE /_mock/faults`.
pub async fn clear(State(state): State<AppState>) -> StatusCode {
    state.service.faults().clear();
    StatusCode::NO_CONTENT
}
