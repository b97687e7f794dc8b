//! PyGithub against the server: `python/pygithub_suite.py`.

use std::process::Command;

use crate::install;
use crate::suite::{TOKEN, blocking, run_suite, strict};

#[tokio::test(flavor = "multi_thread")]
async fn pygithub_walks_the_runner_lifecycle_pages_and_errors_in_every_scope() {
    // Arrange: PyGithub installed; one server over http, one over https whose
    // certificate requests trusts through REQUESTS_CA_BUNDLE, as the README says.
    let python = blocking(install::python).await;
    let mock = strict().start().await;
    let tls = tempfile::tempdir().unwrap();
    let tls_mock = strict().tls_self_signed(tls.path()).start().await;
    let mut suite = Command::new(python);
    suite
        .arg(install::clients_dir().join("python/pygithub_suite.py"))
        .env("GHES_API_URL", mock.api_url())
        .env("GHES_MOCK_URL", mock.uri())
        .env("GHES_TOKEN", TOKEN)
        .env("GHES_TLS_API_URL", tls_mock.api_url())
        .env("REQUESTS_CA_BUNDLE", tls.path().join("cert.pem"));

    // Act
    let passed = run_suite("PyGithub", suite).await;

    // Assert
    assert!(passed >= 30, "only {passed} PyGithub checks ran");
}
