//! Each of the six runner operations, in every scope, through one table of
//! scopes and one set of assertions.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{SCOPES, label_names, runners_path, spawn_app};

#[tokio::test]
async fn a_runner_goes_from_registration_to_deletion_in_every_scope() {
    for scope in SCOPES {
        // Arrange
        let app = spawn_app().await;
        let registered = app
            .register_runner(scope, "linux_runner", json!({"labels": ["gpu"]}))
            .await;
        let id = registered["id"].as_i64().unwrap();

        // Act + Assert: list
        let list = app.get(&runners_path(scope)).await;
        assert_eq!(list.status, 200, "{scope}");
        assert_eq!(list.body["total_count"], 1, "{scope}");
        assert_eq!(list.body["runners"][0], registered, "{scope}");
        assert_eq!(
            list.body.as_object().unwrap().len(),
            2,
            "exactly total_count and runners"
        );

        // get
        let got = app.get(&format!("{}/{id}", runners_path(scope))).await;
        assert_eq!(got.status, 200, "{scope}");
        assert_eq!(got.body, registered, "{scope}");
        assert_eq!(got.body["name"], "linux_runner");
        assert_eq!(got.body["os"], "linux");
        assert_eq!(got.body["status"], "online");
        assert_eq!(got.body["busy"], false);
        assert_eq!(
            label_names(&got.body),
            ["self-hosted", "X64", "Linux", "gpu"]
        );

        // delete, then it is gone
        let deleted = app.delete(&format!("{}/{id}", runners_path(scope))).await;
        assert_eq!(deleted.status, 204, "{scope}");
        assert_eq!(deleted.body, Value::Null, "{scope}");
        let gone = app.get(&format!("{}/{id}", runners_path(scope))).await;
        assert_eq!(gone.status, 404, "{scope}");
        assert_eq!(gone.body["message"], "Not Found");
        let list = app.get(&runners_path(scope)).await;
        assert_eq!(
            list.body,
            json!({"total_count": 0, "runners": []}),
            "{scope}"
        );
    }
}

#[tokio::test]
async fn read_only_labels_follow_os_and_architecture_and_each_name_has_one_id() {
    let app = spawn_app().await;
    let mac = app
        .register_runner(
            "orgs/octo-org",
            "mac",
            json!({"os": "macos", "architecture": "arm64", "labels": ["no-gpu"]}),
        )
        .await;
    let win = app
        .register_runner(
            "repos/a/b",
            "win",
            json!({"os": "windows", "architecture": "arm", "labels": ["no-gpu"]}),
        )
        .await;

    assert_eq!(
        label_names(&mac),
        ["self-hosted", "ARM64", "macOS", "no-gpu"]
    );
    assert_eq!(
        label_names(&win),
        ["self-hosted", "ARM", "Windows", "no-gpu"]
    );
    let types: Vec<&str> = mac["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["read-only", "read-only", "read-only", "custom"]);
    assert_eq!(
        mac["labels"][0]["id"], win["labels"][0]["id"],
        "self-hosted has one id"
    );
    assert_eq!(
        mac["labels"][3]["id"], win["labels"][3]["id"],
        "no-gpu has one id"
    );
    assert_ne!(
        mac["labels"][1]["id"], win["labels"][1]["id"],
        "ARM64 and ARM differ"
    );
}

#[tokio::test]
async fn tokens_are_29_characters_new_each_time_and_expire_in_an_hour() {
    for scope in SCOPES {
        for kind in ["registration-token", "remove-token"] {
            let app = spawn_app().await;
            let path = format!("{}/{kind}", runners_path(scope));

            let first = app.post(&path).await;
            let second = app.post(&path).await;

            assert_eq!(first.status, 201, "{path}");
            let token = first.body["token"].as_str().unwrap();
            assert_eq!(token.len(), 29, "{token}");
            assert!(
                token
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()),
                "{token}"
            );
            assert_ne!(first.body["token"], second.body["token"]);
            let expires_at =
                chrono::DateTime::parse_from_rfc3339(first.body["expires_at"].as_str().unwrap())
                    .expect("ISO 8601 with an offset");
            let in_an_hour = chrono::Utc::now() + chrono::Duration::hours(1);
            assert!(
                (expires_at.to_utc() - in_an_hour).num_seconds().abs() <= 5,
                "{expires_at}"
            );
        }
    }
}

#[tokio::test]
async fn a_registration_token_registers_many_runners_until_it_expires() {
    let app = spawn_app().await;
    let token = app.registration_token("orgs/octo-org").await;
    for name in ["a", "b"] {
        let body = json!({"token": token, "name": name});
        assert_eq!(
            app.control(Method::POST, "/runners", Some(body))
                .await
                .status,
            201
        );
    }

    app.set_clock(3601).await;
    let late = app
        .control(
            Method::POST,
            "/runners",
            Some(json!({"token": token, "name": "c"})),
        )
        .await;

    assert_eq!(late.status, 401, "{:?}", late.body);
    assert!(
        late.body["message"].as_str().unwrap().contains("expired"),
        "{:?}",
        late.body
    );
    let fresh = app
        .post("/orgs/octo-org/actions/runners/registration-token")
        .await;
    let expires_at =
        chrono::DateTime::parse_from_rfc3339(fresh.body["expires_at"].as_str().unwrap()).unwrap();
    let expected = chrono::Utc::now() + chrono::Duration::seconds(3601 + 3600);
    assert!(
        (expires_at.to_utc() - expected).num_seconds().abs() <= 5,
        "expires_at follows the mock clock"
    );
}

#[tokio::test]
async fn an_expired_token_is_forgotten_a_day_after_it_expired() {
    let app = spawn_app().await;
    let token = app.registration_token("orgs/octo-org").await;
    let register = json!({"token": token, "name": "late"});

    app.set_clock(3600 + 24 * 3600 - 60).await;
    let within_the_day = app
        .control(Method::POST, "/runners", Some(register.clone()))
        .await;
    app.set_clock(3600 + 24 * 3600 + 60).await;
    let after_the_day = app.control(Method::POST, "/runners", Some(register)).await;

    assert_eq!(within_the_day.status, 401);
    assert_eq!(
        within_the_day.body["message"],
        "The registration token has expired"
    );
    assert_eq!(after_the_day.status, 401);
    assert_eq!(after_the_day.body["message"], "Unknown registration token");
    assert_eq!(app.mock.state().await.tokens.len(), 0);
}

#[tokio::test]
async fn a_scope_keeps_its_newest_ten_thousand_tokens_of_each_kind() {
    let app = spawn_app().await;
    let first = app.registration_token("orgs/octo-org").await;
    let remove = app.mock.remove_token("orgs/octo-org").await.token;
    for _ in 0..10_000 {
        app.mock.registration_token("orgs/octo-org").await;
    }

    let with_first = app
        .control(
            Method::POST,
            "/runners",
            Some(json!({"token": first, "name": "a"})),
        )
        .await;
    let newest = app.registration_token("orgs/octo-org").await;
    let with_newest = app
        .control(
            Method::POST,
            "/runners",
            Some(json!({"token": newest, "name": "a"})),
        )
        .await;

    assert_eq!(with_first.status, 401, "{:?}", with_first.body);
    assert_eq!(with_first.body["message"], "Unknown registration token");
    assert_eq!(with_newest.status, 201, "{:?}", with_newest.body);
    let state = app.mock.state().await;
    let registration = state.tokens.iter().filter(|t| t.kind == "registration");
    assert_eq!(registration.count(), 10_000);
    assert!(
        state.tokens.iter().any(|t| t.token == remove),
        "the remove tokens are counted apart"
    );
}

#[tokio::test]
async fn deleting_a_busy_runner_answers_422_and_keeps_it() {
    for scope in SCOPES {
        let app = spawn_app().await;
        let runner = app
            .register_runner(scope, "builder", json!({"busy": true}))
            .await;
        let path = format!("{}/{}", runners_path(scope), runner["id"]);

        let refused = app.delete(&path).await;

        assert_eq!(refused.status, 422, "{scope}");
        assert_eq!(
            refused.body["message"],
            "Bad request - Runner \"builder\" is still running a job"
        );
        assert_eq!(app.get(&path).await.status, 200, "the runner stays");
        let idle = app
            .patch_runner(&runner["id"], json!({"busy": false}))
            .await;
        assert_eq!(idle.status, 200);
        assert_eq!(app.delete(&path).await.status, 204, "{scope}");
    }
}

#[tokio::test]
async fn downloads_list_every_build_of_the_configured_runner_version() {
    for scope in SCOPES {
        let app = spawn_app().await;

        let downloads = app.get(&format!("{}/downloads", runners_path(scope))).await;

        assert_eq!(downloads.status, 200);
        let builds: Vec<String> = downloads
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                format!(
                    "{}-{}",
                    b["os"].as_str().unwrap(),
                    b["architecture"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(
            builds,
            [
                "osx-x64",
                "osx-arm64",
                "linux-x64",
                "linux-arm",
                "linux-arm64",
                "win-x64",
                "win-arm64"
            ]
        );
        let version = ghes_mock::DEFAULT_RUNNER_VERSION;
        assert_eq!(
            downloads.body[2]["filename"],
            format!("actions-runner-linux-x64-{version}.tar.gz")
        );
        assert_eq!(
            downloads.body[5]["download_url"],
            format!(
                "https://github.com/actions/runner/releases/download/v{version}/actions-runner-win-x64-{version}.zip"
            )
        );
    }
}

#[tokio::test]
async fn scope_names_are_case_insensitive() {
    let app = spawn_app().await;
    let runner = app
        .register_runner("repos/Octo-Org/Hello-World", "r", json!({}))
        .await;

    let list = app.get("/repos/octo-org/HELLO-world/actions/runners").await;
    let got = app
        .get(&format!(
            "/repos/OCTO-ORG/hello-world/actions/runners/{}",
            runner["id"]
        ))
        .await;

    assert_eq!(list.body["total_count"], 1);
    assert_eq!(got.status, 200);
}
