//! Receivers that fail, and delivery faults (SPEC §9): a receiver that is
//! down, answers 500 or hangs past the timeout is recorded as the failure
//! it is, holds back nothing but its own deliveries, and is reached again
//! by a redelivery once fixed; planned faults drop, duplicate, delay and
//! reorder deliveries as runner managers meet them in production.

use std::time::Duration;

use ghes_mock::{Config, GhesMock, HookTarget, ReceivedDelivery, Seed};
use reqwest::Method;
use serde_json::{Value, json};

use crate::deliveries::{hook_on, recorded};
use crate::helpers::{TestApp, eventually, next_delivery, spawn_version, spawn_with};

const REPO: &str = "octo-org/app";
const REPO_HOOKS: &str = "/repos/octo-org/app/hooks";
const ORG: &str = "orgs/octo-org";

fn fixture() -> Value {
    json!({"orgs": ["octo-org"], "repos": ["octo-org/app"]})
}

async fn app() -> TestApp {
    spawn_version("3.22", fixture()).await
}

fn json_hook() -> Value {
    json!({"content_type": "json"})
}

/// The URL of a loopback port nothing listens on any more.
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/hook")
}

async fn hook_of(app: &TestApp, hook: &Value) -> Value {
    let response = app.get(&format!("{REPO_HOOKS}/{}", hook["id"])).await;
    assert_eq!(response.status, 200, "{:?}", response.body);
    response.body
}

fn deliveries_of(hook: &Value) -> String {
    format!("{REPO_HOOKS}/{}/deliveries", hook["id"])
}

async fn add_fault(app: &TestApp, fault: Value) -> Value {
    let added = app.control(Method::POST, "/faults", Some(fault)).await;
    assert_eq!(added.status, 201, "{:?}", added.body);
    added.body
}

/// Every `workflow_job` delivery the mock made, once none is pending.
async fn settled_job_deliveries(app: &TestApp, count: usize) -> Vec<Value> {
    eventually("the deliveries are settled", || async {
        let all = app.mock_deliveries("event=workflow_job").await;
        (all.len() == count && all.iter().all(|d| d["state"] != "pending")).then_some(all)
    })
    .await
}

fn actions(deliveries: &[ReceivedDelivery]) -> Vec<Option<&str>> {
    deliveries.iter().map(|d| d.action.as_deref()).collect()
}

// --- receivers that fail ---------------------------------------------------------------------

#[tokio::test]
async fn a_receiver_that_is_down_is_recorded_as_failed_to_connect() {
    // Arrange
    let app = app().await;
    let url = closed_port_url();

    // Act: the hook's ping goes nowhere.
    let hook = app
        .create_hook(REPO_HOOKS, json!({"config": {"url": url}}))
        .await;
    let list = recorded(&app, &deliveries_of(&hook), 1).await;

    // Assert
    let item = &list.body[0];
    assert_eq!(item["event"], "ping");
    assert_eq!(item["status"], "failed to connect to host");
    assert_eq!(item["status_code"], 0);
    assert_eq!(
        hook_of(&app, &hook).await["last_response"],
        json!({"code": null, "status": "failed", "message": "failed to connect to host"})
    );
}

#[tokio::test]
async fn a_receiver_answering_500_is_recorded_and_a_redelivery_after_the_fix_succeeds() {
    // Arrange
    let app = app().await;
    let target = HookTarget::start().await;
    target.respond_with(500);
    let hook = app
        .create_hook(
            REPO_HOOKS,
            json!({"config": {"url": target.url(), "content_type": "json"}}),
        )
        .await;
    let ping = next_delivery(&target).await;
    let deliveries = deliveries_of(&hook);
    let list = recorded(&app, &deliveries, 1).await;
    let failed = &list.body[0];
    let one = app.get(&format!("{deliveries}/{}", failed["id"])).await;

    // Assert: the failure as recorded.
    assert_eq!(failed["status"], "Invalid HTTP Response: 500");
    assert_eq!(failed["status_code"], 500);
    assert_eq!(one.body["response"]["payload"], "Internal Server Error");
    assert_eq!(
        hook_of(&app, &hook).await["last_response"],
        json!({"code": 500, "status": "failed", "message": "Invalid HTTP Response: 500"})
    );

    // Act: the receiver is fixed, the delivery asked for again.
    target.respond_with(200);
    let again = app
        .post(&format!("{deliveries}/{}/attempts", failed["id"]))
        .await;
    let resent = next_delivery(&target).await;
    let list = recorded(&app, &deliveries, 2).await;

    // Assert
    assert_eq!(again.status, 202, "{:?}", again.body);
    assert_eq!(resent.guid, ping.guid);
    assert_eq!(resent.body, ping.body);
    assert_eq!(list.body[0]["status"], "OK");
    assert_eq!(list.body[0]["redelivery"], true);
    assert_eq!(list.body[1]["status"], "Invalid HTTP Response: 500");
    assert_eq!(
        hook_of(&app, &hook).await["last_response"],
        json!({"code": 200, "status": "active", "message": "OK"})
    );
}

#[tokio::test]
async fn a_receiver_slower_than_the_timeout_is_recorded_as_timed_out() {
    // Arrange: a mock that waits 200 ms for an answer, and a receiver that
    // takes far longer.
    let seed = Seed::from_json(&fixture().to_string()).unwrap();
    let config = Config {
        ghes_version: "3.22".into(),
        hook_timeout: Duration::from_millis(200),
        ..Config::default()
    };
    let app = spawn_with(GhesMock::builder().config(config).seed(seed)).await;
    let target = HookTarget::start().await;
    target.delay(Duration::from_secs(30));

    // Act
    let hook = app
        .create_hook(
            REPO_HOOKS,
            json!({"config": {"url": target.url(), "content_type": "json"}}),
        )
        .await;
    let ping = next_delivery(&target).await;
    let deliveries = deliveries_of(&hook);
    let list = recorded(&app, &deliveries, 1).await;

    // Assert
    assert_eq!(list.body[0]["status"], "timed out");
    assert_eq!(list.body[0]["status_code"], 0);
    assert_eq!(
        hook_of(&app, &hook).await["last_response"],
        json!({"code": null, "status": "failed", "message": "timed out"})
    );

    // Act: fixed, then redelivered.
    target.delay(Duration::ZERO);
    let again = app
        .post(&format!("{deliveries}/{}/attempts", list.body[0]["id"]))
        .await;
    let resent = next_delivery(&target).await;
    let list = recorded(&app, &deliveries, 2).await;

    // Assert
    assert_eq!(again.status, 202);
    assert_eq!(resent.guid, ping.guid);
    assert_eq!(list.body[0]["status"], "OK");
}

#[tokio::test]
async fn the_api_and_other_hooks_carry_on_while_a_receiver_hangs() {
    // Arrange: a receiver that hangs (within GHES's 30 s), and a healthy one.
    let app = app().await;
    let hanging = HookTarget::start().await;
    let healthy = HookTarget::start().await;
    let stuck = hook_on(&app, REPO_HOOKS, &hanging, json_hook()).await;
    hook_on(&app, "/orgs/octo-org/hooks", &healthy, json_hook()).await;
    hanging.delay(Duration::from_secs(120));
    let run = app
        .queue_run(json!({"repo": REPO, "jobs": [{"labels": ["self-hosted"]}]}))
        .await;
    let held = next_delivery(&hanging).await;
    assert_eq!(held.action.as_deref(), Some("queued"));

    // Act: while it hangs, a runner registers and the API is read.
    let runner = app.register_runner(ORG, "r", json!({})).await;
    let job = app.job(REPO, &run["jobs"][0]["id"]).await;
    let meta = app.get("/meta").await;
    let other = app
        .queue_run(json!({"repo": REPO, "jobs": [{"labels": ["nobody"]}]}))
        .await;
    let healthy_heard = [
        next_delivery(&healthy).await,
        next_delivery(&healthy).await,
        next_delivery(&healthy).await,
    ];

    // Assert: everything was answered, and the hanging hook's delivery is
    // still unanswered.
    assert_eq!(job["runner_id"], runner["id"]);
    assert_eq!(meta.status, 200);
    assert_eq!(other["jobs"][0]["status"], "queued");
    assert_eq!(
        actions(&healthy_heard),
        [Some("queued"), Some("in_progress"), Some("queued")]
    );
    let pending = app
        .mock_deliveries(&format!("hook_id={}&action=queued", stuck["id"]))
        .await;
    assert_eq!(pending[0]["guid"], held.guid.as_str());
    assert_eq!(
        pending[0]["state"], "pending",
        "the receiver has not answered"
    );
    assert_eq!(hanging.received().len(), 2, "its queue waits behind it");
}

// --- delivery faults -------------------------------------------------------------------------

#[tokio::test]
async fn a_dropped_delivery_never_arrives_and_is_absent_from_the_deliveries_api() {
    // Arrange: two hooks; a drop of the first one's next queued.
    let app = app().await;
    let target = HookTarget::start().await;
    let other = HookTarget::start().await;
    let hook = hook_on(&app, REPO_HOOKS, &target, json_hook()).await;
    hook_on(&app, REPO_HOOKS, &other, json_hook()).await;
    let fault = add_fault(
        &app,
        json!({"delivery": "drop", "event": "workflow_job", "action": "queued",
               "hook_id": hook["id"]}),
    )
    .await;
    app.register_runner(ORG, "r", json!({})).await;

    // Act: queued and taken at once.
    app.queue_run(json!({"repo": REPO, "jobs": [{"labels": ["self-hosted"]}]}))
        .await;
    let first = next_delivery(&target).await;
    let others = [next_delivery(&other).await, next_delivery(&other).await];
    let all = settled_job_deliveries(&app, 4).await;
    let list = recorded(&app, &deliveries_of(&hook), 2).await;

    // Assert
    assert_eq!(fault["delivery"], "drop");
    assert_eq!(
        first.action.as_deref(),
        Some("in_progress"),
        "the queued never came"
    );
    assert_eq!(actions(&others), [Some("queued"), Some("in_progress")]);
    let states: Vec<(&Value, &Value, &Value)> = all
        .iter()
        .filter(|d| d["hook_id"] == hook["id"])
        .map(|d| (&d["action"], &d["state"], &d["status"]))
        .collect();
    assert_eq!(
        states,
        [
            (&json!("queued"), &json!("dropped"), &json!("dropped")),
            (&json!("in_progress"), &json!("sent"), &json!("OK")),
        ]
    );
    let listed: Vec<&Value> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["action"])
        .collect();
    assert_eq!(
        listed,
        [&json!("in_progress"), &Value::Null],
        "in_progress and the ping"
    );
    let faults = app.control(Method::GET, "/faults", None).await;
    assert_eq!(faults.body, json!([]), "used up");
}

#[tokio::test]
async fn a_duplicated_delivery_arrives_twice_with_the_same_guid() {
    // Arrange
    let app = app().await;
    let target = HookTarget::start().await;
    let hook = hook_on(&app, REPO_HOOKS, &target, json_hook()).await;
    add_fault(&app, json!({"delivery": "duplicate", "action": "queued"})).await;

    // Act
    app.queue_run(json!({"repo": REPO, "jobs": [{"labels": ["self-hosted"]}]}))
        .await;
    let twice = [next_delivery(&target).await, next_delivery(&target).await];
    let list = recorded(&app, &deliveries_of(&hook), 3).await;

    // Assert
    assert_eq!(actions(&twice), [Some("queued"), Some("queued")]);
    assert_eq!(twice[0].guid, twice[1].guid);
    assert_eq!(twice[0].body, twice[1].body);
    let queued: Vec<&Value> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["action"] == "queued")
        .collect();
    assert_eq!(queued.len(), 2, "{:?}", list.body);
    assert!(queued.iter().all(|d| d["guid"] == twice[0].guid.as_str()));
    assert_ne!(queued[0]["id"], queued[1]["id"]);
}

#[tokio::test]
async fn a_delayed_delivery_arrives_after_the_next_one() {
    // Arrange: the next queued is held three seconds; the in_progress that
    // follows it is made in the same request.
    let app = app().await;
    let target = HookTarget::start().await;
    hook_on(&app, REPO_HOOKS, &target, json_hook()).await;
    add_fault(
        &app,
        json!({"delivery": "delay", "action": "queued", "delay_ms": 3000}),
    )
    .await;
    app.register_runner(ORG, "r", json!({})).await;

    // Act
    app.queue_run(json!({"repo": REPO, "jobs": [{"labels": ["self-hosted"]}]}))
        .await;
    let arrived = [next_delivery(&target).await, next_delivery(&target).await];

    // Assert
    assert_eq!(actions(&arrived), [Some("in_progress"), Some("queued")]);
    let all = settled_job_deliveries(&app, 2).await;
    let queued = all.iter().find(|d| d["action"] == "queued").unwrap();
    assert_eq!(queued["guid"], arrived[1].guid.as_str());
    assert_eq!(queued["status"], "OK");
}

#[tokio::test]
async fn a_reordered_delivery_arrives_after_the_one_that_follows_it() {
    // Arrange
    let app = app().await;
    let target = HookTarget::start().await;
    hook_on(&app, REPO_HOOKS, &target, json_hook()).await;
    add_fault(
        &app,
        json!({"delivery": "reorder", "event": "workflow_job"}),
    )
    .await;
    app.register_runner(ORG, "r", json!({})).await;

    // Act
    let run = app
        .queue_run(json!({"repo": REPO, "jobs": [{"labels": ["self-hosted"]}]}))
        .await;
    let arrived = [next_delivery(&target).await, next_delivery(&target).await];
    app.control(
        Method::POST,
        &format!("/jobs/{}/complete", run["jobs"][0]["id"]),
        None,
    )
    .await;
    let last = next_delivery(&target).await;

    // Assert: only the next one was reordered.
    assert_eq!(actions(&arrived), [Some("in_progress"), Some("queued")]);
    assert_eq!(last.action.as_deref(), Some("completed"));
}

#[tokio::test]
async fn clearing_the_faults_lets_deliveries_through_again() {
    // Arrange
    let app = app().await;
    let target = HookTarget::start().await;
    hook_on(&app, REPO_HOOKS, &target, json_hook()).await;
    add_fault(&app, json!({"delivery": "drop", "times": 5})).await;
    let listed = app.control(Method::GET, "/faults", None).await;

    // Act
    let cleared = app.control(Method::DELETE, "/faults", None).await;
    app.queue_run(json!({"repo": REPO, "jobs": [{"labels": ["self-hosted"]}]}))
        .await;
    let delivery = next_delivery(&target).await;

    // Assert
    assert_eq!(listed.body[0]["delivery"], "drop");
    assert_eq!(listed.body[0]["times"], 5);
    assert_eq!(cleared.status, 204);
    assert_eq!(delivery.action.as_deref(), Some("queued"));
    assert_eq!(
        app.control(Method::GET, "/faults", None).await.body,
        json!([])
    );
}

#[tokio::test]
async fn bad_delivery_faults_are_refused() {
    // Arrange
    let app = app().await;

    // Act
    let answers = [
        app.control(
            Method::POST,
            "/faults",
            Some(json!({"delivery": "explode"})),
        )
        .await,
        app.control(
            Method::POST,
            "/faults",
            Some(json!({"delivery": "drop", "colour": "red"})),
        )
        .await,
        app.control(
            Method::POST,
            "/faults",
            Some(json!({"delivery": "drop", "times": -1})),
        )
        .await,
    ];

    // Assert
    for answer in &answers {
        assert_eq!(answer.status, 422, "{:?}", answer.body);
    }
    assert_eq!(
        app.control(Method::GET, "/faults", None).await.body,
        json!([])
    );
}

#[tokio::test]
async fn a_reset_forgets_the_deliveries_still_held_for_the_old_hooks() {
    // Arrange: a delivery held by a reorder fault when the reset comes.
    let app = app().await;
    let old = HookTarget::start().await;
    hook_on(&app, REPO_HOOKS, &old, json_hook()).await;
    add_fault(
        &app,
        json!({"delivery": "reorder", "event": "workflow_job"}),
    )
    .await;
    app.queue_run(json!({"repo": REPO, "jobs": [{"labels": ["self-hosted"]}]}))
        .await;
    let before = app.mock_deliveries("").await;
    let last_before = before.iter().filter_map(|d| d["id"].as_i64()).max();

    // Act: a new hook after the reset, pinged twice; its queue has moved on
    // once the second ping arrives.
    let reset = app.control(Method::POST, "/reset", None).await;
    let new = HookTarget::start().await;
    let hook = hook_on(&app, REPO_HOOKS, &new, json_hook()).await;
    let pinged = app
        .post(&format!("{REPO_HOOKS}/{}/pings", hook["id"]))
        .await;
    let second = next_delivery(&new).await;

    // Assert
    assert_eq!(reset.status, 204);
    assert_eq!(pinged.status, 204);
    assert_eq!(second.event, "ping");
    let stale: Vec<String> = old.received().iter().map(|d| d.event.clone()).collect();
    assert_eq!(
        stale,
        ["ping"],
        "nothing of before the reset is sent after it"
    );
    let list = recorded(&app, &deliveries_of(&hook), 2).await;
    let events: Vec<&Value> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["event"])
        .collect();
    assert_eq!(events, [&json!("ping"), &json!("ping")]);
    let ids: Vec<i64> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["id"].as_i64())
        .collect();
    assert!(
        ids.iter().all(|id| Some(*id) > last_before),
        "no delivery id is used twice: {ids:?} after {last_before:?}"
    );
    assert_eq!(
        app.mock_deliveries("event=workflow_job").await,
        Vec::<Value>::new()
    );
}
