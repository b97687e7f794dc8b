//! Version profiles: a server presents one GHES version from 3.1 to 3.22,
//! and serves each operation and field from the version that first had it.
//! Before that version a route answers as any unknown route does, and a
//! field is absent; every body is checked against the contract of the
//! version (see `contract`).

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, spawn_version};
use crate::server_process::command;

/// The versions the issue names, where the surface changes.
const VERSIONS: [&str; 6] = ["3.1", "3.4", "3.6", "3.10", "3.12", "3.22"];

fn minor(version: &str) -> u8 {
    version.split('.').nth(1).unwrap().parse().unwrap()
}

async fn app(version: &str) -> TestApp {
    spawn_version(
        version,
        json!({"enterprises": ["e"], "orgs": [{"login": "o", "enterprise": "e"}],
               "repos": ["o/r"]}),
    )
    .await
}

#[tokio::test]
async fn meta_headers_and_docs_links_name_the_version_presented() {
    for version in VERSIONS {
        let app = app(version).await;

        let meta = app.get("/meta").await;
        let missing = app.get("/orgs/o/actions/runners/987654").await;

        assert_eq!(meta.body["installed_version"], format!("{version}.0"));
        assert_eq!(
            meta.header("x-github-enterprise-version"),
            Some(format!("{version}.0").as_str())
        );
        let docs = missing.body["documentation_url"].as_str().unwrap();
        let expected = if minor(version) < 4 {
            format!(
                "https://docs.github.com/enterprise-server@{version}/rest/reference/actions#get-a-self-hosted-runner-for-an-organization"
            )
        } else {
            format!(
                "https://docs.github.com/enterprise-server@{version}/rest/actions/self-hosted-runners#get-a-self-hosted-runner-for-an-organization"
            )
        };
        assert_eq!(docs, expected, "{version}");
    }
}

#[tokio::test]
async fn runner_fields_appear_from_their_first_version() {
    for version in VERSIONS {
        let app = app(version).await;
        let registered = app.register_runner("orgs/o", "r", json!({})).await;

        let runner = app
            .get(&format!("/orgs/o/actions/runners/{}", registered["id"]))
            .await;
        let listed = app.get("/orgs/o/actions/runners").await;

        let has = |field: &str| runner.body.get(field).is_some();
        let m = minor(version);
        assert_eq!(
            has("runner_group_id"),
            m >= 6,
            "{version}: {:?}",
            runner.body
        );
        assert_eq!(has("ephemeral"), m >= 12, "{version}: {:?}", runner.body);
        assert_eq!(has("version"), m >= 17, "{version}: {:?}", runner.body);
        assert_eq!(listed.body["runners"][0], runner.body, "{version}");
        assert_eq!(registered, runner.body, "{version}: the control API alike");
    }
}

#[tokio::test]
async fn each_operation_is_served_from_its_first_version_and_unknown_before() {
    for version in VERSIONS {
        let app = app(version).await;
        let runner = app.register_runner("orgs/o", "r", json!({})).await;
        let unknown_route = app.get("/orgs/o/actions/no-such-route").await;
        let m = minor(version);

        let labels = app
            .get(&format!("/orgs/o/actions/runners/{}/labels", runner["id"]))
            .await;
        let jit = app
            .send(
                Method::POST,
                "/orgs/o/actions/runners/generate-jitconfig",
                json!({"name": "j", "runner_group_id": 1, "labels": ["x"]}),
            )
            .await;
        let groups = app.get("/orgs/o/actions/runner-groups").await;
        let enterprise_groups = app.get("/enterprises/e/actions/runner-groups").await;

        assert_eq!(labels.status, if m >= 4 { 200 } else { 404 }, "{version}");
        assert_eq!(jit.status, if m >= 10 { 201 } else { 404 }, "{version}");
        for absent in [&labels, &jit].into_iter().filter(|r| r.status == 404) {
            assert_eq!(absent.body, unknown_route.body, "{version}");
        }
        assert_eq!(groups.status, 200, "{version}: groups are in every version");
        assert_eq!(enterprise_groups.status, 200, "{version}");
        let default = &groups.body["runner_groups"][0];
        assert_eq!(
            default.get("restricted_to_workflows").is_some(),
            m >= 5,
            "{version}: {default}"
        );
    }
}

#[tokio::test]
async fn the_name_filter_arrives_in_3_11_and_is_ignored_before() {
    for (version, filtered) in [("3.10", false), ("3.11", true), ("3.22", true)] {
        let app = app(version).await;
        for name in ["alpha", "beta", "gamma"] {
            app.register_runner("orgs/o", name, json!({})).await;
        }

        let named = app.get("/orgs/o/actions/runners?name=BETA").await;
        let nobody = app.get("/orgs/o/actions/runners?name=delta").await;

        if filtered {
            assert_eq!(named.body["total_count"], 1, "{version}");
            assert_eq!(named.body["runners"][0]["name"], "beta", "{version}");
            assert_eq!(nobody.body, json!({"total_count": 0, "runners": []}));
        } else {
            assert_eq!(named.body["total_count"], 3, "{version}");
            assert_eq!(nobody.body["total_count"], 3, "{version}");
        }
    }
}

#[tokio::test]
async fn the_name_filter_works_in_every_scope_and_only_on_its_own_runners() {
    let app = app("3.22").await;
    for scope in ["enterprises/e", "orgs/o", "repos/o/r"] {
        app.register_runner(scope, "same", json!({})).await;
    }

    for scope in ["enterprises/e", "orgs/o", "repos/o/r"] {
        let named = app
            .get(&format!("/{scope}/actions/runners?name=same"))
            .await;
        let second_page = app
            .get(&format!("/{scope}/actions/runners?name=same&page=2"))
            .await;

        assert_eq!(named.body["total_count"], 1, "{scope}");
        let id = named.body["runners"][0]["id"].clone();
        let own = app.get(&format!("/{scope}/actions/runners/{id}")).await;
        assert_eq!(own.status, 200, "{scope}: the runner of that scope");
        assert_eq!(second_page.body["runners"], json!([]), "{scope}");
    }
}

#[tokio::test]
async fn a_version_outside_3_1_to_3_22_stops_the_start_naming_the_range() {
    for bad in ["3.0", "3.23", "4.0", "latest"] {
        let refused = ghes_mock::GhesMock::builder()
            .ghes_version(bad)
            .try_start()
            .await
            .unwrap_err();

        let message = refused.to_string();
        assert!(
            matches!(refused, ghes_mock::StartError::Version(_)),
            "{bad}"
        );
        assert!(message.contains("3.1 to 3.22"), "{bad}: {message}");
    }

    let output = command(&["serve", "--ghes-version", "3.23"], &[])
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("3.1 to 3.22"), "{stderr}");
    let from_env = command(&["serve"], &[("GHES_MOCK_GHES_VERSION", "2.22")])
        .output()
        .expect("the binary runs");
    assert_eq!(from_env.status.code(), Some(2));
}

#[tokio::test]
async fn a_patch_release_is_reported_as_given() {
    let app = app("3.9.4").await;

    let meta = app.get("/meta").await;

    assert_eq!(meta.body["installed_version"], "3.9.4");
    assert_eq!(meta.header("x-github-enterprise-version"), Some("3.9.4"));
    assert_eq!(app.mock.ghes_version().to_string(), "3.9");
}

// --- jobs, hooks and webhooks over the versions ----------------------------------------

/// The versions where the job and hook surface changes.
const JOB_VERSIONS: [&str; 5] = ["3.1", "3.4", "3.8", "3.10", "3.22"];

#[tokio::test]
async fn job_and_run_fields_appear_from_their_first_version() {
    for version in JOB_VERSIONS {
        // Arrange
        let app = app(version).await;
        let runner = app.register_runner("orgs/o", "r", json!({})).await;
        let m = minor(version);

        // Act
        let run = app
            .queue_run(json!({"repo": "o/r", "jobs": [{"labels": ["self-hosted"]}]}))
            .await;
        let job = app.job("o/r", &run["jobs"][0]["id"]).await;
        let rest_run = app
            .get(&format!("/repos/o/r/actions/runs/{}", run["id"]))
            .await;
        let attempt = app
            .get(&format!("/repos/o/r/actions/runs/{}/attempts/1", run["id"]))
            .await;
        let unknown_route = app.get("/repos/o/r/actions/no-such-route").await;
        let pending = app.get("/repos/o/r/actions/runs?status=pending").await;

        // Assert: every body is also checked against the version's contract.
        let has = |body: &serde_json::Value, field: &str| body.get(field).is_some();
        assert_eq!(job["status"], "in_progress", "{version}");
        assert_eq!(has(&job, "runner_id"), m >= 3, "{version}: {job}");
        assert_eq!(has(&job, "labels"), m >= 3, "{version}");
        if m >= 3 {
            assert_eq!(job["runner_id"], runner["id"], "{version}");
        }
        assert_eq!(has(&job, "workflow_name"), m >= 8, "{version}");
        assert_eq!(has(&job, "created_at"), m >= 9, "{version}");
        let run = &rest_run.body;
        assert_eq!(has(run, "run_attempt"), m >= 5, "{version}");
        assert_eq!(has(run, "path"), m >= 6, "{version}");
        assert_eq!(has(run, "display_title"), m >= 8, "{version}");
        assert_eq!(attempt.status, if m >= 5 { 200 } else { 404 }, "{version}");
        if m < 5 {
            assert_eq!(attempt.body, unknown_route.body, "{version}");
        }
        assert_eq!(pending.status, if m >= 6 { 200 } else { 422 }, "{version}");
    }
}

#[tokio::test]
async fn hook_deliveries_and_the_workflow_job_event_appear_from_their_first_version() {
    for version in JOB_VERSIONS {
        // Arrange: a hook for every event.
        let app = app(version).await;
        let target = ghes_mock::HookTarget::start().await;
        let m = minor(version);
        let hook = app
            .create_hook(
                "/repos/o/r/hooks",
                json!({"events": ["*"], "config": {"url": target.url(), "content_type": "json"}}),
            )
            .await;
        let ping = crate::helpers::next_delivery(&target).await;

        // Act
        let workflow_job = app
            .send(
                Method::POST,
                "/orgs/o/hooks",
                json!({"name": "web", "active": false, "events": ["workflow_job"],
                       "config": {"url": target.url()}}),
            )
            .await;
        let run = app
            .queue_run(json!({"repo": "o/r", "jobs": [{"labels": ["self-hosted"]}]}))
            .await;
        let done = app
            .control(
                Method::POST,
                &format!("/jobs/{}/complete", run["jobs"][0]["id"]),
                None,
            )
            .await;
        let deliveries = format!("/repos/o/r/hooks/{}/deliveries", hook["id"]);
        let listed = if m >= 2 {
            crate::deliveries::recorded(&app, &deliveries, 1).await
        } else {
            app.get(&deliveries).await
        };
        let unknown_route = app.get("/repos/o/r/hooks/no-such/route/here").await;
        let recorded = app.mock_deliveries("event=workflow_job").await;

        // Assert
        assert_eq!(ping.event, "ping", "{version}: every version pings");
        assert_eq!(hook.get("deliveries_url").is_some(), m >= 2, "{version}");
        assert_eq!(done.status, 200, "{version}");
        assert_eq!(
            workflow_job.status,
            if m >= 3 { 201 } else { 422 },
            "{version}: {:?}",
            workflow_job.body
        );
        if m >= 2 {
            assert_eq!(listed.status, 200, "{version}");
            let item = &listed.body[0];
            assert_eq!(item.get("throttled_at").is_some(), m >= 10, "{version}");
        } else {
            assert_eq!(listed.status, 404, "{version}");
            assert_eq!(listed.body, unknown_route.body, "{version}");
        }
        let actions: Vec<&serde_json::Value> = recorded.iter().map(|d| &d["action"]).collect();
        if m >= 3 {
            assert_eq!(
                actions,
                [&json!("queued"), &json!("completed")],
                "{version}"
            );
            // Every version from 3.3 sends GitHub's whole payload.
            let queued = crate::helpers::next_delivery(&target).await;
            assert_eq!(queued.action.as_deref(), Some("queued"), "{version}");
            assert_eq!(
                queued.json["workflow_job"]["labels"],
                json!(["self-hosted"])
            );
            assert_eq!(
                queued.header("x-github-enterprise-version"),
                Some(format!("{version}.0").as_str())
            );
        } else {
            assert!(actions.is_empty(), "{version}: no workflow_job before 3.3");
        }
    }
}

#[tokio::test]
async fn the_deliveries_status_filter_arrives_in_3_17_and_is_ignored_before() {
    for (version, filtered) in [
        ("3.10", false),
        ("3.16", false),
        ("3.17", true),
        ("3.22", true),
    ] {
        // Arrange: a ping answered 200, a queued answered 500.
        let app = app(version).await;
        let target = ghes_mock::HookTarget::start().await;
        let hook = crate::deliveries::hook_on(
            &app,
            "/repos/o/r/hooks",
            &target,
            json!({"content_type": "json"}),
        )
        .await;
        target.respond_with(500);
        app.queue_run(json!({"repo": "o/r", "jobs": [{"labels": ["x"]}]}))
            .await;
        let deliveries = format!("/repos/o/r/hooks/{}/deliveries", hook["id"]);
        crate::deliveries::recorded(&app, &deliveries, 2).await;

        // Act
        let failures = app.get(&format!("{deliveries}?status=failure")).await;

        // Assert
        let count = failures.body.as_array().map_or(0, Vec::len);
        assert_eq!(
            count,
            if filtered { 1 } else { 2 },
            "{version}: {:?}",
            failures.body
        );
    }
}
