//! Planned faults: for the GitHub surface (`path_prefix`), and for webhook
//! deliveries (`delivery`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::Value;

use crate::api::{JsonBody, from_json};
use crate::app::AppState;
use crate::delivery::DeliveryFault;
use crate::error::Error;
use crate::service::Fault;

/// `POST /_mock/faults`: the next `times` matching API requests fail or
/// wait; with `delivery`, the next matching webhook deliveries are
/// dropped, duplicated, delayed or reordered.
pub async fn add(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<Value>,
) -> Result<(StatusCode, Json<Value>), Error> {
    let added = if body.get("delivery").is_some() {
        let fault: DeliveryFault = from_json(body)?;
        serde_json::to_value(state.service.delivery_faults().add(fault)?)
    } else {
        let fault: Fault = from_json(body)?;
        serde_json::to_value(state.service.faults().add(fault)?)
    };
    Ok((StatusCode::CREATED, Json(added.unwrap_or_default())))
}

/// `GET /_mock/faults`: the faults still to apply, API faults first.
pub async fn list(State(state): State<AppState>) -> Json<Vec<Value>> {
    let api = state
        .service
        .faults()
        .list()
        .into_iter()
        .map(serde_json::to_value);
    let deliveries = state
        .service
        .delivery_faults()
        .list()
        .into_iter()
        .map(serde_json::to_value);
    Json(api.chain(deliveries).filter_map(Result::ok).collect())
}

/// `DELETE /_mock/faults`: both kinds.
pub async fn clear(State(state): State<AppState>) -> StatusCode {
    state.service.faults().clear();
    state.service.delivery_faults().clear();
    StatusCode::NO_CONTENT
}
