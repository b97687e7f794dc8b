//! GitHub's JSON shapes that more than one surface writes: the REST API
//! and the webhook payloads show repositories, organizations and accounts
//! alike.

use serde_json::{Value, json};

use crate::clock::format_ms;

/// A repository as GitHub shows it: `full_name` is `owner/name` (the part
/// after the slash is taken), the owner spelled as the owner was first
/// seen, everywhere in the body.
pub(crate) fn repository(
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
pub(crate) fn account(origin: &str, id: i64, login: &str, kind: &str) -> Value {
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
pub(crate) fn node_id(kind: &str, id: i64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("0{}:{kind}{id}", kind.len()))
}

/// A name as one segment of a URL path: GitHub's own names pass unchanged,
/// anything else a client put in the request path is percent-encoded, so the
/// URLs in a body stay URLs.
pub(crate) fn path_segment(name: &str) -> String {
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

/// An enterprise as GitHub shows it.
pub(crate) fn enterprise(origin: &str, id: i64, slug: &str) -> Value {
    json!({
        "id": id,
        "slug": slug,
        "name": slug,
        "node_id": node_id("Enterprise", id),
        "avatar_url": format!("{origin}/avatars/b/{id}"),
        "html_url": format!("{origin}/enterprises/{}", path_segment(slug)),
        "description": null,
        "website_url": null,
        "created_at": format_ms(0),
        "updated_at": format_ms(0),
    })
}

/// A time as GitHub writes it on runs, jobs and deliveries:
/// `2020-01-22T19:33:08Z`.
pub(crate) fn format_s(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// The repository a run belongs to, as its shapes need it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RepoRef<'a> {
    pub id: i64,
    pub owner_id: i64,
    pub owner: &'a str,
    /// The repository's own name, without its owner.
    pub name: &'a str,
}

impl RepoRef<'_> {
    fn path(&self) -> String {
        format!("{}/{}", path_segment(self.owner), path_segment(self.name))
    }

    fn api(&self, origin: &str) -> String {
        format!("{origin}/api/v3/repos/{}", self.path())
    }

    pub(crate) fn json(&self, origin: &str) -> Value {
        repository(
            origin,
            self.id,
            (self.owner_id, self.owner),
            &format!("{}/{}", self.owner, self.name),
        )
    }
}

/// Which of the job fields later GHES versions added are shown.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JobFields {
    /// `run_attempt`, `labels` and the four `runner_*` (3.3).
    pub runner: bool,
    /// `workflow_name` and `head_branch` (3.8).
    pub workflow: bool,
    /// `created_at` (3.9).
    pub created_at: bool,
}

impl JobFields {
    /// Every field: what webhook payloads carry.
    pub const ALL: JobFields = JobFields {
        runner: true,
        workflow: true,
        created_at: true,
    };
}

/// What a job shape is written from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JobShape<'a> {
    pub repo: RepoRef<'a>,
    pub run: &'a crate::service::RunEntry,
    pub job: &'a crate::service::JobEntry,
}

/// A job as GitHub writes it (`job`, and `workflow_job` in webhooks).
pub(crate) fn job(origin: &str, shape: JobShape<'_>, fields: JobFields) -> Value {
    use crate::model::JobStatus;
    let JobShape { repo, run, job } = shape;
    let api = repo.api(origin);
    let run_url = format!("{api}/actions/runs/{}", run.id);
    let mut body = serde_json::Map::new();
    let mut put = |key: &str, value: Value| {
        body.insert(key.to_owned(), value);
    };
    put("id", json!(job.id));
    put("run_id", json!(run.id));
    if fields.workflow {
        put("workflow_name", json!(run.workflow_name));
        put("head_branch", json!(run.head_branch));
    }
    put("run_url", json!(run_url));
    if fields.runner {
        put("run_attempt", json!(1));
    }
    put("node_id", json!(node_id("CheckRun", job.id)));
    put("head_sha", json!(run.head_sha));
    put("url", json!(format!("{api}/actions/jobs/{}", job.id)));
    put(
        "html_url",
        json!(format!(
            "{origin}/{}/actions/runs/{}/job/{}",
            repo.path(),
            run.id,
            job.id
        )),
    );
    put("status", json!(job.status));
    put("conclusion", json!(job.conclusion));
    if fields.created_at {
        put("created_at", json!(format_s(job.created_at)));
    }
    put("started_at", json!(format_s(job.started_at)));
    put("completed_at", json!(job.completed_at.map(format_s)));
    put("name", json!(job.name));
    put("steps", steps(job));
    put(
        "check_run_url",
        json!(format!("{api}/check-runs/{}", job.id)),
    );
    if fields.runner {
        put("labels", json!(job.labels));
        let runner = job
            .runner
            .as_ref()
            .filter(|_| job.status != JobStatus::Queued);
        put("runner_id", json!(runner.map(|r| r.id)));
        put("runner_name", json!(runner.map(|r| &r.name)));
        put("runner_group_id", json!(runner.map(|r| r.group_id)));
        put("runner_group_name", json!(runner.map(|r| &r.group_name)));
    }
    Value::Object(body)
}

/// A job's steps: none while queued; setting up, the work, and completing
/// once a runner has it.
fn steps(job: &crate::service::JobEntry) -> Value {
    use crate::model::{Conclusion, JobStatus};
    if job.runner.is_none() {
        return json!([]);
    }
    let start = format_s(job.started_at);
    let step = |number: u32, name: &str, status: JobStatus, conclusion, end: Option<String>| {
        json!({
            "name": name,
            "status": status,
            "conclusion": conclusion,
            "number": number,
            "started_at": start,
            "completed_at": end,
        })
    };
    let ok = Some(Conclusion::Success);
    let set_up = step(
        1,
        "Set up job",
        JobStatus::Completed,
        ok,
        Some(start.clone()),
    );
    match (job.status, job.completed_at) {
        (JobStatus::Completed, Some(end)) => {
            let end = format_s(end);
            json!([
                set_up,
                step(
                    2,
                    "Run",
                    JobStatus::Completed,
                    job.conclusion,
                    Some(end.clone())
                ),
                step(3, "Complete job", JobStatus::Completed, ok, Some(end)),
            ])
        }
        _ => json!([set_up, step(2, "Run", JobStatus::InProgress, None, None)]),
    }
}

/// Which of the run fields later GHES versions added are shown.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunFields {
    /// `run_attempt`, `run_started_at`, `actor`, `triggering_actor`,
    /// `previous_attempt_url` (3.5).
    pub attempts: bool,
    /// `path`, `referenced_workflows` (3.6).
    pub path: bool,
    /// `display_title` (3.8).
    pub display_title: bool,
}

/// What a run shape is written from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunShape<'a> {
    pub repo: RepoRef<'a>,
    pub run: &'a crate::service::RunEntry,
    pub status: &'a str,
    pub conclusion: Option<crate::model::Conclusion>,
    /// When its last job changed.
    pub updated_at: i64,
}

/// The user runs are shown as started by: the site administrator that also
/// owns the mock's Apps.
pub(crate) fn actor(origin: &str) -> Value {
    account(origin, 0, "ghes-admin", "User")
}

/// The workflow's id: the same for every run of a workflow name.
fn workflow_id(repo_id: i64, name: &str) -> i64 {
    let hash = name.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    repo_id * 100_000 + i64::from(hash % 100_000)
}

/// A workflow run as GitHub writes it (`workflow-run`).
pub(crate) fn run(origin: &str, shape: RunShape<'_>, fields: RunFields) -> Value {
    let RunShape { repo, run, .. } = shape;
    let api = repo.api(origin);
    let run_url = format!("{api}/actions/runs/{}", run.id);
    let workflow_id = workflow_id(repo.id, &run.workflow_name);
    let file = run
        .workflow_name
        .to_lowercase()
        .replace(|c: char| !c.is_ascii_alphanumeric(), "-");
    let created = format_s(run.created_at);
    let repository = repo.json(origin);
    let mut body = serde_json::Map::new();
    let mut put = |key: &str, value: Value| {
        body.insert(key.to_owned(), value);
    };
    put("id", json!(run.id));
    put("name", json!(run.workflow_name));
    put("node_id", json!(node_id("WorkflowRun", run.id)));
    put("check_suite_id", json!(run.id));
    put("check_suite_node_id", json!(node_id("CheckSuite", run.id)));
    put("head_branch", json!(run.head_branch));
    put("head_sha", json!(run.head_sha));
    if fields.path {
        put(
            "path",
            json!(format!(".github/workflows/{file}.yml@{}", run.head_branch)),
        );
    }
    put("run_number", json!(run.run_number));
    put("event", json!(run.event));
    if fields.display_title {
        put("display_title", json!(run.workflow_name));
    }
    put("status", json!(shape.status));
    put("conclusion", json!(shape.conclusion));
    put("workflow_id", json!(workflow_id));
    put("url", json!(run_url));
    put(
        "html_url",
        json!(format!("{origin}/{}/actions/runs/{}", repo.path(), run.id)),
    );
    put("pull_requests", json!([]));
    put("created_at", json!(created));
    put("updated_at", json!(format_s(shape.updated_at)));
    if fields.attempts {
        put("actor", actor(origin));
        put("run_attempt", json!(1));
    }
    if fields.path {
        put("referenced_workflows", json!([]));
    }
    if fields.attempts {
        put("run_started_at", json!(created));
        put("triggering_actor", actor(origin));
    }
    put("jobs_url", json!(format!("{run_url}/jobs")));
    put("logs_url", json!(format!("{run_url}/logs")));
    put(
        "check_suite_url",
        json!(format!("{api}/check-suites/{}", run.id)),
    );
    put("artifacts_url", json!(format!("{run_url}/artifacts")));
    put("cancel_url", json!(format!("{run_url}/cancel")));
    put("rerun_url", json!(format!("{run_url}/rerun")));
    if fields.attempts {
        put("previous_attempt_url", Value::Null);
    }
    put(
        "workflow_url",
        json!(format!("{api}/actions/workflows/{workflow_id}")),
    );
    put(
        "head_commit",
        json!({
            "id": run.head_sha,
            "tree_id": run.head_sha.chars().rev().collect::<String>(),
            "message": format!("Run {}", run.workflow_name),
            "timestamp": created,
            "author": {"name": "ghes-admin", "email": "ghes-admin@example.com"},
            "committer": {"name": "GitHub", "email": "noreply@github.com"},
        }),
    );
    put("repository", repository.clone());
    put("head_repository", repository);
    Value::Object(body)
}
