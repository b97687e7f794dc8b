//! The harness: a server per test, a client, and checks that every answer
//! honours GitHub's contract and headers.

use std::time::{Duration, Instant};

use ghes_mock::{GhesMock, GhesMockBuilder, GhesVersion, HookTarget, ReceivedDelivery, Seed};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use crate::contract::{Contract, assert_webhook_matches, contract};

/// The token tests send unless they say otherwise. In open mode any token works.
pub const TOKEN: &str = "ghp_test_token";

/// One scope of each kind, as fixtures write them (`SCOPE` in the URLs).
pub const SCOPES: [&str; 3] = [
    "enterprises/octo-enterprise",
    "orgs/octo-org",
    "repos/octo-org/octo-repo",
];

pub struct TestApp {
    pub mock: GhesMock,
    pub client: reqwest::Client,
}

/// What a client sees of one answer.
#[derive(Debug)]
pub struct ApiResponse {
    pub status: u16,
    pub headers: HeaderMap,
    /// The JSON body, or `Null` when the body is empty.
    pub body: Value,
}

impl ApiResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A mock in open mode with nothing in it.
pub async fn spawn_app() -> TestApp {
    spawn_with(GhesMock::builder()).await
}

/// A mock started from a fixture, given as JSON.
pub async fn spawn_seeded(seed: Value) -> TestApp {
    let seed = Seed::from_json(&seed.to_string()).expect("the test's fixture is valid");
    spawn_with(GhesMock::builder().seed(seed)).await
}

/// A mock presenting a GHES version, started from a fixture.
pub async fn spawn_version(version: &str, seed: Value) -> TestApp {
    let seed = Seed::from_json(&seed.to_string()).expect("the test's fixture is valid");
    spawn_with(GhesMock::builder().ghes_version(version).seed(seed)).await
}

pub async fn spawn_with(builder: GhesMockBuilder) -> TestApp {
    init_logs();
    TestApp {
        mock: builder.start().await,
        client: reqwest::Client::new(),
    }
}

/// Logs stay silent unless `TEST_LOG` is set.
fn init_logs() {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("debug")
            .with_test_writer()
            .try_init();
    }
}

impl TestApp {
    /// `GET /api/v3{path}` with the default token.
    pub async fn get(&self, path: &str) -> ApiResponse {
        self.api(Method::GET, path, Some(TOKEN)).await
    }

    /// `POST /api/v3{path}` with the default token and no body.
    pub async fn post(&self, path: &str) -> ApiResponse {
        self.api(Method::POST, path, Some(TOKEN)).await
    }

    /// `DELETE /api/v3{path}` with the default token.
    pub async fn delete(&self, path: &str) -> ApiResponse {
        self.api(Method::DELETE, path, Some(TOKEN)).await
    }

    /// A request to `/api/v3{path}` with the default token and a JSON body.
    pub async fn send(&self, method: Method, path: &str, body: Value) -> ApiResponse {
        let request = self
            .client
            .request(method.clone(), self.url(path))
            .header("Authorization", format!("token {TOKEN}"))
            .json(&body);
        self.send_api(method, path, request).await
    }

    /// A request to `/api/v3{path}` with `Authorization: token T` when given.
    pub async fn api(&self, method: Method, path: &str, token: Option<&str>) -> ApiResponse {
        let mut request = self.client.request(method.clone(), self.url(path));
        if let Some(token) = token {
            request = request.header("Authorization", format!("token {token}"));
        }
        self.send_api(method, path, request).await
    }

    /// Sends a request built by the test to `/api/v3{path}`, then checks the
    /// answer against the contract and GHES's headers.
    pub async fn send_api(
        &self,
        method: Method,
        path: &str,
        request: reqwest::RequestBuilder,
    ) -> ApiResponse {
        let response = read(request).await;
        assert_github_headers(&response);
        assert_contract(
            contract(self.mock.ghes_version()),
            method.as_str(),
            path,
            &response,
        );
        response
    }

    /// A request to the control API, `/_mock{path}`, with a JSON body.
    pub async fn control(&self, method: Method, path: &str, body: Option<Value>) -> ApiResponse {
        control_as(&self.client, &self.mock.uri(), method, path, body, None).await
    }

    /// A simulated change of a runner's state: `PATCH /_mock/runners/{id}`.
    pub async fn patch_runner(&self, id: &Value, body: Value) -> ApiResponse {
        self.control(Method::PATCH, &format!("/runners/{id}"), Some(body))
            .await
    }

    /// The absolute URL of `/api/v3{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.mock.api_url())
    }

    /// A new registration token for a scope (`orgs/octo-org`).
    pub async fn registration_token(&self, scope: &str) -> String {
        self.token_of(scope, "registration-token").await
    }

    /// A new remove token for a scope.
    pub async fn remove_token(&self, scope: &str) -> String {
        self.token_of(scope, "remove-token").await
    }

    async fn token_of(&self, scope: &str, kind: &str) -> String {
        let response = self.post(&format!("/{scope}/actions/runners/{kind}")).await;
        assert_eq!(response.status, 201, "{kind}: {:?}", response.body);
        response.body["token"].as_str().expect("a token").to_owned()
    }

    /// Registers a runner through the control API; `extra` adds fields
    /// (`{"labels": ["gpu"], "busy": true}`). Returns the runner.
    pub async fn register_runner(&self, scope: &str, name: &str, extra: Value) -> Value {
        let token = self.registration_token(scope).await;
        let mut body = json!({"token": token, "name": name});
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        let response = self.control(Method::POST, "/runners", Some(body)).await;
        assert_eq!(response.status, 201, "register {name}: {:?}", response.body);
        response.body
    }

    /// Registers `count` runners named `runner-0`… in one scope, faster than
    /// one token each.
    pub async fn register_runners(&self, scope: &str, count: usize) -> Vec<i64> {
        let token = self.registration_token(scope).await;
        let mut ids = Vec::with_capacity(count);
        for i in 0..count {
            let body = json!({"token": token, "name": format!("runner-{i}")});
            let response = self.control(Method::POST, "/runners", Some(body)).await;
            assert_eq!(response.status, 201, "{:?}", response.body);
            ids.push(response.body["id"].as_i64().expect("an id"));
        }
        ids
    }

    /// Queues a workflow run through `POST /_mock/runs` and returns it with
    /// its jobs, each checked against the version's `workflow-run` and
    /// `job` schemas.
    pub async fn queue_run(&self, body: Value) -> Value {
        let response = self.control(Method::POST, "/runs", Some(body)).await;
        assert_eq!(response.status, 201, "queue a run: {:?}", response.body);
        let contract = contract(self.mock.ghes_version());
        let mut run = response.body.clone();
        let jobs = run
            .as_object_mut()
            .and_then(|run| run.remove("jobs"))
            .expect("a run answers with its jobs");
        contract.assert_schema_matches("workflow-run", &run);
        for job in jobs.as_array().expect("jobs") {
            contract.assert_schema_matches("job", job);
        }
        response.body
    }

    /// A job through the GitHub API: `GET /repos/{repo}/actions/jobs/{id}`.
    pub async fn job(&self, repo: &str, job_id: &Value) -> Value {
        let response = self
            .get(&format!("/repos/{repo}/actions/jobs/{job_id}"))
            .await;
        assert_eq!(response.status, 200, "job {job_id}: {:?}", response.body);
        response.body
    }

    /// Makes a hook through the GitHub API (`/repos/o/r/hooks`,
    /// `/orgs/o/hooks`, `/admin/hooks`) and returns it.
    pub async fn create_hook(&self, hooks: &str, body: Value) -> Value {
        let response = self.send(Method::POST, hooks, body).await;
        assert_eq!(response.status, 201, "create a hook: {:?}", response.body);
        response.body
    }

    /// `GET /_mock/deliveries?{query}`: every delivery, oldest first.
    pub async fn mock_deliveries(&self, query: &str) -> Vec<Value> {
        let response = self
            .control(Method::GET, &format!("/deliveries?{query}"), None)
            .await;
        assert_eq!(response.status, 200, "{:?}", response.body);
        response.body.as_array().expect("a list").clone()
    }

    /// The id of a repository, organization or other resource the API
    /// shows at `path` (`/repos/octo-org/app`).
    pub async fn id_of(&self, path: &str) -> i64 {
        let response = self.get(path).await;
        assert_eq!(response.status, 200, "{path}: {:?}", response.body);
        response.body["id"].as_i64().expect("an id")
    }

    /// Sets the mock clock to wall time + `offset_seconds`.
    pub async fn set_clock(&self, offset_seconds: i64) {
        let body = json!({"offset_seconds": offset_seconds});
        let response = self.control(Method::PUT, "/clock", Some(body)).await;
        assert_eq!(response.status, 200, "{:?}", response.body);
    }
}

/// Any request, answered as a client sees it; the body must be JSON or empty.
/// A control request to the server at `base`, with the `Authorization`
/// header given, if any; an error answer must have GitHub's shape.
pub async fn control_as(
    client: &reqwest::Client,
    base: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
    authorization: Option<&str>,
) -> ApiResponse {
    let mut request = client.request(method, format!("{base}/_mock{path}"));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = read(request).await;
    if response.status >= 400 {
        assert_error_shape(&response.body);
    }
    response
}

pub async fn read(request: reqwest::RequestBuilder) -> ApiResponse {
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("a body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!(
                "{status}: body is not JSON ({e}): {}",
                String::from_utf8_lossy(&bytes)
            )
        })
    };
    ApiResponse {
        status,
        headers,
        body,
    }
}

/// The headers GHES puts on every API answer.
pub fn assert_github_headers(response: &ApiResponse) {
    for name in [
        "x-github-request-id",
        "x-github-enterprise-version",
        "x-github-media-type",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "x-ratelimit-used",
        "x-ratelimit-resource",
    ] {
        assert!(
            response.header(name).is_some(),
            "{} lacks {name}: {:?}",
            response.status,
            response.headers
        );
    }
    if response.body != Value::Null {
        assert_eq!(
            response.header("content-type"),
            Some("application/json; charset=utf-8"),
            "{}",
            response.status
        );
    }
    assert_ne!(
        response.status, 500,
        "a client caused a server error: {:?}",
        response.body
    );
}

/// GitHub's error bodies: `{message, documentation_url[, errors]}`, with
/// `errors` as objects or, from some operations, as plain messages. Every
/// version words them alike.
pub fn assert_error_shape(body: &Value) {
    let contract = contract(GhesVersion::NEWEST);
    assert!(body["message"].is_string(), "no message: {body}");
    assert!(
        body["documentation_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://docs.github.com/")),
        "{body}"
    );
    match body.get("errors").and_then(Value::as_array) {
        Some(errors) if errors.iter().all(Value::is_string) => {
            contract.assert_schema_matches("validation-error-simple", body)
        }
        Some(_) => contract.assert_schema_matches("validation-error", body),
        None => contract.assert_schema_matches("basic-error", body),
    }
}

/// Checks an API body against the contract: the operation's documented
/// answer for successes, GitHub's error schemas for errors.
fn assert_contract(contract: &Contract, method: &str, path: &str, response: &ApiResponse) {
    let body = &response.body;
    if response.status >= 400 {
        assert_error_shape(body);
        return;
    }
    if response.status == 304 {
        assert_eq!(*body, Value::Null, "304 with a body");
        return;
    }
    let path = path.split('?').next().unwrap_or(path);
    match template_of(contract, path) {
        Template::Operation(template) => {
            contract.assert_response_matches(method, &template, response.status, body)
        }
        Template::Schema(name) => contract.assert_schema_matches(name, body),
    }
}

enum Template {
    /// An operation of the contract, by its path template.
    Operation(String),
    /// An endpoint outside the runner contract, checked against a component schema.
    Schema(&'static str),
}

/// `/orgs/octo/actions/runners/12` → `/orgs/{org}/actions/runners/{runner_id}`:
/// the contract's template that matches, literal segments winning over
/// captures (`…/runners/downloads` is not a runner id).
fn template_of(contract: &Contract, path: &str) -> Template {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["rate_limit"] => return Template::Schema("rate-limit-overview"),
        ["orgs", _] => return Template::Schema("organization-simple"),
        ["repos", _, _] => return Template::Schema("repository"),
        _ => {}
    }
    let literal_matches = |template: &str| {
        let parts: Vec<&str> = template.trim_start_matches('/').split('/').collect();
        if parts.len() != segments.len() {
            return None;
        }
        let mut literals = 0;
        for (part, segment) in parts.iter().zip(&segments) {
            if part.starts_with('{') {
                continue;
            }
            if part != segment {
                return None;
            }
            literals += 1;
        }
        Some(literals)
    };
    contract
        .paths()
        .filter_map(|template| Some((literal_matches(template)?, template)))
        .max_by_key(|(literals, _)| *literals)
        .map(|(_, template)| Template::Operation(template.to_owned()))
        .unwrap_or_else(|| panic!("no contract for {path} at GHES {}", contract.version))
}

/// The names of a runner's labels, in order.
pub fn label_names(runner: &Value) -> Vec<&str> {
    runner["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|l| l["name"].as_str().expect("a label name"))
        .collect()
}

/// The path of a scope's runner list (`/orgs/octo-org/actions/runners`).
pub fn runners_path(scope: &str) -> String {
    format!("/{scope}/actions/runners")
}

/// How long a test waits for what the mock does in the background (a
/// delivery, a job the clock task settles).
pub const WAIT: Duration = Duration::from_secs(10);

/// Asks `check` until it answers `Some`, for at most [`WAIT`]: for what the
/// mock does apart from the request that caused it.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "{what}: not within {WAIT:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The next delivery a target receives, its payload checked against
/// GitHub's description of its webhook.
pub async fn next_delivery(target: &HookTarget) -> ReceivedDelivery {
    let delivery = target.next().await;
    assert_delivery_contract(&delivery);
    delivery
}

/// Checks a received delivery's payload against GitHub's description of its
/// event and action.
pub fn assert_delivery_contract(delivery: &ReceivedDelivery) {
    assert_webhook_matches(&delivery.event, delivery.action.as_deref(), &delivery.json);
}

/// The URL of one relation (`next`, `last`, …) of an answer's `Link` header.
pub fn link_of(response: &ApiResponse, rel: &str) -> Option<String> {
    let header = response.header("link")?;
    header.split(", ").find_map(|entry| {
        let (url, relation) = entry.split_once(">; rel=")?;
        (relation.trim_matches('"') == rel).then(|| url.trim_start_matches('<').to_owned())
    })
}

impl TestApp {
    /// `GET` of an absolute URL the API gave (a `Link`), checked as any
    /// answer of the API is.
    pub async fn follow(&self, url: &str) -> ApiResponse {
        let api = self.mock.api_url();
        let path = url
            .strip_prefix(&api)
            .unwrap_or_else(|| panic!("{url} is not under {api}"))
            .to_owned();
        let request = self
            .client
            .get(url)
            .header("Authorization", format!("token {TOKEN}"));
        self.send_api(Method::GET, &path, request).await
    }
}
