//! The thirteen runner group operations, written once and mounted under the
//! enterprise and organization prefixes. The two differ only in whom a
//! group serves: organizations (`/organizations`, `selected_organization_ids`)
//! or repositories (`/repositories`, `selected_repository_ids`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::LINK;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use super::extract::{GroupId, JsonBody, MemberId, Origin, RunnerId};
use super::meta::{organization, repository};
use super::pagination::ListQuery;
use crate::app::AppState;
use crate::error::{Error, FieldError};
use crate::model::{Scope, Visibility};
use crate::service::{GroupChange, GroupKind, GroupView, NewGroup};
use crate::version::Feature;

/// The runner group routes of an enterprise or an organization.
pub fn routes(kind: GroupKind) -> Router<AppState> {
    let members = match kind {
        GroupKind::Enterprise => "organizations",
        GroupKind::Org => "repositories",
    };
    let member = match kind {
        GroupKind::Enterprise => "{org_id}",
        GroupKind::Org => "{repository_id}",
    };
    Router::new()
        .route(
            "/",
            get(list_self_hosted_runner_groups).post(create_self_hosted_runner_group),
        )
        .route(
            "/{runner_group_id}",
            get(get_self_hosted_runner_group)
                .patch(update_self_hosted_runner_group)
                .delete(delete_self_hosted_runner_group),
        )
        .route(
            "/{runner_group_id}/runners",
            get(list_self_hosted_runners_in_group).put(set_self_hosted_runners_in_group),
        )
        .route(
            "/{runner_group_id}/runners/{runner_id}",
            put(add_self_hosted_runner_to_group).delete(remove_self_hosted_runner_from_group),
        )
        .route(
            &format!("/{{runner_group_id}}/{members}"),
            get(list_access_to_self_hosted_runner_group)
                .put(set_access_to_self_hosted_runner_group),
        )
        .route(
            &format!("/{{runner_group_id}}/{members}/{member}"),
            put(add_access_to_self_hosted_runner_group)
                .delete(remove_access_to_self_hosted_runner_group),
        )
}

/// `https://HOST/api/v3/orgs/octo-org/actions/runner-groups`, the base of a
/// group's URLs.
fn groups_url(origin: &str, scope: &Scope) -> String {
    format!("{origin}/api/v3/{scope}/actions/runner-groups")
}

/// A runner group as GitHub writes it (`runner-groups-enterprise` or
/// `runner-groups-org`), with the fields of the version presented.
fn group_json(state: &AppState, origin: &str, scope: &Scope, group: &GroupView) -> Value {
    let url = format!("{}/{}", groups_url(origin, scope), group.number);
    let mut body = Map::new();
    body.insert("id".into(), json!(group.number));
    body.insert("name".into(), json!(group.name));
    body.insert("visibility".into(), json!(group.visibility));
    body.insert("default".into(), json!(group.default));
    if group.visibility == Visibility::Selected {
        let (field, members) = match scope {
            Scope::Enterprise(_) => ("selected_organizations_url", "organizations"),
            _ => ("selected_repositories_url", "repositories"),
        };
        body.insert(field.into(), json!(format!("{url}/{members}")));
    }
    body.insert("runners_url".into(), json!(format!("{url}/runners")));
    if let Scope::Org(_) = scope {
        body.insert("inherited".into(), json!(group.inherited));
        if group.inherited {
            body.insert(
                "inherited_allows_public_repositories".into(),
                json!(group.allows_public_repositories),
            );
        }
    }
    body.insert(
        "allows_public_repositories".into(),
        json!(group.allows_public_repositories),
    );
    if state.service.has(Feature::WorkflowRestrictions) {
        body.insert(
            "restricted_to_workflows".into(),
            json!(group.restricted_to_workflows),
        );
        body.insert("selected_workflows".into(), json!(group.selected_workflows));
        // An enterprise's group is restricted by the enterprise.
        body.insert(
            "workflow_restrictions_read_only".into(),
            json!(group.inherited),
        );
    }
    Value::Object(body)
}

#[derive(Serialize)]
struct GroupList {
    total_count: i64,
    runner_groups: Vec<Value>,
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/self-hosted-runner-groups#list-self-hosted-runner-groups-for-an-organization
async fn list_self_hosted_runner_groups(
    State(state): State<AppState>,
    scope: Scope,
    Origin(origin): Origin,
    query: ListQuery,
) -> Result<Json<GroupList>, Error> {
    let visible_to = match scope {
        Scope::Enterprise(_) => query.param("visible_to_organization"),
        _ => query.param("visible_to_repository"),
    };
    let page = state
        .service
        .list_groups(&scope, query.request, visible_to)
        .await?;
    Ok(Json(GroupList {
        total_count: page.total_count,
        runner_groups: page
            .items
            .iter()
            .map(|group| group_json(&state, &origin, &scope, group))
            .collect(),
    }))
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/self-hosted-runner-groups#create-a-self-hosted-runner-group-for-an-organization
async fn create_self_hosted_runner_group(
    State(state): State<AppState>,
    scope: Scope,
    Origin(origin): Origin,
    JsonBody(new): JsonBody<NewGroup>,
) -> Result<(StatusCode, Json<Value>), Error> {
    let group = state.service.create_group(&scope, new).await?;
    let body = group_json(&state, &origin, &scope, &group);
    Ok((StatusCode::CREATED, Json(body)))
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/self-hosted-runner-groups#get-a-self-hosted-runner-group-for-an-organization
async fn get_self_hosted_runner_group(
    State(state): State<AppState>,
    scope: Scope,
    Origin(origin): Origin,
    GroupId(number): GroupId,
) -> Result<Json<Value>, Error> {
    let group = state.service.get_group(&scope, number).await?;
    Ok(Json(group_json(&state, &origin, &scope, &group)))
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/self-hosted-runner-groups#update-a-self-hosted-runner-group-for-an-organization
async fn update_self_hosted_runner_group(
    State(state): State<AppState>,
    scope: Scope,
    Origin(origin): Origin,
    GroupId(number): GroupId,
    JsonBody(change): JsonBody<GroupChange>,
) -> Result<Json<Value>, Error> {
    let group = state.service.update_group(&scope, number, change).await?;
    Ok(Json(group_json(&state, &origin, &scope, &group)))
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/self-hosted-runner-groups#delete-a-self-hosted-runner-group-from-an-organization
async fn delete_self_hosted_runner_group(
    State(state): State<AppState>,
    scope: Scope,
    GroupId(number): GroupId,
) -> Result<StatusCode, Error> {
    state.service.delete_group(&scope, number).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
struct RunnerList {
    total_count: i64,
    runners: Box<RawValue>,
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/self-hosted-runner-groups#list-self-hosted-runners-in-a-group-for-an-organization
async fn list_self_hosted_runners_in_group(
    State(state): State<AppState>,
    scope: Scope,
    GroupId(number): GroupId,
    query: ListQuery,
) -> Result<Response, Error> {
    let page = state
        .service
        .list_group_runners(&scope, number, query.request)
        .await?;
    let link = query.link(&page).map(|link| [(LINK, link)]);
    let body = RunnerList {
        total_count: page.total_count,
        runners: page.items,
    };
    Ok((link, Json(body)).into_response())
}

#[derive(Deserialize)]
struct RunnerIds {
    runners: Vec<i64>,
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/self-hosted-runner-groups#set-self-hosted-runners-in-a-group-for-an-organization
async fn set_self_hosted_runners_in_group(
    State(state): State<AppState>,
    scope: Scope,
    GroupId(number): GroupId,
    JsonBody(body): JsonBody<RunnerIds>,
) -> Result<StatusCode, Error> {
    state
        .service
        .set_group_runners(&scope, number, &body.runners)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/self-hosted-runner-groups#add-a-self-hosted-runner-to-a-group-for-an-organization
async fn add_self_hosted_runner_to_group(
    State(state): State<AppState>,
    scope: Scope,
    GroupId(number): GroupId,
    RunnerId(runner_id): RunnerId,
) -> Result<StatusCode, Error> {
    state
        .service
        .add_group_runner(&scope, number, runner_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/self-hosted-runner-groups#remove-a-self-hosted-runner-from-a-group-for-an-organization
async fn remove_self_hosted_runner_from_group(
    State(state): State<AppState>,
    scope: Scope,
    GroupId(number): GroupId,
    RunnerId(runner_id): RunnerId,
) -> Result<StatusCode, Error> {
    state
        .service
        .remove_group_runner(&scope, number, runner_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/self-hosted-runner-groups#list-repository-access-to-a-self-hosted-runner-group-in-an-organization
async fn list_access_to_self_hosted_runner_group(
    State(state): State<AppState>,
    scope: Scope,
    Origin(origin): Origin,
    GroupId(number): GroupId,
    query: ListQuery,
) -> Result<Json<Value>, Error> {
    let page = state
        .service
        .list_group_access(&scope, number, query.request)
        .await?;
    let access = page.items;
    let members: Vec<Value> = access
        .members
        .iter()
        .map(|(id, member)| match (member, &access.owner) {
            (Scope::Repo { .. }, Some(owner)) => {
                repository(&origin, *id, (owner.0, &owner.1), &member.name())
            }
            _ => organization(&origin, *id, &member.name()),
        })
        .collect();
    let field = match scope {
        Scope::Enterprise(_) => "organizations",
        _ => "repositories",
    };
    Ok(Json(
        json!({"total_count": page.total_count, field: members}),
    ))
}

/// The body of "set … access": the ids of the organizations or
/// repositories, under the name of the group's kind.
#[derive(Deserialize)]
struct AccessIds {
    selected_organization_ids: Option<Vec<i64>>,
    selected_repository_ids: Option<Vec<i64>>,
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/self-hosted-runner-groups#set-repository-access-for-a-self-hosted-runner-group-in-an-organization
async fn set_access_to_self_hosted_runner_group(
    State(state): State<AppState>,
    scope: Scope,
    GroupId(number): GroupId,
    JsonBody(body): JsonBody<AccessIds>,
) -> Result<StatusCode, Error> {
    let (field, ids) = match scope {
        Scope::Enterprise(_) => ("selected_organization_ids", body.selected_organization_ids),
        _ => ("selected_repository_ids", body.selected_repository_ids),
    };
    let ids = ids.ok_or_else(|| {
        Error::Validation(vec![
            FieldError::new("Request", field, "missing_field")
                .with_message(format!("missing field `{field}`")),
        ])
    })?;
    state.service.set_group_access(&scope, number, ids).await?;
    Ok(StatusCode::NO_CONTENT)
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/self-hosted-runner-groups#add-repository-access-to-a-self-hosted-runner-group-in-an-organization
async fn add_access_to_self_hosted_runner_group(
    State(state): State<AppState>,
    scope: Scope,
    GroupId(number): GroupId,
    MemberId(member): MemberId,
) -> Result<StatusCode, Error> {
    state
        .service
        .add_group_access(&scope, number, member)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// https://docs.github.com/enterprise-server@3.22/rest/actions/self-hosted-runner-groups#remove-repository-access-to-a-self-hosted-runner-group-in-an-organization
async fn remove_access_to_self_hosted_runner_group(
    State(state): State<AppState>,
    scope: Scope,
    GroupId(number): GroupId,
    MemberId(member): MemberId,
) -> Result<StatusCode, Error> {
    state
        .service
        .remove_group_access(&scope, number, member)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
