//! Organizations: which enterprise each belongs to.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::Value;

use crate::api::{Captures, JsonBody, Origin, organization};
use crate::app::AppState;
use crate::error::Error;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Membership {
    /// The enterprise's slug; `null` for none.
    enterprise: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct OrgPath {
    org: String,
}

/// `PUT /_mock/orgs/{org}`: the organization joins an enterprise (or, with
/// `null`, leaves its own); answers the organization as GitHub shows it.
pub async fn set(
    State(state): State<AppState>,
    Origin(origin): Origin,
    Captures(OrgPath { org }): Captures<OrgPath>,
    JsonBody(membership): JsonBody<Membership>,
) -> Result<Json<Value>, Error> {
    let row = state
        .service
        .set_org_enterprise(&org, membership.enterprise.as_deref())
        .await?;
    Ok(Json(organization(&origin, row.scope_id, &row.name)))
}
