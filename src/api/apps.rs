//! The GitHub App operations: what an App does with a JWT it signed (see
//! itself, find and manage its installations, trade the JWT for an
//! installation token) and what an installation does with its token (list
//! its repositories, revoke the token).

use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::http::header::LINK;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::{Captures, JsonBody, Origin};
use super::meta::{account, enterprise, node_id, path_segment, repository};
use super::pagination::ListQuery;
use crate::app::AppState;
use crate::clock::format_ms;
use crate::error::Error;
use crate::model::{Page, Scope};
use crate::service::{
    AccountKind, AppEntry, Grant, InstallationEntry, PageRequest, Principal, TokenRequest,
    selection,
};
use crate::version::Feature;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app", get(get_authenticated_app))
        .route("/app/installations", get(list_installations))
        .route(
            "/app/installations/{installation_id}",
            get(get_installation).delete(delete_installation),
        )
        .route(
            "/app/installations/{installation_id}/access_tokens",
            post(create_installation_access_token),
        )
        .route("/orgs/{org}/installation", get(get_org_installation))
        .route(
            "/repos/{owner}/{repo}/installation",
            get(get_repo_installation),
        )
        .route("/users/{username}/installation", get(get_user_installation))
        .route(
            "/installation/repositories",
            get(list_repos_accessible_to_installation),
        )
        .route(
            "/installation/token",
            delete(revoke_installation_access_token),
        )
}

/// The App a request signed in as, with a JWT; anything else is GitHub's
/// 401 for a JWT it cannot read.
fn signed_in_app(principal: &Principal) -> Result<i64, Error> {
    match principal {
        Principal::App(app_id) => Ok(*app_id),
        Principal::Anonymous => Err(Error::RequiresAuthentication),
        _ => Err(Error::Unauthorized(
            "A JSON web token could not be decoded".to_owned(),
        )),
    }
}

/// The installation a request came from, with its token.
fn installation_caller(principal: &Principal) -> Result<&Grant, Error> {
    match principal {
        Principal::Installation(grant) => Ok(grant),
        Principal::Anonymous => Err(Error::RequiresAuthentication),
        _ => Err(Error::Forbidden(
            "You must authenticate with an installation access token in order to use this endpoint."
                .to_owned(),
        )),
    }
}

/// The administrator who owns the mock's Apps; no other account has id 0.
fn owner(origin: &str) -> Value {
    let mut owner = account(origin, 0, "ghes-admin", "User");
    owner["site_admin"] = json!(true);
    owner
}

/// An App as GitHub shows it (`integration`).
fn integration(origin: &str, app: &AppEntry, installations: Option<usize>) -> Value {
    let created = format_ms(app.created_at);
    let mut body = json!({
        "id": app.id,
        "slug": app.slug,
        "node_id": node_id("Integration", app.id),
        "client_id": app.client_id,
        "owner": owner(origin),
        "name": app.name,
        "description": "",
        "external_url": format!("{origin}/apps/{}", path_segment(&app.slug)),
        "html_url": format!("{origin}/apps/{}", path_segment(&app.slug)),
        "created_at": created,
        "updated_at": created,
        "permissions": app.permissions,
        "events": app.events,
    });
    if let Some(count) = installations {
        body["installations_count"] = json!(count);
    }
    body
}

/// An installation as GitHub shows it (`installation`).
fn installation_json(state: &AppState, origin: &str, installation: &InstallationEntry) -> Value {
    let service = &state.service;
    let (scope, account_id) = service
        .account_of(installation)
        .unwrap_or((Scope::Org(String::new()), installation.account_id));
    let login = scope.name();
    let (account_body, target_type) = match installation.account_kind {
        AccountKind::Org => (
            account(origin, account_id, &login, "Organization"),
            "Organization",
        ),
        AccountKind::User => (account(origin, account_id, &login, "User"), "User"),
        AccountKind::Enterprise => (enterprise(origin, account_id, &login), "Enterprise"),
    };
    let app_slug = service
        .app_view(installation.app_id)
        .map(|(app, _)| (app.slug, app.client_id))
        .unwrap_or_default();
    let created = format_ms(installation.created_at);
    let id = installation.id;
    let mut body = json!({
        "id": id,
        "account": account_body,
        "repository_selection": selection(installation.repository_ids.as_deref()),
        "access_tokens_url": format!("{origin}/api/v3/app/installations/{id}/access_tokens"),
        "repositories_url": format!("{origin}/api/v3/installation/repositories"),
        "html_url": match installation.account_kind {
            AccountKind::User => format!("{origin}/settings/installations/{id}"),
            _ => format!("{origin}/organizations/{}/settings/installations/{id}", path_segment(&login)),
        },
        "app_id": installation.app_id,
    });
    if service.has(Feature::InstallationClientId) {
        body["client_id"] = json!(app_slug.1);
    }
    let rest = json!({
        "target_id": account_id,
        "target_type": target_type,
        "permissions": installation.permissions,
        "events": installation.events,
        "created_at": created,
        "updated_at": created,
        "single_file_name": null,
        "has_multiple_single_files": false,
        "single_file_paths": [],
        "app_slug": app_slug.0,
        "suspended_by": null,
        "suspended_at": null,
    });
    if let (Some(body), Value::Object(rest)) = (body.as_object_mut(), rest) {
        body.extend(rest);
    }
    body
}

// https://docs.github.com/enterprise-server@3.22/rest/apps/apps#get-the-authenticated-app
async fn get_authenticated_app(
    State(state): State<AppState>,
    Origin(origin): Origin,
    Extension(principal): Extension<Principal>,
) -> Result<Json<Value>, Error> {
    let app_id = signed_in_app(&principal)?;
    let (app, installations) = state.service.app_view(app_id)?;
    Ok(Json(integration(&origin, &app, Some(installations))))
}

// https://docs.github.com/enterprise-server@3.22/rest/apps/apps#list-installations-for-the-authenticated-app
async fn list_installations(
    State(state): State<AppState>,
    Origin(origin): Origin,
    Extension(principal): Extension<Principal>,
    query: ListQuery,
) -> Result<Response, Error> {
    let app_id = signed_in_app(&principal)?;
    let all = state.service.installations(app_id);
    let page = page_of(&all, query.request);
    let body: Vec<Value> = page
        .items
        .iter()
        .map(|i| installation_json(&state, &origin, i))
        .collect();
    let link = query.link(&page).map(|link| [(LINK, link)]);
    Ok((link, Json(body)).into_response())
}

/// A page of a list already in hand.
fn page_of<T>(all: &[T], request: PageRequest) -> Page<&[T]> {
    let start = usize::try_from(request.offset()).map_or(all.len(), |o| o.min(all.len()));
    let end = start
        .saturating_add(request.per_page as usize)
        .min(all.len());
    Page {
        items: &all[start..end],
        total_count: all.len() as i64,
        page: request.page,
        per_page: request.per_page,
    }
}

#[derive(Deserialize)]
struct InstallationPath {
    installation_id: i64,
}

// https://docs.github.com/enterprise-server@3.22/rest/apps/apps#get-an-installation-for-the-authenticated-app
async fn get_installation(
    State(state): State<AppState>,
    Origin(origin): Origin,
    Extension(principal): Extension<Principal>,
    Captures(path): Captures<InstallationPath>,
) -> Result<Json<Value>, Error> {
    let app_id = signed_in_app(&principal)?;
    let installation = state.service.installation(app_id, path.installation_id)?;
    Ok(Json(installation_json(&state, &origin, &installation)))
}

// https://docs.github.com/enterprise-server@3.22/rest/apps/apps#delete-an-installation-for-the-authenticated-app
async fn delete_installation(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Captures(path): Captures<InstallationPath>,
) -> Result<StatusCode, Error> {
    let app_id = signed_in_app(&principal)?;
    state
        .service
        .delete_installation(app_id, path.installation_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// https://docs.github.com/enterprise-server@3.22/rest/apps/apps#create-an-installation-access-token-for-an-app
async fn create_installation_access_token(
    State(state): State<AppState>,
    Origin(origin): Origin,
    Extension(principal): Extension<Principal>,
    Captures(path): Captures<InstallationPath>,
    JsonBody(request): JsonBody<TokenRequest>,
) -> Result<(StatusCode, Json<Value>), Error> {
    let app_id = signed_in_app(&principal)?;
    let installation = state.service.installation(app_id, path.installation_id)?;
    let issued = state
        .service
        .create_installation_token(app_id, path.installation_id, request)
        .await?;
    let expires_at = chrono::DateTime::from_timestamp_millis(issued.expires_at)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let mut body = json!({
        "token": issued.token,
        "expires_at": expires_at,
        "permissions": issued.permissions,
        "repository_selection": if issued.repositories.is_some() { "selected" } else { "all" },
    });
    if let Some(repositories) = &issued.repositories {
        let owner = state.service.account_of(&installation);
        body["repositories"] = json!(
            repositories
                .iter()
                .map(|(id, scope)| repository_json(&origin, owner.as_ref(), *id, scope))
                .collect::<Vec<_>>()
        );
    }
    Ok((StatusCode::CREATED, Json(body)))
}

/// A repository of an installation's account, as GitHub shows it.
fn repository_json(origin: &str, owner: Option<&(Scope, i64)>, id: i64, scope: &Scope) -> Value {
    let (owner_login, owner_id) = owner
        .map(|(scope, id)| (scope.name(), *id))
        .unwrap_or_default();
    repository(origin, id, (owner_id, &owner_login), &scope.name())
}

// https://docs.github.com/enterprise-server@3.22/rest/apps/apps#get-an-organization-installation-for-the-authenticated-app
async fn get_org_installation(
    State(state): State<AppState>,
    Origin(origin): Origin,
    Extension(principal): Extension<Principal>,
    Captures(org): Captures<String>,
) -> Result<Json<Value>, Error> {
    installation_of(&state, &origin, &principal, &Scope::Org(org))
}

// https://docs.github.com/enterprise-server@3.22/rest/apps/apps#get-a-repository-installation-for-the-authenticated-app
async fn get_repo_installation(
    State(state): State<AppState>,
    Origin(origin): Origin,
    Extension(principal): Extension<Principal>,
    Captures((owner, repo)): Captures<(String, String)>,
) -> Result<Json<Value>, Error> {
    installation_of(&state, &origin, &principal, &Scope::Repo { owner, repo })
}

// https://docs.github.com/enterprise-server@3.22/rest/apps/apps#get-a-user-installation-for-the-authenticated-app
// GitHub answers it for organizations too, and App clients rely on that.
async fn get_user_installation(
    State(state): State<AppState>,
    Origin(origin): Origin,
    Extension(principal): Extension<Principal>,
    Captures(username): Captures<String>,
) -> Result<Json<Value>, Error> {
    installation_of(&state, &origin, &principal, &Scope::Org(username))
}

fn installation_of(
    state: &AppState,
    origin: &str,
    principal: &Principal,
    scope: &Scope,
) -> Result<Json<Value>, Error> {
    let app_id = signed_in_app(principal)?;
    let installation = state.service.installation_for(app_id, scope)?;
    Ok(Json(installation_json(state, origin, &installation)))
}

// https://docs.github.com/enterprise-server@3.22/rest/apps/installations#list-repositories-accessible-to-the-app-installation
async fn list_repos_accessible_to_installation(
    State(state): State<AppState>,
    Origin(origin): Origin,
    Extension(principal): Extension<Principal>,
    query: ListQuery,
) -> Result<Response, Error> {
    let grant = installation_caller(&principal)?;
    let all = state.service.repositories_of(grant);
    let page = page_of(&all, query.request);
    let owner = Some((Scope::Org(grant.account.clone()), grant.account_id));
    let repositories: Vec<Value> = page
        .items
        .iter()
        .map(|(id, scope)| repository_json(&origin, owner.as_ref(), *id, scope))
        .collect();
    let link = query.link(&page).map(|link| [(LINK, link)]);
    let body = json!({
        "total_count": page.total_count,
        "repositories": repositories,
        "repository_selection": selection(grant.repository_ids.as_deref()),
    });
    Ok((link, Json(body)).into_response())
}

// https://docs.github.com/enterprise-server@3.22/rest/apps/installations#revoke-an-installation-access-token
async fn revoke_installation_access_token(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(token): Extension<super::github::Credential>,
) -> Result<StatusCode, Error> {
    installation_caller(&principal)?;
    state.service.revoke_installation_token(&token.0).await?;
    Ok(StatusCode::NO_CONTENT)
}
