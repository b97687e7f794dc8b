//! The job simulator (SPEC §9): a queued job goes to an online, idle runner
//! that carries all its labels and may serve its repository, in queue order,
//! one job per runner; it completes on the mock clock or through the
//! control API; a runner gone mid-job fails it. Runs and jobs read over
//! GitHub's REST agree with all of it.

use reqwest::Method;
use serde_json::{Value, json};

use ghes_mock::{GhesMock, NewRun, Seed};

use crate::helpers::{TestApp, assert_error_shape, eventually, link_of, spawn_version, spawn_with};

const APP_REPO: &str = "octo-org/app";
const ORG: &str = "orgs/octo-org";
const ENTERPRISE: &str = "enterprises/octo-enterprise";
const RUNS: &str = "/repos/octo-org/app/actions/runs";

/// An enterprise with two member organizations, one of them with two
/// repositories, and an organization of no enterprise.
fn fixture() -> Value {
    json!({
        "enterprises": ["octo-enterprise"],
        "orgs": [
            {"login": "octo-org", "enterprise": "octo-enterprise"},
            {"login": "other-org", "enterprise": "octo-enterprise"},
            "lone-org"
        ],
        "repos": ["octo-org/app", "octo-org/site", "other-org/tool", "lone-org/solo"],
    })
}

async fn app() -> TestApp {
    spawn_version("3.22", fixture()).await
}

/// A run of one job of `repo` on `labels`, as queued.
async fn queue_job(app: &TestApp, repo: &str, job: Value) -> Value {
    let run = app.queue_run(json!({"repo": repo, "jobs": [job]})).await;
    run["jobs"][0].clone()
}

/// A runner through the API of its scope.
async fn runner(app: &TestApp, scope: &str, runner: &Value) -> Value {
    let response = app
        .get(&format!("/{scope}/actions/runners/{}", runner["id"]))
        .await;
    assert_eq!(response.status, 200, "{:?}", response.body);
    response.body
}

/// What a job says of its runner: id, name, group id and group name.
fn runner_of(job: &Value) -> (Value, Value, Value, Value) {
    (
        job["runner_id"].clone(),
        job["runner_name"].clone(),
        job["runner_group_id"].clone(),
        job["runner_group_name"].clone(),
    )
}

fn no_runner() -> (Value, Value, Value, Value) {
    (Value::Null, Value::Null, Value::Null, Value::Null)
}

async fn create_group(app: &TestApp, scope: &str, body: Value) -> Value {
    let response = app
        .send(
            Method::POST,
            &format!("/{scope}/actions/runner-groups"),
            body,
        )
        .await;
    assert_eq!(response.status, 201, "{:?}", response.body);
    response.body
}

/// A job through the control API, which shows a job of any repository.
async fn control_job(app: &TestApp, job: &Value) -> Value {
    let response = app
        .control(Method::GET, &format!("/jobs/{}", job["id"]), None)
        .await;
    assert_eq!(response.status, 200, "{:?}", response.body);
    response.body
}

// --- assignment ---------------------------------------------------------------------

#[tokio::test]
async fn a_queued_job_goes_at_once_to_an_idle_runner_with_all_its_labels_in_any_case() {
    // Arrange: Linux X64 read-only labels, and a custom one.
    let app = app().await;
    let gpu = app
        .register_runner("repos/octo-org/app", "gpu-1", json!({"labels": ["GPU"]}))
        .await;

    // Act
    let run = app
        .queue_run(json!({"repo": APP_REPO, "workflow_name": "Build", "jobs": [
            {"name": "train", "labels": ["SELF-HOSTED", "linux", "x64", "gpu"]}
        ]}))
        .await;

    // Assert
    let job = &run["jobs"][0];
    assert_eq!(job["status"], "in_progress", "{job}");
    assert_eq!(job["conclusion"], Value::Null);
    assert_eq!(
        runner_of(job),
        (
            gpu["id"].clone(),
            json!("gpu-1"),
            json!(1),
            json!("Default")
        )
    );
    assert_eq!(job["labels"], json!(["SELF-HOSTED", "linux", "x64", "gpu"]));
    assert_eq!(job["name"], "train");
    assert_eq!(job["workflow_name"], "Build");
    assert_eq!(run["status"], "in_progress");
    assert_eq!(app.job(APP_REPO, &job["id"]).await, *job);
    assert_eq!(runner(&app, "repos/octo-org/app", &gpu).await["busy"], true);
}

#[tokio::test]
async fn a_job_no_runner_can_serve_stays_queued_until_a_matching_runner_registers() {
    // Arrange: a runner that lacks one of the job's labels.
    let app = app().await;
    let cpu = app.register_runner(ORG, "cpu", json!({})).await;
    let job = queue_job(&app, APP_REPO, json!({"labels": ["self-hosted", "gpu"]})).await;
    assert_eq!(job["status"], "queued", "{job}");
    assert_eq!(runner_of(&job), no_runner());
    assert_eq!(job["steps"], json!([]));

    // Act
    let gpu = app
        .register_runner(ORG, "gpu", json!({"labels": ["gpu"]}))
        .await;

    // Assert: taken in the registration's own request.
    let job = app.job(APP_REPO, &job["id"]).await;
    assert_eq!(job["status"], "in_progress", "{job}");
    assert_eq!(job["runner_id"], gpu["id"]);
    assert_eq!(runner(&app, ORG, &cpu).await["busy"], false);
    assert_eq!(runner(&app, ORG, &gpu).await["busy"], true);
}

#[tokio::test]
async fn an_offline_or_busy_runner_takes_nothing_and_takes_the_job_once_online_and_idle() {
    // Arrange
    let app = app().await;
    let offline = app
        .register_runner(ORG, "sleepy", json!({"status": "offline"}))
        .await;
    let busy = app
        .register_runner(ORG, "working", json!({"busy": true}))
        .await;
    let job = queue_job(&app, APP_REPO, json!({"labels": ["self-hosted"]})).await;
    assert_eq!(job["status"], "queued");

    // Act
    app.patch_runner(&offline["id"], json!({"status": "online"}))
        .await;

    // Assert
    let job = app.job(APP_REPO, &job["id"]).await;
    assert_eq!(job["runner_id"], offline["id"], "{job}");
    assert_eq!(runner(&app, ORG, &busy).await["busy"], true);
}

#[tokio::test]
async fn a_repositorys_own_runners_serve_that_repository_only() {
    // Arrange
    let app = app().await;
    let site_runner = app
        .register_runner("repos/octo-org/site", "site-1", json!({}))
        .await;

    // Act
    let app_job = queue_job(&app, APP_REPO, json!({"labels": ["self-hosted"]})).await;
    let site_job = queue_job(&app, "octo-org/site", json!({"labels": ["self-hosted"]})).await;

    // Assert
    assert_eq!(app_job["status"], "queued");
    assert_eq!(site_job["status"], "in_progress");
    assert_eq!(
        runner_of(&site_job),
        (
            site_runner["id"].clone(),
            json!("site-1"),
            json!(1),
            json!("Default")
        )
    );
}

#[tokio::test]
async fn an_organizations_groups_serve_the_repositories_they_are_visible_to() {
    // Arrange: a group for `app` only, and the default group for all.
    let app = app().await;
    let app_id = app.id_of("/repos/octo-org/app").await;
    let group = create_group(
        &app,
        ORG,
        json!({"name": "app-only", "visibility": "selected",
               "selected_repository_ids": [app_id]}),
    )
    .await;
    let special = app
        .register_runner(
            ORG,
            "special",
            json!({"labels": ["special"], "runner_group": "app-only"}),
        )
        .await;
    let common = app
        .register_runner(ORG, "common", json!({"labels": ["common"]}))
        .await;

    // Act
    let site_special = queue_job(&app, "octo-org/site", json!({"labels": ["special"]})).await;
    let app_special = queue_job(&app, APP_REPO, json!({"labels": ["special"]})).await;
    let site_common = queue_job(&app, "octo-org/site", json!({"labels": ["common"]})).await;
    let other_org = queue_job(&app, "other-org/tool", json!({"labels": ["common"]})).await;

    // Assert
    assert_eq!(site_special["status"], "queued", "not visible to site");
    assert_eq!(
        runner_of(&app_special),
        (
            special["id"].clone(),
            json!("special"),
            group["id"].clone(),
            json!("app-only")
        )
    );
    assert_eq!(
        runner_of(&site_common),
        (
            common["id"].clone(),
            json!("common"),
            json!(1),
            json!("Default")
        )
    );
    assert_eq!(other_org["status"], "queued", "another org's runners");
}

#[tokio::test]
async fn an_enterprises_groups_serve_the_organizations_they_are_shared_with() {
    // Arrange: a group shared with other-org only, and the default group
    // (all organizations of the enterprise).
    let app = app().await;
    let other_id = app.id_of("/orgs/other-org").await;
    let shared = create_group(
        &app,
        ENTERPRISE,
        json!({"name": "shared", "visibility": "selected",
               "selected_organization_ids": [other_id]}),
    )
    .await;
    let big = app
        .register_runner(
            ENTERPRISE,
            "big",
            json!({"labels": ["big"], "runner_group": "shared"}),
        )
        .await;
    let everyone = app
        .register_runner(ENTERPRISE, "everyone", json!({"labels": ["any"]}))
        .await;

    // Act
    let octo_big = queue_job(&app, APP_REPO, json!({"labels": ["big"]})).await;
    let other_big = queue_job(&app, "other-org/tool", json!({"labels": ["big"]})).await;
    let lone_any = queue_job(&app, "lone-org/solo", json!({"labels": ["any"]})).await;
    let octo_any = queue_job(&app, APP_REPO, json!({"labels": ["any"]})).await;

    // Assert
    assert_eq!(octo_big["status"], "queued", "not shared with octo-org");
    assert_eq!(
        runner_of(&other_big),
        (
            big["id"].clone(),
            json!("big"),
            shared["id"].clone(),
            json!("shared")
        )
    );
    assert_eq!(lone_any["status"], "queued", "not in the enterprise");
    assert_eq!(
        runner_of(&octo_any),
        (
            everyone["id"].clone(),
            json!("everyone"),
            json!(1),
            json!("Default")
        )
    );
}

#[tokio::test]
async fn an_organization_joining_the_enterprise_lets_its_shared_runners_take_its_queued_jobs() {
    // Arrange
    let app = app().await;
    let shared = app.register_runner(ENTERPRISE, "e1", json!({})).await;
    let job = queue_job(&app, "lone-org/solo", json!({"labels": ["self-hosted"]})).await;
    assert_eq!(job["status"], "queued");

    // Act
    let joined = app
        .control(
            Method::PUT,
            "/orgs/lone-org",
            Some(json!({"enterprise": "octo-enterprise"})),
        )
        .await;

    // Assert: the clock task settles what the join made possible.
    assert_eq!(joined.status, 200, "{:?}", joined.body);
    let job = eventually("the job is taken", || async {
        let job = app.job("lone-org/solo", &job["id"]).await;
        (job["status"] == "in_progress").then_some(job)
    })
    .await;
    assert_eq!(job["runner_id"], shared["id"]);
}

#[tokio::test]
async fn a_job_naming_a_runner_group_goes_only_to_a_runner_of_that_group() {
    // Arrange: the lower id in the default group, a higher one in "GPU".
    let app = app().await;
    create_group(&app, ORG, json!({"name": "GPU"})).await;
    let plain = app
        .register_runner(ORG, "plain", json!({"labels": ["gpu"]}))
        .await;
    let fast = app
        .register_runner(
            ORG,
            "fast",
            json!({"labels": ["gpu"], "runner_group": "GPU"}),
        )
        .await;

    // Act
    let grouped = queue_job(
        &app,
        APP_REPO,
        json!({"labels": ["gpu"], "runner_group": "gpu"}),
    )
    .await;
    let nowhere = queue_job(
        &app,
        APP_REPO,
        json!({"labels": ["gpu"], "runner_group": "nowhere"}),
    )
    .await;
    let any = queue_job(&app, APP_REPO, json!({"labels": ["gpu"]})).await;

    // Assert
    assert_eq!(grouped["runner_id"], fast["id"], "{grouped}");
    assert_eq!(grouped["runner_group_name"], "GPU");
    assert_eq!(nowhere["status"], "queued");
    assert_eq!(any["runner_id"], plain["id"], "{any}");
}

#[tokio::test]
async fn jobs_go_in_queue_order_one_per_runner_to_the_lowest_runner_id_first() {
    // Arrange
    let app = app().await;
    let ids = app.register_runners(ORG, 2).await;
    let early = queue_job(&app, "octo-org/site", json!({"labels": ["self-hosted"]})).await;

    // Act: three more in one run; two runners for four jobs.
    let run = app
        .queue_run(json!({"repo": APP_REPO, "jobs": [
            {"labels": ["self-hosted"]}, {"labels": ["self-hosted"]}, {"labels": ["self-hosted"]}
        ]}))
        .await;

    // Assert
    let jobs = run["jobs"].as_array().unwrap();
    assert_eq!(early["runner_id"], ids[0]);
    assert_eq!(jobs[0]["runner_id"], ids[1]);
    assert_eq!(jobs[1]["status"], "queued");
    assert_eq!(jobs[2]["status"], "queued");
    let names: Vec<&Value> = jobs.iter().map(|j| &j["name"]).collect();
    assert_eq!(names, ["build (1)", "build (2)", "build (3)"]);

    // Act: a runner is freed; the next in queue order takes it, at once.
    let done = app
        .control(
            Method::POST,
            &format!("/jobs/{}/complete", early["id"]),
            None,
        )
        .await;

    // Assert
    assert_eq!(done.status, 200, "{:?}", done.body);
    let second = app.job(APP_REPO, &jobs[1]["id"]).await;
    let third = app.job(APP_REPO, &jobs[2]["id"]).await;
    assert_eq!(second["runner_id"], ids[0], "{second}");
    assert_eq!(third["status"], "queued");
}

#[tokio::test]
async fn in_a_large_run_the_jobs_no_runner_serves_wait_and_the_others_all_start() {
    // Arrange: a run of 150 jobs, every other one on a label no runner has
    // yet, and 100 runners for the 75 others.
    let mut seed = fixture();
    seed["runners"] = (0..100)
        .map(|i| json!({"scope": ORG, "name": format!("a-{i}"), "labels": ["a"]}))
        .collect();
    let app = spawn_version("3.22", seed).await;
    let jobs: Vec<Value> = (0..150)
        .map(|i| json!({"labels": [if i % 2 == 0 { "a" } else { "b" }]}))
        .collect();

    // Act
    let run = app.queue_run(json!({"repo": APP_REPO, "jobs": jobs})).await;

    // Assert
    let jobs = run["jobs"].as_array().expect("jobs");
    for (i, job) in jobs.iter().enumerate() {
        let expected = if i % 2 == 0 { "in_progress" } else { "queued" };
        assert_eq!(job["status"], expected, "job {i}: {job}");
    }
    let state = app.mock.state().await;
    assert_eq!((state.jobs.queued, state.jobs.idle_runners), (75, 25));

    // Act: a runner for the others; it takes the first of them.
    let b = app
        .register_runner(ORG, "b", json!({"labels": ["b"]}))
        .await;

    // Assert
    let first = app.job(APP_REPO, &jobs[1]["id"]).await;
    assert_eq!(first["runner_id"], b["id"], "{first}");
    assert_eq!(app.job(APP_REPO, &jobs[3]["id"]).await["status"], "queued");
}

#[tokio::test]
async fn a_jit_runner_takes_a_queued_job_when_it_starts_and_is_gone_after_it() {
    // Arrange: a queued job, and a JIT configuration made for it (GitHub
    // gives a JIT runner the labels asked for, and no others).
    let app = app().await;
    let job = queue_job(&app, APP_REPO, json!({"labels": ["self-hosted", "jit"]})).await;
    let made = app
        .send(
            Method::POST,
            "/orgs/octo-org/actions/runners/generate-jitconfig",
            json!({"name": "jit-1", "runner_group_id": 1, "labels": ["self-hosted", "jit"]}),
        )
        .await;
    assert_eq!(made.status, 201, "{:?}", made.body);
    let not_started = app.job(APP_REPO, &job["id"]).await;

    // Act
    let started = app
        .control(
            Method::POST,
            "/runners/jit",
            Some(json!({"encoded_jit_config": made.body["encoded_jit_config"]})),
        )
        .await;
    let running = app.job(APP_REPO, &job["id"]).await;
    control_job(&app, &job).await;
    let done = app
        .control(Method::POST, &format!("/jobs/{}/complete", job["id"]), None)
        .await;

    // Assert
    assert_eq!(
        not_started["status"], "queued",
        "a JIT runner is offline until it starts"
    );
    assert_eq!(started.status, 200, "{:?}", started.body);
    assert_eq!(running["status"], "in_progress");
    assert_eq!(running["runner_name"], "jit-1");
    assert_eq!(done.body["conclusion"], "success");
    let gone = app
        .get(&format!(
            "/orgs/octo-org/actions/runners/{}",
            started.body["id"]
        ))
        .await;
    assert_eq!(gone.status, 404, "a JIT runner runs one job");
}

// --- a runner gone mid-job ------------------------------------------------------------

#[tokio::test]
async fn a_runner_going_offline_mid_job_fails_its_job() {
    // Arrange
    let app = app().await;
    let flaky = app.register_runner(ORG, "flaky", json!({})).await;
    let job = queue_job(&app, APP_REPO, json!({"labels": ["self-hosted"]})).await;
    assert_eq!(job["status"], "in_progress");

    // Act
    let patched = app
        .patch_runner(&flaky["id"], json!({"status": "offline"}))
        .await;

    // Assert
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    let job = app.job(APP_REPO, &job["id"]).await;
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(job["conclusion"], "failure");
    assert!(job["completed_at"].is_string());
    let runs = app.get(RUNS).await;
    assert_eq!(runs.body["workflow_runs"][0]["conclusion"], "failure");
}

#[tokio::test]
async fn a_busy_runner_cannot_be_deleted_over_rest_but_removing_it_fails_its_job() {
    // Arrange
    let app = app().await;
    let doomed = app.register_runner(ORG, "doomed", json!({})).await;
    let job = queue_job(&app, APP_REPO, json!({"labels": ["self-hosted"]})).await;
    let path = format!("/orgs/octo-org/actions/runners/{}", doomed["id"]);

    // Act
    let refused = app.delete(&path).await;

    // Assert
    assert_eq!(refused.status, 422, "{:?}", refused.body);
    assert_eq!(app.get(&path).await.status, 200);
    assert_eq!(app.job(APP_REPO, &job["id"]).await["status"], "in_progress");

    // Act: the runner removes itself, as `config.sh remove` does.
    let token = app.remove_token(ORG).await;
    let removed = app
        .control(
            Method::POST,
            &format!("/runners/{}/remove", doomed["id"]),
            Some(json!({"token": token})),
        )
        .await;

    // Assert
    assert_eq!(removed.status, 204, "{:?}", removed.body);
    assert_eq!(app.get(&path).await.status, 404);
    let job = eventually("the job fails", || async {
        let job = app.job(APP_REPO, &job["id"]).await;
        (job["status"] == "completed").then_some(job)
    })
    .await;
    assert_eq!(job["conclusion"], "failure", "{job}");
    assert_eq!(job["runner_id"], doomed["id"], "it ran there");
}

#[tokio::test]
async fn an_ephemeral_runner_is_deleted_after_its_job_and_a_persistent_one_goes_back_to_idle() {
    // Arrange
    let app = app().await;
    let once = app
        .register_runner(ORG, "once", json!({"ephemeral": true, "labels": ["a"]}))
        .await;
    let again = app
        .register_runner(ORG, "again", json!({"labels": ["b"]}))
        .await;
    let first = queue_job(&app, APP_REPO, json!({"labels": ["a"]})).await;
    let second = queue_job(&app, APP_REPO, json!({"labels": ["b"]})).await;

    // Act
    for job in [&first, &second] {
        let done = app
            .control(Method::POST, &format!("/jobs/{}/complete", job["id"]), None)
            .await;
        assert_eq!(done.status, 200, "{:?}", done.body);
        assert_eq!(done.body["conclusion"], "success");
    }

    // Assert
    let gone = app
        .get(&format!("/orgs/octo-org/actions/runners/{}", once["id"]))
        .await;
    assert_eq!(gone.status, 404, "{:?}", gone.body);
    let idle = runner(&app, ORG, &again).await;
    assert_eq!(
        (&idle["busy"], &idle["status"]),
        (&json!(false), &json!("online"))
    );
    let next = queue_job(&app, APP_REPO, json!({"labels": ["b"]})).await;
    assert_eq!(next["runner_id"], again["id"], "idle again: takes the next");
}

// --- completion ------------------------------------------------------------------------

#[tokio::test]
async fn a_job_with_a_duration_completes_when_the_mock_clock_passes_it() {
    // Arrange
    let app = app().await;
    let worker = app.register_runner(ORG, "r", json!({})).await;
    let job = queue_job(
        &app,
        APP_REPO,
        json!({"labels": ["self-hosted"], "duration_seconds": 600, "conclusion": "failure"}),
    )
    .await;
    assert_eq!(job["status"], "in_progress");

    // Act: halfway, then past the end.
    app.set_clock(300).await;
    let halfway = app.job(APP_REPO, &job["id"]).await;
    app.set_clock(601).await;
    let after = app.job(APP_REPO, &job["id"]).await;

    // Assert
    assert_eq!(halfway["status"], "in_progress", "{halfway}");
    assert_eq!(after["status"], "completed", "{after}");
    assert_eq!(after["conclusion"], "failure", "the conclusion planned");
    let started =
        chrono::DateTime::parse_from_rfc3339(after["started_at"].as_str().unwrap()).unwrap();
    let completed =
        chrono::DateTime::parse_from_rfc3339(after["completed_at"].as_str().unwrap()).unwrap();
    assert!(
        (completed - started).num_seconds() >= 600,
        "{started} -> {completed}"
    );
    assert_eq!(runner(&app, ORG, &worker).await["busy"], false);
}

#[tokio::test]
async fn complete_and_cancel_end_a_job_now_and_a_finished_job_cannot_finish_again() {
    // Arrange: one runner, three jobs: two will run in turn, one stays queued.
    let app = app().await;
    app.register_runner(ORG, "r", json!({})).await;
    let run = app
        .queue_run(json!({"repo": APP_REPO, "jobs": [
            {"labels": ["self-hosted"]}, {"labels": ["self-hosted"]},
            {"labels": ["nobody-has-this"]}
        ]}))
        .await;
    let [first, second, stuck] = [0, 1, 2].map(|i| run["jobs"][i]["id"].clone());
    let post = |path: String, body: Option<Value>| {
        let app = &app;
        async move { app.control(Method::POST, &path, body).await }
    };

    // Act
    let completed = post(
        format!("/jobs/{first}/complete"),
        Some(json!({"conclusion": "neutral"})),
    )
    .await;
    let cancelled = post(format!("/jobs/{second}/cancel"), None).await;
    let cancelled_queued = post(format!("/jobs/{stuck}/cancel"), None).await;
    let again = [
        post(format!("/jobs/{first}/complete"), None).await,
        post(format!("/jobs/{first}/cancel"), None).await,
        post(format!("/jobs/{stuck}/complete"), None).await,
    ];

    // Assert
    assert_eq!(completed.status, 200, "{:?}", completed.body);
    assert_eq!(completed.body["status"], "completed");
    assert_eq!(completed.body["conclusion"], "neutral");
    assert_eq!(cancelled.status, 200, "{:?}", cancelled.body);
    assert_eq!(cancelled.body["conclusion"], "cancelled");
    assert!(cancelled.body["runner_id"].is_i64(), "it was running");
    assert_eq!(cancelled_queued.body["status"], "completed");
    assert_eq!(cancelled_queued.body["conclusion"], "cancelled");
    assert_eq!(runner_of(&cancelled_queued.body), no_runner());
    for answer in &again {
        assert_eq!(answer.status, 422, "{:?}", answer.body);
    }
    assert_eq!(app.job(APP_REPO, &first).await, completed.body);
    let run = app.get(&format!("{RUNS}/{}", run["id"])).await;
    assert_eq!(run.body["status"], "completed");
    assert_eq!(run.body["conclusion"], "cancelled");
}

#[tokio::test]
async fn unknown_runs_and_jobs_are_not_found_over_rest_and_the_control_api() {
    // Arrange: a job of another repository of the same organization.
    let app = app().await;
    let job = queue_job(&app, "octo-org/site", json!({"labels": ["x"]})).await;
    let run_id = &job["run_id"];
    let job_id = &job["id"];

    // Act
    let rest = [
        app.get(&format!("{RUNS}/{run_id}")).await,
        app.get(&format!("{RUNS}/{run_id}/jobs")).await,
        app.get(&format!("/repos/octo-org/app/actions/jobs/{job_id}"))
            .await,
        app.get(&format!("{RUNS}/987654")).await,
        app.get("/repos/octo-org/app/actions/jobs/987654").await,
        app.get(&format!(
            "/repos/octo-org/site/actions/runs/{run_id}/attempts/2"
        ))
        .await,
        app.delete(&format!("{RUNS}/987654")).await,
    ];
    let control = [
        app.control(Method::GET, "/runs/987654", None).await,
        app.control(Method::GET, "/jobs/987654", None).await,
        app.control(Method::POST, "/jobs/987654/complete", None)
            .await,
        app.control(Method::POST, "/jobs/987654/cancel", None).await,
    ];

    // Assert
    for answer in rest.iter().chain(&control) {
        assert_eq!(answer.status, 404, "{:?}", answer.body);
        assert_eq!(answer.body["message"], "Not Found");
    }
    assert_eq!(
        app.get(&format!("/repos/octo-org/site/actions/jobs/{job_id}"))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn bad_run_bodies_are_refused_with_422_and_queue_nothing() {
    // Arrange
    let app = app().await;
    let job = json!({"labels": ["self-hosted"]});
    let many: Vec<Value> = (0..1001).map(|_| job.clone()).collect();
    let bad = [
        json!({"jobs": [job]}),
        json!({"repo": APP_REPO}),
        json!({"repo": "octo-org", "jobs": [job]}),
        json!({"repo": "octo-org/app/extra", "jobs": [job]}),
        json!({"repo": APP_REPO, "jobs": []}),
        json!({"repo": APP_REPO, "jobs": [{"labels": []}]}),
        json!({"repo": APP_REPO, "jobs": [{"name": "no labels"}]}),
        json!({"repo": APP_REPO, "jobs": [{"labels": ["a,b"]}]}),
        json!({"repo": APP_REPO, "jobs": [{"labels": ["x"], "duration_seconds": -1}]}),
        json!({"repo": APP_REPO, "jobs": [{"labels": ["x"], "duration_seconds": "soon"}]}),
        json!({"repo": APP_REPO, "jobs": [{"labels": ["x"], "conclusion": "exploded"}]}),
        json!({"repo": APP_REPO, "jobs": [{"labels": ["x"], "runner_group": " "}]}),
        json!({"repo": APP_REPO, "jobs": [job], "head_sha": "not-a-sha"}),
        json!({"repo": APP_REPO, "jobs": [job], "colour": "red"}),
        json!({"repo": APP_REPO, "jobs": many}),
    ];

    // Act
    let mut answers = Vec::new();
    for body in &bad {
        answers.push(app.control(Method::POST, "/runs", Some(body.clone())).await);
    }

    // Assert
    for (body, answer) in bad.iter().zip(&answers) {
        let shown = body.to_string();
        let shown = &shown[..shown.len().min(120)];
        assert_eq!(answer.status, 422, "{shown}: {:?}", answer.body);
        assert_eq!(answer.body["message"], "Validation Failed", "{shown}");
    }
    let runs = app.get(RUNS).await;
    assert_eq!(runs.body, json!({"total_count": 0, "workflow_runs": []}));
    let state = app.control(Method::GET, "/state", None).await;
    assert_eq!(state.body["jobs"]["queued"], 0, "{:?}", state.body);
}

// --- runs over REST ---------------------------------------------------------------------

#[tokio::test]
async fn a_runs_status_and_conclusion_follow_its_jobs() {
    // Arrange: a run of two jobs, one runner that serves the first only.
    let app = app().await;
    let run = app
        .queue_run(json!({"repo": APP_REPO, "jobs": [
            {"labels": ["one"]}, {"labels": ["two"]}
        ]}))
        .await;
    let path = format!("{RUNS}/{}", run["id"]);
    let [one, two] = [0, 1].map(|i| run["jobs"][i]["id"].clone());
    let status = || async {
        let run = app.get(&path).await.body;
        (run["status"].clone(), run["conclusion"].clone())
    };
    let queued = status().await;

    // Act and Assert, step by step.
    app.register_runner(ORG, "r1", json!({"labels": ["one"]}))
        .await;
    let one_running = status().await;
    app.control(Method::POST, &format!("/jobs/{one}/complete"), None)
        .await;
    let one_done = status().await;
    app.control(
        Method::POST,
        &format!("/jobs/{two}/complete"),
        Some(json!({"conclusion": "failure"})),
    )
    .await;
    let all_done = status().await;

    assert_eq!(queued, (json!("queued"), Value::Null));
    assert_eq!(one_running, (json!("in_progress"), Value::Null));
    assert_eq!(one_done, (json!("in_progress"), Value::Null));
    assert_eq!(all_done, (json!("completed"), json!("failure")));
    let jobs = app.get(&format!("{path}/jobs")).await;
    assert_eq!(jobs.body["total_count"], 2);
    let conclusions: Vec<&Value> = jobs.body["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| &j["conclusion"])
        .collect();
    assert_eq!(conclusions, [&json!("success"), &json!("failure")]);
    assert_eq!(
        app.get(&format!("{path}/jobs?filter=all")).await.body,
        jobs.body
    );
    assert_eq!(
        app.get(&format!("{path}/attempts/1/jobs")).await.body,
        jobs.body
    );
    let attempt = app.get(&format!("{path}/attempts/1")).await;
    assert_eq!(attempt.body, app.get(&path).await.body);
    assert_eq!(
        app.get(&format!("{path}/jobs?filter=some")).await.status,
        422
    );
}

#[tokio::test]
async fn the_runs_list_filters_by_status_or_conclusion_newest_first() {
    // Arrange: a completed run, a running one and a queued one.
    let app = app().await;
    app.register_runner(ORG, "r", json!({"labels": ["fast"]}))
        .await;
    let done = queue_job(&app, APP_REPO, json!({"labels": ["fast"]})).await;
    app.control(
        Method::POST,
        &format!("/jobs/{}/complete", done["id"]),
        None,
    )
    .await;
    let running = queue_job(&app, APP_REPO, json!({"labels": ["fast"]})).await;
    let waiting = queue_job(&app, APP_REPO, json!({"labels": ["slow"]})).await;
    let ids = |answer: &crate::helpers::ApiResponse| -> Vec<Value> {
        answer.body["workflow_runs"]
            .as_array()
            .expect("workflow_runs")
            .iter()
            .map(|r| r["id"].clone())
            .collect()
    };

    // Act
    let all = app.get(RUNS).await;
    let by = |status: &'static str| {
        let app = &app;
        async move { app.get(&format!("{RUNS}?status={status}")).await }
    };
    let queued = by("queued").await;
    let in_progress = by("in_progress").await;
    let completed = by("completed").await;
    let success = by("success").await;
    let failure = by("failure").await;
    let bogus = by("exploded").await;

    // Assert
    assert_eq!(
        ids(&all),
        [&waiting, &running, &done].map(|j| j["run_id"].clone())
    );
    assert_eq!(all.body["total_count"], 3);
    assert_eq!(ids(&queued), [waiting["run_id"].clone()]);
    assert_eq!(ids(&in_progress), [running["run_id"].clone()]);
    assert_eq!(ids(&completed), [done["run_id"].clone()]);
    assert_eq!(ids(&success), [done["run_id"].clone()]);
    assert_eq!(failure.body, json!({"total_count": 0, "workflow_runs": []}));
    assert_eq!(bogus.status, 422, "{:?}", bogus.body);
    let branch = app.get(&format!("{RUNS}?branch=main&event=push")).await;
    assert_eq!(branch.body["total_count"], 3);
    let other = app.get(&format!("{RUNS}?branch=release")).await;
    assert_eq!(other.body["total_count"], 0);
}

#[tokio::test]
async fn the_runs_list_pages_with_a_link_header() {
    // Arrange
    let app = app().await;
    let mut run_ids = Vec::new();
    for _ in 0..5 {
        let run = app
            .queue_run(json!({"repo": APP_REPO, "jobs": [{"labels": ["x"]}]}))
            .await;
        run_ids.push(run["id"].clone());
    }
    run_ids.reverse();

    // Act: follow `next` from the first page.
    let mut pages = vec![app.get(&format!("{RUNS}?per_page=2")).await];
    while let Some(next) = link_of(pages.last().unwrap(), "next") {
        assert!(pages.len() < 10, "the next links loop");
        pages.push(app.follow(&next).await);
    }

    // Assert
    assert_eq!(pages.len(), 3);
    let seen: Vec<Value> = pages
        .iter()
        .flat_map(|p| p.body["workflow_runs"].as_array().unwrap().clone())
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(seen, run_ids, "every run once, newest first");
    for page in &pages {
        assert_eq!(page.body["total_count"], 5);
    }
    let last = link_of(&pages[0], "last").expect("a last link");
    assert!(last.ends_with("per_page=2&page=3"), "{last}");
    assert_eq!(link_of(&pages[2], "next"), None);
    assert!(link_of(&pages[2], "prev").is_some());
}

#[tokio::test]
async fn a_finished_run_can_be_deleted_and_one_still_going_cannot() {
    // Arrange
    let app = app().await;
    let going = queue_job(&app, APP_REPO, json!({"labels": ["x"]})).await;
    let finished = queue_job(&app, APP_REPO, json!({"labels": ["x"]})).await;
    app.control(
        Method::POST,
        &format!("/jobs/{}/cancel", finished["id"]),
        None,
    )
    .await;

    // Act
    let refused = app.delete(&format!("{RUNS}/{}", going["run_id"])).await;
    let deleted = app.delete(&format!("{RUNS}/{}", finished["run_id"])).await;

    // Assert
    assert_eq!(refused.status, 409, "{:?}", refused.body);
    assert_eq!(deleted.status, 204, "{:?}", deleted.body);
    assert_eq!(
        app.get(&format!("{RUNS}/{}", finished["run_id"]))
            .await
            .status,
        404
    );
    assert_eq!(
        app.get(&format!(
            "/repos/octo-org/app/actions/jobs/{}",
            finished["id"]
        ))
        .await
        .status,
        404
    );
    let control = app
        .control(Method::GET, &format!("/runs/{}", finished["run_id"]), None)
        .await;
    assert_eq!(control.status, 404);
    let left = app.get(RUNS).await;
    assert_eq!(left.body["total_count"], 1);
    assert_eq!(left.body["workflow_runs"][0]["id"], going["run_id"]);
    assert_eq!(control_job(&app, &going).await["status"], "queued");
}

#[tokio::test]
async fn the_control_api_shows_a_run_with_its_jobs_as_rest_does() {
    // Arrange
    let app = app().await;
    let run = app
        .queue_run(json!({"repo": APP_REPO, "workflow_name": "Nightly",
                          "head_branch": "release", "event": "schedule",
                          "jobs": [{"name": "a", "labels": ["x"]}, {"name": "b", "labels": ["y"]}]}))
        .await;

    // Act
    let control = app
        .control(Method::GET, &format!("/runs/{}", run["id"]), None)
        .await;
    let rest = app.get(&format!("{RUNS}/{}", run["id"])).await;
    let jobs = app.get(&format!("{RUNS}/{}/jobs", run["id"])).await;

    // Assert
    assert_eq!(control.body, run);
    let mut without_jobs = run.clone();
    without_jobs.as_object_mut().unwrap().remove("jobs");
    assert_eq!(rest.body, without_jobs);
    assert_eq!(jobs.body["jobs"], run["jobs"]);
    assert_eq!(rest.body["name"], "Nightly");
    assert_eq!(rest.body["head_branch"], "release");
    assert_eq!(rest.body["event"], "schedule");
    for job in run["jobs"].as_array().unwrap() {
        assert_eq!(job["workflow_name"], "Nightly");
        assert_eq!(job["head_branch"], "release");
        assert_eq!(job["head_sha"], rest.body["head_sha"]);
        assert_eq!(job["run_id"], run["id"]);
        assert_eq!(control_job(&app, job).await, *job);
    }
    let state = app.control(Method::GET, "/state", None).await;
    assert_eq!(state.body["jobs"]["queued"], 2, "{:?}", state.body);
}

#[tokio::test]
async fn runs_and_jobs_ask_for_the_repo_scope_or_an_installations_actions_permission() {
    // Arrange: strict mode; a job; an App that may read actions and one
    // that may not.
    let seed = Seed::from_json(&fixture().to_string()).unwrap();
    let app = spawn_with(
        GhesMock::builder()
            .ghes_version("3.22")
            .seed(seed)
            .token("repo", &["repo"])
            .token("hooks", &["admin:repo_hook", "admin:org"]),
    )
    .await;
    let job = queue_job(&app, APP_REPO, json!({"labels": ["x"]})).await;
    let mut installation_tokens = Vec::new();
    for permissions in [
        json!({"actions": "read"}),
        json!({"repository_hooks": "read"}),
    ] {
        let made = app
            .control(
                Method::POST,
                "/apps",
                Some(json!({"permissions": permissions})),
            )
            .await;
        let app_id = made.body["id"].as_i64().unwrap();
        let installed = app
            .control(
                Method::POST,
                &format!("/apps/{app_id}/installations"),
                Some(json!({"account": ORG})),
            )
            .await;
        let installation = installed.body["id"].as_i64().unwrap();
        installation_tokens.push(
            app.mock
                .installation_token(app_id, installation)
                .await
                .unwrap(),
        );
    }
    let paths = [
        RUNS.to_owned(),
        format!("{RUNS}/{}", job["run_id"]),
        format!("{RUNS}/{}/jobs", job["run_id"]),
        format!("/repos/octo-org/app/actions/jobs/{}", job["id"]),
    ];

    for path in &paths {
        // Act
        let with_repo = app.api(Method::GET, path, Some("repo")).await;
        let with_hooks = app.api(Method::GET, path, Some("hooks")).await;
        let with_actions = app
            .api(Method::GET, path, Some(&installation_tokens[0]))
            .await;
        let without = app
            .api(Method::GET, path, Some(&installation_tokens[1]))
            .await;
        let anonymous = app.api(Method::GET, path, None).await;

        // Assert
        assert_eq!(with_repo.status, 200, "{path}: {:?}", with_repo.body);
        assert_eq!(with_hooks.status, 403, "{path}");
        assert_eq!(with_actions.status, 200, "{path}: {:?}", with_actions.body);
        assert_eq!(without.status, 403, "{path}");
        assert_eq!(
            without.body["message"],
            "Resource not accessible by integration"
        );
        assert_eq!(anonymous.status, 401, "{path}");
    }
    let refused = app
        .api(Method::DELETE, &paths[1], Some(&installation_tokens[0]))
        .await;
    assert_eq!(refused.status, 403, "reading actions is not deleting runs");
}

#[tokio::test]
async fn jobs_whose_ending_was_dropped_half_way_still_end_at_once() {
    // Arrange: 300 running jobs announced to a hook, so that ending them
    // takes a while.
    let mut seed = fixture();
    seed["runners"] = (0..300)
        .map(|i| json!({"scope": ORG, "name": format!("r-{i}"), "labels": ["x"]}))
        .collect();
    let app = spawn_version("3.22", seed).await;
    let target = ghes_mock::HookTarget::start().await;
    app.create_hook(
        "/orgs/octo-org/hooks",
        json!({"name": "web", "events": ["workflow_job"], "config": {"url": target.url()}}),
    )
    .await;
    let run: NewRun = serde_json::from_value(json!({"repo": APP_REPO,
        "jobs": vec![json!({"labels": ["x"], "duration_seconds": 60}); 300]}))
    .unwrap();
    app.mock.queue_run(run).await.unwrap();
    assert_eq!(app.mock.state().await.jobs.in_progress, 300);

    // Act: the clock past their end, through the library, dropped while
    // the jobs end.
    let cut = tokio::time::timeout(
        std::time::Duration::from_millis(20),
        app.mock.set_clock_offset(61),
    )
    .await;

    // Assert: the rest end without another call, long before the minute
    // the clock task would otherwise have slept.
    assert!(cut.is_err(), "the call was cut off");
    let state = eventually("every job ends", || async {
        let state = app.mock.state().await;
        (state.jobs.completed == 300).then_some(state)
    })
    .await;
    assert_eq!(state.jobs.idle_runners, 300);
}

#[tokio::test]
async fn a_run_cut_off_by_the_time_limit_is_still_queued_whole() {
    // Arrange: a time limit a run of a thousand jobs can hardly meet.
    let seed = Seed::from_json(&fixture().to_string()).unwrap();
    let app = spawn_with(
        GhesMock::builder()
            .ghes_version("3.22")
            .seed(seed)
            .request_timeout(std::time::Duration::from_millis(50)),
    )
    .await;
    let jobs: Vec<Value> = (0..1000).map(|_| json!({"labels": ["x"]})).collect();

    // Act
    let cut = app
        .control(
            Method::POST,
            "/runs",
            Some(json!({"repo": APP_REPO, "jobs": jobs})),
        )
        .await;
    eventually("the run is queued", || async {
        (app.mock.state().await.jobs.queued == 1000).then_some(())
    })
    .await;
    let next: NewRun =
        serde_json::from_value(json!({"repo": APP_REPO, "jobs": [{"labels": ["x"]}]})).unwrap();
    let next = app.mock.queue_run(next).await.unwrap();

    // Assert: GitHub's 504, and the write went on to its end, in memory
    // as in SQLite, where the next run's number comes from.
    assert_eq!(cut.status, 504, "{:?}", cut.body);
    assert_error_shape(&cut.body);
    assert_eq!(next.run_number, 2);
    let state = app.mock.state().await;
    assert_eq!(
        (
            state.jobs.queued,
            state.jobs.in_progress,
            state.jobs.completed
        ),
        (1001, 0, 0)
    );
}
