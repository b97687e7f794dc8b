//! The request log (`GET /_mock/requests`): what a test reads back to count
//! the API calls its tool made. Every `/api/v3` request is there, oldest
//! first, whatever its answer; control requests and credentials never are.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{ApiResponse, TestApp, runners_path, spawn_app};

const ORG: &str = "orgs/octo-org";

async fn logged(app: &TestApp, query: &str) -> Value {
    let log = app
        .control(Method::GET, &format!("/requests{query}"), None)
        .await;
    assert_eq!(log.status, 200, "{:?}", log.body);
    assert_eq!(
        log.body["total_count"],
        log.body["requests"].as_array().expect("requests").len(),
        "total_count counts the requests listed"
    );
    log.body
}

/// `(method, path, status)` of each entry, to compare a log at a glance.
fn summary(log: &Value) -> Vec<(String, String, u64)> {
    log["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|r| {
            (
                r["method"].as_str().expect("method").to_owned(),
                r["path"].as_str().expect("path").to_owned(),
                r["status"].as_u64().expect("status"),
            )
        })
        .collect()
}

fn entry(method: &str, path: &str, status: u64) -> (String, String, u64) {
    (method.to_owned(), path.to_owned(), status)
}

fn request_id(response: &ApiResponse) -> &str {
    response
        .header("x-github-request-id")
        .expect("a request id")
}

#[tokio::test]
async fn the_log_shows_that_an_autoscaler_listed_the_runners_exactly_twice() {
    // Arrange: what an autoscaler's loop might do
    let app = spawn_app().await;
    let runners = runners_path(ORG);
    app.get("/meta").await;
    let first = app.get(&runners).await;
    app.post(&format!("{runners}/registration-token")).await;
    let second = app.get(&format!("{runners}?per_page=50&page=2")).await;
    app.get(&runners_path("repos/octo-org/octo-repo")).await;
    app.delete(&format!("{runners}/42")).await;

    // Act
    let listings = logged(
        &app,
        "?method=GET&path_prefix=/api/v3/orgs/octo-org/actions/runners",
    )
    .await;

    // Assert
    assert_eq!(listings["total_count"], 2);
    assert_eq!(
        summary(&listings),
        [
            entry("GET", "/api/v3/orgs/octo-org/actions/runners", 200),
            entry(
                "GET",
                "/api/v3/orgs/octo-org/actions/runners?per_page=50&page=2",
                200
            ),
        ]
    );
    let ids: Vec<&str> = listings["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["request_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [request_id(&first), request_id(&second)]);
}

#[tokio::test]
async fn every_api_request_is_logged_oldest_first_whatever_its_answer() {
    // Arrange
    let app = spawn_app().await;
    let runners = runners_path(ORG);
    let runner = app.register_runner(ORG, "r", json!({})).await;
    app.control(
        Method::POST,
        "/faults",
        Some(json!({"path_prefix": "/api/v3/meta", "status": 503})),
    )
    .await;

    // Act
    let faulted = app.get("/meta").await;
    let anonymous = app.api(Method::GET, &runners, None).await;
    let unknown_route = app.get("/nowhere").await;
    let deleted = app.delete(&format!("{runners}/{}", runner["id"])).await;
    app.control(Method::GET, "/state", None).await;
    let log = logged(&app, "").await;

    // Assert
    assert_eq!(
        (faulted.status, anonymous.status, unknown_route.status),
        (503, 401, 404)
    );
    assert_eq!(deleted.status, 204);
    assert_eq!(
        summary(&log),
        [
            // The registration token the harness minted for `register_runner`.
            entry(
                "POST",
                "/api/v3/orgs/octo-org/actions/runners/registration-token",
                201
            ),
            entry("GET", "/api/v3/meta", 503),
            entry("GET", "/api/v3/orgs/octo-org/actions/runners", 401),
            entry("GET", "/api/v3/nowhere", 404),
            entry(
                "DELETE",
                &format!("/api/v3/orgs/octo-org/actions/runners/{}", runner["id"]),
                204
            ),
        ],
        "control requests are not logged"
    );
    let requests = log["requests"].as_array().unwrap();
    for (logged, answer) in
        requests[1..]
            .iter()
            .zip([&faulted, &anonymous, &unknown_route, &deleted])
    {
        assert_eq!(logged["request_id"], request_id(answer));
        let mut keys: Vec<&String> = logged.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            ["actor", "method", "path", "request_id", "status", "time"]
        );
    }
    let actors: Vec<&str> = requests
        .iter()
        .map(|r| r["actor"].as_str().unwrap())
        .collect();
    assert_eq!(
        actors,
        ["token", "none", "none", "token", "token"],
        "a fault answers before anyone is known; an anonymous caller is none"
    );
}

#[tokio::test]
async fn times_are_iso_8601_on_the_mock_clock() {
    // Arrange
    let app = spawn_app().await;
    app.get("/meta").await;
    app.set_clock(86_400).await;
    app.get("/meta").await;

    // Act
    let log = logged(&app, "").await;

    // Assert
    let time = |i: usize| {
        let text = log["requests"][i]["time"].as_str().expect("a time");
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap_or_else(|e| panic!("{text:?} is not ISO 8601: {e}"))
            .to_utc()
    };
    let now = chrono::Utc::now();
    assert!((now - time(0)).num_seconds().abs() <= 5, "{}", time(0));
    let tomorrow = now + chrono::Duration::days(1);
    assert!(
        (tomorrow - time(1)).num_seconds().abs() <= 5,
        "{} is a day ahead",
        time(1)
    );
}

#[tokio::test]
async fn filters_by_method_case_insensitively_and_by_path_prefix_alone_or_together() {
    // Arrange
    let app = spawn_app().await;
    let repo = runners_path("repos/octo-org/octo-repo");
    app.get(&runners_path(ORG)).await;
    app.post(&format!("{repo}/remove-token")).await;
    app.get(&repo).await;
    app.delete(&format!("{repo}/7")).await;

    // Act
    let gets = logged(&app, "?method=get").await;
    let repos = logged(&app, "?path_prefix=/api/v3/repos").await;
    let repo_posts = logged(&app, "?method=POST&path_prefix=/api/v3/repos/octo-org").await;
    let none = logged(&app, "?method=PATCH").await;
    let without_prefix = logged(&app, "?path_prefix=/repos").await;

    // Assert
    assert_eq!(
        summary(&gets),
        [
            entry("GET", "/api/v3/orgs/octo-org/actions/runners", 200),
            entry(
                "GET",
                "/api/v3/repos/octo-org/octo-repo/actions/runners",
                200
            ),
        ]
    );
    assert_eq!(
        summary(&repos)
            .iter()
            .map(|e| e.0.as_str())
            .collect::<Vec<_>>(),
        ["POST", "GET", "DELETE"]
    );
    assert_eq!(
        summary(&repo_posts),
        [entry(
            "POST",
            "/api/v3/repos/octo-org/octo-repo/actions/runners/remove-token",
            201
        )]
    );
    assert_eq!(none, json!({"total_count": 0, "requests": []}));
    assert_eq!(
        without_prefix["total_count"], 0,
        "paths are logged with /api/v3"
    );
}

#[tokio::test]
async fn credentials_in_the_query_are_redacted_and_no_token_is_ever_logged() {
    // Arrange
    let app = spawn_app().await;
    let secret = "ghp_header_secret_0123456789";
    app.api(
        Method::GET,
        "/meta?access_token=query_secret_1&per_page=2&client_id=query_secret_2&client_secret=query_secret_3&token=query_secret_4",
        Some(secret),
    )
    .await;
    let created = app
        .post(&format!("{}/registration-token", runners_path(ORG)))
        .await;
    let runner_token = created.body["token"].as_str().unwrap().to_owned();

    // Act
    let raw = app
        .client
        .get(format!("{}/_mock/requests", app.mock.uri()))
        .send()
        .await
        .expect("the server answers")
        .text()
        .await
        .expect("a body");

    // Assert
    let log: Value = serde_json::from_str(&raw).expect("JSON");
    assert_eq!(
        log["requests"][0]["path"],
        "/api/v3/meta?access_token=REDACTED&per_page=2&client_id=REDACTED&client_secret=REDACTED&token=REDACTED"
    );
    for leak in [
        secret,
        "query_secret",
        runner_token.as_str(),
        "ghp_test_token",
    ] {
        assert!(!raw.contains(leak), "the log shows {leak:?}: {raw}");
    }
}

#[tokio::test]
async fn reset_empties_the_log_and_logging_goes_on_afterwards() {
    // Arrange
    let app = spawn_app().await;
    app.get("/meta").await;
    app.get(&runners_path(ORG)).await;

    // Act
    let reset = app.control(Method::POST, "/reset", None).await;
    let emptied = logged(&app, "").await;
    app.get("/rate_limit").await;
    let after = logged(&app, "").await;

    // Assert
    assert_eq!(reset.status, 204);
    assert_eq!(emptied, json!({"total_count": 0, "requests": []}));
    assert_eq!(summary(&after), [entry("GET", "/api/v3/rate_limit", 200)]);
}
