//! An admin token guards the control API: what only a test harness should do
//! (move the clock, reset, read state, plan faults, read the log, change a
//! runner's status) needs `Authorization: Bearer TOKEN`, while what a runner
//! does with its own registration or remove token stays open. The GitHub API
//! does not know the admin token.

use ghes_mock::GhesMock;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{control_as, runners_path, spawn_app, spawn_with};
use crate::server_process::ServerProcess;

const ADMIN: &str = "root";
const ORG: &str = "orgs/octo-org";

/// Every guarded endpoint, with a body it accepts and the status it answers
/// the admin.
fn guarded_endpoints(runner_id: &Value) -> Vec<(Method, String, Option<Value>, u16)> {
    vec![
        (
            Method::PATCH,
            format!("/runners/{runner_id}"),
            Some(json!({"status": "offline"})),
            200,
        ),
        (Method::GET, "/state".into(), None, 200),
        (Method::GET, "/clock".into(), None, 200),
        (
            Method::PUT,
            "/clock".into(),
            Some(json!({"offset_seconds": 60})),
            200,
        ),
        (
            Method::POST,
            "/faults".into(),
            Some(json!({"path_prefix": "/api/v3/nowhere", "status": 503})),
            201,
        ),
        (Method::GET, "/faults".into(), None, 200),
        (Method::DELETE, "/faults".into(), None, 204),
        (Method::GET, "/requests".into(), None, 200),
        (Method::POST, "/reset".into(), None, 204),
    ]
}

#[tokio::test]
async fn guarded_endpoints_refuse_a_missing_or_wrong_admin_token_and_accept_the_right_one() {
    // Arrange
    let app = spawn_with(GhesMock::builder().admin_token(ADMIN)).await;
    let base = app.mock.uri();
    let runner = app.register_runner(ORG, "r", json!({})).await;

    for (method, path, body, status) in guarded_endpoints(&runner["id"]) {
        let what = format!("{method} {path}");

        // Act
        let missing = control_as(
            &app.client,
            &base,
            method.clone(),
            &path,
            body.clone(),
            None,
        )
        .await;
        let wrong = control_as(
            &app.client,
            &base,
            method.clone(),
            &path,
            body.clone(),
            Some("Bearer guess"),
        )
        .await;
        let admin = control_as(
            &app.client,
            &base,
            method.clone(),
            &path,
            body.clone(),
            Some(&format!("Bearer {ADMIN}")),
        )
        .await;

        // Assert
        assert_eq!(missing.status, 401, "{what}: {:?}", missing.body);
        assert_eq!(missing.body["message"], "Requires authentication", "{what}");
        assert_eq!(wrong.status, 401, "{what}: {:?}", wrong.body);
        assert_eq!(wrong.body["message"], "Bad credentials", "{what}");
        assert_eq!(admin.status, status, "{what}: {:?}", admin.body);
    }
}

#[tokio::test]
async fn a_refused_control_request_changes_nothing() {
    // Arrange
    let app = spawn_with(GhesMock::builder().admin_token(ADMIN)).await;
    let base = app.mock.uri();
    let runner = app.register_runner(ORG, "r", json!({})).await;
    let id = &runner["id"];

    // Act
    for (method, path, body) in [
        (
            Method::PATCH,
            format!("/runners/{id}"),
            Some(json!({"status": "offline", "busy": true})),
        ),
        (
            Method::PUT,
            "/clock".into(),
            Some(json!({"offset_seconds": 7200})),
        ),
        (
            Method::POST,
            "/faults".into(),
            Some(json!({"path_prefix": "/api/v3", "status": 503})),
        ),
        (Method::POST, "/reset".into(), None),
    ] {
        let refused = control_as(
            &app.client,
            &base,
            method,
            &path,
            body,
            Some("Bearer guess"),
        )
        .await;
        assert_eq!(refused.status, 401, "{path}");
    }

    // Assert: the runner is as registered, the clock and the API untouched
    let got = app.get(&format!("{}/{id}", runners_path(ORG))).await;
    assert_eq!(got.status, 200, "not reset, not faulted: {:?}", got.body);
    assert_eq!(got.body, runner);
    let clock = control_as(
        &app.client,
        &base,
        Method::GET,
        "/clock",
        None,
        Some("Bearer root"),
    )
    .await;
    assert_eq!(clock.body["offset_seconds"], 0);
}

#[tokio::test]
async fn runners_register_and_remove_with_only_their_own_tokens() {
    // Arrange
    let app = spawn_with(GhesMock::builder().admin_token(ADMIN)).await;
    let base = app.mock.uri();
    let registration = app.registration_token(ORG).await;
    let remove = app.remove_token(ORG).await;

    // Act
    let health = control_as(&app.client, &base, Method::GET, "/health", None, None).await;
    let first = control_as(
        &app.client,
        &base,
        Method::POST,
        "/runners",
        Some(json!({"token": registration, "name": "first"})),
        None,
    )
    .await;
    let second = control_as(
        &app.client,
        &base,
        Method::POST,
        "/runners",
        Some(json!({"token": registration, "name": "second"})),
        Some("Bearer not-the-admin"),
    )
    .await;
    let by_id = control_as(
        &app.client,
        &base,
        Method::POST,
        &format!("/runners/{}/remove", first.body["id"]),
        Some(json!({"token": remove})),
        None,
    )
    .await;
    let by_name = control_as(
        &app.client,
        &base,
        Method::POST,
        "/runners/remove",
        Some(json!({"token": remove, "name": "second"})),
        None,
    )
    .await;

    // Assert
    assert_eq!(health.status, 200, "{:?}", health.body);
    assert_eq!(health.body, json!({"status": "ok"}));
    assert_eq!(first.status, 201, "{:?}", first.body);
    assert_eq!(
        second.status, 201,
        "another Authorization is ignored: {:?}",
        second.body
    );
    assert_eq!(by_id.status, 204, "{:?}", by_id.body);
    assert_eq!(by_name.status, 204, "{:?}", by_name.body);
    let list = app.get(&runners_path(ORG)).await;
    assert_eq!(list.body, json!({"total_count": 0, "runners": []}));
}

#[tokio::test]
async fn the_registration_endpoints_still_check_their_own_tokens() {
    let app = spawn_with(GhesMock::builder().admin_token(ADMIN)).await;
    let base = app.mock.uri();

    let registered = control_as(
        &app.client,
        &base,
        Method::POST,
        "/runners",
        Some(json!({"token": ADMIN, "name": "sneaky"})),
        Some(&format!("Bearer {ADMIN}")),
    )
    .await;

    assert_eq!(registered.status, 401, "{:?}", registered.body);
    assert_eq!(registered.body["message"], "Unknown registration token");
}

#[tokio::test]
async fn the_github_api_does_not_know_the_admin_token() {
    // Arrange: strict mode, so an unknown API token is refused
    let app = spawn_with(
        GhesMock::builder()
            .token("org-admin", &["admin:org"])
            .admin_token(ADMIN),
    )
    .await;

    // Act
    let with_api_token = app
        .api(Method::GET, &runners_path(ORG), Some("org-admin"))
        .await;
    let with_admin_token = app.api(Method::GET, &runners_path(ORG), Some(ADMIN)).await;
    let anonymous = app.api(Method::GET, "/meta", None).await;

    // Assert
    assert_eq!(with_api_token.status, 200, "{:?}", with_api_token.body);
    assert_eq!(with_admin_token.status, 401, "{:?}", with_admin_token.body);
    assert_eq!(with_admin_token.body["message"], "Bad credentials");
    assert_eq!(anonymous.status, 200);
}

#[tokio::test]
async fn without_an_admin_token_the_control_api_is_open() {
    let app = spawn_app().await;

    let state = control_as(
        &app.client,
        &app.mock.uri(),
        Method::GET,
        "/state",
        None,
        None,
    )
    .await;
    let with_any = control_as(
        &app.client,
        &app.mock.uri(),
        Method::GET,
        "/requests",
        None,
        Some("Bearer whatever"),
    )
    .await;

    assert_eq!(state.status, 200, "{:?}", state.body);
    assert_eq!(with_any.status, 200, "{:?}", with_any.body);
}

#[tokio::test]
async fn the_library_helpers_need_no_admin_token() {
    let mock = GhesMock::builder().admin_token(ADMIN).start().await;

    let runner = mock.register_runner(ORG, "r").await;
    mock.set_clock_offset(60).await.expect("the clock moves");
    let state = mock.state().await;

    assert_eq!(state.offset_seconds, 60);
    assert_eq!(state.scopes[0].runners, [runner]);
}

// --- the binary's flag --------------------------------------------------------------

async fn check_served(server: &ServerProcess) {
    let client = reqwest::Client::new();
    let base = server.uri();
    let missing = control_as(&client, &base, Method::GET, "/state", None, None).await;
    let wrong = control_as(
        &client,
        &base,
        Method::GET,
        "/state",
        None,
        Some("Bearer nope"),
    )
    .await;
    let admin = control_as(
        &client,
        &base,
        Method::GET,
        "/state",
        None,
        Some("Bearer s3cret"),
    )
    .await;
    let health = control_as(&client, &base, Method::GET, "/health", None, None).await;

    assert_eq!(missing.status, 401, "{:?}", missing.body);
    assert_eq!(missing.body["message"], "Requires authentication");
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.body["message"], "Bad credentials");
    assert_eq!(admin.status, 200, "{:?}", admin.body);
    assert_eq!(health.status, 200);
}

#[tokio::test]
async fn serve_guards_the_control_api_with_the_admin_token_flag() {
    let server = ServerProcess::serve(&["--admin-token", "s3cret"], &[]);

    check_served(&server).await;
}

#[tokio::test]
async fn serve_reads_the_admin_token_from_the_environment() {
    let server = ServerProcess::serve(&[], &[("GHES_MOCK_ADMIN_TOKEN", "s3cret")]);

    check_served(&server).await;
}
