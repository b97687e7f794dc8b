//! Webhook deliveries as GHES makes them (SPEC §9): headers, signatures over
//! the exact bytes, JSON and form bodies, one GUID per event across hooks,
//! `workflow_job` payloads that agree with the REST state at every step,
//! the deliveries API with redelivery, and App webhooks.

use std::panic::{AssertUnwindSafe, catch_unwind};

use ghes_mock::{HookTarget, ReceivedDelivery};
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha1::Sha1;
use sha2::Sha256;

use crate::contract::assert_webhook_matches;
use crate::helpers::{ApiResponse, TestApp, eventually, link_of, next_delivery, spawn_version};

const REPO: &str = "octo-org/app";
const REPO_HOOKS: &str = "/repos/octo-org/app/hooks";
const ORG_HOOKS: &str = "/orgs/octo-org/hooks";
const ORG: &str = "orgs/octo-org";
const SECRET: &str = "It's a Secret to Everybody";

fn fixture() -> Value {
    json!({
        "enterprises": ["octo-enterprise"],
        "orgs": [{"login": "octo-org", "enterprise": "octo-enterprise"}, "other-org"],
        "repos": ["octo-org/app", "octo-org/site", "other-org/tool"],
    })
}

async fn app() -> TestApp {
    spawn_version("3.22", fixture()).await
}

/// A hook of `hooks` on `target` hearing `workflow_job`, once its ping has
/// arrived; `config` adds to the config.
pub async fn hook_on(app: &TestApp, hooks: &str, target: &HookTarget, config: Value) -> Value {
    let mut settings = json!({"url": target.url()});
    settings
        .as_object_mut()
        .unwrap()
        .extend(config.as_object().unwrap().clone());
    let hook = app
        .create_hook(
            hooks,
            json!({"name": "web", "events": ["workflow_job"], "config": settings}),
        )
        .await;
    let ping = next_delivery(target).await;
    assert_eq!(ping.event, "ping");
    hook
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn hmac_sha256(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex(&mac.finalize().into_bytes()))
}

fn hmac_sha1(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha1={}", hex(&mac.finalize().into_bytes()))
}

/// A hook's deliveries over REST, once there are `count`: the engine
/// records each attempt after sending it.
pub async fn recorded(app: &TestApp, deliveries: &str, count: usize) -> ApiResponse {
    eventually(&format!("{count} deliveries recorded"), || async {
        let list = app.get(deliveries).await;
        assert_eq!(list.status, 200, "{:?}", list.body);
        (list.body.as_array().map_or(0, Vec::len) >= count).then_some(list)
    })
    .await
}

async fn complete(app: &TestApp, job: &Value) -> ApiResponse {
    let done = app
        .control(Method::POST, &format!("/jobs/{}/complete", job["id"]), None)
        .await;
    assert_eq!(done.status, 200, "{:?}", done.body);
    done
}

// --- the wire -------------------------------------------------------------------------------

#[tokio::test]
async fn a_json_delivery_carries_githubs_headers_and_two_signatures_over_its_exact_bytes() {
    // Arrange
    let app = app().await;
    let target = HookTarget::start().await;
    let hook = hook_on(
        &app,
        REPO_HOOKS,
        &target,
        json!({"content_type": "json", "secret": SECRET}),
    )
    .await;
    let repo_id = app.id_of("/repos/octo-org/app").await;

    // Act
    let run = app
        .queue_run(json!({"repo": REPO, "jobs": [{"labels": ["linux"]}]}))
        .await;
    let delivery = next_delivery(&target).await;

    // Assert
    let header = |name: &str| delivery.header(name).unwrap_or_else(|| panic!("no {name}"));
    assert_eq!(header("x-github-event"), "workflow_job");
    let guid = header("x-github-delivery");
    assert!(uuid::Uuid::parse_str(guid).is_ok(), "{guid}");
    assert_eq!(header("x-github-hook-id"), hook["id"].to_string());
    assert_eq!(
        header("x-github-hook-installation-target-type"),
        "repository"
    );
    assert_eq!(
        header("x-github-hook-installation-target-id"),
        repo_id.to_string()
    );
    let agent = header("user-agent");
    let version = agent.strip_prefix("GitHub-Hookshot/").expect(agent);
    assert!(
        !version.is_empty() && version.bytes().all(|b| b.is_ascii_hexdigit()),
        "{agent}"
    );
    assert_eq!(header("x-github-enterprise-version"), "3.22.0");
    assert_eq!(header("x-github-enterprise-host"), "127.0.0.1");
    assert_eq!(header("content-type"), "application/json");
    assert_eq!(header("accept"), "*/*");
    assert_eq!(
        header("x-hub-signature-256"),
        hmac_sha256(SECRET, &delivery.body)
    );
    assert_eq!(header("x-hub-signature"), hmac_sha1(SECRET, &delivery.body));
    assert_ne!(
        header("x-hub-signature-256"),
        hmac_sha256("another secret", &delivery.body)
    );
    assert_eq!(
        delivery.body,
        serde_json::to_vec(&delivery.json).unwrap(),
        "compact JSON, as GitHub sends"
    );
    assert_eq!(delivery.action.as_deref(), Some("queued"));
    assert_eq!(delivery.json["workflow_job"]["id"], run["jobs"][0]["id"]);
}

#[tokio::test]
async fn a_form_hook_gets_a_payload_field_signed_over_the_whole_body() {
    // Arrange: a hook made without content_type.
    let app = app().await;
    let target = HookTarget::start().await;
    hook_on(&app, REPO_HOOKS, &target, json!({"secret": SECRET})).await;

    // Act
    app.queue_run(json!({"repo": REPO, "jobs": [{"labels": ["linux"]}]}))
        .await;
    let delivery = next_delivery(&target).await;

    // Assert
    assert_eq!(
        delivery.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let fields: Vec<(String, String)> = form_urlencoded::parse(&delivery.body)
        .into_owned()
        .collect();
    assert_eq!(fields.len(), 1, "one field");
    assert_eq!(fields[0].0, "payload");
    let payload: Value = serde_json::from_str(&fields[0].1).expect("JSON in the field");
    assert_eq!(payload, delivery.json);
    assert_eq!(payload["action"], "queued");
    assert_eq!(
        delivery.header("x-hub-signature-256"),
        Some(hmac_sha256(SECRET, &delivery.body).as_str())
    );
    assert_eq!(
        delivery.header("x-hub-signature"),
        Some(hmac_sha1(SECRET, &delivery.body).as_str())
    );
    assert_ne!(
        delivery.header("x-hub-signature-256"),
        Some(hmac_sha256(SECRET, fields[0].1.as_bytes()).as_str()),
        "signed over the body sent, not the JSON inside"
    );
}

#[tokio::test]
async fn a_hook_without_a_secret_gets_no_signature() {
    // Arrange
    let app = app().await;
    let target = HookTarget::start().await;
    hook_on(&app, REPO_HOOKS, &target, json!({"content_type": "json"})).await;

    // Act
    app.queue_run(json!({"repo": REPO, "jobs": [{"labels": ["linux"]}]}))
        .await;
    let delivery = next_delivery(&target).await;

    // Assert
    assert_eq!(delivery.header("x-hub-signature"), None);
    assert_eq!(delivery.header("x-hub-signature-256"), None);
    assert!(delivery.header("x-github-delivery").is_some());
}

// --- payloads and the REST state -------------------------------------------------------------

/// Waits for the next delivery, then reads the job and its run over REST.
async fn step(
    app: &TestApp,
    target: &HookTarget,
    action: &str,
) -> (ReceivedDelivery, Value, Value) {
    let delivery = next_delivery(target).await;
    assert_eq!(
        delivery.action.as_deref(),
        Some(action),
        "{:?}",
        delivery.json
    );
    let job = &delivery.json["workflow_job"];
    let rest_job = app.job(REPO, &job["id"]).await;
    let run = app
        .get(&format!("/repos/{REPO}/actions/runs/{}", job["run_id"]))
        .await;
    (delivery, rest_job, run.body)
}

#[tokio::test]
async fn the_rest_state_agrees_with_the_last_webhook_sent_at_every_step() {
    // Arrange
    let app = app().await;
    let target = HookTarget::start().await;
    hook_on(&app, REPO_HOOKS, &target, json!({"content_type": "json"})).await;

    // Act and Assert: queued, with no runner able to take it.
    app.queue_run(json!({"repo": REPO, "workflow_name": "Release",
                         "jobs": [{"name": "deploy", "labels": ["self-hosted", "deploy"]}]}))
        .await;
    let (queued, job, run) = step(&app, &target, "queued").await;
    assert_eq!(
        queued.json["workflow_job"], job,
        "the queued payload is the REST job"
    );
    assert_eq!(job["status"], "queued");
    assert_eq!(job["runner_id"], Value::Null);
    assert_eq!(job["steps"], json!([]));
    assert_eq!(run["status"], "queued");

    // Act and Assert: an ephemeral runner takes it.
    let runner = app
        .register_runner(
            ORG,
            "ephemeral-1",
            json!({"labels": ["deploy"], "ephemeral": true}),
        )
        .await;
    let (started, job, run) = step(&app, &target, "in_progress").await;
    assert_eq!(
        started.json["workflow_job"], job,
        "the in_progress payload is the REST job"
    );
    assert_eq!(job["status"], "in_progress");
    assert_eq!(job["runner_id"], runner["id"]);
    assert_eq!(job["runner_name"], "ephemeral-1");
    assert_eq!(job["runner_group_id"], 1);
    assert_eq!(job["runner_group_name"], "Default");
    assert_eq!(run["status"], "in_progress");
    let runner_path = format!("/orgs/octo-org/actions/runners/{}", runner["id"]);
    assert_eq!(app.get(&runner_path).await.body["busy"], true);

    // Act and Assert: it completes; the ephemeral runner is gone.
    complete(&app, &job).await;
    let (completed, job, run) = step(&app, &target, "completed").await;
    assert_eq!(
        completed.json["workflow_job"], job,
        "the completed payload is the REST job"
    );
    assert_eq!(job["status"], "completed");
    assert_eq!(job["conclusion"], "success");
    assert_eq!(job["runner_name"], "ephemeral-1", "who ran it");
    assert_eq!(
        (&run["status"], &run["conclusion"]),
        (&json!("completed"), &json!("success"))
    );
    assert_eq!(app.get(&runner_path).await.status, 404);

    let guids = [&queued.guid, &started.guid, &completed.guid];
    assert!(guids[0] != guids[1] && guids[1] != guids[2], "{guids:?}");
    for delivery in [&queued, &started, &completed] {
        assert_eq!(delivery.json["workflow_job"]["workflow_name"], "Release");
        assert_eq!(delivery.json["workflow_job"]["name"], "deploy");
        assert_eq!(delivery.json["repository"]["full_name"], REPO);
        assert_eq!(delivery.json["organization"]["login"], "octo-org");
        assert_eq!(delivery.json["enterprise"]["slug"], "octo-enterprise");
        assert!(delivery.json["sender"]["login"].is_string());
        assert!(delivery.json.get("installation").is_none());
    }
}

#[tokio::test]
async fn a_run_of_many_jobs_starts_ends_and_is_announced_whole_and_in_order() {
    // Arrange: more jobs and runners than the server stores in one go.
    const JOBS: usize = 150;
    let mut seed = fixture();
    seed["runners"] = (0..JOBS)
        .map(|i| json!({"scope": ORG, "name": format!("many-{i}"), "labels": ["many"]}))
        .collect();
    let app = spawn_version("3.22", seed).await;
    let target = HookTarget::start().await;
    hook_on(
        &app,
        ORG_HOOKS,
        &target,
        json!({"content_type": "json", "secret": SECRET}),
    )
    .await;
    let job = json!({"labels": ["self-hosted", "many"], "duration_seconds": 60});

    // Act
    let run = app
        .queue_run(json!({"repo": REPO, "jobs": vec![job; JOBS]}))
        .await;

    // Assert: the answer is whole, every job on a runner of its own.
    let jobs = run["jobs"].as_array().expect("jobs");
    assert_eq!(jobs.len(), JOBS);
    assert!(jobs.iter().all(|j| j["status"] == "in_progress"), "{run}");
    let mut runners: Vec<i64> = jobs
        .iter()
        .filter_map(|j| j["runner_id"].as_i64())
        .collect();
    runners.sort_unstable();
    runners.dedup();
    assert_eq!(runners.len(), JOBS, "one runner a job");

    // Act: past their end.
    app.set_clock(61).await;

    // Assert: all ended, every runner idle again, and each job announced
    // queued, in_progress, completed, in that order, signed.
    let all = target
        .wait_until(
            |all| {
                all.iter()
                    .filter(|d| d.action.as_deref() == Some("completed"))
                    .count()
                    == JOBS
            },
            std::time::Duration::from_secs(30),
        )
        .await
        .expect("every job's completed delivery");
    let state = app.mock.state().await;
    assert_eq!(
        (state.jobs.completed, state.jobs.idle_runners),
        (JOBS, JOBS)
    );
    let mut actions: std::collections::BTreeMap<i64, Vec<&str>> = Default::default();
    for delivery in all.iter().filter(|d| d.event == "workflow_job") {
        assert!(delivery.verify(SECRET), "signed");
        let id = delivery.json["workflow_job"]["id"]
            .as_i64()
            .expect("a job id");
        actions
            .entry(id)
            .or_default()
            .push(delivery.action.as_deref().unwrap_or(""));
    }
    assert_eq!(actions.len(), JOBS);
    for (id, seen) in &actions {
        assert_eq!(seen, &["queued", "in_progress", "completed"], "job {id}");
    }
}

#[tokio::test]
async fn a_job_failed_by_its_runner_going_offline_is_announced_as_completed_failure() {
    // Arrange
    let app = app().await;
    let target = HookTarget::start().await;
    hook_on(&app, REPO_HOOKS, &target, json!({"content_type": "json"})).await;
    let runner = app.register_runner(ORG, "r", json!({})).await;
    app.queue_run(json!({"repo": REPO, "jobs": [{"labels": ["self-hosted"]}]}))
        .await;
    step(&app, &target, "queued").await;
    step(&app, &target, "in_progress").await;

    // Act
    app.patch_runner(&runner["id"], json!({"status": "offline"}))
        .await;

    // Assert
    let (completed, job, _) = step(&app, &target, "completed").await;
    assert_eq!(completed.json["workflow_job"], job);
    assert_eq!(job["conclusion"], "failure");
}

#[tokio::test]
async fn the_webhook_check_refuses_a_payload_that_lost_a_required_field() {
    // Arrange: a real payload, which passes.
    let app = app().await;
    let target = HookTarget::start().await;
    hook_on(&app, REPO_HOOKS, &target, json!({"content_type": "json"})).await;
    app.queue_run(json!({"repo": REPO, "jobs": [{"labels": ["linux"]}]}))
        .await;
    let queued = next_delivery(&target).await;

    // Act: take out what GitHub requires, or break a type.
    let mut cases = Vec::new();
    for (pointer, replacement) in [
        ("/workflow_job/runner_id", None),
        ("/workflow_job/labels", Some(json!("linux"))),
        ("/repository", None),
        ("/workflow_job/status", Some(json!("exploded"))),
    ] {
        let mut payload = queued.json.clone();
        let (parent, field) = pointer.rsplit_once('/').unwrap();
        let parent = payload
            .pointer_mut(parent)
            .unwrap()
            .as_object_mut()
            .unwrap();
        match replacement {
            None => {
                parent.remove(field);
            }
            Some(value) => {
                parent.insert(field.to_owned(), value);
            }
        }
        let failed = catch_unwind(AssertUnwindSafe(|| {
            assert_webhook_matches("workflow_job", Some("queued"), &payload)
        }));
        cases.push((pointer, failed.is_err()));
    }

    // Assert
    for (pointer, failed) in cases {
        assert!(failed, "a payload without a valid {pointer} passed");
    }
}

#[tokio::test]
async fn one_event_has_one_guid_across_every_hook_that_hears_it() {
    // Arrange: a repository, an organization and a global hook, and a hook
    // of another repository.
    let app = app().await;
    let targets = [
        HookTarget::start().await,
        HookTarget::start().await,
        HookTarget::start().await,
    ];
    let json_config = json!({"content_type": "json"});
    let repo_hook = hook_on(&app, REPO_HOOKS, &targets[0], json_config.clone()).await;
    let org_hook = hook_on(&app, ORG_HOOKS, &targets[1], json_config.clone()).await;
    let global_hook = hook_on(&app, "/admin/hooks", &targets[2], json_config.clone()).await;
    let elsewhere = HookTarget::start().await;
    let site_hook = hook_on(&app, "/repos/octo-org/site/hooks", &elsewhere, json_config).await;
    app.register_runner(ORG, "r", json!({})).await;
    let repo_id = app.id_of("/repos/octo-org/app").await;
    let org_id = app.id_of("/orgs/octo-org").await;

    // Act: queued and taken at once.
    app.queue_run(json!({"repo": REPO, "jobs": [{"labels": ["self-hosted"]}]}))
        .await;
    let mut heard = Vec::new();
    for target in &targets {
        heard.push([next_delivery(target).await, next_delivery(target).await]);
    }

    // Assert
    for (i, action) in ["queued", "in_progress"].into_iter().enumerate() {
        let deliveries: Vec<&ReceivedDelivery> = heard.iter().map(|pair| &pair[i]).collect();
        for delivery in &deliveries {
            assert_eq!(delivery.action.as_deref(), Some(action));
            assert_eq!(delivery.guid, deliveries[0].guid, "{action}: one GUID");
            assert_eq!(delivery.json, deliveries[0].json, "{action}: one payload");
        }
    }
    assert_ne!(heard[0][0].guid, heard[0][1].guid, "two events, two GUIDs");
    let seen: Vec<(Option<i64>, Option<&str>, Option<&str>)> = heard
        .iter()
        .map(|pair| {
            (
                pair[0].hook_id,
                pair[0].header("x-github-hook-installation-target-type"),
                pair[0].header("x-github-hook-installation-target-id"),
            )
        })
        .collect();
    let (repo_id, org_id) = (repo_id.to_string(), org_id.to_string());
    assert_eq!(
        seen[0],
        (
            repo_hook["id"].as_i64(),
            Some("repository"),
            Some(repo_id.as_str())
        )
    );
    assert_eq!(
        seen[1],
        (
            org_hook["id"].as_i64(),
            Some("organization"),
            Some(org_id.as_str())
        )
    );
    assert_eq!(
        (seen[2].0, seen[2].1),
        (global_hook["id"].as_i64(), Some("business"))
    );
    let site = app
        .mock_deliveries(&format!("hook_id={}", site_hook["id"]))
        .await;
    let events: Vec<&Value> = site.iter().map(|d| &d["event"]).collect();
    assert_eq!(
        events,
        [&json!("ping")],
        "another repository's hook hears nothing"
    );
    let recorded = app
        .mock_deliveries("event=workflow_job&action=queued")
        .await;
    assert_eq!(recorded.len(), 3);
    assert!(
        recorded
            .iter()
            .all(|d| d["guid"] == heard[0][0].guid.as_str())
    );
}

// --- the deliveries API ----------------------------------------------------------------------

#[tokio::test]
async fn the_deliveries_api_lists_newest_first_pages_by_cursor_and_shows_each_delivery() {
    // Arrange: a ping, then queued, in_progress and completed.
    let app = app().await;
    let target = HookTarget::start().await;
    let hook = app
        .create_hook(
            REPO_HOOKS,
            json!({"events": ["workflow_job"],
                   "config": {"url": target.url(), "content_type": "json"}}),
        )
        .await;
    let run = app
        .queue_run(json!({"repo": REPO, "jobs": [{"labels": ["self-hosted"]}]}))
        .await;
    app.register_runner(ORG, "r", json!({})).await;
    complete(&app, &run["jobs"][0]).await;
    let received = target
        .wait_for(4, crate::helpers::WAIT)
        .await
        .expect("four deliveries");
    let deliveries = format!("{REPO_HOOKS}/{}/deliveries", hook["id"]);
    let repo_id = app.id_of("/repos/octo-org/app").await;

    // Act
    let list = recorded(&app, &deliveries, 4).await;
    let mut pages = vec![app.get(&format!("{deliveries}?per_page=1")).await];
    while let Some(next) = link_of(pages.last().unwrap(), "next") {
        assert!(pages.len() < 10, "the next links loop");
        pages.push(app.follow(&next).await);
    }

    // Assert: the list.
    let items = list.body.as_array().unwrap();
    let actions: Vec<&Value> = items.iter().map(|d| &d["action"]).collect();
    assert_eq!(
        actions,
        [
            &json!("completed"),
            &json!("in_progress"),
            &json!("queued"),
            &Value::Null
        ]
    );
    let guids: Vec<&Value> = items.iter().map(|d| &d["guid"]).collect();
    let sent: Vec<Value> = received.iter().rev().map(|d| json!(d.guid)).collect();
    assert_eq!(guids, sent.iter().collect::<Vec<_>>());
    for (item, event) in items
        .iter()
        .zip(["workflow_job", "workflow_job", "workflow_job", "ping"])
    {
        assert_eq!(item["event"], event);
        assert_eq!(item["status"], "OK");
        assert_eq!(item["status_code"], 200);
        assert_eq!(item["redelivery"], false);
        assert_eq!(item["installation_id"], Value::Null);
        assert_eq!(item["repository_id"], repo_id);
        assert_eq!(item["throttled_at"], Value::Null);
    }
    let ids: Vec<i64> = items.iter().map(|d| d["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");

    // Assert: the pages.
    assert_eq!(pages.len(), 4);
    let paged: Vec<Value> = pages.iter().map(|p| p.body[0].clone()).collect();
    assert_eq!(paged, *items);
    let next = link_of(&pages[0], "next").unwrap();
    assert!(next.contains(&format!("cursor=v1_{}", ids[0])), "{next}");
    assert!(pages.iter().all(|p| p.body.as_array().unwrap().len() == 1));

    // Act and Assert: one delivery, whole.
    let queued = &items[2];
    let one = app.get(&format!("{deliveries}/{}", queued["id"])).await;
    assert_eq!(one.status, 200, "{:?}", one.body);
    let queued_sent = &received[1];
    assert_eq!(one.body["guid"], queued_sent.guid.as_str());
    assert_eq!(one.body["url"], target.url());
    assert_eq!(one.body["request"]["payload"], queued_sent.json);
    let headers = &one.body["request"]["headers"];
    assert_eq!(headers["X-GitHub-Event"], "workflow_job");
    assert_eq!(headers["X-GitHub-Delivery"], queued_sent.guid.as_str());
    assert_eq!(headers["X-GitHub-Hook-ID"], hook["id"].to_string());
    assert_eq!(headers["Content-Type"], "application/json");
    assert_eq!(one.body["response"]["payload"], "OK");
    assert!(one.body["response"]["headers"].is_object());
    for field in [
        "id",
        "event",
        "action",
        "status",
        "status_code",
        "redelivery",
    ] {
        assert_eq!(one.body[field], queued[field], "{field}");
    }
}

#[tokio::test]
async fn a_redelivery_is_a_new_delivery_with_the_same_guid_and_bytes() {
    // Arrange
    let app = app().await;
    let target = HookTarget::start().await;
    let hook = hook_on(
        &app,
        ORG_HOOKS,
        &target,
        json!({"content_type": "json", "secret": SECRET}),
    )
    .await;
    app.queue_run(json!({"repo": REPO, "jobs": [{"labels": ["linux"]}]}))
        .await;
    let original = next_delivery(&target).await;
    let deliveries = format!("{ORG_HOOKS}/{}/deliveries", hook["id"]);
    let list = recorded(&app, &deliveries, 2).await;
    let queued_id = &list.body[0]["id"];

    // Act
    let redelivered = app
        .post(&format!("{deliveries}/{queued_id}/attempts"))
        .await;
    let again = next_delivery(&target).await;
    let list = recorded(&app, &deliveries, 3).await;

    // Assert
    assert_eq!(redelivered.status, 202, "{:?}", redelivered.body);
    assert_eq!(redelivered.body, json!({}));
    assert_eq!(again.guid, original.guid);
    assert_eq!(again.body, original.body);
    assert!(again.verify(SECRET));
    let newest = &list.body[0];
    assert_ne!(&newest["id"], queued_id, "a delivery of its own");
    assert_eq!(newest["guid"], original.guid.as_str());
    assert_eq!(newest["redelivery"], true);
    assert_eq!(newest["status"], "OK");
    assert_eq!(list.body[1]["redelivery"], false);
    let missing = app.post(&format!("{deliveries}/987654/attempts")).await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn the_deliveries_list_filters_by_status_and_refuses_a_bad_cursor() {
    // Arrange: one delivery answered 200 and one answered 500.
    let app = app().await;
    let target = HookTarget::start().await;
    let hook = hook_on(&app, REPO_HOOKS, &target, json!({"content_type": "json"})).await;
    target.respond_with(500);
    app.queue_run(json!({"repo": REPO, "jobs": [{"labels": ["linux"]}]}))
        .await;
    next_delivery(&target).await;
    let deliveries = format!("{REPO_HOOKS}/{}/deliveries", hook["id"]);
    recorded(&app, &deliveries, 2).await;

    // Act
    let success = app.get(&format!("{deliveries}?status=success")).await;
    let failure = app.get(&format!("{deliveries}?status=failure")).await;
    let bad_status = app.get(&format!("{deliveries}?status=maybe")).await;
    let bad_cursor = app.get(&format!("{deliveries}?cursor=later")).await;

    // Assert
    let events = |list: &ApiResponse| -> Vec<Value> {
        list.body
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["event"].clone())
            .collect()
    };
    assert_eq!(events(&success), [json!("ping")]);
    assert_eq!(events(&failure), [json!("workflow_job")]);
    assert_eq!(failure.body[0]["status_code"], 500);
    assert_eq!(bad_status.status, 422, "{:?}", bad_status.body);
    assert_eq!(bad_cursor.status, 422, "{:?}", bad_cursor.body);
}

// --- App webhooks ----------------------------------------------------------------------------

async fn create_app(app: &TestApp, body: Value) -> i64 {
    let made = app.control(Method::POST, "/apps", Some(body)).await;
    assert_eq!(made.status, 201, "{:?}", made.body);
    made.body["id"].as_i64().unwrap()
}

async fn install(app: &TestApp, app_id: i64, account: &str) -> i64 {
    let installed = app
        .control(
            Method::POST,
            &format!("/apps/{app_id}/installations"),
            Some(json!({"account": account})),
        )
        .await;
    assert_eq!(installed.status, 201, "{:?}", installed.body);
    installed.body["id"].as_i64().unwrap()
}

#[tokio::test]
async fn an_app_subscribed_to_workflow_job_hears_it_where_it_is_installed() {
    // Arrange: a subscribed App on octo-org, one on other-org, and one not
    // subscribed on octo-org.
    let app = app().await;
    let target = HookTarget::start().await;
    let unheard = HookTarget::start().await;
    let webhook = json!({"url": target.url(), "secret": SECRET});
    let scaler = create_app(
        &app,
        json!({"events": ["workflow_job"], "webhook": webhook}),
    )
    .await;
    let installation = install(&app, scaler, ORG).await;
    let elsewhere = create_app(
        &app,
        json!({"events": ["workflow_job"], "webhook": {"url": unheard.url()}}),
    )
    .await;
    install(&app, elsewhere, "orgs/other-org").await;
    let deaf = create_app(&app, json!({"webhook": {"url": unheard.url()}})).await;
    install(&app, deaf, ORG).await;

    // Act
    app.queue_run(json!({"repo": REPO, "jobs": [{"labels": ["linux"]}]}))
        .await;
    let delivery = next_delivery(&target).await;

    // Assert
    assert_eq!(delivery.event, "workflow_job");
    assert_eq!(delivery.action.as_deref(), Some("queued"));
    assert_eq!(delivery.hook_id, Some(scaler));
    assert_eq!(
        delivery.header("x-github-hook-installation-target-type"),
        Some("integration")
    );
    assert_eq!(
        delivery.header("x-github-hook-installation-target-id"),
        Some(scaler.to_string().as_str())
    );
    assert_eq!(delivery.header("content-type"), Some("application/json"));
    assert!(delivery.verify(SECRET));
    assert_eq!(delivery.json["installation"]["id"], installation);
    assert!(delivery.json["installation"]["node_id"].is_string());
    let recorded = app.mock_deliveries(&format!("app_id={scaler}")).await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0]["installation_id"], installation);
    assert_eq!(recorded[0]["hook_id"], Value::Null);
    for other in [elsewhere, deaf] {
        let none = app.mock_deliveries(&format!("app_id={other}")).await;
        assert_eq!(none, Vec::<Value>::new(), "App {other} hears nothing");
    }
}

#[tokio::test]
async fn an_app_installed_on_some_repositories_hears_of_those_only() {
    // Arrange
    let app = app().await;
    let target = HookTarget::start().await;
    let scaler = create_app(
        &app,
        json!({"events": ["workflow_job"], "webhook": {"url": target.url()}}),
    )
    .await;
    let installed = app
        .control(
            Method::POST,
            &format!("/apps/{scaler}/installations"),
            Some(json!({"account": ORG, "repositories": ["octo-org/site"]})),
        )
        .await;
    assert_eq!(installed.status, 201, "{:?}", installed.body);

    // Act
    app.queue_run(json!({"repo": REPO, "jobs": [{"labels": ["linux"]}]}))
        .await;
    app.queue_run(json!({"repo": "octo-org/site", "jobs": [{"labels": ["linux"]}]}))
        .await;
    let delivery = next_delivery(&target).await;

    // Assert
    assert_eq!(delivery.json["repository"]["full_name"], "octo-org/site");
    let recorded = app.mock_deliveries(&format!("app_id={scaler}")).await;
    assert_eq!(recorded.len(), 1, "{recorded:?}");
}
