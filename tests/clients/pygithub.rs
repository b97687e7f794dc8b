//! PyGithub against the server: `python/pygithub_suite.py`, which also walks
//! the runner fields, name filter, JIT runners, labels and runner groups of a
//! server presenting GHES 3.22, and `python/pygithub_apps.py` for a GitHub
//! App signing in with `Auth.AppAuth` and `GithubIntegration`, and
//! `python/pygithub_hooks.py` for webhook deliveries received by an
//! `http.server` and checked with `hmac.compare_digest`, with PyGithub's
//! hooks, runs and jobs.
//!
//! PyGithub is installed with pip into the virtualenv
//! `target/tmp/clients/python/.venv` (under `CARGO_TARGET_DIR` when set);
//! the scripts run from `tests/clients/python` and write no bytecode there
//! (see `install::python`). The install says so on the terminal.

use crate::install;
use crate::suite::{
    AppsServer, NO_HOOK_TOKEN, TOKEN, blocking, hooks_3_22, run_suite, strict, strict_3_22,
};

#[tokio::test(flavor = "multi_thread")]
async fn pygithub_walks_runners_in_every_scope_the_jit_runners_labels_and_groups_of_3_22_and_as_an_app()
 {
    // Arrange: PyGithub installed; one server over http, one over https whose
    // certificate requests trusts through REQUESTS_CA_BUNDLE, as the README
    // says, and one presenting GHES 3.22 with an enterprise, its
    // organization, a repository and a runner group; one hosting a GitHub App
    // installed on two organizations and a user; and one for the webhook
    // checks, seeded as the 3.22 one, where the token may also use
    // organization hooks.
    let mut suite = blocking(install::python).await;
    let mock = strict().start().await;
    let tls = tempfile::tempdir().unwrap();
    let tls_mock = strict().tls_self_signed(tls.path()).start().await;
    let mock_3_22 = strict_3_22().start().await;
    let apps = AppsServer::start().await;
    let hooks = hooks_3_22().start().await;
    suite
        .arg(install::clients_dir().join("python/pygithub_suite.py"))
        .env("GHES_API_URL", mock.api_url())
        .env("GHES_MOCK_URL", mock.uri())
        .env("GHES_TOKEN", TOKEN)
        .env("GHES_TLS_API_URL", tls_mock.api_url())
        .env("GHES_322_API_URL", mock_3_22.api_url())
        .env("GHES_322_MOCK_URL", mock_3_22.uri())
        .env("REQUESTS_CA_BUNDLE", tls.path().join("cert.pem"));
    apps.env(&mut suite);
    suite
        .env("GHES_HOOKS_API_URL", hooks.api_url())
        .env("GHES_HOOKS_MOCK_URL", hooks.uri())
        .env("GHES_NO_HOOK_TOKEN", NO_HOOK_TOKEN);

    // Act
    let passed = run_suite("PyGithub", suite).await;

    // Assert
    assert!(passed >= 90, "only {passed} PyGithub checks ran");
}
