//! The gh CLI (`gh api`) against the binary serving HTTPS with a
//! self-signed certificate: `gh/gh-suite.sh`, with the runner groups, labels
//! and JIT runners of a second binary presenting GHES 3.22.

use std::process::Command;

use crate::install;
use crate::process::Server;
use crate::suite::{SEED_3_22, TOKEN, TOKEN_FLAG, blocking, run_suite};

#[tokio::test(flavor = "multi_thread")]
async fn gh_api_walks_the_runner_lifecycle_over_https_with_a_self_signed_certificate() {
    // Arrange: gh installed, and the binary as the README starts it, with a
    // certificate generated for 127.0.0.1 that gh trusts through SSL_CERT_FILE;
    // and a second one presenting GHES 3.22 with an enterprise, its
    // organization, a repository and a runner group.
    let version = blocking(install::gh).await;
    println!("{version}");
    let tls = tempfile::tempdir().unwrap();
    let dir = tls.path().to_str().unwrap().to_owned();
    let server = Server::start(&["--tls-self-signed", &dir, "--token", TOKEN_FLAG], &[]);
    assert!(
        server
            .ready
            .starts_with("ghes-mock listening on https://127.0.0.1:")
    );
    let tls_3_22 = tempfile::tempdir().unwrap();
    let seed = tls_3_22.path().join("seed.json");
    std::fs::write(&seed, SEED_3_22).unwrap();
    let server_3_22 = Server::start(
        &[
            "--tls-self-signed",
            tls_3_22.path().to_str().unwrap(),
            "--token",
            TOKEN_FLAG,
            "--ghes-version",
            "3.22",
            "--seed",
            seed.to_str().unwrap(),
        ],
        &[],
    );
    let mut gh = Command::new("bash");
    gh.arg(install::clients_dir().join("gh/gh-suite.sh"))
        .env("GH_HOST", server.host())
        .env("GH_ENTERPRISE_TOKEN", TOKEN)
        .env("SSL_CERT_FILE", tls.path().join("cert.pem"))
        .env("GH_HOST_322", server_3_22.host())
        .env("SSL_CERT_FILE_322", tls_3_22.path().join("cert.pem"));

    // Act
    let passed = run_suite("gh", gh).await;

    // Assert: all the checks ran, and the servers stop cleanly afterwards.
    assert!(passed >= 58, "only {passed} gh checks ran");
    for server in [server, server_3_22] {
        let (status, stderr) = server.terminate();
        assert!(status.is_some_and(|s| s.success()), "{status:?}\n{stderr}");
    }
}
