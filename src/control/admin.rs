//! Health, reset, state and clock.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::JsonBody;
use crate::api::Query;
use crate::app::AppState;
use crate::clock::format_ms;
use crate::error::Error;
use crate::service::{self, RequestFilter};

/// `GET /_mock/requests[?method=GET&path_prefix=/api/v3/orgs]`: the API
/// requests received, oldest first.
pub async fn requests(
    State(state): State<AppState>,
    Query(filter): Query<RequestFilter>,
) -> Json<Value> {
    let requests = state.service.requests().list(&filter);
    Json(json!({"total_count": requests.len(), "requests": requests}))
}

pub async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// Back to the seeded state.
pub async fn reset(State(state): State<AppState>) -> Result<StatusCode, Error> {
    state.service.reset().await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn state(State(state): State<AppState>) -> Result<Json<service::MockState>, Error> {
    Ok(Json(state.service.state().await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockRequest {
    offset_seconds: i64,
}

/// Sets the clock to wall time + `offset_seconds` (absolute).
pub async fn set_clock(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<ClockRequest>,
) -> Result<Json<Value>, Error> {
    let now = state.service.set_clock(request.offset_seconds).await?;
    Ok(Json(
        json!({"now": now, "offset_seconds": request.offset_seconds}),
    ))
}

pub async fn clock(State(state): State<AppState>) -> Json<Value> {
    let clock = state.service.clock();
    Json(json!({"now": format_ms(clock.now_ms()), "offset_seconds": clock.offset_seconds()}))
}
