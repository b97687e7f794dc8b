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

/// A token of the webhook servers ([`hooks_3_22`]) with admin:org and repo
/// but not admin:org_hook, so that organization hooks are closed to it.
pub const NO_HOOK_TOKEN: &str = "ghp_client_suite_no_hooks";

/// A server in strict mode presenting GHES 3.22, seeded with [`SEED_3_22`],
/// for the webhook and workflow job checks: [`TOKEN`] also has
/// `admin:org_hook`, and [`NO_HOOK_TOKEN`] has `admin:org` and `repo` only.
/// The clients start their receivers on loopback ports and point hooks at
/// them; no runner of another check is there to take the jobs they queue.
pub fn hooks_3_22() -> GhesMockBuilder {
    let seed = ghes_mock::Seed::from_json(SEED_3_22).expect("the suites' fixture is valid");
    ghes_mock::GhesMock::builder()
        .token(
            TOKEN,
            &[
                "admin:enterprise",
                "manage_runners:enterprise",
                "admin:org",
                "admin:org_hook",
                "repo",
            ],
        )
        .token(NO_HOOK_TOKEN, &["admin:org", "repo"])
        .ghes_version("3.22")
        .seed(seed)
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

/// The fixture of the servers the App checks run against: the enterprise
/// octo-enterprise and its member organization octo-org (octo-repo,
/// octo-tools), the organization octo-shop (shop-repo, shop-private) and the
/// user monalisa (dotfiles).
pub const SEED_APPS: &str = r#"{
    "enterprises": ["octo-enterprise"],
    "orgs": [{"login": "octo-org", "enterprise": "octo-enterprise"}, "octo-shop"],
    "repos": [
        "octo-org/octo-repo", "octo-org/octo-tools",
        "octo-shop/shop-repo", "octo-shop/shop-private",
        "monalisa/dotfiles"
    ]
}"#;

/// A server in strict mode presenting GHES 3.22, seeded with [`SEED_APPS`]
/// and hosting the App "Runner Scaler" (organization_self_hosted_runners
/// write, administration write, metadata read) installed on octo-org (every
/// repository), on octo-shop (shop-repo only) and on the user monalisa
/// (administration read only), in that order.
pub struct AppsServer {
    pub mock: ghes_mock::GhesMock,
    pub app: ghes_mock::App,
    pub org_installation: i64,
    pub shop_installation: i64,
    pub user_installation: i64,
}

impl AppsServer {
    pub async fn start() -> AppsServer {
        use ghes_mock::{NewApp, NewInstallation};

        let seed = ghes_mock::Seed::from_json(SEED_APPS).expect("the Apps fixture is valid");
        let mock = strict().ghes_version("3.22").seed(seed).start().await;
        let app = mock
            .create_app(
                NewApp::new()
                    .name("Runner Scaler")
                    .permission("organization_self_hosted_runners", "write")
                    .permission("administration", "write")
                    .permission("metadata", "read"),
            )
            .await
            .expect("the App is created");
        let install = |installation: NewInstallation| {
            let mock = &mock;
            async move {
                mock.install_app(app.id, installation)
                    .await
                    .expect("the App is installed")
                    .id
            }
        };
        let org_installation = install(NewInstallation::new("orgs/octo-org")).await;
        let shop_installation =
            install(NewInstallation::new("orgs/octo-shop").repositories(["octo-shop/shop-repo"]))
                .await;
        let read_only = [("administration".to_owned(), "read".to_owned())]
            .into_iter()
            .collect();
        let user_installation =
            install(NewInstallation::new("users/monalisa").permissions(read_only)).await;
        AppsServer {
            mock,
            app,
            org_installation,
            shop_installation,
            user_installation,
        }
    }

    /// What a client program reads: the server's URLs, the App's id, slug,
    /// client id and private key (PKCS#1 PEM), and the installations' ids.
    pub fn env(&self, command: &mut Command) {
        let key = self
            .app
            .private_key_pem
            .as_deref()
            .expect("the mock made the App's key");
        command
            .env("GHES_APPS_API_URL", self.mock.api_url())
            .env("GHES_APPS_MOCK_URL", self.mock.uri())
            .env("GHES_APP_ID", self.app.id.to_string())
            .env("GHES_APP_SLUG", &self.app.slug)
            .env("GHES_APP_CLIENT_ID", &self.app.client_id)
            .env("GHES_APP_PRIVATE_KEY", key)
            .env(
                "GHES_APP_ORG_INSTALLATION",
                self.org_installation.to_string(),
            )
            .env(
                "GHES_APP_SHOP_INSTALLATION",
                self.shop_installation.to_string(),
            )
            .env(
                "GHES_APP_USER_INSTALLATION",
                self.user_installation.to_string(),
            );
    }
}
