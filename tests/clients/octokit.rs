//! octokit (`@octokit/rest`, the client of GitHub's JavaScript tooling and
//! of actions/github-script) against the server: `node/octokit.mjs`.

use std::process::Command;

use crate::install;
use crate::suite::{TOKEN, blocking, run_suite, strict};

#[tokio::test(flavor = "multi_thread")]
async fn octokit_walks_the_runner_lifecycle_pages_and_errors_in_every_scope() {
    // Arrange: octokit installed; one server over http, one over https whose
    // certificate Node trusts through NODE_EXTRA_CA_CERTS, as the README says.
    let dir = blocking(install::octokit).await;
    let mock = strict().start().await;
    let tls = tempfile::tempdir().unwrap();
    let tls_mock = strict().tls_self_signed(tls.path()).start().await;
    let mut node = Command::new("node");
    node.arg("octokit.mjs")
        .current_dir(&dir)
        .env("GHES_API_URL", mock.api_url())
        .env("GHES_MOCK_URL", mock.uri())
        .env("GHES_TOKEN", TOKEN)
        .env("GHES_TLS_API_URL", tls_mock.api_url())
        .env("NODE_EXTRA_CA_CERTS", tls.path().join("cert.pem"));

    // Act
    let passed = run_suite("octokit", node).await;

    // Assert: every check of the program ran (it counts them itself).
    assert!(passed >= 37, "only {passed} octokit checks ran");
}
