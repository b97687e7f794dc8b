//! Webhooks over REST: a repository's and an organization's (with their
//! deliveries), and the appliance's global hooks under `/admin/hooks`,
//! written once and mounted three times.

use axum::extract::{FromRequestParts, OriginalUri, State};
use axum::http::StatusCode;
use axum::http::header::LINK;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::{Captures, JsonBody, Origin, UnusedBody};
use super::pagination::ListQuery;
use super::scope::{Authorized, HooksAccess};
use crate::app::AppState;
use crate::error::Error;
use crate::model::Scope;
use crate::service::{DeliveryFilter, HookConfig, HookOwner, HookUpdate, Need, NewHook, Principal};
use crate::version::{Feature, GhesVersion};

/// The hook routes of the version presented.
pub fn routes(version: GhesVersion) -> Router<AppState> {
    let repo = "/repos/{owner}/{repo}/hooks";
    let org = "/orgs/{org}/hooks";
    let mut routes = Router::new();
    for base in [repo, org, "/admin/hooks"] {
        routes = routes
            .route(base, get(list_webhooks).post(create_webhook))
            .route(
                &format!("{base}/{{hook_id}}"),
                get(get_webhook)
                    .patch(update_webhook)
                    .delete(delete_webhook),
            )
            .route(&format!("{base}/{{hook_id}}/pings"), post(ping_webhook));
    }
    for base in [repo, org] {
        routes = routes.route(
            &format!("{base}/{{hook_id}}/config"),
            get(get_webhook_config).patch(update_webhook_config),
        );
        if version.has(Feature::HookDeliveries) {
            routes = routes
                .route(
                    &format!("{base}/{{hook_id}}/deliveries"),
                    get(list_webhook_deliveries),
                )
                .route(
                    &format!("{base}/{{hook_id}}/deliveries/{{delivery_id}}"),
                    get(get_webhook_delivery),
                )
                .route(
                    &format!("{base}/{{hook_id}}/deliveries/{{delivery_id}}/attempts"),
                    post(redeliver_webhook_delivery),
                );
        }
    }
    routes.route(
        &format!("{repo}/{{hook_id}}/tests"),
        post(test_push_webhook),
    )
}

/// The repository, organization or appliance a hook route was called for,
/// once the caller may use its hooks.
struct Owner(HookOwner);

impl FromRequestParts<AppState> for Owner {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let global = parts.uri.path().starts_with("/admin/")
            || parts
                .extensions
                .get::<OriginalUri>()
                .is_some_and(|uri| uri.0.path().starts_with("/api/v3/admin/"));
        if global {
            let principal = parts
                .extensions
                .get::<Principal>()
                .unwrap_or(&Principal::Anonymous);
            // The scope is not looked at for a site administrator's need.
            let appliance = Scope::Enterprise(String::new());
            state
                .service
                .authorize_for(principal, &appliance, Need::SiteAdmin)?;
            return Ok(Owner(HookOwner::Global));
        }
        let Authorized(scope, _) =
            Authorized::<HooksAccess>::from_request_parts(parts, state).await?;
        Ok(Owner(HookOwner::Scope(scope)))
    }
}

#[derive(Deserialize)]
struct HookPath {
    hook_id: i64,
}

#[derive(Deserialize)]
struct DeliveryPath {
    hook_id: i64,
    delivery_id: i64,
}

// https://docs.github.com/enterprise-server@3.22/rest/repos/webhooks#list-repository-webhooks
async fn list_webhooks(
    State(state): State<AppState>,
    Owner(owner): Owner,
    Origin(origin): Origin,
    query: ListQuery,
) -> Response {
    let page = state.service.list_hooks(&owner, query.request, &origin);
    let link = query.link(&page).map(|link| [(LINK, link)]);
    (link, Json(page.items)).into_response()
}

// https://docs.github.com/enterprise-server@3.22/rest/repos/webhooks#create-a-repository-webhook
async fn create_webhook(
    State(state): State<AppState>,
    Owner(owner): Owner,
    Origin(origin): Origin,
    JsonBody(new): JsonBody<Option<NewHook>>,
) -> Result<Response, Error> {
    let hook = state
        .service
        .create_hook(&owner, new.unwrap_or_default(), &origin)
        .await?;
    let location = hook["url"].as_str().unwrap_or_default().to_owned();
    Ok((
        StatusCode::CREATED,
        [(axum::http::header::LOCATION, location)],
        Json(hook),
    )
        .into_response())
}

// https://docs.github.com/enterprise-server@3.22/rest/repos/webhooks#get-a-repository-webhook
async fn get_webhook(
    State(state): State<AppState>,
    Owner(owner): Owner,
    Captures(path): Captures<HookPath>,
    Origin(origin): Origin,
) -> Result<Json<Value>, Error> {
    Ok(Json(state.service.get_hook(
        &owner,
        path.hook_id,
        &origin,
    )?))
}

// https://docs.github.com/enterprise-server@3.22/rest/repos/webhooks#update-a-repository-webhook
async fn update_webhook(
    State(state): State<AppState>,
    Owner(owner): Owner,
    Captures(path): Captures<HookPath>,
    Origin(origin): Origin,
    JsonBody(update): JsonBody<HookUpdate>,
) -> Result<Json<Value>, Error> {
    let hook = state
        .service
        .update_hook(&owner, path.hook_id, update, &origin)
        .await?;
    Ok(Json(hook))
}

// https://docs.github.com/enterprise-server@3.22/rest/repos/webhooks#delete-a-repository-webhook
async fn delete_webhook(
    State(state): State<AppState>,
    Owner(owner): Owner,
    Captures(path): Captures<HookPath>,
) -> Result<StatusCode, Error> {
    state.service.delete_hook(&owner, path.hook_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// https://docs.github.com/enterprise-server@3.22/rest/repos/webhooks#get-a-webhook-configuration-for-a-repository
async fn get_webhook_config(
    State(state): State<AppState>,
    Owner(owner): Owner,
    Captures(path): Captures<HookPath>,
) -> Result<Json<Value>, Error> {
    Ok(Json(state.service.hook_config(&owner, path.hook_id)?))
}

// https://docs.github.com/enterprise-server@3.22/rest/repos/webhooks#update-a-webhook-configuration-for-a-repository
async fn update_webhook_config(
    State(state): State<AppState>,
    Owner(owner): Owner,
    Captures(path): Captures<HookPath>,
    JsonBody(config): JsonBody<HookConfig>,
) -> Result<Json<Value>, Error> {
    let config = state
        .service
        .update_hook_config(&owner, path.hook_id, config)
        .await?;
    Ok(Json(config))
}

// https://docs.github.com/enterprise-server@3.22/rest/repos/webhooks#ping-a-repository-webhook
async fn ping_webhook(
    State(state): State<AppState>,
    Owner(owner): Owner,
    Captures(path): Captures<HookPath>,
    _: UnusedBody,
) -> Result<StatusCode, Error> {
    state.service.ping_hook(&owner, path.hook_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// https://docs.github.com/enterprise-server@3.22/rest/repos/webhooks#test-the-push-repository-webhook
async fn test_push_webhook(
    State(state): State<AppState>,
    Owner(owner): Owner,
    Captures(path): Captures<HookPath>,
    _: UnusedBody,
) -> Result<StatusCode, Error> {
    state.service.test_hook(&owner, path.hook_id)?;
    Ok(StatusCode::NO_CONTENT)
}

// https://docs.github.com/enterprise-server@3.22/rest/repos/webhooks#list-deliveries-for-a-repository-webhook
async fn list_webhook_deliveries(
    State(state): State<AppState>,
    Owner(owner): Owner,
    Captures(path): Captures<HookPath>,
    query: ListQuery,
) -> Result<Response, Error> {
    let text = |name: &str| query.param(name).map(str::to_owned);
    let per_page = match query.param("per_page") {
        None => None,
        Some(n) => Some(n.trim().parse::<i64>().map_err(|_| {
            Error::invalid("Delivery", "per_page", format!("{n:?} is not an integer"))
        })?),
    };
    let filter = DeliveryFilter {
        per_page,
        cursor: text("cursor"),
        status: text("status"),
        redelivery: text("redelivery"),
    };
    let page = state
        .service
        .list_deliveries(&owner, path.hook_id, &filter)
        .await?;
    let link = page.next_cursor.map(|cursor| {
        let next = query.url_with("cursor", &cursor);
        [(LINK, format!("<{next}>; rel=\"next\""))]
    });
    Ok((link, Json(page.items)).into_response())
}

// https://docs.github.com/enterprise-server@3.22/rest/repos/webhooks#get-a-delivery-for-a-repository-webhook
async fn get_webhook_delivery(
    State(state): State<AppState>,
    Owner(owner): Owner,
    Captures(path): Captures<DeliveryPath>,
) -> Result<Json<Value>, Error> {
    let delivery = state
        .service
        .get_delivery(&owner, path.hook_id, path.delivery_id)
        .await?;
    Ok(Json(delivery))
}

// https://docs.github.com/enterprise-server@3.22/rest/repos/webhooks#redeliver-a-delivery-for-a-repository-webhook
async fn redeliver_webhook_delivery(
    State(state): State<AppState>,
    Owner(owner): Owner,
    Captures(path): Captures<DeliveryPath>,
    _: UnusedBody,
) -> Result<(StatusCode, Json<Value>), Error> {
    state
        .service
        .redeliver(&owner, path.hook_id, path.delivery_id)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(json!({}))))
}
