//! GitHub's offline sweeper: a runner offline for longer than 14 days (or the
//! configured age) is removed, measured on the mock clock from the moment it
//! went offline. Moving the clock sweeps at once.

use std::time::Duration;

use ghes_mock::GhesMock;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TOKEN, TestApp, runners_path, spawn_app, spawn_seeded, spawn_with};
use crate::server_process::ServerProcess;

const ORG: &str = "orgs/octo-org";
const DAY: i64 = 86_400;

/// The names of the runners the API lists in the organization.
async fn listed(app: &TestApp) -> Vec<String> {
    let list = app
        .get(&format!("{}?per_page=100", runners_path(ORG)))
        .await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    let names: Vec<String> = list.body["runners"]
        .as_array()
        .expect("runners")
        .iter()
        .map(|r| r["name"].as_str().expect("a name").to_owned())
        .collect();
    assert_eq!(list.body["total_count"], names.len(), "total_count follows");
    names
}

async fn set_status(app: &TestApp, runner: &Value, status: &str) {
    let patched = app
        .patch_runner(&runner["id"], json!({"status": status}))
        .await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
}

#[tokio::test]
async fn fifteen_days_later_the_offline_runners_are_gone_and_the_online_one_stays() {
    // Arrange
    let app = spawn_app().await;
    let offline = app
        .register_runner(ORG, "registered-offline", json!({"status": "offline"}))
        .await;
    let patched = app.register_runner(ORG, "went-offline", json!({})).await;
    set_status(&app, &patched, "offline").await;
    app.register_runner(ORG, "online", json!({})).await;
    app.register_runner(ORG, "busy-online", json!({"busy": true}))
        .await;

    // Act
    app.set_clock(15 * DAY).await;

    // Assert
    assert_eq!(listed(&app).await, ["online", "busy-online"]);
    for gone in [&offline, &patched] {
        let got = app
            .get(&format!("{}/{}", runners_path(ORG), gone["id"]))
            .await;
        assert_eq!(got.status, 404, "{:?}", got.body);
    }
    let state = app.control(Method::GET, "/state", None).await;
    assert_eq!(state.body["scopes"][0]["runner_count"], 2);
}

#[tokio::test]
async fn a_runner_offline_for_13_days_stays_and_goes_after_the_14th() {
    // Arrange
    let app = spawn_app().await;
    app.register_runner(ORG, "offline", json!({"status": "offline"}))
        .await;

    // Act + Assert
    app.set_clock(13 * DAY).await;
    assert_eq!(listed(&app).await, ["offline"], "13 days is not enough");
    app.set_clock(14 * DAY - 60).await;
    assert_eq!(
        listed(&app).await,
        ["offline"],
        "nor is a minute short of 14 days"
    );
    app.set_clock(14 * DAY + 60).await;
    assert_eq!(
        listed(&app).await,
        Vec::<String>::new(),
        "14 days and a minute is"
    );
}

#[tokio::test]
async fn the_age_counts_from_when_the_runner_went_offline() {
    // Arrange: online at day 0, offline at day 10
    let app = spawn_app().await;
    let runner = app.register_runner(ORG, "late", json!({})).await;
    app.register_runner(ORG, "online", json!({})).await;
    app.set_clock(10 * DAY).await;
    set_status(&app, &runner, "offline").await;

    // Act + Assert
    app.set_clock(15 * DAY).await;
    assert_eq!(listed(&app).await, ["late", "online"], "offline for 5 days");
    app.set_clock(25 * DAY).await;
    assert_eq!(listed(&app).await, ["online"], "offline for 15 days");
}

#[tokio::test]
async fn a_runner_that_came_back_online_is_not_swept() {
    let app = spawn_app().await;
    let runner = app
        .register_runner(ORG, "flaky", json!({"status": "offline"}))
        .await;
    app.set_clock(10 * DAY).await;
    set_status(&app, &runner, "online").await;

    app.set_clock(30 * DAY).await;

    assert_eq!(listed(&app).await, ["flaky"]);
}

#[tokio::test]
async fn reporting_offline_again_or_changing_busy_does_not_restart_the_count() {
    // Arrange: offline since day 0, told offline again and busy at day 10
    let app = spawn_app().await;
    let runner = app
        .register_runner(ORG, "stale", json!({"status": "offline"}))
        .await;
    app.set_clock(10 * DAY).await;
    set_status(&app, &runner, "offline").await;
    let busy = app.patch_runner(&runner["id"], json!({"busy": true})).await;
    assert_eq!(busy.status, 200);

    // Act
    app.set_clock(15 * DAY).await;

    // Assert
    assert_eq!(
        listed(&app).await,
        Vec::<String>::new(),
        "offline since day 0"
    );
}

#[tokio::test]
async fn the_age_is_configurable_and_none_keeps_offline_runners_for_ever() {
    // Arrange
    let hour =
        spawn_with(GhesMock::builder().offline_runner_max_age(Some(Duration::from_secs(3600))))
            .await;
    let never = spawn_with(GhesMock::builder().offline_runner_max_age(None)).await;
    for app in [&hour, &never] {
        app.register_runner(ORG, "offline", json!({"status": "offline"}))
            .await;
    }

    // Act + Assert
    hour.set_clock(3500).await;
    assert_eq!(listed(&hour).await, ["offline"], "under an hour");
    hour.set_clock(3700).await;
    assert_eq!(listed(&hour).await, Vec::<String>::new(), "over an hour");
    never.set_clock(365 * DAY).await;
    assert_eq!(
        listed(&never).await,
        ["offline"],
        "a year later, still kept"
    );
}

#[tokio::test]
async fn a_swept_seeded_runner_comes_back_with_reset() {
    // Arrange
    let app = spawn_seeded(json!({
        "runners": [
            {"scope": ORG, "name": "seeded-offline", "status": "offline"},
            {"scope": ORG, "name": "seeded-online"}
        ]
    }))
    .await;
    app.set_clock(15 * DAY).await;
    assert_eq!(listed(&app).await, ["seeded-online"]);

    // Act
    let reset = app.control(Method::POST, "/reset", None).await;

    // Assert
    assert_eq!(reset.status, 204);
    assert_eq!(listed(&app).await, ["seeded-offline", "seeded-online"]);
}

// --- the binary's flag ------------------------------------------------------------

/// Registers an offline runner in the served binary, moves its clock by
/// `seconds` and returns how many runners the organization still lists.
async fn runners_left_after(server: &ServerProcess, seconds: i64) -> u64 {
    let client = reqwest::Client::new();
    let api = format!("{}/api/v3/orgs/octo-org/actions/runners", server.uri());
    let auth = format!("token {TOKEN}");
    let created = client
        .post(format!("{api}/registration-token"))
        .header("authorization", &auth)
        .send()
        .await
        .expect("the server answers");
    assert_eq!(created.status(), 201);
    let token: Value = created.json().await.expect("a token");
    let registered = client
        .post(format!("{}/_mock/runners", server.uri()))
        .json(&json!({"token": token["token"], "name": "offline", "status": "offline"}))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(registered.status(), 201);
    let moved = client
        .put(format!("{}/_mock/clock", server.uri()))
        .json(&json!({"offset_seconds": seconds}))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(moved.status(), 200);
    let list: Value = client
        .get(&api)
        .header("authorization", &auth)
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("a list");
    list["total_count"].as_u64().expect("total_count")
}

#[tokio::test]
async fn serve_sweeps_after_the_offline_runner_max_age_flag() {
    let server = ServerProcess::serve(&["--offline-runner-max-age", "60"], &[]);

    assert_eq!(runners_left_after(&server, 120).await, 0);
}

#[tokio::test]
async fn serve_reads_the_offline_runner_max_age_from_the_environment() {
    let server = ServerProcess::serve(&[], &[("GHES_MOCK_OFFLINE_RUNNER_MAX_AGE", "60")]);

    assert_eq!(runners_left_after(&server, 120).await, 0);
}

#[tokio::test]
async fn serve_keeps_offline_runners_when_the_age_is_0() {
    let server = ServerProcess::serve(&["--offline-runner-max-age", "0"], &[]);

    assert_eq!(runners_left_after(&server, 30 * DAY).await, 1);
}

#[tokio::test]
async fn serve_sweeps_after_14_days_by_default() {
    let kept = ServerProcess::serve(&[], &[]);
    let swept = ServerProcess::serve(&[], &[]);

    assert_eq!(runners_left_after(&kept, 13 * DAY).await, 1);
    assert_eq!(runners_left_after(&swept, 15 * DAY).await, 0);
}
