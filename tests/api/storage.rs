//! State that outlives the process: `--database PATH` across restarts, the
//! seed loaded once into a new file, reset on a file, and fixtures refused
//! with the place and the reason.

use std::path::Path;

use ghes_mock::{GhesMock, HookTarget, Seed};
use reqwest::Method;
use serde_json::{Value, json};

use crate::deliveries::{hook_on, recorded};
use crate::helpers::{TestApp, eventually, next_delivery, runners_path, spawn_with};

const ORG: &str = "orgs/octo-org";
const REPO: &str = "repos/octo-org/octo-repo";

async fn on_file(path: &Path) -> TestApp {
    spawn_with(GhesMock::builder().database(path)).await
}

async fn seeded_on_file(path: &Path, seed: &Value) -> TestApp {
    let seed = Seed::from_json(&seed.to_string()).expect("the test's fixture is valid");
    spawn_with(GhesMock::builder().database(path).seed(seed)).await
}

/// Stops the server gracefully and waits until the database is closed.
async fn stop(app: TestApp) {
    app.mock.shutdown().await;
}

fn runner_path(scope: &str, id: &Value) -> String {
    format!("{}/{id}", runners_path(scope))
}

fn fixture() -> Value {
    json!({
        "orgs": ["octo-org"],
        "runners": [
            {"scope": ORG, "name": "seeded-1", "labels": ["gpu"]},
            {"scope": ORG, "name": "seeded-2", "busy": true},
            {"scope": REPO, "name": "seeded-3", "os": "macos"},
        ]
    })
}

// --- restarts on a database file ----------------------------------------------------

#[tokio::test]
async fn a_restart_on_the_same_database_file_keeps_runners_tokens_and_deletions() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let app = on_file(&db).await;
    let token = app.registration_token(ORG).await;
    let a = app
        .register_runner(ORG, "a", json!({"labels": ["gpu", "big"]}))
        .await;
    let c = app
        .register_runner(REPO, "c", json!({"os": "windows", "status": "offline"}))
        .await;
    let b = app.register_runner(ORG, "b", json!({})).await;
    let b_path = runner_path(ORG, &b["id"]);
    assert_eq!(app.delete(&b_path).await.status, 204);
    let org_before = app.get(&runners_path(ORG)).await.body;
    let repo_before = app.get(&runners_path(REPO)).await.body;

    // Act
    stop(app).await;
    let app = on_file(&db).await;

    // Assert
    assert_eq!(app.get(&runners_path(ORG)).await.body, org_before);
    assert_eq!(org_before, json!({"total_count": 1, "runners": [a]}));
    assert_eq!(app.get(&runners_path(REPO)).await.body, repo_before);
    assert_eq!(repo_before, json!({"total_count": 1, "runners": [c]}));
    assert_eq!(
        app.get(&b_path).await.status,
        404,
        "the deleted runner stays deleted"
    );
    let d = app
        .control(
            Method::POST,
            "/runners",
            Some(json!({"token": token, "name": "d"})),
        )
        .await;
    assert_eq!(
        d.status, 201,
        "the registration token still registers: {:?}",
        d.body
    );
    assert!(
        d.body["id"].as_i64() > b["id"].as_i64(),
        "a new runner never takes a deleted runner's id: {} after {}",
        d.body["id"],
        b["id"]
    );
    let state = app.control(Method::GET, "/state", None).await;
    assert!(
        state.body["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["token"] == token.as_str()),
        "the token is still live after the restart"
    );
}

#[tokio::test]
async fn a_custom_label_keeps_its_id_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let app = on_file(&db).await;
    let before = app
        .register_runner(ORG, "a", json!({"labels": ["gpu"]}))
        .await;
    stop(app).await;

    let app = on_file(&db).await;
    let after = app
        .register_runner(REPO, "b", json!({"labels": ["gpu"]}))
        .await;

    assert_eq!(after["labels"][3]["name"], "gpu");
    assert_eq!(after["labels"][3]["id"], before["labels"][3]["id"]);
}

#[tokio::test]
async fn a_seeded_database_file_is_not_seeded_again_on_restart() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let app = seeded_on_file(&db, &fixture()).await;
    let seeded = app.get(&runners_path(ORG)).await.body;
    assert_eq!(seeded["total_count"], 2);
    let first_seeded = seeded["runners"][0]["id"].clone();
    assert_eq!(
        app.delete(&runner_path(ORG, &first_seeded)).await.status,
        204
    );
    let added = app.register_runner(ORG, "added", json!({})).await;
    let org_before = app.get(&runners_path(ORG)).await.body;
    let repo_before = app.get(&runners_path(REPO)).await.body;

    // Act
    stop(app).await;
    let app = seeded_on_file(&db, &fixture()).await;

    // Assert
    let org_after = app.get(&runners_path(ORG)).await.body;
    assert_eq!(
        org_after, org_before,
        "no runner duplicated, the deleted seeded runner not back"
    );
    assert_eq!(org_after["total_count"], 2);
    assert_eq!(org_after["runners"][0]["name"], "seeded-2");
    assert_eq!(org_after["runners"][1], added);
    assert_eq!(app.get(&runners_path(REPO)).await.body, repo_before);
    assert_eq!(app.get(&runner_path(ORG, &first_seeded)).await.status, 404);
}

#[tokio::test]
async fn reset_on_a_database_file_returns_to_the_seed_and_stays_there_after_a_restart() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let app = seeded_on_file(&db, &fixture()).await;
    let seeded_org = app.get(&runners_path(ORG)).await.body;
    let seeded_repo = app.get(&runners_path(REPO)).await.body;
    let token = app.registration_token(ORG).await;
    let added = app.register_runner(ORG, "added", json!({})).await;
    assert_eq!(
        app.delete(&runner_path(REPO, &seeded_repo["runners"][0]["id"]))
            .await
            .status,
        204
    );

    // Act
    let reset = app.control(Method::POST, "/reset", None).await;

    // Assert
    assert_eq!(reset.status, 204, "{:?}", reset.body);
    assert_eq!(app.get(&runners_path(ORG)).await.body, seeded_org);
    assert_eq!(app.get(&runners_path(REPO)).await.body, seeded_repo);
    assert_eq!(app.get(&runner_path(ORG, &added["id"])).await.status, 404);
    stop(app).await;
    let app = seeded_on_file(&db, &fixture()).await;
    assert_eq!(
        app.get(&runners_path(ORG)).await.body,
        seeded_org,
        "the reset was written to the file"
    );
    assert_eq!(app.get(&runners_path(REPO)).await.body, seeded_repo);
    let stale = app
        .control(
            Method::POST,
            "/runners",
            Some(json!({"token": token, "name": "x"})),
        )
        .await;
    assert_eq!(stale.status, 401, "{:?}", stale.body);
    assert_eq!(stale.body["message"], "Unknown registration token");
}

#[tokio::test]
async fn two_database_files_do_not_share_state() {
    let dir = tempfile::tempdir().unwrap();
    let first = on_file(&dir.path().join("first.sqlite3")).await;
    let second = on_file(&dir.path().join("second.sqlite3")).await;

    first.register_runner(ORG, "only-in-first", json!({})).await;

    assert_eq!(second.get(&runners_path(ORG)).await.body["total_count"], 0);
}

// --- fixtures refused with the place and the reason -------------------------------------

fn refusal(text: &str) -> (String, String) {
    match Seed::from_json(text) {
        Ok(seed) => panic!("a bad fixture was accepted: {seed:?}"),
        Err(error) => error,
    }
}

#[tokio::test]
async fn a_fixture_that_is_not_json_is_refused_at_its_line_and_column() {
    let text = "{\n  \"orgs\": [\"a\",]\n}";

    let (place, reason) = refusal(text);

    assert_eq!(place, "orgs (line 2 column 16)");
    assert_eq!(reason, "trailing comma");
}

#[tokio::test]
async fn a_truncated_fixture_is_refused_at_its_end() {
    let text = "{\n  \"orgs\": [\n";

    let (place, reason) = refusal(text);

    assert_eq!(place, "orgs (line 3 column 0)");
    assert_eq!(reason, "EOF while parsing a list");
}

#[tokio::test]
async fn an_unknown_field_is_refused_naming_it() {
    let top = refusal("{\"orgs\": [\"a\"],\n \"colour\": 1}");
    let in_runner = refusal(r#"{"runners": [{"scope": "orgs/o", "name": "a", "colour": "red"}]}"#);

    assert_eq!(top.0, "colour (line 2 column 9)");
    assert!(
        top.1.starts_with("unknown field `colour`, expected one of"),
        "{}",
        top.1
    );
    assert_eq!(in_runner.0, "runners[0].colour (line 1 column 54)");
    assert!(
        in_runner.1.starts_with("unknown field `colour`"),
        "{}",
        in_runner.1
    );
}

#[tokio::test]
async fn an_unknown_os_is_refused_at_its_runner() {
    let text = r#"{"runners": [
        {"scope": "orgs/o", "name": "a"},
        {"scope": "orgs/o", "name": "b", "os": "solaris"}
    ]}"#;

    let (place, reason) = refusal(text);

    assert_eq!(place, "runners[1].os (line 3 column 57)");
    assert_eq!(
        reason,
        r#"unknown os "solaris" (expected linux, macos, windows)"#
    );
}

#[tokio::test]
async fn a_bad_scope_is_refused_at_its_runner() {
    for scope in ["teams/x", "orgs/", "repos/only-owner", "orgs/a b"] {
        let text =
            json!({"runners": [{"scope": "orgs/o", "name": "a"}, {"scope": scope, "name": "b"}]});

        let (place, reason) = refusal(&text.to_string());

        assert_eq!(place, "runners[1].scope", "{scope}");
        assert_eq!(
            reason,
            format!("invalid scope {scope:?} (expected enterprises/E, orgs/O or repos/O/R)")
        );
    }
}

#[tokio::test]
async fn a_runner_name_used_twice_in_a_scope_is_refused_whatever_the_case() {
    let text = json!({"runners": [
        {"scope": "orgs/Octo", "name": "Builder"},
        {"scope": "repos/octo/r", "name": "builder"},
        {"scope": "orgs/octo", "name": "builder"},
    ]});

    let (place, reason) = refusal(&text.to_string());

    assert_eq!(place, "runners[2].name");
    assert_eq!(
        reason,
        r#"a runner named "builder" is already in orgs/octo"#
    );
}

#[tokio::test]
async fn a_bad_org_or_repo_name_is_refused_at_its_place() {
    let (place, _) = refusal(r#"{"orgs": ["fine", "has space"]}"#);
    let (repo_place, repo_reason) = refusal(r#"{"repos": ["no-slash"]}"#);

    assert_eq!(place, "orgs[1]");
    assert_eq!(repo_place, "repos[0]");
    assert!(repo_reason.contains("no-slash"), "{repo_reason}");
}

#[tokio::test]
async fn a_fixture_file_error_names_the_file_the_place_and_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fixture.json");
    std::fs::write(&file, r#"{"runners": [{"scope": "teams/x", "name": "a"}]}"#).unwrap();

    let error = Seed::from_file(&file).unwrap_err();

    assert_eq!(error.file, file);
    assert_eq!(error.place, "runners[0].scope");
    assert_eq!(
        error.to_string(),
        format!(
            "seed file {}: runners[0].scope: invalid scope \"teams/x\" (expected enterprises/E, orgs/O or repos/O/R)",
            file.display()
        )
    );
}

#[tokio::test]
async fn a_missing_fixture_file_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("absent.json");

    let error = Seed::from_file(&file).unwrap_err();

    assert_eq!(error.file, file);
    assert!(
        error
            .to_string()
            .starts_with(&format!("seed file {}: ", file.display())),
        "{error}"
    );
}

#[tokio::test]
async fn groups_memberships_labels_and_jit_runners_outlive_a_restart() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let start =
        || async { spawn_with(GhesMock::builder().database(&db).ghes_version("3.22")).await };
    let app = start().await;
    let joined = app
        .control(
            Method::PUT,
            "/orgs/octo-org",
            Some(json!({"enterprise": "octo-enterprise"})),
        )
        .await;
    assert_eq!(joined.status, 200, "{:?}", joined.body);
    let shared = app
        .send(
            Method::POST,
            "/enterprises/octo-enterprise/actions/runner-groups",
            json!({"name": "shared"}),
        )
        .await;
    let group = app
        .send(
            Method::POST,
            "/orgs/octo-org/actions/runner-groups",
            json!({"name": "gpu", "visibility": "private"}),
        )
        .await;
    let runner = app
        .register_runner(ORG, "a", json!({"runner_group": "gpu", "ephemeral": true}))
        .await;
    let labels = app
        .send(
            Method::PUT,
            &format!("/orgs/octo-org/actions/runners/{}/labels", runner["id"]),
            json!({"labels": ["big"]}),
        )
        .await;
    let jit = app
        .send(
            Method::POST,
            "/orgs/octo-org/actions/runners/generate-jitconfig",
            json!({"name": "jit", "runner_group_id": group.body["id"], "labels": ["x"]}),
        )
        .await;
    let groups_before = app.get("/orgs/octo-org/actions/runner-groups").await.body;
    let runners_before = app.get(&runners_path(ORG)).await.body;
    let uri_before = app.mock.uri();

    // Act
    stop(app).await;
    let app = start().await;

    // Assert: the same groups, their URLs on the new port.
    let groups_after = app.get("/orgs/octo-org/actions/runner-groups").await.body;
    assert_eq!(
        groups_after.to_string(),
        groups_before
            .to_string()
            .replace(&uri_before, &app.mock.uri()),
        "own and inherited groups"
    );
    assert_eq!(groups_before["runner_groups"][1]["id"], shared.body["id"]);
    assert_eq!(groups_before["runner_groups"][1]["inherited"], true);
    assert_eq!(app.get(&runners_path(ORG)).await.body, runners_before);
    assert_eq!(
        runners_before["runners"][0]["labels"],
        labels.body["labels"]
    );
    let started = app
        .control(
            Method::POST,
            "/runners/jit",
            Some(json!({"encoded_jit_config": jit.body["encoded_jit_config"]})),
        )
        .await;
    assert_eq!(started.status, 200, "its configuration still starts it");
    let next = app
        .send(
            Method::POST,
            "/orgs/octo-org/actions/runner-groups",
            json!({"name": "later"}),
        )
        .await;
    assert!(
        next.body["id"].as_i64() > group.body["id"].as_i64(),
        "group ids are not handed out again"
    );
}

// --- runs, jobs, hooks and deliveries --------------------------------------------------

const APP_REPO: &str = "octo-org/octo-repo";
const HOOKS: &str = "/repos/octo-org/octo-repo/hooks";
const RUNS: &str = "/repos/octo-org/octo-repo/actions/runs";
const SECRET: &str = "kept across restarts";

/// A GHES 3.22 mock on a database file, seeded with `fixture()`.
async fn simulator_on_file(path: &Path) -> TestApp {
    let seed = Seed::from_json(&fixture().to_string()).expect("the test's fixture is valid");
    spawn_with(
        GhesMock::builder()
            .database(path)
            .ghes_version("3.22")
            .seed(seed),
    )
    .await
}

#[tokio::test]
async fn runs_jobs_and_hooks_outlive_a_restart_and_carry_on_after_it() {
    // Arrange: a signed hook whose ping is recorded, an org hook, a runner
    // busy with a job that ends on the clock, and a job waiting for it.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let app = simulator_on_file(&db).await;
    let target = HookTarget::start().await;
    let hook = hook_on(
        &app,
        HOOKS,
        &target,
        json!({"content_type": "json", "secret": SECRET}),
    )
    .await;
    let deliveries = format!("{HOOKS}/{}/deliveries", hook["id"]);
    app.create_hook(
        "/orgs/octo-org/hooks",
        json!({"name": "web", "active": false, "config": {"url": target.url()}}),
    )
    .await;
    let runner = app
        .register_runner(ORG, "worker", json!({"labels": ["worker"]}))
        .await;
    let run = app
        .queue_run(json!({"repo": APP_REPO, "jobs": [
            {"labels": ["worker"], "duration_seconds": 600},
            {"labels": ["worker"]}
        ]}))
        .await;
    let [first, second] = [0, 1].map(|i| run["jobs"][i]["id"].clone());
    let mut actions = Vec::new();
    for _ in 0..3 {
        actions.push(next_delivery(&target).await.action);
    }
    assert_eq!(
        actions,
        [Some("queued"), Some("queued"), Some("in_progress")].map(|a| a.map(str::to_owned))
    );
    recorded(&app, &deliveries, 4).await;
    let paths = [
        RUNS.to_owned(),
        format!("{RUNS}/{}/jobs", run["id"]),
        HOOKS.to_owned(),
        "/orgs/octo-org/hooks".to_owned(),
        format!("{HOOKS}/{}/config", hook["id"]),
        deliveries.clone(),
        runner_path(ORG, &runner["id"]),
    ];
    let mut before = Vec::new();
    for path in &paths {
        before.push(app.get(path).await.body);
    }

    let old_address = app.mock.address().to_string();

    // Act
    stop(app).await;
    let app = simulator_on_file(&db).await;

    // Assert: all of it as it was, but for the new port in its URLs.
    for (path, body) in paths.iter().zip(&before) {
        let after = app.get(path).await.body.to_string();
        let before = body
            .to_string()
            .replace(&old_address, &app.mock.address().to_string());
        assert!(after == before, "{path} changed:\n{before}\n{after}");
    }
    assert_eq!(before[1]["jobs"][0]["status"], "in_progress");
    assert_eq!(before[1]["jobs"][1]["status"], "queued");
    assert_eq!(before[6]["busy"], true);

    // Act: the first job's time runs out on the clock.
    app.set_clock(601).await;
    let done = app
        .get(&format!("/repos/{APP_REPO}/actions/jobs/{first}"))
        .await;
    let next = app
        .get(&format!("/repos/{APP_REPO}/actions/jobs/{second}"))
        .await;
    let announced = [next_delivery(&target).await, next_delivery(&target).await];

    // Assert: the simulator carries on where it was, still signing.
    assert_eq!(done.body["status"], "completed", "{:?}", done.body);
    assert_eq!(next.body["status"], "in_progress");
    assert_eq!(next.body["runner_id"], runner["id"]);
    let actions: Vec<Option<&str>> = announced.iter().map(|d| d.action.as_deref()).collect();
    assert_eq!(actions, [Some("completed"), Some("in_progress")]);
    assert!(announced.iter().all(|d| d.verify(SECRET)));
    let queued_again = app
        .queue_run(json!({"repo": APP_REPO, "jobs": [{"labels": ["x"]}]}))
        .await;
    assert_eq!(queued_again["run_number"], 2, "numbering goes on");
}

#[tokio::test]
async fn a_delivery_left_pending_when_the_server_stops_is_sent_after_the_restart() {
    // Arrange: the next queued is held far longer than the server runs.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let app = simulator_on_file(&db).await;
    let target = HookTarget::start().await;
    hook_on(&app, HOOKS, &target, json!({"content_type": "json"})).await;
    let fault = json!({"delivery": "delay", "action": "queued", "delay_ms": 600_000});
    let added = app.control(Method::POST, "/faults", Some(fault)).await;
    assert_eq!(added.status, 201, "{:?}", added.body);
    app.queue_run(json!({"repo": APP_REPO, "jobs": [{"labels": ["x"]}]}))
        .await;
    let pending = app.mock_deliveries("event=workflow_job").await;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["state"], "pending");

    // Act
    stop(app).await;
    assert_eq!(target.received().len(), 1, "only the ping went out");
    let app = simulator_on_file(&db).await;

    // Assert
    let delivery = next_delivery(&target).await;
    assert_eq!(delivery.action.as_deref(), Some("queued"));
    assert_eq!(delivery.guid, pending[0]["guid"].as_str().unwrap());
    let sent = eventually("the delivery is recorded as sent", || async {
        let all = app.mock_deliveries("event=workflow_job").await;
        (all.len() == 1 && all[0]["state"] == "sent").then_some(all)
    })
    .await;
    assert_eq!(sent[0]["id"], pending[0]["id"]);
    assert_eq!(sent[0]["status"], "OK");
}

#[tokio::test]
async fn reset_returns_to_the_seed_with_no_runs_hooks_or_deliveries() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let app = simulator_on_file(&db).await;
    let seeded_runners = app.get(&runners_path(ORG)).await.body;
    let target = HookTarget::start().await;
    let hook = hook_on(&app, HOOKS, &target, json!({"content_type": "json"})).await;
    app.create_hook(
        "/admin/hooks",
        json!({"name": "web", "active": false, "config": {"url": target.url()}}),
    )
    .await;
    let run = app
        .queue_run(json!({"repo": APP_REPO, "jobs": [{"labels": ["self-hosted"]}]}))
        .await;
    next_delivery(&target).await;

    // Act
    let reset = app.control(Method::POST, "/reset", None).await;

    // Assert
    assert_eq!(reset.status, 204, "{:?}", reset.body);
    assert_eq!(
        app.get(RUNS).await.body,
        json!({"total_count": 0, "workflow_runs": []})
    );
    assert_eq!(app.get(HOOKS).await.body, json!([]));
    assert_eq!(app.get("/admin/hooks").await.body, json!([]));
    assert_eq!(
        app.get(&format!("{HOOKS}/{}", hook["id"])).await.status,
        404
    );
    let job = app
        .control(
            Method::GET,
            &format!("/jobs/{}", run["jobs"][0]["id"]),
            None,
        )
        .await;
    assert_eq!(job.status, 404);
    assert_eq!(app.mock_deliveries("").await, Vec::<Value>::new());
    let state = app.control(Method::GET, "/state", None).await;
    assert_eq!(
        state.body["jobs"],
        json!({"queued": 0, "in_progress": 0, "completed": 0, "idle_runners": 2}),
        "the seeded runners, idle"
    );
    assert_eq!(app.get(&runners_path(ORG)).await.body, seeded_runners);
    app.queue_run(json!({"repo": APP_REPO, "jobs": [{"labels": ["x"]}]}))
        .await;
    assert_eq!(
        app.mock_deliveries("").await,
        Vec::<Value>::new(),
        "no hook hears it"
    );
    stop(app).await;
    let app = simulator_on_file(&db).await;
    assert_eq!(
        app.get(HOOKS).await.body,
        json!([]),
        "the reset was written"
    );
}
