//! Contract fuzzing with schemathesis against GitHub's own descriptions of
//! the runner endpoints, every operation of GHES 3.1 and of GHES 3.22:
//! `python/contract.py`, configured by `python/schemathesis.toml`.
//!
//! schemathesis is installed with pip into the virtualenv
//! `target/tmp/clients/python/.venv` (under `CARGO_TARGET_DIR` when set), the
//! one of the PyGithub suite (see `install::python`).

use ghes_mock::{GhesMock, Seed};
use serde_json::json;

use crate::install;
use crate::suite::{blocking, run_suite};

/// A server in open mode presenting `version`, holding what
/// schemathesis.toml names half of the time: the scopes (enterprise 1,
/// organization 2 of it, repository 3), two runners per scope (ids 1 to 6,
/// one busy, one labelled `gpu`) and a group besides the default one in the
/// organization (4) and the enterprise (5).
async fn seeded(version: &str) -> GhesMock {
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
        "orgs": [{"login": "octo-org", "enterprise": "octo-enterprise"}],
        "repos": ["octo-org/octo-repo"],
        "runner_groups": [
            {"scope": "orgs/octo-org", "name": "gpu", "repositories": ["octo-org/octo-repo"]},
            {"scope": "enterprises/octo-enterprise", "name": "shared"}
        ],
        "runners": runners,
    });
    let mock = GhesMock::builder()
        .ghes_version(version)
        .seed(Seed::from_json(&seed.to_string()).unwrap())
        .start()
        .await;
    let state = mock.state().await;
    let ids: Vec<(String, i64)> = state
        .scopes
        .iter()
        .map(|s| (s.scope.clone(), s.id))
        .collect();
    assert_eq!(
        ids,
        [
            ("enterprises/octo-enterprise".to_owned(), 1),
            ("orgs/octo-org".to_owned(), 2),
            ("repos/octo-org/octo-repo".to_owned(), 3)
        ],
        "the ids schemathesis.toml names"
    );
    let groups: Vec<i64> = state.scopes[..2]
        .iter()
        .flat_map(|s| s.runner_groups.iter().map(|g| g.id))
        .collect();
    assert_eq!(
        groups,
        [1, 5, 1, 4],
        "the group ids schemathesis.toml names"
    );
    assert_eq!(state.scopes[2].runners[1].id, 6);
    mock
}

/// Runs schemathesis over every operation of `contract` against a server
/// presenting `version`; returns how many checks passed.
async fn fuzz(version: &str, contract: &str, operations: u32) -> u32 {
    let mut command = blocking(install::python).await;
    let mock = seeded(version).await;
    command
        .arg(install::clients_dir().join("python/contract.py"))
        .env("GHES_API_URL", mock.api_url())
        .env("GHES_CONTRACT", contract)
        .env("GHES_OPERATIONS", operations.to_string());
    run_suite(&format!("schemathesis {version}"), command).await
}

#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_finds_nothing_github_would_not_answer_in_any_ghes_3_22_operation() {
    // Act: all 63 operations of the 3.22 description.
    let passed = fuzz("3.22", "ghes-3.22-runners.json", 63).await;

    // Assert: thousands of checks, none failed (run_suite checked that).
    assert!(passed > 1000, "only {passed} schemathesis checks ran");
}

#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_finds_nothing_github_would_not_answer_in_any_ghes_3_1_operation() {
    // Act: all 45 operations of the 3.1 description.
    let passed = fuzz("3.1", "ghes-3.1-runners.json", 45).await;

    // Assert
    assert!(passed > 1000, "only {passed} schemathesis checks ran");
}
