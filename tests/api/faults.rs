//! Planned faults (`/_mock/faults`): the next N matching API requests answer
//! an error status with GitHub's body, or wait first, and then the API
//! behaves again. The control API itself is never faulted.

use std::time::{Duration, Instant};

use ghes_mock::GhesMock;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    ApiResponse, TOKEN, TestApp, assert_error_shape, runners_path, spawn_app, spawn_with,
};

const ORG: &str = "orgs/octo-org";
const RATE_LIMIT_DOCS: &str = "https://docs.github.com/enterprise-server@3.1/rest/overview/resources-in-the-rest-api#rate-limiting";
const GENERIC_DOCS: &str = "https://docs.github.com/enterprise-server@3.1/rest";
const LIST_ORG_RUNNERS_DOCS: &str = "https://docs.github.com/enterprise-server@3.1/rest/reference/actions#list-self-hosted-runners-for-an-organization";

async fn add_fault(app: &TestApp, fault: Value) -> ApiResponse {
    app.control(Method::POST, "/faults", Some(fault)).await
}

/// Adds a fault that must be accepted; returns it as the server shows it.
async fn plan(app: &TestApp, fault: Value) -> Value {
    let added = add_fault(app, fault).await;
    assert_eq!(added.status, 201, "{:?}", added.body);
    added.body
}

async fn pending(app: &TestApp) -> Value {
    let listed = app.control(Method::GET, "/faults", None).await;
    assert_eq!(listed.status, 200, "{:?}", listed.body);
    listed.body
}

fn epoch_seconds(response: &ApiResponse, name: &str) -> i64 {
    response
        .header(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{name} is not a number: {:?}", response.headers))
}

#[tokio::test]
async fn a_fault_answers_its_status_times_times_then_the_api_answers_again() {
    // Arrange
    let app = spawn_app().await;
    let added = add_fault(
        &app,
        json!({"path_prefix": "/api/v3/orgs", "status": 503, "times": 2}),
    )
    .await;
    assert_eq!(added.status, 201, "{:?}", added.body);
    assert_eq!(
        added.body,
        json!({"id": 1, "path_prefix": "/api/v3/orgs", "status": 503, "times": 2, "retry_after": 60})
    );
    assert_eq!(pending(&app).await, json!([added.body]));

    // Act
    let first = app.get(&runners_path(ORG)).await;
    let second = app.get(&runners_path(ORG)).await;
    let third = app.get(&runners_path(ORG)).await;

    // Assert
    for failed in [&first, &second] {
        assert_eq!(failed.status, 503, "{:?}", failed.body);
        assert_eq!(
            failed.body,
            json!({"message": "Service Unavailable", "documentation_url": LIST_ORG_RUNNERS_DOCS})
        );
        assert_eq!(failed.header("retry-after"), None, "not a rate limit");
    }
    assert_eq!(third.status, 200, "{:?}", third.body);
    assert_eq!(third.body, json!({"total_count": 0, "runners": []}));
    assert_eq!(pending(&app).await, json!([]), "the fault is used up");
}

#[tokio::test]
async fn a_faulted_status_comes_with_githubs_message_for_it() {
    let cases = [
        (400, "Bad Request", LIST_ORG_RUNNERS_DOCS),
        // As GitHub answers an unknown token: its docs are the API's front page.
        (401, "Bad credentials", GENERIC_DOCS),
        (404, "Not Found", LIST_ORG_RUNNERS_DOCS),
        (409, "Conflict", LIST_ORG_RUNNERS_DOCS),
        (422, "Validation Failed", LIST_ORG_RUNNERS_DOCS),
        (502, "Server Error", LIST_ORG_RUNNERS_DOCS),
        (503, "Service Unavailable", LIST_ORG_RUNNERS_DOCS),
        (504, "Gateway Timeout", LIST_ORG_RUNNERS_DOCS),
    ];
    for (status, message, docs) in cases {
        // Arrange
        let app = spawn_app().await;
        plan(
            &app,
            json!({"path_prefix": "/api/v3/orgs/octo-org", "status": status}),
        )
        .await;

        // Act
        let faulted = app.get(&runners_path(ORG)).await;

        // Assert
        assert_eq!(faulted.status, status, "{:?}", faulted.body);
        assert_eq!(
            faulted.body,
            json!({"message": message, "documentation_url": docs}),
            "{status}"
        );
        assert_eq!(faulted.header("x-github-enterprise-version"), Some("3.1.0"));
        assert_eq!(app.get(&runners_path(ORG)).await.status, 200, "{status}");
    }
}

/// The harness refuses any 500 from the API as a server bug, so the planned
/// one is read here, with the same checks on its body and headers.
#[tokio::test]
async fn a_faulted_500_is_githubs_server_error() {
    let app = spawn_app().await;
    plan(&app, json!({"path_prefix": "/api/v3/orgs", "status": 500})).await;

    let response = app
        .client
        .get(app.url(&runners_path(ORG)))
        .header("authorization", format!("token {TOKEN}"))
        .send()
        .await
        .expect("the server answers");

    assert_eq!(response.status(), 500);
    for name in [
        "x-github-request-id",
        "x-github-enterprise-version",
        "x-ratelimit-resource",
    ] {
        assert!(response.headers().contains_key(name), "no {name}");
    }
    assert_eq!(
        response.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    let body: Value = response.json().await.expect("a JSON body");
    assert_error_shape(&body);
    assert_eq!(
        body,
        json!({"message": "Server Error", "documentation_url": LIST_ORG_RUNNERS_DOCS})
    );
    assert_eq!(app.get(&runners_path(ORG)).await.status, 200);
}

#[tokio::test]
async fn faulted_403_and_429_look_like_githubs_rate_limit_with_retry_after() {
    for status in [403, 429] {
        // Arrange
        let app = spawn_app().await;
        plan(
            &app,
            json!({"path_prefix": "/api/v3/orgs", "status": status, "retry_after": 120}),
        )
        .await;
        let before = chrono::Utc::now().timestamp();

        // Act
        let limited = app.get(&runners_path(ORG)).await;

        // Assert
        let after = chrono::Utc::now().timestamp();
        assert_eq!(limited.status, status, "{:?}", limited.body);
        assert_eq!(
            limited.body,
            json!({"message": "API rate limit exceeded for user ID 1.",
                   "documentation_url": RATE_LIMIT_DOCS})
        );
        assert_eq!(limited.header("retry-after"), Some("120"));
        assert_eq!(limited.header("x-ratelimit-remaining"), Some("0"));
        assert_eq!(limited.header("x-ratelimit-limit"), Some("5000"));
        assert_eq!(limited.header("x-ratelimit-used"), Some("5000"));
        assert_eq!(limited.header("x-ratelimit-resource"), Some("core"));
        let reset = epoch_seconds(&limited, "x-ratelimit-reset");
        assert!(
            (before + 120..=after + 120).contains(&reset),
            "{status}: reset {reset} is not now + 120 ({before}..{after})"
        );
        let next = app.get(&runners_path(ORG)).await;
        assert_eq!(next.status, 200, "{status}: the fault was used up");
        assert_ne!(next.header("x-ratelimit-remaining"), Some("0"));
    }
}

#[tokio::test]
async fn a_rate_limit_fault_says_retry_after_60_unless_told_otherwise() {
    let app = spawn_app().await;
    let added = plan(&app, json!({"path_prefix": "/api/v3", "status": 429})).await;
    assert_eq!(added["retry_after"], 60);
    assert_eq!(added["times"], 1);

    let limited = app.get("/meta").await;

    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("60"));
    let reset = epoch_seconds(&limited, "x-ratelimit-reset");
    let expected = chrono::Utc::now().timestamp() + 60;
    assert!(
        (reset - expected).abs() <= 2,
        "reset {reset}, expected {expected}"
    );
}

#[tokio::test]
async fn a_rate_limit_fault_on_the_token_endpoints_names_their_resource() {
    let app = spawn_app().await;
    plan(
        &app,
        json!({"method": "POST", "path_prefix": "/api/v3/orgs/octo-org/actions/runners/registration-token", "status": 403}),
    )
    .await;

    let limited = app
        .post(&format!("{}/registration-token", runners_path(ORG)))
        .await;

    assert_eq!(limited.status, 403, "{:?}", limited.body);
    assert_eq!(
        limited.header("x-ratelimit-resource"),
        Some("actions_runner_registration")
    );
    assert_eq!(limited.header("x-ratelimit-limit"), Some("10000"));
    assert_eq!(limited.header("x-ratelimit-remaining"), Some("0"));
    let state = app.control(Method::GET, "/state", None).await;
    assert_eq!(state.body["tokens"], json!([]), "no token was created");
}

#[tokio::test]
async fn a_rate_limit_faults_reset_follows_the_mock_clock() {
    let app = spawn_app().await;
    app.set_clock(86_400).await;
    plan(
        &app,
        json!({"path_prefix": "/api/v3", "status": 403, "retry_after": 30}),
    )
    .await;

    let limited = app.get("/meta").await;

    let reset = epoch_seconds(&limited, "x-ratelimit-reset");
    let expected = chrono::Utc::now().timestamp() + 86_400 + 30;
    assert!(
        (reset - expected).abs() <= 2,
        "reset {reset}, expected {expected}"
    );
}

#[tokio::test]
async fn a_fault_matches_only_its_method_and_path_prefix() {
    // Arrange
    let app = spawn_app().await;
    let repo = "repos/octo-org/octo-repo";
    let id = app.register_runner(repo, "r", json!({})).await["id"].clone();
    let added = plan(
        &app,
        json!({"method": "delete", "path_prefix": "/api/v3/repos/octo-org", "status": 502}),
    )
    .await;
    assert_eq!(added["method"], "DELETE", "shown upper-cased");

    // Act + Assert: other methods, other paths pass untouched
    let read = app.get(&format!("{}/{id}", runners_path(repo))).await;
    assert_eq!(read.status, 200, "GET is not DELETE");
    let elsewhere = app.delete(&format!("{}/{id}", runners_path(ORG))).await;
    assert_eq!(elsewhere.status, 404, "another path: {:?}", elsewhere.body);
    assert_eq!(pending(&app).await.as_array().unwrap().len(), 1);

    let faulted = app.delete(&format!("{}/{id}", runners_path(repo))).await;
    assert_eq!(faulted.status, 502, "{:?}", faulted.body);
    assert_eq!(faulted.body["message"], "Server Error");
    let still_there = app.get(&format!("{}/{id}", runners_path(repo))).await;
    assert_eq!(still_there.status, 200, "a faulted DELETE deletes nothing");

    let deleted = app.delete(&format!("{}/{id}", runners_path(repo))).await;
    assert_eq!(deleted.status, 204, "{:?}", deleted.body);
}

#[tokio::test]
async fn a_path_prefix_without_api_v3_matches_no_api_request() {
    let app = spawn_app().await;
    plan(
        &app,
        json!({"path_prefix": "/orgs/octo-org", "status": 500}),
    )
    .await;

    let listed = app.get(&runners_path(ORG)).await;

    assert_eq!(listed.status, 200, "prefixes include /api/v3");
    assert_eq!(pending(&app).await.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn faults_apply_before_authentication() {
    // Arrange: strict mode, where a missing or unknown token is 401
    let app = spawn_with(GhesMock::builder().token("org-admin", &["admin:org"])).await;
    plan(
        &app,
        json!({"path_prefix": "/api/v3/orgs", "status": 503, "times": 2}),
    )
    .await;
    plan(&app, json!({"path_prefix": "/api/v3/orgs", "status": 401})).await;

    // Act
    let anonymous = app.api(Method::GET, &runners_path(ORG), None).await;
    let unknown = app
        .api(Method::GET, &runners_path(ORG), Some("guess"))
        .await;
    let valid = app
        .api(Method::GET, &runners_path(ORG), Some("org-admin"))
        .await;
    let after = app
        .api(Method::GET, &runners_path(ORG), Some("org-admin"))
        .await;

    // Assert
    assert_eq!(anonymous.status, 503, "{:?}", anonymous.body);
    assert_eq!(unknown.status, 503, "{:?}", unknown.body);
    assert_eq!(valid.status, 401, "a good token still gets the planned 401");
    assert_eq!(valid.body["message"], "Bad credentials");
    assert_eq!(after.status, 200, "{:?}", after.body);
}

#[tokio::test]
async fn faults_are_used_in_the_order_they_were_planned() {
    // Arrange
    let app = spawn_app().await;
    let broad = plan(
        &app,
        json!({"path_prefix": "/api/v3", "status": 502, "times": 2}),
    )
    .await;
    let narrow = plan(&app, json!({"path_prefix": "/api/v3/orgs", "status": 503})).await;
    assert!(narrow["id"].as_u64() > broad["id"].as_u64(), "ids grow");

    // Act + Assert
    assert_eq!(app.get(&runners_path(ORG)).await.status, 502);
    let left = pending(&app).await;
    assert_eq!(left[0]["id"], broad["id"]);
    assert_eq!(left[0]["times"], 1, "one use left");
    assert_eq!(left[1], narrow);
    assert_eq!(app.get(&runners_path(ORG)).await.status, 502);
    assert_eq!(app.get(&runners_path(ORG)).await.status, 503);
    assert_eq!(app.get(&runners_path(ORG)).await.status, 200);
}

#[tokio::test]
async fn the_control_api_is_never_faulted() {
    // Arrange
    let app = spawn_app().await;
    let everything = plan(&app, json!({"path_prefix": "/", "status": 503, "times": 5})).await;
    let control = plan(
        &app,
        json!({"path_prefix": "/_mock", "status": 503, "times": 5}),
    )
    .await;

    // Act
    let health = app.control(Method::GET, "/health", None).await;
    let state = app.control(Method::GET, "/state", None).await;
    let clock = app.control(Method::GET, "/clock", None).await;
    let listed = pending(&app).await;

    // Assert
    assert_eq!(health.status, 200, "{:?}", health.body);
    assert_eq!(state.status, 200, "{:?}", state.body);
    assert_eq!(clock.status, 200, "{:?}", clock.body);
    assert_eq!(listed, json!([everything, control]), "no use was taken");
    let api = app.get("/meta").await;
    assert_eq!(api.status, 503, "`/` still faults the API");
}

#[tokio::test]
async fn deleting_faults_clears_every_pending_fault() {
    let app = spawn_app().await;
    plan(
        &app,
        json!({"path_prefix": "/api/v3", "status": 500, "times": 3}),
    )
    .await;
    plan(
        &app,
        json!({"path_prefix": "/api/v3/orgs", "delay_ms": 60000}),
    )
    .await;

    let cleared = app.control(Method::DELETE, "/faults", None).await;

    assert_eq!(cleared.status, 204, "{:?}", cleared.body);
    assert_eq!(cleared.body, Value::Null);
    assert_eq!(pending(&app).await, json!([]));
    let started = Instant::now();
    assert_eq!(app.get(&runners_path(ORG)).await.status, 200);
    assert!(started.elapsed() < Duration::from_secs(30), "no delay left");
}

#[tokio::test]
async fn reset_clears_the_faults() {
    let app = spawn_app().await;
    plan(&app, json!({"path_prefix": "/api/v3", "status": 500})).await;

    let reset = app.control(Method::POST, "/reset", None).await;

    assert_eq!(reset.status, 204);
    assert_eq!(pending(&app).await, json!([]));
    assert_eq!(app.get("/meta").await.status, 200);
}

#[tokio::test]
async fn a_delay_fault_holds_the_request_then_answers_it_normally() {
    // Arrange
    let app = spawn_app().await;
    let delay = Duration::from_millis(300);
    let added = plan(
        &app,
        json!({"path_prefix": "/api/v3/meta", "delay_ms": 300}),
    )
    .await;
    assert_eq!(added["delay_ms"], 300);
    assert_eq!(added.get("status"), None, "no status planned");

    // Act
    let started = Instant::now();
    let delayed = app.get("/meta").await;
    let delayed_for = started.elapsed();
    let started = Instant::now();
    let next = app.get("/meta").await;
    let next_took = started.elapsed();

    // Assert
    assert_eq!(delayed.status, 200, "{:?}", delayed.body);
    assert_eq!(delayed.body["installed_version"], "3.1.0");
    assert!(delayed_for >= delay, "answered after {delayed_for:?}");
    assert_eq!(next.status, 200);
    assert!(next_took < delay, "the next request took {next_took:?}");
}

#[tokio::test]
async fn a_delay_with_a_status_waits_then_answers_the_status() {
    let app = spawn_app().await;
    plan(
        &app,
        json!({"path_prefix": "/api/v3/orgs", "delay_ms": 200, "status": 502}),
    )
    .await;

    let started = Instant::now();
    let faulted = app.get(&runners_path(ORG)).await;
    let took = started.elapsed();

    assert_eq!(faulted.status, 502, "{:?}", faulted.body);
    assert_eq!(faulted.body["message"], "Server Error");
    assert!(
        took >= Duration::from_millis(200),
        "answered after {took:?}"
    );
}

#[tokio::test]
async fn faults_that_cannot_apply_are_refused_with_422_naming_the_field() {
    // Arrange
    let app = spawn_app().await;
    let cases = [
        (
            json!({"path_prefix": "api/v3", "status": 500}),
            "path_prefix",
        ),
        (json!({"path_prefix": "", "status": 500}), "path_prefix"),
        (json!({"path_prefix": "/api/v3"}), "status"),
        (json!({"path_prefix": "/api/v3", "status": 399}), "status"),
        (json!({"path_prefix": "/api/v3", "status": 200}), "status"),
        (json!({"path_prefix": "/api/v3", "status": 600}), "status"),
        (
            json!({"path_prefix": "/api/v3", "status": 500, "times": 0}),
            "times",
        ),
        (
            json!({"path_prefix": "/api/v3", "delay_ms": 600_001}),
            "delay_ms",
        ),
        (
            json!({"path_prefix": "/api/v3", "status": 500, "method": "GE T"}),
            "method",
        ),
        (
            json!({"path_prefix": "/api/v3", "status": 500, "method": ""}),
            "method",
        ),
        (
            json!({"path_prefix": "/api/v3", "status": 500, "method": "GET1"}),
            "method",
        ),
    ];
    for (fault, field) in cases {
        // Act
        let refused = add_fault(&app, fault.clone()).await;

        // Assert
        assert_eq!(refused.status, 422, "{fault}: {:?}", refused.body);
        assert_eq!(refused.body["message"], "Validation Failed", "{fault}");
        assert_eq!(refused.body["errors"][0]["field"], field, "{fault}");
        assert_eq!(refused.body["errors"][0]["resource"], "Fault", "{fault}");
    }
    assert_eq!(pending(&app).await, json!([]), "nothing was planned");
    assert_eq!(app.get("/meta").await.status, 200);
}

#[tokio::test]
async fn faults_of_the_wrong_shape_are_refused_like_any_control_body() {
    let app = spawn_app().await;
    for fault in [
        json!({"status": 500}),
        json!({"path_prefix": "/api/v3", "status": "500"}),
        json!({"path_prefix": "/api/v3", "status": 500, "times": -1}),
        json!({"path_prefix": "/api/v3", "status": 500, "colour": "red"}),
    ] {
        let refused = add_fault(&app, fault.clone()).await;

        assert_eq!(refused.status, 422, "{fault}: {:?}", refused.body);
        assert_eq!(refused.body["message"], "Validation Failed", "{fault}");
    }
    let malformed = app
        .client
        .post(format!("{}/_mock/faults", app.mock.uri()))
        .header("content-type", "application/json")
        .body("{\"path_prefix\": ")
        .send()
        .await
        .expect("the server answers");
    assert_eq!(malformed.status(), 400);
    let body: Value = malformed.json().await.expect("a JSON body");
    assert_eq!(body["message"], "Problems parsing JSON");
    assert_eq!(pending(&app).await, json!([]));
}

#[tokio::test]
async fn the_limits_themselves_are_accepted() {
    let app = spawn_app().await;
    for fault in [
        json!({"path_prefix": "/api/v3/nowhere", "status": 400}),
        json!({"path_prefix": "/api/v3/nowhere", "status": 599}),
        json!({"path_prefix": "/api/v3/nowhere", "delay_ms": 600_000}),
        json!({"path_prefix": "/api/v3/nowhere", "status": 500, "method": "patch"}),
    ] {
        let added = add_fault(&app, fault.clone()).await;

        assert_eq!(added.status, 201, "{fault}: {:?}", added.body);
    }
    assert_eq!(pending(&app).await.as_array().unwrap().len(), 4);
}
