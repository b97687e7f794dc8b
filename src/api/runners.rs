//! The self-hosted runner operations, written once and mounted under the
//! enterprise, organization and repository prefixes: the six of GHES 3.1,
//! and those later versions added (labels, JIT configuration).

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::LINK;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::extract::{Captures, JsonBody, Origin, RunnerId, UnusedBody};
use super::pagination::ListQuery;
use crate::app::AppState;
use crate::error::Error;
use crate::model::{Label, Runner, RunnerApplication, Scope, Token, TokenKind};
use crate::service::{JitConfig, JitRequest, LabelChange};
use crate::version::{Feature, GhesVersion};

/// The runner routes of a version: a route it lacks answers as any unknown
/// route does.
pub fn routes(version: GhesVersion) -> Router<AppState> {
    let mut routes = Router::new()
        .route("/", get(list_self_hosted_runners))
        // Static segments win over the `{runner_id}` capture.
        .route("/downloads", get(list_runner_applications))
        .route("/registration-token", post(create_registration_token))
        .route("/remove-token", post(create_remove_token))
        .route(
            "/{runner_id}",
            get(get_self_hosted_runner).delete(delete_self_hosted_runner),
        );
    if version.has(Feature::RunnerLabels) {
        routes = routes
            .route(
                "/{runner_id}/labels",
                get(list_labels_for_self_hosted_runner)
                    .post(add_custom_labels_to_self_hosted_runner)
                    .put(set_custom_labels_for_self_hosted_runner)
                    .delete(remove_all_custom_labels_from_self_hosted_runner),
            )
            .route(
                "/{runner_id}/labels/{name}",
                delete(remove_custom_label_from_self_hosted_runner),
            );
    }
    if version.has(Feature::JitConfig) {
        routes = routes.route("/generate-jitconfig", post(generate_runner_jitconfig));
    }
    routes
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
    let page = state
        .service
        .list_runners(&scope, query.request, query.param("name"))
        .await?;
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

/// `{total_count, labels}`, as every label operation answers.
#[derive(Serialize)]
struct LabelList {
    total_count: usize,
    labels: Vec<Label>,
}

impl From<Vec<Label>> for LabelList {
    fn from(labels: Vec<Label>) -> Self {
        LabelList {
            total_count: labels.len(),
            labels,
        }
    }
}

/// The body of the add and set label operations.
#[derive(Deserialize)]
struct Labels {
    labels: Vec<String>,
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/self-hosted-runners#list-labels-for-a-self-hosted-runner-for-an-organization
async fn list_labels_for_self_hosted_runner(
    State(state): State<AppState>,
    scope: Scope,
    RunnerId(runner_id): RunnerId,
) -> Result<Json<LabelList>, Error> {
    let labels = state.service.list_labels(&scope, runner_id).await?;
    Ok(Json(labels.into()))
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/self-hosted-runners#add-custom-labels-to-a-self-hosted-runner-for-an-organization
async fn add_custom_labels_to_self_hosted_runner(
    State(state): State<AppState>,
    scope: Scope,
    RunnerId(runner_id): RunnerId,
    JsonBody(body): JsonBody<Labels>,
) -> Result<Json<LabelList>, Error> {
    let change = LabelChange::Add(body.labels);
    let labels = state
        .service
        .change_labels(&scope, runner_id, change)
        .await?;
    Ok(Json(labels.into()))
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/self-hosted-runners#set-custom-labels-for-a-self-hosted-runner-for-an-organization
async fn set_custom_labels_for_self_hosted_runner(
    State(state): State<AppState>,
    scope: Scope,
    RunnerId(runner_id): RunnerId,
    JsonBody(body): JsonBody<Labels>,
) -> Result<Json<LabelList>, Error> {
    let change = LabelChange::Set(body.labels);
    let labels = state
        .service
        .change_labels(&scope, runner_id, change)
        .await?;
    Ok(Json(labels.into()))
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/self-hosted-runners#remove-all-custom-labels-from-a-self-hosted-runner-for-an-organization
async fn remove_all_custom_labels_from_self_hosted_runner(
    State(state): State<AppState>,
    scope: Scope,
    RunnerId(runner_id): RunnerId,
) -> Result<Json<LabelList>, Error> {
    let change = LabelChange::RemoveAll;
    let labels = state
        .service
        .change_labels(&scope, runner_id, change)
        .await?;
    Ok(Json(labels.into()))
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/self-hosted-runners#remove-a-custom-label-from-a-self-hosted-runner-for-an-organization
async fn remove_custom_label_from_self_hosted_runner(
    State(state): State<AppState>,
    scope: Scope,
    RunnerId(runner_id): RunnerId,
    Captures(LabelName { name }): Captures<LabelName>,
) -> Result<Json<LabelList>, Error> {
    let change = LabelChange::Remove(name);
    let labels = state
        .service
        .change_labels(&scope, runner_id, change)
        .await?;
    Ok(Json(labels.into()))
}

#[derive(Deserialize)]
struct LabelName {
    name: String,
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/self-hosted-runners#create-configuration-for-a-just-in-time-runner-for-an-organization
async fn generate_runner_jitconfig(
    State(state): State<AppState>,
    scope: Scope,
    Origin(origin): Origin,
    JsonBody(request): JsonBody<JitRequest>,
) -> Result<(StatusCode, Json<JitConfig>), Error> {
    let config = state
        .service
        .generate_jit_config(&scope, request, &origin)
        .await?;
    Ok((StatusCode::CREATED, Json(config)))
}
