//! What every client suite shares: the token, the servers it talks to, and
//! running a client program to its closing `N passed, 0 failed` line.

use std::process::Command;
use std::time::Duration;

use ghes_mock::GhesMockBuilder;

use crate::process::run_to_end;

/// The token the clients send; the servers run in strict mode, so that a
/// wrong token is `401 Bad credentials`.
pub const TOKEN: &str = "ghp_client_suite";

/// Everything the runner endpoints accept, as `--token` writes it.
pub const TOKEN_FLAG: &str =
    "ghp_client_suite:admin:enterprise,manage_runners:enterprise,admin:org,repo";

/// A client program runs for seconds; a hung one is killed.
const SUITE_DEADLINE: Duration = Duration::from_secs(5 * 60);

/// A server in strict mode that knows [`TOKEN`].
pub fn strict() -> GhesMockBuilder {
    ghes_mock::GhesMock::builder().token(
        TOKEN,
        &[
            "admin:enterprise",
            "manage_runners:enterprise",
            "admin:org",
            "repo",
        ],
    )
}

/// The fixture of the servers presenting GHES 3.22 to the octokit, PyGithub
/// and gh suites: an enterprise, its member organization, a repository, and
/// the organization's runner group "seeded" serving that repository.
pub const SEED_3_22: &str = r#"{
    "enterprises": ["octo-enterprise"],
    "orgs": [{"login": "octo-org", "enterprise": "octo-enterprise"}],
    "repos": ["octo-org/octo-repo"],
    "runner_groups": [
        {"scope": "orgs/octo-org", "name": "seeded", "repositories": ["octo-org/octo-repo"]}
    ]
}"#;

/// A server in strict mode presenting GHES 3.22, seeded with [`SEED_3_22`].
pub fn strict_3_22() -> GhesMockBuilder {
    let seed = ghes_mock::Seed::from_json(SEED_3_22).expect("the suites' fixture is valid");
    strict().ghes_version("3.22").seed(seed)
}

/// Runs a client program on a blocking thread (the servers it talks to keep
/// running on this runtime), prints its output, and checks that it passed:
/// exit status 0 and a last line `N passed, 0 failed` with N > 0. Returns N.
pub async fn run_suite(name: &str, mut command: Command) -> u32 {
    let finished = tokio::task::spawn_blocking(move || run_to_end(&mut command, SUITE_DEADLINE))
        .await
        .expect("the suite's thread")
        .unwrap_or_else(|e| panic!("{name} could not start: {e}"));
    println!(
        "{name} ran in {:.1}s\n{}",
        finished.elapsed.as_secs_f64(),
        finished.output()
    );
    let last = finished.stdout.lines().last().unwrap_or("");
    let passed = last
        .strip_suffix(" passed, 0 failed")
        .and_then(|n| n.parse::<u32>().ok());
    assert!(
        finished.success() && passed.is_some_and(|n| n > 0),
        "the {name} suite failed ({}), last line {last:?}:\n{}",
        finished.status_text(),
        finished.output()
    );
    passed.unwrap_or_default()
}

/// Blocking work (an install) off the runtime's threads.
pub async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}
