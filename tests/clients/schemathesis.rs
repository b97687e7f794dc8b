//! Contract fuzzing with schemathesis against GitHub's own GHES 3.1
//! description of the runner endpoints: `python/contract.py`, configured by
//! `python/schemathesis.toml`.

use std::process::Command;

use ghes_mock::{GhesMock, Seed};
use serde_json::json;

use crate::install;
use crate::suite::{blocking, run_suite};

#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_finds_no_server_error_schema_violation_or_status_github_would_not_send() {
    // Arrange: a server in open mode holding the scopes and the runners (ids
    // 1 to 6, two per scope, one of them busy) that schemathesis.toml names
    // half of the time, so that successes are checked as often as errors.
    let python = blocking(install::python).await;
    let mut runners = Vec::new();
    for scope in [
        "enterprises/octo-enterprise",
        "orgs/octo-org",
        "repos/octo-org/octo-repo",
    ] {
        runners.push(json!({"scope": scope, "name": "idle", "labels": ["gpu"]}));
        runners.push(json!({"scope": scope, "name": "busy", "busy": true, "os": "windows"}));
    }
    let seed = json!({
        "enterprises": ["octo-enterprise"],
        "orgs": ["octo-org"],
        "repos": ["octo-org/octo-repo"],
        "runners": runners,
    });
    let mock = GhesMock::builder()
        .seed(Seed::from_json(&seed.to_string()).unwrap())
        .start()
        .await;
    let sixth = reqwest::Client::new()
        .get(format!(
            "{}/repos/octo-org/octo-repo/actions/runners/6",
            mock.api_url()
        ))
        .header("Authorization", "token x")
        .send()
        .await
        .unwrap();
    assert_eq!(sixth.status(), 200, "the seeded runners are 1 to 6");
    let mut contract = Command::new(python);
    contract
        .arg(install::clients_dir().join("python/contract.py"))
        .env("GHES_API_URL", mock.api_url());

    // Act
    let passed = run_suite("schemathesis", contract).await;

    // Assert: thousands of checks, none failed (run_suite checked that).
    assert!(passed > 1000, "only {passed} schemathesis checks ran");
}
