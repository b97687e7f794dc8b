//! The six self-hosted runner operations, written once and mounted under the
//! enterprise, organization and repository prefixes.

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::LINK;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::value::RawValue;

use super::extract::{RunnerId, UnusedBody};
use super::pagination::ListQuery;
use crate::app::AppState;
use crate::error::Error;
use crate::model::{Runner, RunnerApplication, Scope, Token, TokenKind};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(list_self_hosted_runners))
        // Static segments win over the `{runner_id}` capture.
        .route("/downloads", get(list_runner_applications))
        .route("/registration-token", post(create_registration_token))
        .route("/remove-token", post(create_remove_token))
        .route(
            "/{runner_id}",
            get(get_self_hosted_runner).delete(delete_self_hosted_runner),
        )
}

#[derive(Serialize)]
struct RunnerList {
    total_count: i64,
    runners: Box<RawValue>,
}

// https://docs.github.com/enterprise-server@3.1/rest/reference/actions#list-self-hosted-runners-for-an-organization
async fn list_self_hosted_runners(
    State(state): State<AppState>,
    scope: Scope,
    query: ListQuery,
) -> Result<Response, Error> {
    let page = state.service.list_runners(&scope, query.request).await?;
    let link = query.link(&page).map(|link| [(LINK, link)]);
    let body = RunnerList {
        total_count: page.total_count,
        runners: page.items,
    };
    Ok((link, Json(body)).into_response())
}

// https://docs.github.com/enterprise-server@3.1/rest/reference/actions#list-runner-applications-for-an-organization
async fn list_runner_applications(
    State(state): State<AppState>,
    _scope: Scope,
) -> Json<Vec<RunnerApplication>> {
    Json(state.service.runner_applications())
}

// https://docs.github.com/enterprise-server@3.1/rest/reference/actions#create-a-registration-token-for-an-organization
async fn create_registration_token(
    State(state): State<AppState>,
    scope: Scope,
    _body: UnusedBody,
) -> Result<(StatusCode, Json<Token>), Error> {
    let token = state
        .service
        .create_token(&scope, TokenKind::Registration)
        .await?;
    Ok((StatusCode::CREATED, Json(token)))
}

// https://docs.github.com/enterprise-server@3.1/rest/reference/actions#create-a-remove-token-for-an-organization
async fn create_remove_token(
    State(state): State<AppState>,
    scope: Scope,
    _body: UnusedBody,
) -> Result<(StatusCode, Json<Token>), Error> {
    let token = state
        .service
        .create_token(&scope, TokenKind::Remove)
        .await?;
    Ok((StatusCode::CREATED, Json(token)))
}

// https://docs.github.com/enterprise-server@3.1/rest/reference/actions#get-a-self-hosted-runner-for-an-organization
async fn get_self_hosted_runner(
    State(state): State<AppState>,
    scope: Scope,
    RunnerId(runner_id): RunnerId,
) -> Result<Json<Runner>, Error> {
    Ok(Json(state.service.get_runner(&scope, runner_id).await?))
}

// https://docs.github.com/enterprise-server@3.1/rest/reference/actions#delete-a-self-hosted-runner-from-an-organization
async fn delete_self_hosted_runner(
    State(state): State<AppState>,
    scope: Scope,
    RunnerId(runner_id): RunnerId,
) -> Result<StatusCode, Error> {
    state.service.delete_runner(&scope, runner_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
