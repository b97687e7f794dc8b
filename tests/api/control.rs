//! The control API under `/_mock` (SPEC §4): every endpoint and every answer
//! it documents, checked through what a client of the GitHub API then sees.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    ApiResponse, SCOPES, TestApp, assert_error_shape, label_names, runners_path, spawn_app,
    spawn_seeded, spawn_version, spawn_with,
};

const ORG: &str = "orgs/octo-org";
const REPO: &str = "repos/octo-org/octo-repo";

fn runner_path(scope: &str, id: &Value) -> String {
    format!("{}/{id}", runners_path(scope))
}

/// `POST /_mock/runners` with a registration token and extra fields.
async fn register(app: &TestApp, token: &str, name: &str, extra: Value) -> ApiResponse {
    let mut body = json!({"token": token, "name": name});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    app.control(Method::POST, "/runners", Some(body)).await
}

async fn remove(app: &TestApp, id: &Value, token: &str) -> ApiResponse {
    app.control(
        Method::POST,
        &format!("/runners/{id}/remove"),
        Some(json!({"token": token})),
    )
    .await
}

/// A control request whose body is raw text, for malformed JSON.
async fn control_raw(app: &TestApp, method: Method, path: &str, body: &str) -> (u16, Value) {
    let response = app
        .client
        .request(method, format!("{}/_mock{path}", app.mock.uri()))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("the server answers");
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("a JSON body");
    assert_error_shape(&body);
    (status, body)
}

fn assert_unauthorized(response: &ApiResponse, message: &str) {
    assert_eq!(response.status, 401, "{:?}", response.body);
    assert_eq!(response.body["message"], message, "{:?}", response.body);
}

async fn clock_offset(app: &TestApp) -> i64 {
    let clock = app.control(Method::GET, "/clock", None).await;
    assert_eq!(clock.status, 200, "{:?}", clock.body);
    clock.body["offset_seconds"]
        .as_i64()
        .expect("offset_seconds")
}

fn parse_time(value: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(value.as_str().expect("a time string"))
        .expect("ISO 8601 with an offset")
        .to_utc()
}

// --- health ------------------------------------------------------------------

#[tokio::test]
async fn health_answers_ok() {
    let app = spawn_app().await;

    let health = app.control(Method::GET, "/health", None).await;

    assert_eq!(health.status, 200);
    assert_eq!(health.body, json!({"status": "ok"}));
}

#[tokio::test]
async fn unknown_control_routes_and_wrong_methods_answer_404() {
    let app = spawn_app().await;

    for (method, path) in [
        (Method::GET, "/nothing-here"),
        (Method::POST, "/health"),
        (Method::DELETE, "/reset"),
        (Method::GET, "/runners"),
        (Method::DELETE, "/clock"),
    ] {
        let response = app.control(method.clone(), path, None).await;

        assert_eq!(response.status, 404, "{method} {path}: {:?}", response.body);
        assert_eq!(response.body["message"], "Not Found", "{method} {path}");
    }
}

// --- register ----------------------------------------------------------------

#[tokio::test]
async fn registering_with_only_a_name_gives_an_online_idle_linux_x64_runner_in_the_tokens_scope() {
    for scope in SCOPES {
        // Arrange
        let app = spawn_app().await;
        let token = app.registration_token(scope).await;

        // Act
        let created = register(&app, &token, "plain", json!({})).await;

        // Assert
        assert_eq!(created.status, 201, "{scope}: {:?}", created.body);
        let runner = &created.body;
        assert_eq!(runner["name"], "plain");
        assert_eq!(runner["os"], "linux");
        assert_eq!(runner["status"], "online");
        assert_eq!(runner["busy"], false);
        assert_eq!(
            label_names(runner),
            ["self-hosted", "X64", "Linux"],
            "{scope}"
        );
        let got = app.get(&runner_path(scope, &runner["id"])).await;
        assert_eq!(got.status, 200, "{scope}");
        assert_eq!(
            got.body, *runner,
            "{scope}: the API shows what the control API answered"
        );
        for other in SCOPES.iter().filter(|s| **s != scope) {
            let list = app.get(&runners_path(other)).await;
            assert_eq!(
                list.body["total_count"], 0,
                "{scope}'s token registered into {other}"
            );
        }
    }
}

#[tokio::test]
async fn registering_with_os_architecture_labels_status_and_busy_keeps_them_all() {
    let app = spawn_app().await;
    let token = app.registration_token(ORG).await;

    let created = register(
        &app,
        &token,
        "mac-builder",
        json!({"os": "macos", "architecture": "arm64", "labels": ["gpu", "xcode-14"],
               "status": "offline", "busy": true}),
    )
    .await;

    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["os"], "macos");
    assert_eq!(created.body["status"], "offline");
    assert_eq!(created.body["busy"], true);
    assert_eq!(
        label_names(&created.body),
        ["self-hosted", "ARM64", "macOS", "gpu", "xcode-14"]
    );
    let got = app.get(&runner_path(ORG, &created.body["id"])).await;
    assert_eq!(got.body, created.body);
}

#[tokio::test]
async fn os_architecture_and_status_are_read_case_insensitively() {
    let app = spawn_app().await;
    let token = app.registration_token(ORG).await;

    let cases = [
        (
            "a",
            json!({"os": "Linux", "architecture": "X64", "status": "ONLINE"}),
            "linux",
            "online",
            "X64",
            "Linux",
        ),
        (
            "b",
            json!({"os": "MacOS", "architecture": "Arm64", "status": "Offline"}),
            "macos",
            "offline",
            "ARM64",
            "macOS",
        ),
        (
            "c",
            json!({"os": "WINDOWS", "architecture": "ARM", "status": "offline"}),
            "windows",
            "offline",
            "ARM",
            "Windows",
        ),
    ];
    for (name, extra, os, status, arch_label, os_label) in cases {
        let created = register(&app, &token, name, extra.clone()).await;

        assert_eq!(created.status, 201, "{extra}: {:?}", created.body);
        assert_eq!(created.body["os"], os, "{extra}");
        assert_eq!(created.body["status"], status, "{extra}");
        assert_eq!(
            label_names(&created.body)[1..3],
            [arch_label, os_label],
            "{extra}"
        );
    }
}

#[tokio::test]
async fn registering_with_an_unknown_os_architecture_or_status_answers_422_naming_the_field() {
    let app = spawn_app().await;
    let token = app.registration_token(ORG).await;

    for (field, value) in [
        ("os", "solaris"),
        ("architecture", "sparc"),
        ("status", "asleep"),
    ] {
        let refused = register(&app, &token, "r", json!({ field: value })).await;

        assert_eq!(refused.status, 422, "{field}: {:?}", refused.body);
        assert_eq!(refused.body["message"], "Validation Failed");
        assert_eq!(
            refused.body["errors"][0]["field"], field,
            "{:?}",
            refused.body
        );
        assert_eq!(
            refused.body["errors"][0]["code"], "invalid",
            "{:?}",
            refused.body
        );
        let message = refused.body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(
            message.contains(value),
            "{field}: the message names the bad value: {message}"
        );
    }
    let list = app.get(&runners_path(ORG)).await;
    assert_eq!(list.body["total_count"], 0, "nothing was registered");
}

#[tokio::test]
async fn registering_an_existing_name_without_replace_answers_422_already_exists() {
    let app = spawn_app().await;
    let token = app.registration_token(ORG).await;
    let first = register(&app, &token, "linux_runner", json!({"labels": ["gpu"]})).await;
    assert_eq!(first.status, 201);

    let again = register(&app, &token, "Linux_Runner", json!({"labels": ["other"]})).await;

    assert_eq!(again.status, 422, "{:?}", again.body);
    assert_eq!(again.body["message"], "Validation Failed");
    assert_eq!(again.body["errors"][0]["code"], "already_exists");
    assert_eq!(again.body["errors"][0]["field"], "name");
    let list = app.get(&runners_path(ORG)).await;
    assert_eq!(list.body["total_count"], 1);
    assert_eq!(
        list.body["runners"][0], first.body,
        "the first runner is untouched"
    );
}

#[tokio::test]
async fn the_same_name_may_be_registered_in_another_scope() {
    let app = spawn_app().await;
    let org_runner = app.register_runner(ORG, "shared-name", json!({})).await;

    let repo_runner = app.register_runner(REPO, "shared-name", json!({})).await;

    assert_ne!(org_runner["id"], repo_runner["id"]);
}

#[tokio::test]
async fn registering_with_replace_keeps_the_id_and_takes_the_new_os_labels_and_status() {
    let app = spawn_app().await;
    let token = app.registration_token(ORG).await;
    let old = register(
        &app,
        &token,
        "builder",
        json!({"labels": ["gpu"], "busy": true}),
    )
    .await;
    assert_eq!(old.status, 201);

    let new = register(
        &app,
        &token,
        "builder",
        json!({"replace": true, "os": "windows", "labels": ["big"], "status": "offline"}),
    )
    .await;

    assert_eq!(new.status, 201, "{:?}", new.body);
    assert_eq!(new.body["id"], old.body["id"]);
    assert_eq!(new.body["os"], "windows");
    assert_eq!(new.body["status"], "offline");
    assert_eq!(new.body["busy"], false, "the replacement starts idle");
    assert_eq!(
        label_names(&new.body),
        ["self-hosted", "X64", "Windows", "big"]
    );
    let list = app.get(&runners_path(ORG)).await;
    assert_eq!(list.body, json!({"total_count": 1, "runners": [new.body]}));
}

#[tokio::test]
async fn registering_with_an_unknown_token_answers_401_unknown_registration_token() {
    let app = spawn_app().await;

    let refused = register(&app, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "r", json!({})).await;

    assert_unauthorized(&refused, "Unknown registration token");
}

#[tokio::test]
async fn registering_with_an_expired_token_answers_401_and_registers_nothing() {
    let app = spawn_app().await;
    let token = app.registration_token(ORG).await;
    app.set_clock(3601).await;

    let refused = register(&app, &token, "late", json!({})).await;

    assert_unauthorized(&refused, "The registration token has expired");
    assert_eq!(app.get(&runners_path(ORG)).await.body["total_count"], 0);
}

#[tokio::test]
async fn registering_with_a_remove_token_answers_401() {
    let app = spawn_app().await;
    let token = app.remove_token(ORG).await;

    let refused = register(&app, &token, "r", json!({})).await;

    assert_unauthorized(&refused, "This is a remove token, not a registration token");
    assert_eq!(app.get(&runners_path(ORG)).await.body["total_count"], 0);
}

#[tokio::test]
async fn malformed_or_misshapen_control_bodies_answer_400_or_422() {
    let app = spawn_app().await;
    let token = app.registration_token(ORG).await;

    let (status, body) = control_raw(&app, Method::POST, "/runners", "{\"token\": ").await;
    assert_eq!(status, 400);
    assert_eq!(body["message"], "Problems parsing JSON");

    let missing = app
        .control(Method::POST, "/runners", Some(json!({"token": token})))
        .await;
    assert_eq!(missing.status, 422, "{:?}", missing.body);
    assert_eq!(missing.body["message"], "Validation Failed");
    assert_eq!(missing.body["errors"][0]["field"], "name");
    assert_eq!(missing.body["errors"][0]["code"], "missing_field");

    let unknown_field = register(&app, &token, "r", json!({"colour": "red"})).await;
    assert_eq!(unknown_field.status, 422, "{:?}", unknown_field.body);
    assert_eq!(unknown_field.body["message"], "Validation Failed");

    let wrong_type = register(&app, &token, "r", json!({"busy": "yes"})).await;
    assert_eq!(wrong_type.status, 422, "{:?}", wrong_type.body);
    assert_eq!(wrong_type.body["errors"][0]["field"], "busy");

    assert_eq!(app.get(&runners_path(ORG)).await.body["total_count"], 0);
}

// --- PATCH ---------------------------------------------------------------------

#[tokio::test]
async fn patching_status_and_busy_shows_through_the_api() {
    for scope in SCOPES {
        let app = spawn_app().await;
        let runner = app.register_runner(scope, "worker", json!({})).await;

        let updated = app
            .patch_runner(&runner["id"], json!({"status": "offline", "busy": true}))
            .await;

        assert_eq!(updated.status, 200, "{scope}: {:?}", updated.body);
        assert_eq!(updated.body["status"], "offline");
        assert_eq!(updated.body["busy"], true);
        let got = app.get(&runner_path(scope, &runner["id"])).await;
        assert_eq!(got.body, updated.body, "{scope}");
        let listed = app.get(&runners_path(scope)).await;
        assert_eq!(listed.body["runners"][0], updated.body, "{scope}");
    }
}

#[tokio::test]
async fn patching_only_the_status_leaves_busy_alone_and_the_other_way_round() {
    let app = spawn_app().await;
    let runner = app
        .register_runner(ORG, "worker", json!({"busy": true}))
        .await;

    let offline = app
        .patch_runner(&runner["id"], json!({"status": "offline"}))
        .await;

    assert_eq!(offline.status, 200);
    assert_eq!(offline.body["status"], "offline");
    assert_eq!(offline.body["busy"], true, "busy is untouched");
    assert_eq!(offline.body["labels"], runner["labels"]);

    let idle = app
        .patch_runner(&runner["id"], json!({"busy": false}))
        .await;

    assert_eq!(idle.body["status"], "offline", "status is untouched");
    assert_eq!(idle.body["busy"], false);
    assert_eq!(
        app.get(&runner_path(ORG, &runner["id"])).await.body,
        idle.body
    );
}

#[tokio::test]
async fn patching_an_unknown_runner_answers_404() {
    let app = spawn_app().await;
    let runner = app.register_runner(ORG, "worker", json!({})).await;

    for id in [json!(999_999), json!("abc")] {
        let missing = app.patch_runner(&id, json!({"busy": true})).await;

        assert_eq!(missing.status, 404, "{id}: {:?}", missing.body);
        assert_eq!(missing.body["message"], "Not Found");
    }
    assert_eq!(
        app.get(&runner_path(ORG, &runner["id"])).await.body["busy"],
        false
    );
}

#[tokio::test]
async fn patching_with_an_unknown_status_answers_422_and_changes_nothing() {
    let app = spawn_app().await;
    let runner = app.register_runner(ORG, "worker", json!({})).await;

    let refused = app
        .patch_runner(&runner["id"], json!({"status": "sleeping", "busy": true}))
        .await;

    assert_eq!(refused.status, 422, "{:?}", refused.body);
    assert_eq!(refused.body["errors"][0]["field"], "status");
    assert_eq!(app.get(&runner_path(ORG, &runner["id"])).await.body, runner);
}

// --- remove ----------------------------------------------------------------------

#[tokio::test]
async fn removing_with_a_remove_token_of_the_runners_scope_deletes_it() {
    for scope in SCOPES {
        let app = spawn_app().await;
        let runner = app.register_runner(scope, "leaving", json!({})).await;
        let token = app.remove_token(scope).await;

        let removed = remove(&app, &runner["id"], &token).await;

        assert_eq!(removed.status, 204, "{scope}: {:?}", removed.body);
        assert_eq!(removed.body, Value::Null);
        let gone = app.get(&runner_path(scope, &runner["id"])).await;
        assert_eq!(gone.status, 404, "{scope}");
        assert_eq!(gone.body["message"], "Not Found");
        assert_eq!(
            app.get(&runners_path(scope)).await.body["total_count"],
            0,
            "{scope}"
        );
    }
}

#[tokio::test]
async fn removing_with_a_remove_token_of_another_scope_answers_401_and_keeps_the_runner() {
    for (i, scope) in SCOPES.iter().enumerate() {
        let other = SCOPES[(i + 1) % SCOPES.len()];
        let app = spawn_app().await;
        let runner = app.register_runner(scope, "staying", json!({})).await;
        let token = app.remove_token(other).await;

        let refused = remove(&app, &runner["id"], &token).await;

        assert_unauthorized(
            &refused,
            "The remove token belongs to another scope than the runner",
        );
        let got = app.get(&runner_path(scope, &runner["id"])).await;
        assert_eq!(got.status, 200, "{scope}: the runner stays");
    }
}

#[tokio::test]
async fn removing_with_a_registration_token_answers_401_and_keeps_the_runner() {
    let app = spawn_app().await;
    let runner = app.register_runner(ORG, "staying", json!({})).await;
    let token = app.registration_token(ORG).await;

    let refused = remove(&app, &runner["id"], &token).await;

    assert_unauthorized(&refused, "This is a registration token, not a remove token");
    assert_eq!(app.get(&runner_path(ORG, &runner["id"])).await.status, 200);
}

#[tokio::test]
async fn removing_with_an_expired_or_unknown_remove_token_answers_401_and_keeps_the_runner() {
    let app = spawn_app().await;
    let runner = app.register_runner(ORG, "staying", json!({})).await;
    let token = app.remove_token(ORG).await;

    let unknown = remove(&app, &runner["id"], "AAAAAAAAAAAAAAAAAAAAAAAAAAAAA").await;
    app.set_clock(3601).await;
    let expired = remove(&app, &runner["id"], &token).await;

    assert_unauthorized(&unknown, "Unknown remove token");
    assert_unauthorized(&expired, "The remove token has expired");
    assert_eq!(app.get(&runner_path(ORG, &runner["id"])).await.status, 200);
}

#[tokio::test]
async fn removing_an_unknown_runner_answers_404() {
    let app = spawn_app().await;
    let token = app.remove_token(ORG).await;

    let missing = remove(&app, &json!(424_242), &token).await;

    assert_eq!(missing.status, 404, "{:?}", missing.body);
    assert_eq!(missing.body["message"], "Not Found");
}

#[tokio::test]
async fn a_remove_token_removes_several_runners_of_its_scope() {
    let app = spawn_app().await;
    let a = app.register_runner(ORG, "a", json!({})).await;
    let b = app.register_runner(ORG, "b", json!({})).await;
    let token = app.remove_token(ORG).await;

    assert_eq!(remove(&app, &a["id"], &token).await.status, 204);
    assert_eq!(remove(&app, &b["id"], &token).await.status, 204);

    assert_eq!(app.get(&runners_path(ORG)).await.body["total_count"], 0);
}

// --- reset -----------------------------------------------------------------------

fn seed() -> Value {
    json!({
        "orgs": ["octo-org"],
        "runners": [
            {"scope": ORG, "name": "seeded-1", "labels": ["gpu"]},
            {"scope": ORG, "name": "seeded-2", "os": "windows", "busy": true},
            {"scope": REPO, "name": "seeded-3", "status": "offline"},
        ]
    })
}

#[tokio::test]
async fn reset_returns_to_the_seed_with_the_same_ids_and_forgets_registrations_and_tokens() {
    // Arrange
    let app = spawn_seeded(seed()).await;
    let seeded_org = app.get(&runners_path(ORG)).await.body;
    let seeded_repo = app.get(&runners_path(REPO)).await.body;
    assert_eq!(seeded_org["total_count"], 2);
    let token = app.registration_token(ORG).await;
    let registered = register(&app, &token, "newcomer", json!({})).await;
    assert_eq!(registered.status, 201);
    let first_id = seeded_org["runners"][0]["id"].clone();
    let remove_token = app.remove_token(ORG).await;
    assert_eq!(remove(&app, &first_id, &remove_token).await.status, 204);
    assert_eq!(
        app.patch_runner(
            &seeded_repo["runners"][0]["id"],
            json!({"status": "online"})
        )
        .await
        .status,
        200
    );
    app.register_runner("enterprises/new-enterprise", "elsewhere", json!({}))
        .await;
    app.set_clock(1800).await;

    // Act
    let reset = app.control(Method::POST, "/reset", None).await;

    // Assert
    assert_eq!(reset.status, 204, "{:?}", reset.body);
    assert_eq!(reset.body, Value::Null);
    assert_eq!(
        app.get(&runners_path(ORG)).await.body,
        seeded_org,
        "seeded runners are back with their ids"
    );
    assert_eq!(
        app.get(&runners_path(REPO)).await.body,
        seeded_repo,
        "seeded runners are as seeded"
    );
    assert_eq!(
        app.get(&runner_path(ORG, &registered.body["id"]))
            .await
            .status,
        404
    );
    assert_eq!(
        app.get(&runners_path("enterprises/new-enterprise"))
            .await
            .body["total_count"],
        0
    );
    let stale = register(&app, &token, "again", json!({})).await;
    assert_unauthorized(&stale, "Unknown registration token");
    assert_eq!(clock_offset(&app).await, 0);
    let state = app.control(Method::GET, "/state", None).await;
    assert_eq!(state.body["tokens"], json!([]), "no token survives a reset");
    assert_eq!(state.body["offset_seconds"], 0);
}

#[tokio::test]
async fn after_a_reset_new_runners_get_the_ids_they_would_have_got_after_the_seed() {
    let app = spawn_seeded(seed()).await;
    let first = app.register_runner(ORG, "first", json!({})).await;
    app.register_runner(ORG, "second", json!({})).await;

    assert_eq!(app.control(Method::POST, "/reset", None).await.status, 204);
    let again = app.register_runner(ORG, "first", json!({})).await;

    assert_eq!(again["id"], first["id"]);
}

#[tokio::test]
async fn reset_without_a_seed_empties_the_mock() {
    let app = spawn_app().await;
    app.register_runner(ORG, "a", json!({})).await;

    assert_eq!(app.control(Method::POST, "/reset", None).await.status, 204);

    let state = app.control(Method::GET, "/state", None).await;
    assert_eq!(state.body["scopes"], json!([]));
    assert_eq!(state.body["tokens"], json!([]));
}

// --- state -----------------------------------------------------------------------

#[tokio::test]
async fn state_lists_every_scope_with_its_runners_and_every_live_token() {
    // Arrange
    let app = spawn_app().await;
    let a = app
        .register_runner(ORG, "a", json!({"labels": ["gpu"]}))
        .await;
    let b = app.register_runner(ORG, "b", json!({"busy": true})).await;
    let c = app.register_runner(REPO, "c", json!({"os": "macos"})).await;
    let remove_token = app
        .post(&format!("{}/remove-token", runners_path(REPO)))
        .await
        .body;

    // Act
    let state = app.control(Method::GET, "/state", None).await;

    // Assert
    assert_eq!(state.status, 200, "{:?}", state.body);
    let body = &state.body;
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 5, "{keys:?}");
    assert_eq!(body["offset_seconds"], 0);
    assert_eq!(
        body["jobs"],
        json!({"queued": 0, "in_progress": 0, "completed": 0, "idle_runners": 2}),
        "a and c are idle, b is busy"
    );
    assert!(
        (parse_time(&body["now"]) - chrono::Utc::now())
            .num_seconds()
            .abs()
            <= 5,
        "{}",
        body["now"]
    );
    let scopes = body["scopes"].as_array().unwrap();
    assert_eq!(scopes.len(), 2, "{scopes:?}");
    assert_eq!(scopes[0]["scope"], ORG);
    assert_eq!(scopes[0]["runner_count"], 2);
    assert_eq!(scopes[0]["runners"], json!([a, b]));
    assert_eq!(scopes[1]["scope"], REPO);
    assert_eq!(scopes[1]["runner_count"], 1);
    assert_eq!(scopes[1]["runners"], json!([c]));
    assert!(scopes[0]["id"].is_i64() && scopes[0]["id"] != scopes[1]["id"]);
    // Three registration tokens (one per register_runner) and one remove token.
    let tokens = body["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 4, "{tokens:?}");
    let remove = tokens
        .iter()
        .find(|t| t["token"] == remove_token["token"])
        .expect("the remove token is listed");
    assert_eq!(
        *remove,
        json!({"token": remove_token["token"], "kind": "remove", "scope": REPO, "expires_at": remove_token["expires_at"]})
    );
    let mut registration_scopes: Vec<&str> = tokens
        .iter()
        .filter(|t| t["kind"] == "registration")
        .map(|t| t["scope"].as_str().unwrap())
        .collect();
    registration_scopes.sort_unstable();
    assert_eq!(registration_scopes, [ORG, ORG, REPO]);
}

#[tokio::test]
async fn state_keeps_the_first_spelling_of_a_scope_and_counts_empty_scopes() {
    let app = spawn_app().await;
    app.registration_token("orgs/Octo-Org").await;
    app.registration_token("orgs/OCTO-ORG").await;

    let state = app.control(Method::GET, "/state", None).await;

    assert_eq!(
        state.body["scopes"].as_array().unwrap().len(),
        1,
        "{:?}",
        state.body
    );
    assert_eq!(state.body["scopes"][0]["scope"], "orgs/Octo-Org");
    assert_eq!(state.body["scopes"][0]["runner_count"], 0);
    assert_eq!(state.body["scopes"][0]["runners"], json!([]));
}

#[tokio::test]
async fn an_expired_token_disappears_from_the_state() {
    let app = spawn_app().await;
    let old = app.registration_token(ORG).await;
    app.set_clock(1800).await;
    let young = app.registration_token(ORG).await;

    app.set_clock(3601).await;
    let state = app.control(Method::GET, "/state", None).await;

    let tokens: Vec<&Value> = state.body["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["token"])
        .collect();
    assert_eq!(
        tokens,
        [&json!(young)],
        "only the token still alive at +3601 s; {old} expired"
    );
    assert_eq!(state.body["offset_seconds"], 3601);
}

// --- clock -------------------------------------------------------------------------

#[tokio::test]
async fn the_clock_and_the_state_name_the_offset_and_now_alike() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let set = app
        .control(Method::PUT, "/clock", Some(json!({"offset_seconds": 90})))
        .await;
    let clock = app.control(Method::GET, "/clock", None).await;
    let state = app.control(Method::GET, "/state", None).await;

    // Assert: what PUT /_mock/clock takes and answers, the state shows
    // under the same names.
    assert_eq!(set.status, 200, "{:?}", set.body);
    let names = |body: &Value| {
        let mut keys: Vec<String> = body.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(names(&set.body), ["now", "offset_seconds"]);
    assert_eq!(names(&clock.body), ["now", "offset_seconds"]);
    assert_eq!(state.body["offset_seconds"], 90, "{:?}", state.body);
    assert_eq!(state.body["offset_seconds"], clock.body["offset_seconds"]);
    assert!(state.body["now"].is_string(), "{:?}", state.body);
    assert!(
        state.body.get("clock_offset_seconds").is_none(),
        "one name for one thing: {:?}",
        state.body
    );
}

#[tokio::test]
async fn setting_the_clock_is_absolute_not_cumulative() {
    let app = spawn_app().await;

    let first = app
        .control(Method::PUT, "/clock", Some(json!({"offset_seconds": 3600})))
        .await;
    let second = app
        .control(Method::PUT, "/clock", Some(json!({"offset_seconds": 60})))
        .await;

    assert_eq!(first.status, 200);
    assert_eq!(first.body["offset_seconds"], 3600);
    assert_eq!(second.status, 200, "{:?}", second.body);
    assert_eq!(second.body["offset_seconds"], 60);
    let expected = chrono::Utc::now() + chrono::Duration::seconds(60);
    assert!(
        (parse_time(&second.body["now"]) - expected)
            .num_seconds()
            .abs()
            <= 5,
        "{:?}",
        second.body
    );
    let clock = app.control(Method::GET, "/clock", None).await;
    assert_eq!(clock.status, 200);
    assert_eq!(clock.body["offset_seconds"], 60);
    assert!(
        (parse_time(&clock.body["now"]) - expected)
            .num_seconds()
            .abs()
            <= 5,
        "{:?}",
        clock.body
    );
    assert_eq!(
        clock.body.as_object().unwrap().len(),
        2,
        "exactly now and offset_seconds"
    );
}

#[tokio::test]
async fn the_clock_starts_at_wall_time_and_may_go_back() {
    let app = spawn_app().await;
    let start = app.control(Method::GET, "/clock", None).await;
    assert_eq!(start.body["offset_seconds"], 0);
    assert!(
        (parse_time(&start.body["now"]) - chrono::Utc::now())
            .num_seconds()
            .abs()
            <= 5
    );

    let back = app
        .control(
            Method::PUT,
            "/clock",
            Some(json!({"offset_seconds": -86_400})),
        )
        .await;

    assert_eq!(back.status, 200);
    let expected = chrono::Utc::now() - chrono::Duration::days(1);
    assert!(
        (parse_time(&back.body["now"]) - expected)
            .num_seconds()
            .abs()
            <= 5,
        "{:?}",
        back.body
    );
}

#[tokio::test]
async fn the_clock_drives_expires_at_of_new_tokens() {
    let app = spawn_app().await;
    app.set_clock(7200).await;

    let token = app
        .post(&format!("{}/registration-token", runners_path(ORG)))
        .await;

    let expected = chrono::Utc::now() + chrono::Duration::seconds(7200 + 3600);
    assert!(
        (parse_time(&token.body["expires_at"]) - expected)
            .num_seconds()
            .abs()
            <= 5,
        "{:?}",
        token.body
    );
}

#[tokio::test]
async fn an_offset_beyond_100_years_answers_422_and_keeps_the_clock() {
    let app = spawn_app().await;
    app.set_clock(60).await;
    let two_hundred_years: i64 = 200 * 366 * 24 * 3600;

    for offset in [two_hundred_years, -two_hundred_years, i64::MAX, i64::MIN] {
        let refused = app
            .control(
                Method::PUT,
                "/clock",
                Some(json!({"offset_seconds": offset})),
            )
            .await;

        assert_eq!(refused.status, 422, "{offset}: {:?}", refused.body);
        assert_eq!(refused.body["message"], "Validation Failed");
        assert_eq!(
            refused.body["errors"][0]["field"], "offset_seconds",
            "{:?}",
            refused.body
        );
    }
    assert_eq!(clock_offset(&app).await, 60);
    let ninety_nine_years: i64 = 99 * 365 * 24 * 3600;
    let accepted = app
        .control(
            Method::PUT,
            "/clock",
            Some(json!({"offset_seconds": ninety_nine_years})),
        )
        .await;
    assert_eq!(accepted.status, 200, "{:?}", accepted.body);
}

#[tokio::test]
async fn a_clock_body_that_is_not_json_or_lacks_the_offset_is_refused() {
    let app = spawn_app().await;

    let (status, body) = control_raw(&app, Method::PUT, "/clock", "offset_seconds=60").await;
    let missing = app.control(Method::PUT, "/clock", Some(json!({}))).await;
    let wrong_type = app
        .control(Method::PUT, "/clock", Some(json!({"offset_seconds": "60"})))
        .await;

    assert_eq!(status, 400);
    assert_eq!(body["message"], "Problems parsing JSON");
    assert_eq!(missing.status, 422, "{:?}", missing.body);
    assert_eq!(missing.body["errors"][0]["field"], "offset_seconds");
    assert_eq!(missing.body["errors"][0]["code"], "missing_field");
    assert_eq!(wrong_type.status, 422, "{:?}", wrong_type.body);
    assert_eq!(clock_offset(&app).await, 0);
}

#[tokio::test]
async fn an_organization_joins_and_leaves_an_enterprise_keeping_its_id() {
    // Arrange
    let app = spawn_app().await;
    let org_id = app.get("/orgs/octo-org").await.body["id"].clone();

    // Act
    let joined = app
        .control(
            Method::PUT,
            "/orgs/Octo-Org",
            Some(json!({"enterprise": "octo-enterprise"})),
        )
        .await;
    let state_joined = app.control(Method::GET, "/state", None).await;
    let left = app
        .control(
            Method::PUT,
            "/orgs/octo-org",
            Some(json!({"enterprise": null})),
        )
        .await;
    let state_left = app.control(Method::GET, "/state", None).await;

    // Assert
    assert_eq!(joined.status, 200, "{:?}", joined.body);
    assert_eq!(joined.body["id"], org_id);
    assert_eq!(joined.body["login"], "octo-org", "the first spelling");
    crate::contract::assert_schema_matches("organization-simple", &joined.body);
    let org = &state_joined.body["scopes"][0];
    assert_eq!(org["enterprise"], "octo-enterprise");
    assert_eq!(left.status, 200);
    assert!(state_left.body["scopes"][0].get("enterprise").is_none());
}

#[tokio::test]
async fn a_membership_body_or_name_that_is_wrong_is_refused() {
    let app = spawn_app().await;

    let unknown_field = app
        .control(Method::PUT, "/orgs/o", Some(json!({"enterprize": "e"})))
        .await;
    let bad_slug = app
        .control(Method::PUT, "/orgs/o", Some(json!({"enterprise": "a b"})))
        .await;
    let (status, _) = control_raw(&app, Method::PUT, "/orgs/o", "{enterprise").await;

    assert_eq!(unknown_field.status, 422, "{:?}", unknown_field.body);
    assert_eq!(bad_slug.status, 422, "{:?}", bad_slug.body);
    assert_eq!(status, 400);
    let state = app.control(Method::GET, "/state", None).await;
    assert_eq!(state.body["scopes"], json!([]), "nothing was created");
}

#[tokio::test]
async fn an_ephemeral_registration_shows_as_ephemeral_from_3_12() {
    let app = spawn_with(ghes_mock::GhesMock::builder().ghes_version("3.12")).await;
    let token = app.registration_token("orgs/o").await;

    let ephemeral = register(&app, &token, "once", json!({"ephemeral": true})).await;
    let lasting = register(&app, &token, "lasting", json!({})).await;

    assert_eq!(ephemeral.status, 201, "{:?}", ephemeral.body);
    assert_eq!(ephemeral.body["ephemeral"], true);
    assert_eq!(lasting.body["ephemeral"], false);
}

// --- fixtures of jobs and hooks ------------------------------------------------

/// A fixture with a runner, a hook and a run whose first job the runner
/// can take and whose second nothing serves.
fn seed_with_jobs(hook_url: &str) -> Value {
    json!({
        "orgs": ["octo-org"],
        "runners": [{"scope": ORG, "name": "seeded-runner"}],
        "hooks": [{"scope": ORG, "url": hook_url, "secret": "s3cret",
                   "content_type": "json", "events": ["workflow_job"]}],
        "runs": [{"repo": "octo-org/octo-repo", "jobs": [
            {"name": "linux", "labels": ["self-hosted", "linux"]},
            {"name": "gpu", "labels": ["gpu"]},
        ]}],
    })
}

/// The fixture's jobs, by name, as the control API shows them.
async fn seeded_jobs(app: &TestApp) -> Vec<Value> {
    let run = app.control(Method::GET, "/runs/1", None).await;
    assert_eq!(run.status, 200, "{:?}", run.body);
    run.body["jobs"].as_array().expect("jobs").clone()
}

/// Waits until the hook has received `count` deliveries.
async fn received(
    target: &ghes_mock::HookTarget,
    count: usize,
) -> Vec<ghes_mock::ReceivedDelivery> {
    target
        .wait_for(count, std::time::Duration::from_secs(10))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn a_fixtures_queued_job_is_taken_by_its_runner_and_its_hook_hears_what_follows() {
    // Arrange
    let target = ghes_mock::HookTarget::start().await;

    // Act
    let app = spawn_version("3.22", seed_with_jobs(&target.url())).await;

    // Assert
    let first = received(&target, 1).await;
    assert_eq!(first[0].event, "workflow_job");
    assert_eq!(
        first[0].action.as_deref(),
        Some("in_progress"),
        "not pinged, queued not announced"
    );
    assert!(first[0].verify("s3cret"));
    assert_eq!(
        first[0].json["workflow_job"]["runner_name"],
        "seeded-runner"
    );
    let jobs = seeded_jobs(&app).await;
    assert_eq!(jobs[0]["status"], "in_progress");
    assert_eq!(jobs[0]["runner_name"], "seeded-runner");
    assert_eq!(jobs[1]["status"], "queued", "nothing serves gpu");
    let hooks = org_hooks(&app).await;
    assert_eq!(hooks[0]["config"]["secret"], "********");
}

/// The organization's hooks over REST.
async fn org_hooks(app: &TestApp) -> Vec<Value> {
    let request = app
        .client
        .get(app.url("/orgs/octo-org/hooks"))
        .header("Authorization", "token t");
    let hooks = crate::helpers::read(request).await;
    assert_eq!(hooks.status, 200, "{:?}", hooks.body);
    hooks.body.as_array().expect("hooks").clone()
}

#[tokio::test]
async fn reset_returns_to_the_fixtures_jobs_queued_and_forgets_runs_and_hooks_made_since() {
    // Arrange
    let target = ghes_mock::HookTarget::start().await;
    let app = spawn_version("3.22", seed_with_jobs(&target.url())).await;
    received(&target, 1).await;
    let job = seeded_jobs(&app).await[0]["id"].clone();
    let done = app
        .control(
            Method::POST,
            &format!("/jobs/{job}/complete"),
            Some(json!({})),
        )
        .await;
    assert_eq!(done.status, 200, "{:?}", done.body);
    let queued = app
        .control(
            Method::POST,
            "/runs",
            Some(json!({"repo": "octo-org/other", "jobs": [{"labels": ["x"]}]})),
        )
        .await;
    assert_eq!(queued.status, 201, "{:?}", queued.body);
    let request = app
        .client
        .post(app.url("/orgs/octo-org/hooks"))
        .header("Authorization", "token t")
        .json(&json!({"name": "web", "config": {"url": target.url()}, "active": false}));
    assert_eq!(crate::helpers::read(request).await.status, 201);
    assert_eq!(org_hooks(&app).await.len(), 2);

    // Act
    let reset = app.control(Method::POST, "/reset", None).await;

    // Assert
    assert_eq!(reset.status, 204);
    assert_eq!(app.control(Method::GET, "/runs/2", None).await.status, 404);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let jobs = seeded_jobs(&app).await;
        if jobs[0]["status"] == "in_progress" {
            assert_eq!(
                jobs[0]["runner_name"], "seeded-runner",
                "taken again after the reset"
            );
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{jobs:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(org_hooks(&app).await.len(), 1, "the fixture's hook only");
}

#[tokio::test]
async fn a_fixture_with_a_bad_run_or_hook_is_refused_naming_the_place() {
    let cases = [
        (
            json!({"runs": [{"repo": "octo-org", "jobs": [{"labels": ["x"]}]}]}),
            "runs[0].repo",
        ),
        (
            json!({"runs": [{"repo": "o/r", "jobs": [{"labels": []}]}]}),
            "runs[0].jobs[0].labels",
        ),
        (
            json!({"hooks": [{"scope": "orgs/o", "url": "ftp://x"}]}),
            "hooks[0].url",
        ),
        (
            json!({"hooks": [{"scope": "orgs/o", "url": "http://x", "events": ["nope"]}]}),
            "hooks[0].events[0]",
        ),
        (
            json!({"hooks": [{"scope": "enterprises/e", "url": "http://x"}]}),
            "hooks[0].scope",
        ),
    ];
    for (fixture, place) in cases {
        let (at, reason) = ghes_mock::Seed::from_json(&fixture.to_string()).unwrap_err();
        assert_eq!(at, place, "{fixture}: {reason}");
        assert!(!reason.is_empty());
    }
}
