//! GitHub Apps the mock hosts: create one, install it, sign in as it.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{Captures, JsonBody};
use crate::app::AppState;
use crate::error::Error;
use crate::service::{App, Installation, NewApp, NewInstallation};

#[derive(Debug, Deserialize)]
pub struct AppPath {
    app_id: i64,
}

/// `POST /_mock/apps`: a new App, with its private key when the mock made
/// it.
pub async fn create(
    State(state): State<AppState>,
    JsonBody(new): JsonBody<NewApp>,
) -> Result<(StatusCode, Json<App>), Error> {
    Ok((
        StatusCode::CREATED,
        Json(state.service.create_app(new).await?),
    ))
}

/// `GET /_mock/apps`: every App and installation.
pub async fn list(State(state): State<AppState>) -> Json<Value> {
    let apps = state.service.app_views();
    let installations = state.service.installation_views();
    Json(json!({"apps": apps, "installations": installations}))
}

/// `POST /_mock/apps/{app_id}/installations`: the App installed on an
/// account.
pub async fn install(
    State(state): State<AppState>,
    Captures(AppPath { app_id }): Captures<AppPath>,
    JsonBody(new): JsonBody<NewInstallation>,
) -> Result<(StatusCode, Json<Installation>), Error> {
    let installation = state.service.install_app(app_id, new).await?;
    Ok((StatusCode::CREATED, Json(installation)))
}

/// `POST /_mock/apps/{app_id}/jwt`: a JWT the App would sign now, valid for
/// nine minutes on the mock clock, for scripts that have no JWT library.
pub async fn jwt(
    State(state): State<AppState>,
    Captures(AppPath { app_id }): Captures<AppPath>,
) -> Result<Json<Value>, Error> {
    Ok(Json(json!({"jwt": state.service.app_jwt(app_id)?})))
}
