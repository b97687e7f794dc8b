//! What clients call before the runner endpoints: `/meta` (gh and octokit
//! probe it), the organization and repository (PyGithub fetches them before
//! calling runner methods) and `/rate_limit`.

use axum::Json;
use axum::extract::{Extension, State};
use serde_json::{Value, json};

use super::extract::{Captures, Origin};
use crate::app::AppState;
use crate::error::Error;
use crate::model::Scope;
use crate::service::{Principal, Resource};
pub(crate) use crate::shapes::{
    account, enterprise, node_id, organization, path_segment, repository,
};

// https://docs.github.com/enterprise-server@3.1/rest/reference/meta#get-github-meta-information
pub async fn get_meta(State(state): State<AppState>) -> Json<Value> {
    Json(json!({
        "verifiable_password_authentication": true,
        "installed_version": state.service.settings().ghes_version,
    }))
}

// https://docs.github.com/enterprise-server@3.1/rest/reference/rate-limit#get-rate-limit-status-for-the-authenticated-user
pub async fn get_rate_limit(
    State(state): State<AppState>,
    Extension(caller): Extension<super::github::Caller>,
) -> Json<Value> {
    let now = state.service.clock().now().timestamp();
    let limiter = state.service.rate_limiter();
    let core = limiter.peek(&caller.0, Resource::Core, now);
    let registration = limiter.peek(&caller.0, Resource::ActionsRunnerRegistration, now);
    Json(json!({
        "resources": {
            "core": core,
            "search": core,
            "graphql": core,
            "actions_runner_registration": registration,
        },
        "rate": core,
    }))
}

// https://docs.github.com/enterprise-server@3.1/rest/reference/orgs#get-an-organization
pub async fn get_org(
    State(state): State<AppState>,
    Origin(origin): Origin,
    Extension(principal): Extension<Principal>,
    Captures(org): Captures<String>,
) -> Result<Json<Value>, Error> {
    // An App signs in to its own endpoints only.
    if let Principal::App(_) = principal {
        return Err(Error::BadCredentials);
    }
    let row = state.service.scope(&Scope::Org(org)).await?;
    Ok(Json(organization(&origin, row.scope_id, &row.name)))
}

// https://docs.github.com/enterprise-server@3.1/rest/reference/repos#get-a-repository
pub async fn get_repo(
    State(state): State<AppState>,
    Origin(origin): Origin,
    Extension(principal): Extension<Principal>,
    Captures((owner, repo)): Captures<(String, String)>,
) -> Result<Json<Value>, Error> {
    let scope = Scope::Repo {
        owner: owner.clone(),
        repo,
    };
    // An installation sees only the repositories it reaches; an App signs in
    // to its own endpoints only.
    match &principal {
        Principal::App(_) => return Err(Error::BadCredentials),
        Principal::Installation(_) => {
            state
                .service
                .authorize(&principal, &scope, false)
                .or_else(|error| match error {
                    Error::NotAccessibleByIntegration => Ok(()),
                    other => Err(other),
                })?
        }
        _ => {}
    }
    let owner_row = state.service.scope(&Scope::Org(owner)).await?;
    let row = state.service.scope(&scope).await?;
    let mut body = repository(
        &origin,
        row.scope_id,
        (owner_row.scope_id, &owner_row.name),
        &row.name,
    );
    // GitHub tells an authenticated caller what it may do with the repository.
    if principal != Principal::Anonymous {
        body["permissions"] =
            json!({"admin": true, "maintain": true, "push": true, "triage": true, "pull": true});
    }
    Ok(Json(body))
}
