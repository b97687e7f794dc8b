//! Just-in-time runners (GHES 3.10+): `generate-jitconfig` makes an
//! offline, ephemeral runner at once and answers the configuration that the
//! real runner's `run.sh --jitconfig` reads; the control API, the library and
//! the runner CLI start the runner from it, once.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::Method;
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};

use crate::helpers::{SCOPES, TestApp, spawn_version};

async fn app() -> TestApp {
    spawn_version(
        "3.22",
        json!({"enterprises": ["octo-enterprise"], "orgs": ["octo-org"],
               "repos": ["octo-org/octo-repo"]}),
    )
    .await
}

fn jit_path(scope: &str) -> String {
    format!("/{scope}/actions/runners/generate-jitconfig")
}

/// The settings files of an `encoded_jit_config`, each decoded.
fn files(encoded: &Value) -> serde_json::Map<String, Value> {
    let outer = STANDARD
        .decode(encoded.as_str().expect("a string"))
        .expect("standard base64, as the runner reads it");
    let files: serde_json::Map<String, Value> =
        serde_json::from_slice(&outer).expect("a JSON object of files");
    files
        .into_iter()
        .map(|(name, content)| {
            let bytes = STANDARD
                .decode(content.as_str().expect("base64 file contents"))
                .expect("standard base64");
            (name, serde_json::from_slice(&bytes).expect("a JSON file"))
        })
        .collect()
}

fn big_uint(params: &Value, name: &str) -> rsa::BigUint {
    let bytes = STANDARD
        .decode(params[name].as_str().unwrap_or_else(|| panic!("{name}")))
        .unwrap();
    rsa::BigUint::from_bytes_be(&bytes)
}

#[tokio::test]
async fn a_jit_runner_exists_at_once_offline_ephemeral_with_the_labels_given() {
    let app = app().await;
    for scope in SCOPES {
        let made = app
            .send(
                Method::POST,
                &jit_path(scope),
                json!({"name": "jit-1", "runner_group_id": 1, "labels": ["self-hosted", "gpu"]}),
            )
            .await;

        assert_eq!(made.status, 201, "{scope}: {:?}", made.body);
        let runner = &made.body["runner"];
        assert_eq!(runner["name"], "jit-1");
        assert_eq!(runner["os"], "unknown");
        assert_eq!(runner["status"], "offline");
        assert_eq!(runner["busy"], false);
        assert_eq!(runner["ephemeral"], true);
        assert_eq!(runner["runner_group_id"], 1);
        assert_eq!(runner["version"], Value::Null, "it has not connected");
        let labels: Vec<(&str, &str)> = runner["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| (l["name"].as_str().unwrap(), l["type"].as_str().unwrap()))
            .collect();
        assert_eq!(labels, [("self-hosted", "read-only"), ("gpu", "custom")]);
        let listed = app
            .get(&format!("/{scope}/actions/runners/{}", runner["id"]))
            .await;
        assert_eq!(listed.body, *runner, "{scope}");
    }
}

#[tokio::test]
async fn the_configuration_is_what_run_sh_jitconfig_reads() {
    let app = app().await;
    let group = app
        .send(
            Method::POST,
            "/orgs/octo-org/actions/runner-groups",
            json!({"name": "ephemeral"}),
        )
        .await;

    let made = app
        .send(
            Method::POST,
            &jit_path("orgs/octo-org"),
            json!({"name": "jit-1", "runner_group_id": group.body["id"], "labels": ["a"],
                   "work_folder": "_w"}),
        )
        .await;

    let files = files(&made.body["encoded_jit_config"]);
    let mut names: Vec<&str> = files.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, [".credentials", ".credentials_rsaparams", ".runner"]);
    let settings = &files[".runner"];
    let origin = app.mock.uri();
    assert_eq!(settings["AgentId"], made.body["runner"]["id"].to_string());
    assert_eq!(settings["AgentName"], "jit-1");
    assert_eq!(settings["PoolId"], group.body["id"].to_string());
    assert_eq!(settings["PoolName"], "ephemeral");
    assert_eq!(settings["GitHubUrl"], format!("{origin}/octo-org"));
    assert!(
        settings["ServerUrl"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{origin}/_services/")),
        "{settings}"
    );
    assert_eq!(settings["WorkFolder"], "_w");
    assert_eq!(settings["Ephemeral"], "True");
    let credentials = &files[".credentials"];
    assert_eq!(credentials["Scheme"], "OAuth");
    assert!(credentials["Data"]["ClientId"].is_string());
    assert!(credentials["Data"]["AuthorizationUrl"].is_string());
    // The key's parts make one RSA key, at the widths .NET exports.
    let params = &files[".credentials_rsaparams"];
    let key = rsa::RsaPrivateKey::from_components(
        big_uint(params, "modulus"),
        big_uint(params, "exponent"),
        big_uint(params, "d"),
        vec![big_uint(params, "p"), big_uint(params, "q")],
    )
    .expect("a consistent RSA key");
    key.validate().expect("a valid RSA key");
    assert_eq!(key.size(), 256);
    assert_eq!(
        STANDARD
            .decode(params["inverseQ"].as_str().unwrap())
            .unwrap()
            .len(),
        128
    );
}

#[tokio::test]
async fn the_configuration_starts_its_runner_once() {
    let app = app().await;
    let made = app
        .send(
            Method::POST,
            &jit_path("repos/octo-org/octo-repo"),
            json!({"name": "jit-1", "runner_group_id": 1, "labels": ["x"]}),
        )
        .await;
    let config = made.body["encoded_jit_config"].clone();

    let started = app
        .control(
            Method::POST,
            "/runners/jit",
            Some(json!({"encoded_jit_config": config, "os": "macos", "version": "2.330.0"})),
        )
        .await;
    let again = app
        .control(
            Method::POST,
            "/runners/jit",
            Some(json!({"encoded_jit_config": config})),
        )
        .await;

    assert_eq!(started.status, 200, "{:?}", started.body);
    assert_eq!(started.body["status"], "online");
    assert_eq!(started.body["os"], "macos");
    assert_eq!(started.body["version"], "2.330.0");
    assert_eq!(started.body["id"], made.body["runner"]["id"]);
    let listed = app
        .get(&format!(
            "/repos/octo-org/octo-repo/actions/runners/{}",
            made.body["runner"]["id"]
        ))
        .await;
    assert_eq!(listed.body["status"], "online");
    assert_eq!(again.status, 409, "{:?}", again.body);
}

#[tokio::test]
async fn a_configuration_that_is_not_one_or_is_forged_starts_nothing() {
    let app = app().await;
    let made = app
        .send(
            Method::POST,
            &jit_path("orgs/octo-org"),
            json!({"name": "jit-1", "runner_group_id": 1, "labels": ["x"]}),
        )
        .await;
    let mut files = files(&made.body["encoded_jit_config"]);
    files[".credentials"]["Data"]["ClientId"] = json!("someone-else");
    let encode = |v: &Value| STANDARD.encode(v.to_string());
    let forged: serde_json::Map<String, Value> = files
        .iter()
        .map(|(name, file)| (name.clone(), json!(encode(file))))
        .collect();
    let forged = encode(&Value::Object(forged));

    let forged = app
        .control(
            Method::POST,
            "/runners/jit",
            Some(json!({"encoded_jit_config": forged})),
        )
        .await;
    let garbage = app
        .control(
            Method::POST,
            "/runners/jit",
            Some(json!({"encoded_jit_config": "%%%"})),
        )
        .await;
    let missing = app
        .control(Method::POST, "/runners/jit", Some(json!({})))
        .await;

    assert_eq!(forged.status, 422, "{:?}", forged.body);
    assert_eq!(garbage.status, 422, "{:?}", garbage.body);
    assert_eq!(missing.status, 422, "{:?}", missing.body);
    let runner = app
        .get(&format!(
            "/orgs/octo-org/actions/runners/{}",
            made.body["runner"]["id"]
        ))
        .await;
    assert_eq!(runner.body["status"], "offline");
}

#[tokio::test]
async fn bad_jit_requests_get_githubs_answers_and_make_no_runner() {
    let app = app().await;
    app.register_runner("orgs/octo-org", "taken", json!({}))
        .await;
    let path = jit_path("orgs/octo-org");
    let request = |body: Value| app.send(Method::POST, &path, body);
    let too_many: Vec<String> = (0..101).map(|i| format!("l{i}")).collect();

    let taken = request(json!({"name": "TAKEN", "runner_group_id": 1, "labels": ["x"]})).await;
    let no_group = request(json!({"name": "a", "runner_group_id": 987654, "labels": ["x"]})).await;
    let repo_group = app
        .send(
            Method::POST,
            &jit_path("repos/octo-org/octo-repo"),
            json!({"name": "a", "runner_group_id": 2, "labels": ["x"]}),
        )
        .await;
    let no_labels = request(json!({"name": "a", "runner_group_id": 1, "labels": []})).await;
    let many_labels = request(json!({"name": "a", "runner_group_id": 1, "labels": too_many})).await;
    let no_name = request(json!({"runner_group_id": 1, "labels": ["x"]})).await;
    let empty_name = request(json!({"name": " ", "runner_group_id": 1, "labels": ["x"]})).await;

    assert_eq!(taken.status, 409, "{:?}", taken.body);
    assert_eq!(
        taken.body["message"],
        "Already exists - A runner with the name TAKEN already exists."
    );
    assert_eq!(
        taken.body["documentation_url"],
        "https://docs.github.com/enterprise-server@3.22/rest/actions/self-hosted-runners#create-configuration-for-a-just-in-time-runner-for-an-organization"
    );
    assert_eq!(no_group.status, 404, "{:?}", no_group.body);
    assert_eq!(repo_group.status, 404, "{:?}", repo_group.body);
    for (what, response) in [
        ("no labels", &no_labels),
        ("101 labels", &many_labels),
        ("no name", &no_name),
        ("an empty name", &empty_name),
    ] {
        assert_eq!(response.status, 422, "{what}: {:?}", response.body);
    }
    let runners = app.get("/orgs/octo-org/actions/runners").await;
    assert_eq!(runners.body["total_count"], 1, "only the registered one");
}

#[tokio::test]
async fn generate_jitconfig_arrives_in_3_10() {
    for (version, expected) in [("3.9", 404), ("3.10", 201)] {
        let app = spawn_version(version, json!({})).await;

        let made = app
            .send(
                Method::POST,
                &jit_path("orgs/o"),
                json!({"name": "a", "runner_group_id": 1, "labels": ["x"]}),
            )
            .await;

        assert_eq!(made.status, expected, "{version}: {:?}", made.body);
    }
}

#[tokio::test]
async fn the_library_starts_a_jit_runner() {
    let app = app().await;
    let made = app
        .send(
            Method::POST,
            &jit_path("orgs/octo-org"),
            json!({"name": "jit-1", "runner_group_id": 1, "labels": ["x"]}),
        )
        .await;
    let config = made.body["encoded_jit_config"].as_str().unwrap();

    let runner = app.mock.start_jit_runner(config).await.unwrap();
    let again = app.mock.start_jit_runner(config).await.unwrap_err();

    assert_eq!(runner.status, ghes_mock::RunnerStatus::Online);
    assert_eq!(runner.os, ghes_mock::Os::Linux);
    assert_eq!(again.status(), 409);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn jit_runners_asked_for_at_once_are_each_made_once() {
    let app = app().await;
    let url = app.url(&jit_path("orgs/octo-org"));
    let body = |name: String, label: &str| json!({"name": name, "runner_group_id": 1, "labels": ["self-hosted", label]});

    // Act: a burst, with one name asked for twice and new labels among them.
    let mut asks: Vec<Value> = (0..24)
        .map(|i| body(format!("burst-{i}"), &format!("label-{}", i % 3)))
        .collect();
    asks.push(body("burst-0".to_owned(), "again"));
    let mut burst = tokio::task::JoinSet::new();
    for ask in asks {
        let request = app
            .client
            .post(&url)
            .header("Authorization", "token t")
            .json(&ask);
        burst.spawn(crate::helpers::read(request));
    }
    let answers = burst.join_all().await;

    // Assert
    let made: Vec<&Value> = answers
        .iter()
        .filter(|a| a.status == 201)
        .map(|a| &a.body["runner"])
        .collect();
    let refused: Vec<&Value> = answers
        .iter()
        .filter(|a| a.status != 201)
        .map(|a| &a.body)
        .collect();
    assert_eq!(made.len(), 24, "{refused:?}");
    assert_eq!(refused.len(), 1, "the name asked for twice");
    assert_eq!(
        refused[0]["message"],
        "Already exists - A runner with the name burst-0 already exists."
    );
    let mut ids: Vec<i64> = made.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 24, "each its own id");
    for runner in &made {
        let name = runner["name"].as_str().unwrap();
        let i: usize = name.trim_start_matches("burst-").parse().unwrap();
        // Either ask for burst-0 may come first and win.
        let label = &runner["labels"][1]["name"];
        assert!(
            *label == format!("label-{}", i % 3).as_str() || (i == 0 && *label == "again"),
            "{name}: {label}"
        );
        let listed = app
            .get(&format!("/orgs/octo-org/actions/runners/{}", runner["id"]))
            .await;
        assert_eq!(listed.body, **runner);
    }
    let list = app.get("/orgs/octo-org/actions/runners?per_page=100").await;
    assert_eq!(list.body["total_count"], 24);
}
