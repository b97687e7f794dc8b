//! What clients call before the runner endpoints: `/meta` (gh and octokit
//! probe it), the organization and repository (PyGithub fetches them before
//! calling runner methods) and `/rate_limit`.

use axum::Json;
use axum::extract::{Extension, State};
use serde_json::{Value, json};

use super::extract::{Captures, Origin};
use crate::app::AppState;
use crate::clock::format_ms;
use crate::error::Error;
use crate::model::Scope;
use crate::service::{Principal, Resource};

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

/// A repository as GitHub shows it: `full_name` is `owner/name` (the part
/// after the slash is taken), the owner spelled as the owner was first
/// seen, everywhere in the body.
pub(super) fn repository(
    origin: &str,
    id: i64,
    (owner_id, owner): (i64, &str),
    full_name: &str,
) -> Value {
    let name = full_name
        .split_once('/')
        .map_or(full_name, |(_, name)| name);
    let created = format_ms(0);
    let path = format!("{}/{}", path_segment(owner), path_segment(name));
    let api = format!("{origin}/api/v3/repos/{path}");
    let html = format!("{origin}/{path}");
    let mut body = json!({
        "id": id,
        "node_id": node_id("Repository", id),
        "name": name,
        "full_name": format!("{owner}/{name}"),
        "private": true,
        "owner": user(origin, owner_id, owner),
        "html_url": html,
        "description": null,
        "fork": false,
        "url": api,
        "homepage": null,
        "language": null,
        "forks": 0, "forks_count": 0,
        "stargazers_count": 0, "watchers": 0, "watchers_count": 0,
        "size": 0,
        "default_branch": "main",
        "open_issues": 0, "open_issues_count": 0,
        "has_issues": true, "has_projects": true, "has_wiki": true, "has_pages": false,
        "has_downloads": true,
        "archived": false, "disabled": false,
        "visibility": "private",
        "mirror_url": null,
        "license": null,
        "pushed_at": created, "created_at": created, "updated_at": created,
        "clone_url": format!("{html}.git"),
        "git_url": format!("{html}.git").replacen("http", "git", 1),
        "ssh_url": format!("git@{}:{path}.git", host_of(origin)),
        "svn_url": html,
    });
    for (field, path) in REPOSITORY_URLS {
        body[*field] = Value::String(format!("{api}{path}"));
    }
    body
}

/// The `*_url` fields of a repository, relative to its API URL.
const REPOSITORY_URLS: &[(&str, &str)] = &[
    ("archive_url", "/{archive_format}{/ref}"),
    ("assignees_url", "/assignees{/user}"),
    ("blobs_url", "/git/blobs{/sha}"),
    ("branches_url", "/branches{/branch}"),
    ("collaborators_url", "/collaborators{/collaborator}"),
    ("comments_url", "/comments{/number}"),
    ("commits_url", "/commits{/sha}"),
    ("compare_url", "/compare/{base}...{head}"),
    ("contents_url", "/contents/{+path}"),
    ("contributors_url", "/contributors"),
    ("deployments_url", "/deployments"),
    ("downloads_url", "/downloads"),
    ("events_url", "/events"),
    ("forks_url", "/forks"),
    ("git_commits_url", "/git/commits{/sha}"),
    ("git_refs_url", "/git/refs{/sha}"),
    ("git_tags_url", "/git/tags{/sha}"),
    ("hooks_url", "/hooks"),
    ("issue_comment_url", "/issues/comments{/number}"),
    ("issue_events_url", "/issues/events{/number}"),
    ("issues_url", "/issues{/number}"),
    ("keys_url", "/keys{/key_id}"),
    ("labels_url", "/labels{/name}"),
    ("languages_url", "/languages"),
    ("merges_url", "/merges"),
    ("milestones_url", "/milestones{/number}"),
    (
        "notifications_url",
        "/notifications{?since,all,participating}",
    ),
    ("pulls_url", "/pulls{/number}"),
    ("releases_url", "/releases{/id}"),
    ("stargazers_url", "/stargazers"),
    ("statuses_url", "/statuses/{sha}"),
    ("subscribers_url", "/subscribers"),
    ("subscription_url", "/subscription"),
    ("tags_url", "/tags"),
    ("teams_url", "/teams"),
    ("trees_url", "/git/trees{/sha}"),
];

/// An organization as GitHub shows it (`organization-simple` and more).
pub(crate) fn organization(origin: &str, id: i64, login: &str) -> Value {
    let segment = path_segment(login);
    let api = format!("{origin}/api/v3/orgs/{segment}");
    json!({
        "login": login,
        "id": id,
        "node_id": node_id("Organization", id),
        "url": api,
        "repos_url": format!("{api}/repos"),
        "events_url": format!("{api}/events"),
        "hooks_url": format!("{api}/hooks"),
        "issues_url": format!("{api}/issues"),
        "members_url": format!("{api}/members{{/member}}"),
        "public_members_url": format!("{api}/public_members{{/member}}"),
        "avatar_url": format!("{origin}/avatars/u/{id}"),
        "description": null,
        "html_url": format!("{origin}/{segment}"),
        "type": "Organization",
        "created_at": format_ms(0),
        "updated_at": format_ms(0),
    })
}

/// An account as a `simple-user`: an organization's owner of repositories,
/// or, with `kind` `User`, a user.
pub(super) fn account(origin: &str, id: i64, login: &str, kind: &str) -> Value {
    let mut body = user(origin, id, login);
    body["node_id"] = Value::String(node_id(kind, id));
    body["type"] = Value::String(kind.to_owned());
    body
}

fn user(origin: &str, id: i64, login: &str) -> Value {
    let segment = path_segment(login);
    let api = format!("{origin}/api/v3/users/{segment}");
    json!({
        "login": login,
        "id": id,
        "node_id": node_id("Organization", id),
        "avatar_url": format!("{origin}/avatars/u/{id}"),
        "gravatar_id": "",
        "url": api,
        "html_url": format!("{origin}/{segment}"),
        "followers_url": format!("{api}/followers"),
        "following_url": format!("{api}/following{{/other_user}}"),
        "gists_url": format!("{api}/gists{{/gist_id}}"),
        "starred_url": format!("{api}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{api}/subscriptions"),
        "organizations_url": format!("{api}/orgs"),
        "repos_url": format!("{api}/repos"),
        "events_url": format!("{api}/events{{/privacy}}"),
        "received_events_url": format!("{api}/received_events"),
        "type": "Organization",
        "site_admin": false,
    })
}

/// GitHub's legacy global node id: base64 of `04:Type<id>`.
pub(super) fn node_id(kind: &str, id: i64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("0{}:{kind}{id}", kind.len()))
}

/// A name as one segment of a URL path: GitHub's own names pass unchanged,
/// anything else a client put in the request path is percent-encoded, so the
/// URLs in a body stay URLs.
pub(super) fn path_segment(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn host_of(origin: &str) -> &str {
    let host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    host.rsplit_once(':').map_or(host, |(name, _)| name)
}
