//! GitHub's two budgets that matter to a runner manager: `core` for every API
//! call, and `actions_runner_registration` for the registration and remove
//! token endpoints. Each is counted per token, reported in the
//! `X-RateLimit-*` headers of its own requests and by `/rate_limit`, and
//! enforced only when configured (builder or `serve` flag).

use ghes_mock::GhesMock;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    ApiResponse, SCOPES, TOKEN, TestApp, assert_github_headers, read, runners_path, spawn_app,
    spawn_with,
};
use crate::server_process::ServerProcess;

const ORG: &str = "orgs/octo-org";
const REGISTRATION: &str = "actions_runner_registration";
const RATE_LIMIT_DOCS: &str = "https://docs.github.com/enterprise-server@3.1/rest/overview/resources-in-the-rest-api#rate-limiting";

/// The budget the `X-RateLimit-*` headers describe, shaped as `/rate_limit`
/// writes it.
fn rate_of(response: &ApiResponse) -> Value {
    let number = |name: &str| -> i64 {
        response
            .header(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name}: {:?}", response.headers))
    };
    json!({
        "limit": number("x-ratelimit-limit"),
        "remaining": number("x-ratelimit-remaining"),
        "reset": number("x-ratelimit-reset"),
        "used": number("x-ratelimit-used"),
    })
}

async fn create_token(app: &TestApp, scope: &str, kind: &str) -> ApiResponse {
    app.post(&format!("{}/{kind}", runners_path(scope))).await
}

async fn create_token_as(app: &TestApp, scope: &str, token: &str) -> ApiResponse {
    let path = format!("{}/registration-token", runners_path(scope));
    app.api(Method::POST, &path, Some(token)).await
}

fn assert_rate_limited(response: &ApiResponse, resource: &str, limit: &str) {
    assert_eq!(response.status, 403, "{:?}", response.body);
    assert_eq!(
        response.body,
        json!({"message": "API rate limit exceeded for user ID 1.", "documentation_url": RATE_LIMIT_DOCS})
    );
    assert_eq!(response.header("x-ratelimit-resource"), Some(resource));
    assert_eq!(response.header("x-ratelimit-limit"), Some(limit));
    assert_eq!(response.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(response.header("x-ratelimit-used"), Some(limit));
}

#[tokio::test]
async fn the_token_endpoints_count_on_actions_runner_registration_and_not_on_core() {
    for scope in SCOPES {
        // Arrange
        let app = spawn_app().await;

        // Act
        let registration = create_token(&app, scope, "registration-token").await;
        let remove = create_token(&app, scope, "remove-token").await;
        let list = app.get(&runners_path(scope)).await;

        // Assert
        assert_eq!(registration.status, 201, "{scope}");
        assert_eq!(
            registration.header("x-ratelimit-resource"),
            Some(REGISTRATION)
        );
        assert_eq!(registration.header("x-ratelimit-limit"), Some("10000"));
        assert_eq!(registration.header("x-ratelimit-used"), Some("1"));
        assert_eq!(registration.header("x-ratelimit-remaining"), Some("9999"));
        assert_eq!(remove.status, 201, "{scope}");
        assert_eq!(remove.header("x-ratelimit-resource"), Some(REGISTRATION));
        assert_eq!(remove.header("x-ratelimit-used"), Some("2"), "{scope}");
        assert_eq!(list.header("x-ratelimit-resource"), Some("core"));
        assert_eq!(list.header("x-ratelimit-limit"), Some("5000"));
        assert_eq!(
            list.header("x-ratelimit-used"),
            Some("1"),
            "{scope}: the token requests did not spend core"
        );
    }
}

#[tokio::test]
async fn rate_limit_reports_each_resource_as_its_own_headers_said_and_spends_neither() {
    // Arrange
    let app = spawn_app().await;
    app.get(&runners_path(ORG)).await;
    create_token(&app, ORG, "registration-token").await;
    let last_token = create_token(&app, ORG, "remove-token").await;
    let last_core = app.get("/meta").await;

    // Act
    let first = app.get("/rate_limit").await;
    let second = app.get("/rate_limit").await;

    // Assert
    assert_eq!(first.status, 200, "{:?}", first.body);
    let resources = &second.body["resources"];
    assert_eq!(resources[REGISTRATION], rate_of(&last_token));
    assert_eq!(resources[REGISTRATION]["used"], 2);
    assert_eq!(resources[REGISTRATION]["limit"], 10000);
    assert_eq!(resources["core"], rate_of(&last_core));
    assert_eq!(resources["core"]["used"], 2);
    assert_eq!(second.body["rate"], resources["core"]);
    assert_eq!(first.body, second.body, "asking spent nothing");
    assert_eq!(second.header("x-ratelimit-resource"), Some("core"));
    let mut keys: Vec<&String> = resources.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["actions_runner_registration", "core", "graphql", "search"]
    );
    let reset = resources[REGISTRATION]["reset"].as_i64().unwrap();
    let in_an_hour = chrono::Utc::now().timestamp() + 3600;
    assert!((reset - in_an_hour).abs() <= 5, "reset {reset}");
}

#[tokio::test]
async fn an_enforced_registration_budget_refuses_token_requests_past_it_but_leaves_core_alone() {
    // Arrange
    let app = spawn_with(GhesMock::builder().registration_rate_limit(2)).await;
    for (kind, remaining) in [("registration-token", "1"), ("remove-token", "0")] {
        let created = create_token(&app, ORG, kind).await;
        assert_eq!(created.status, 201, "{kind}: {:?}", created.body);
        assert_eq!(created.header("x-ratelimit-limit"), Some("2"));
        assert_eq!(created.header("x-ratelimit-remaining"), Some(remaining));
    }

    // Act
    let refused = create_token(&app, ORG, "registration-token").await;
    let repo = create_token(&app, "repos/octo-org/octo-repo", "remove-token").await;
    let core = app.get(&runners_path(ORG)).await;
    let other_token = create_token_as(&app, ORG, "another-token").await;

    // Assert
    assert_rate_limited(&refused, REGISTRATION, "2");
    assert_rate_limited(&repo, REGISTRATION, "2");
    assert_eq!(core.status, 200, "core is another budget");
    assert_eq!(core.header("x-ratelimit-limit"), Some("5000"));
    assert_eq!(core.header("x-ratelimit-resource"), Some("core"));
    assert_eq!(other_token.status, 201, "each token has its own budget");
    let state = app.control(Method::GET, "/state", None).await;
    assert_eq!(
        state.body["tokens"].as_array().unwrap().len(),
        3,
        "refused requests created no token"
    );
    let rate = app.get("/rate_limit").await;
    assert_eq!(
        rate.body["resources"][REGISTRATION],
        json!({"limit": 2, "remaining": 0, "used": 2, "reset": rate_of(&refused)["reset"]})
    );
}

#[tokio::test]
async fn an_exhausted_core_budget_still_lets_tokens_be_created() {
    // Arrange
    let app = spawn_with(GhesMock::builder().rate_limit(1)).await;
    assert_eq!(app.get("/meta").await.status, 200);

    // Act
    let listed = app.get(&runners_path(ORG)).await;
    let created = create_token(&app, ORG, "registration-token").await;

    // Assert
    assert_rate_limited(&listed, "core", "1");
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.header("x-ratelimit-resource"), Some(REGISTRATION));
    assert_eq!(created.header("x-ratelimit-limit"), Some("10000"));
    assert_eq!(created.header("x-ratelimit-used"), Some("1"));
}

#[tokio::test]
async fn both_budgets_enforced_run_out_separately_and_refill_with_the_mock_clock() {
    // Arrange
    let app = spawn_with(GhesMock::builder().rate_limit(2).registration_rate_limit(3)).await;
    for _ in 0..3 {
        assert_eq!(
            create_token(&app, ORG, "registration-token").await.status,
            201
        );
    }
    for _ in 0..2 {
        assert_eq!(app.get(&runners_path(ORG)).await.status, 200);
    }

    // Act
    let token_refused = create_token(&app, ORG, "remove-token").await;
    let core_refused = app.get(&runners_path(ORG)).await;
    let rate = app.get("/rate_limit").await;
    app.set_clock(3601).await;
    let token_later = create_token(&app, ORG, "remove-token").await;
    let core_later = app.get(&runners_path(ORG)).await;

    // Assert
    assert_rate_limited(&token_refused, REGISTRATION, "3");
    assert_rate_limited(&core_refused, "core", "2");
    assert_eq!(rate.status, 200, "/rate_limit answers past both budgets");
    assert_eq!(rate.body["resources"]["core"]["remaining"], 0);
    assert_eq!(rate.body["resources"][REGISTRATION]["remaining"], 0);
    assert_eq!(token_later.status, 201, "{:?}", token_later.body);
    assert_eq!(token_later.header("x-ratelimit-used"), Some("1"));
    assert_eq!(token_later.header("x-ratelimit-remaining"), Some("2"));
    assert_eq!(core_later.status, 200);
    assert_eq!(core_later.header("x-ratelimit-remaining"), Some("1"));
    let reset: i64 = token_later
        .header("x-ratelimit-reset")
        .unwrap()
        .parse()
        .unwrap();
    let expected = chrono::Utc::now().timestamp() + 3601 + 3600;
    assert!(
        (reset - expected).abs() <= 5,
        "reset {reset} on the mock clock"
    );
}

// --- the binary's flags ---------------------------------------------------------

async fn fetch(request: reqwest::RequestBuilder) -> ApiResponse {
    let response = read(request).await;
    assert_github_headers(&response);
    response
}

/// Spends both budgets of one token on a served binary and returns the
/// answers past each: (core, registration).
async fn exhaust(
    server: &ServerProcess,
    core: usize,
    registration: usize,
) -> (ApiResponse, ApiResponse) {
    let client = reqwest::Client::new();
    let api = format!(
        "{}/api/v3/{}",
        server.uri(),
        runners_path(ORG).trim_start_matches('/')
    );
    let token_url = format!("{api}/registration-token");
    let auth = format!("token {TOKEN}");
    for _ in 0..core {
        let ok = fetch(client.get(&api).header("authorization", &auth)).await;
        assert_eq!(ok.status, 200, "{:?}", ok.body);
    }
    for _ in 0..registration {
        let ok = fetch(client.post(&token_url).header("authorization", &auth)).await;
        assert_eq!(ok.status, 201, "{:?}", ok.body);
    }
    let core = fetch(client.get(&api).header("authorization", &auth)).await;
    let registration = fetch(client.post(&token_url).header("authorization", &auth)).await;
    (core, registration)
}

#[tokio::test]
async fn serve_enforces_the_rate_limit_flags() {
    let server = ServerProcess::serve(
        &["--rate-limit", "2", "--registration-rate-limit", "1"],
        &[],
    );

    let (core, registration) = exhaust(&server, 2, 1).await;

    assert_rate_limited(&core, "core", "2");
    assert_rate_limited(&registration, REGISTRATION, "1");
}

#[tokio::test]
async fn serve_reads_the_rate_limits_from_the_environment() {
    let server = ServerProcess::serve(
        &[],
        &[
            ("GHES_MOCK_RATE_LIMIT", "1"),
            ("GHES_MOCK_REGISTRATION_RATE_LIMIT", "2"),
        ],
    );

    let (core, registration) = exhaust(&server, 1, 2).await;

    assert_rate_limited(&core, "core", "1");
    assert_rate_limited(&registration, REGISTRATION, "2");
}

#[tokio::test]
async fn serve_without_the_flags_reports_githubs_budgets_without_enforcing_them() {
    let server = ServerProcess::serve(&[], &[]);

    let (core, registration) = exhaust(&server, 3, 3).await;

    assert_eq!(core.status, 200);
    assert_eq!(core.header("x-ratelimit-limit"), Some("5000"));
    assert_eq!(core.header("x-ratelimit-used"), Some("4"));
    assert_eq!(registration.status, 201);
    assert_eq!(registration.header("x-ratelimit-limit"), Some("10000"));
    assert_eq!(registration.header("x-ratelimit-used"), Some("4"));
}
