//! Every webhook delivery the mock made or holds: what a test asserts
//! against, dropped ones included.

use axum::Json;
use axum::extract::State;

use crate::api::Query;
use crate::app::AppState;
use crate::error::Error;
use crate::service::{Delivery, DeliveryQuery};

/// `GET /_mock/deliveries`: oldest first, with their payloads; filtered
/// by `hook_id`, `app_id`, `event` and `action`.
pub async fn list(
    State(state): State<AppState>,
    Query(query): Query<DeliveryQuery>,
) -> Result<Json<Vec<Delivery>>, Error> {
    Ok(Json(state.service.list_all_deliveries(&query).await?))
}
