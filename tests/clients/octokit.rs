//! octokit (`@octokit/rest`, the client of GitHub's JavaScript tooling and
//! of actions/github-script) against the server: `node/octokit.mjs`, and
//! `node/ghes-3.22.mjs` for the runner groups, labels and JIT runners of a
//! server presenting GHES 3.22, and `node/apps.mjs` for a GitHub App signing
//! in through `@octokit/auth-app`, and `node/hooks.mjs` for webhook
//! deliveries received on a loopback port and checked with
//! `@octokit/webhooks` (its Node middleware and `verify`), with the hooks,
//! runs and jobs over REST.
//!
//! The packages are installed with `npm ci` into
//! `target/tmp/clients/node/node_modules` (under `CARGO_TARGET_DIR` when
//! set), not beside the scripts: the scripts, `package.json` and
//! `package-lock.json` are copied there from `tests/clients/node` and run
//! from there (see `install::octokit`). The install says so on the terminal.

use std::process::Command;

use crate::install;
use crate::suite::{
    AppsServer, NO_HOOK_TOKEN, TOKEN, blocking, hooks_3_22, run_suite, strict, strict_3_22,
};

#[tokio::test(flavor = "multi_thread")]
async fn octokit_walks_runners_in_every_scope_the_groups_labels_and_jit_of_3_22_and_as_an_app() {
    // Arrange: octokit installed; one server over http, one over https whose
    // certificate Node trusts through NODE_EXTRA_CA_CERTS, as the README says,
    // and one presenting GHES 3.22 with an enterprise, its organization, a
    // repository and a runner group; one hosting a GitHub App installed on
    // two organizations and a user; and one for the webhook checks, seeded as
    // the 3.22 one, where the token may also use organization hooks.
    let dir = blocking(install::octokit).await;
    let mock = strict().start().await;
    let tls = tempfile::tempdir().unwrap();
    let tls_mock = strict().tls_self_signed(tls.path()).start().await;
    let mock_3_22 = strict_3_22().start().await;
    let apps = AppsServer::start().await;
    let hooks = hooks_3_22().start().await;
    let mut node = Command::new("node");
    node.arg("octokit.mjs")
        .current_dir(&dir)
        .env("GHES_API_URL", mock.api_url())
        .env("GHES_MOCK_URL", mock.uri())
        .env("GHES_TOKEN", TOKEN)
        .env("GHES_TLS_API_URL", tls_mock.api_url())
        .env("GHES_322_API_URL", mock_3_22.api_url())
        .env("GHES_322_MOCK_URL", mock_3_22.uri())
        .env("NODE_EXTRA_CA_CERTS", tls.path().join("cert.pem"));
    apps.env(&mut node);
    node.env("GHES_HOOKS_API_URL", hooks.api_url())
        .env("GHES_HOOKS_MOCK_URL", hooks.uri())
        .env("GHES_NO_HOOK_TOKEN", NO_HOOK_TOKEN);

    // Act
    let passed = run_suite("octokit", node).await;

    // Assert: every check of the program ran (it counts them itself).
    assert!(passed >= 172, "only {passed} octokit checks ran");
}
