//! `ghes-mock runner register|remove|start`, the runner's own config.sh for
//! demos and shell tests, and `ghes-mock job queue|complete|cancel`, run as
//! a child process against a mock started in the test. What it prints and its exit code are what a script sees; the API
//! shows what it did.

use std::process::{Output, Stdio};
use std::time::Duration;

use ghes_mock::GhesMock;
use serde_json::Value;

use crate::helpers::{TestApp, label_names, runners_path};
use crate::server_process;

const ORG: &str = "orgs/octo-org";
const DEADLINE: Duration = Duration::from_secs(30);

/// What the command left for its caller.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `ghes-mock runner ARGS` to its exit, at most [`DEADLINE`]. The
/// child is waited for on the blocking pool, so this test's runtime keeps
/// serving the mock the child talks to.
async fn runner(args: &[&str]) -> Run {
    command("runner", args).await
}

/// Runs `ghes-mock job ARGS` to its exit.
async fn job(args: &[&str]) -> Run {
    command("job", args).await
}

/// Runs `ghes-mock SUBCOMMAND ARGS` to its exit, at most [`DEADLINE`].
async fn command(subcommand: &str, args: &[&str]) -> Run {
    let mut all = vec![subcommand];
    all.extend_from_slice(args);
    let mut command = server_process::command(&all, &[]);
    command
        .env_remove("SSL_CERT_FILE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().expect("the binary starts");
    let pid = child.id();
    let waited = tokio::time::timeout(
        DEADLINE,
        tokio::task::spawn_blocking(move || child.wait_with_output()),
    )
    .await;
    let output: Output = match waited {
        Ok(joined) => joined
            .expect("the waiting task")
            .expect("the child's output"),
        Err(_) => {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("ghes-mock {subcommand} {args:?} still running after {DEADLINE:?}");
        }
    };
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn app_of(mock: GhesMock) -> TestApp {
    TestApp {
        mock,
        client: reqwest::Client::new(),
    }
}

/// The runners the API lists in a scope.
async fn runners_of(app: &TestApp, scope: &str) -> Vec<Value> {
    let list = app.get(&runners_path(scope)).await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    list.body["runners"].as_array().expect("runners").clone()
}

#[tokio::test]
async fn register_adds_the_runner_to_the_scope_each_url_form_names() {
    let cases = [
        ("/octo-org", "orgs/octo-org"),
        ("/octo-org/octo-repo", "repos/octo-org/octo-repo"),
        (
            "/enterprises/octo-enterprise",
            "enterprises/octo-enterprise",
        ),
        ("/octo-org/", "orgs/octo-org"),
    ];
    for (path, scope) in cases {
        // Arrange
        let app = app_of(GhesMock::start().await);
        let token = app.mock.registration_token(scope).await.token;
        let url = format!("{}{path}", app.mock.uri());

        // Act
        let run = runner(&[
            "register", "--url", &url, "--token", &token, "--name", "ci-1",
        ])
        .await;

        // Assert
        assert_eq!(run.code, Some(0), "{url}: {run:?}");
        let listed = runners_of(&app, scope).await;
        assert_eq!(listed.len(), 1, "{url}");
        assert_eq!(listed[0]["name"], "ci-1");
        assert_eq!(
            run.stdout,
            format!(
                "√ Runner successfully added: ci-1 (id {}) in {scope}\n",
                listed[0]["id"]
            )
        );
        assert_eq!(label_names(&listed[0]), ["self-hosted", "X64", "Linux"]);
    }
}

#[tokio::test]
async fn register_passes_labels_os_and_architecture() {
    let app = app_of(GhesMock::start().await);
    let token = app.mock.registration_token(ORG).await.token;
    let url = format!("{}/octo-org", app.mock.uri());

    let run = runner(&[
        "register",
        "--url",
        &url,
        "--token",
        &token,
        "--name",
        "mac",
        "--labels",
        "gpu,xcode",
        "--os",
        "macos",
        "--architecture",
        "arm64",
    ])
    .await;

    assert_eq!(run.code, Some(0), "{run:?}");
    let listed = runners_of(&app, ORG).await;
    assert_eq!(listed[0]["os"], "macos");
    assert_eq!(
        label_names(&listed[0]),
        ["self-hosted", "ARM64", "macOS", "gpu", "xcode"]
    );
}

#[tokio::test]
async fn a_taken_name_is_refused_unless_replace_is_given_which_keeps_the_id() {
    // Arrange
    let app = app_of(GhesMock::start().await);
    let existing = app.mock.register_runner(ORG, "ci-1").await;
    let token = app.mock.registration_token(ORG).await.token;
    let url = format!("{}/octo-org", app.mock.uri());
    let args = [
        "register", "--url", &url, "--token", &token, "--name", "ci-1", "--os", "windows",
    ];

    // Act
    let refused = runner(&args).await;
    let replaced = runner(&[&args[..], &["--replace"]].concat()).await;

    // Assert
    assert_eq!(refused.code, Some(1), "{refused:?}");
    assert_eq!(
        refused.stderr,
        "ghes-mock runner: A runner named \"ci-1\" already exists in orgs/octo-org; \
         register again with --replace to take its place (HTTP 422)\n",
        "the advice names the flag"
    );
    assert_eq!(refused.stdout, "");
    assert_eq!(replaced.code, Some(0), "{replaced:?}");
    let listed = runners_of(&app, ORG).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], existing.id, "the id is kept");
    assert_eq!(listed[0]["os"], "windows");
    assert_eq!(
        replaced.stdout,
        format!(
            "√ Runner successfully added: ci-1 (id {}) in orgs/octo-org\n",
            existing.id
        )
    );
}

#[tokio::test]
async fn remove_takes_the_runner_away_by_name() {
    for (path, scope) in [
        ("/octo-org", "orgs/octo-org"),
        ("/octo-org/octo-repo", "repos/octo-org/octo-repo"),
        ("/enterprises/octo", "enterprises/octo"),
    ] {
        // Arrange
        let app = app_of(GhesMock::start().await);
        let gone = app.mock.register_runner(scope, "ci-1").await;
        app.mock.register_runner(scope, "ci-2").await;
        let token = app.mock.remove_token(scope).await.token;
        let url = format!("{}{path}", app.mock.uri());

        // Act
        let run = runner(&["remove", "--url", &url, "--token", &token, "--name", "ci-1"]).await;

        // Assert
        assert_eq!(run.code, Some(0), "{run:?}");
        assert_eq!(
            run.stdout,
            format!("√ Runner removed successfully: ci-1 from {scope}\n")
        );
        let names: Vec<Value> = runners_of(&app, scope)
            .await
            .iter()
            .map(|r| r["name"].clone())
            .collect();
        assert_eq!(names, ["ci-2"], "{scope}");
        let got = app
            .get(&format!("{}/{}", runners_path(scope), gone.id))
            .await;
        assert_eq!(got.status, 404);
    }
}

#[tokio::test]
async fn a_url_of_another_form_exits_2_listing_the_forms_expected() {
    let app = app_of(GhesMock::start().await);
    let token = app.mock.registration_token(ORG).await.token;
    let uri = app.mock.uri();
    for url in [
        "octo-org".to_owned(),
        format!("ftp{}/octo-org", uri.trim_start_matches("http")),
        format!("{uri}/"),
        format!("{uri}/a/b/c"),
        format!("{uri}/enterprises"),
    ] {
        for command in ["register", "remove"] {
            let run = runner(&[command, "--url", &url, "--token", &token, "--name", "x"]).await;

            assert_eq!(run.code, Some(2), "{command} {url}: {run:?}");
            assert_eq!(run.stdout, "", "{command} {url}");
            for form in [
                "http://HOST:PORT/ORG",
                "http://HOST:PORT/OWNER/REPO",
                "http://HOST:PORT/enterprises/ENTERPRISE",
            ] {
                assert!(run.stderr.contains(form), "{command} {url}: {}", run.stderr);
            }
        }
    }
    let state = app.mock.state().await;
    let runners: usize = state.scopes.iter().map(|s| s.runners.len()).sum();
    assert_eq!(runners, 0, "nothing was registered");
}

#[tokio::test]
async fn a_token_of_another_scope_exits_1_naming_the_scope_of_the_url() {
    // Arrange
    let app = app_of(GhesMock::start().await);
    app.mock.register_runner(ORG, "ci-1").await;
    let registration = app.mock.registration_token("orgs/other-org").await.token;
    let remove = app
        .mock
        .remove_token("repos/octo-org/octo-repo")
        .await
        .token;
    let url = format!("{}/octo-org", app.mock.uri());

    // Act
    let registered = runner(&[
        "register",
        "--url",
        &url,
        "--token",
        &registration,
        "--name",
        "x",
    ])
    .await;
    let removed = runner(&[
        "remove", "--url", &url, "--token", &remove, "--name", "ci-1",
    ])
    .await;

    // Assert
    assert_eq!(registered.code, Some(1), "{registered:?}");
    assert!(
        registered
            .stderr
            .contains("The registration token is not for orgs/octo-org (HTTP 401)"),
        "{registered:?}"
    );
    assert_eq!(removed.code, Some(1), "{removed:?}");
    assert!(
        removed
            .stderr
            .contains("The remove token is not for orgs/octo-org (HTTP 401)"),
        "{removed:?}"
    );
    assert_eq!(runners_of(&app, ORG).await.len(), 1, "nothing changed");
    assert!(runners_of(&app, "orgs/other-org").await.is_empty());
}

#[tokio::test]
async fn an_unknown_expired_or_wrong_kind_token_exits_1_with_the_servers_message() {
    // Arrange
    let app = app_of(GhesMock::start().await);
    let url = format!("{}/octo-org", app.mock.uri());
    let remove = app.mock.remove_token(ORG).await.token;
    let expiring = app.mock.registration_token(ORG).await.token;

    // Act
    let unknown = runner(&["register", "--url", &url, "--token", "NOPE", "--name", "x"]).await;
    let wrong_kind = runner(&["register", "--url", &url, "--token", &remove, "--name", "x"]).await;
    let unknown_remove = runner(&["remove", "--url", &url, "--token", "NOPE", "--name", "x"]).await;
    app.mock.set_clock_offset(3601).await.unwrap();
    let expired = runner(&[
        "register", "--url", &url, "--token", &expiring, "--name", "x",
    ])
    .await;

    // Assert
    for (run, message) in [
        (&unknown, "Unknown registration token (HTTP 401)"),
        (
            &wrong_kind,
            "This is a remove token, not a registration token (HTTP 401)",
        ),
        (&unknown_remove, "Unknown remove token (HTTP 401)"),
        (&expired, "The registration token has expired (HTTP 401)"),
    ] {
        assert_eq!(run.code, Some(1), "{run:?}");
        assert!(run.stderr.contains(message), "{message}: {run:?}");
        assert_eq!(run.stdout, "");
    }
    assert!(runners_of(&app, ORG).await.is_empty());
}

#[tokio::test]
async fn removing_a_name_the_scope_does_not_have_exits_1_not_found() {
    let app = app_of(GhesMock::start().await);
    app.mock.register_runner("orgs/other-org", "ci-1").await;
    let token = app.mock.remove_token(ORG).await.token;
    let url = format!("{}/octo-org", app.mock.uri());

    let run = runner(&["remove", "--url", &url, "--token", &token, "--name", "ci-1"]).await;

    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.contains("Not Found (HTTP 404)"), "{run:?}");
    assert_eq!(runners_of(&app, "orgs/other-org").await.len(), 1);
}

#[tokio::test]
async fn an_unknown_os_exits_1_naming_it() {
    let app = app_of(GhesMock::start().await);
    let token = app.mock.registration_token(ORG).await.token;
    let url = format!("{}/octo-org", app.mock.uri());

    let run = runner(&[
        "register", "--url", &url, "--token", &token, "--name", "x", "--os", "beos",
    ])
    .await;

    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.contains("beos"), "{run:?}");
    assert!(run.stderr.contains("(HTTP 422)"), "{run:?}");
    assert!(runners_of(&app, ORG).await.is_empty());
}

#[tokio::test]
async fn a_server_that_is_not_there_exits_1_saying_the_connection_was_refused() {
    let mock = GhesMock::start().await;
    let mock_uri = mock.uri().trim_end_matches('/').to_owned();
    let url = format!("{mock_uri}/octo-org");
    mock.shutdown().await;

    let run = runner(&["register", "--url", &url, "--token", "T", "--name", "x"]).await;

    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(
        run.stderr,
        format!(
            "ghes-mock runner: cannot reach {}: connection refused — is `ghes-mock serve` \
             running there?\n",
            mock_uri
        ),
    );
    assert_eq!(run.stdout, "");
}

#[tokio::test]
async fn the_cli_needs_no_admin_token_to_register_and_remove() {
    // Arrange
    let app = app_of(GhesMock::builder().admin_token("root").start().await);
    let registration = app.mock.registration_token(ORG).await.token;
    let remove = app.mock.remove_token(ORG).await.token;
    let url = format!("{}/octo-org", app.mock.uri());

    // Act
    let registered = runner(&[
        "register",
        "--url",
        &url,
        "--token",
        &registration,
        "--name",
        "x",
    ])
    .await;
    let listed = runners_of(&app, ORG).await;
    let removed = runner(&["remove", "--url", &url, "--token", &remove, "--name", "x"]).await;

    // Assert
    assert_eq!(registered.code, Some(0), "{registered:?}");
    assert_eq!(listed.len(), 1);
    assert_eq!(removed.code, Some(0), "{removed:?}");
    assert!(runners_of(&app, ORG).await.is_empty());
}

#[tokio::test]
async fn a_missing_flag_is_a_usage_error() {
    let run = runner(&["register", "--url", "http://127.0.0.1:1/o", "--token", "T"]).await;

    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stderr.contains("--name"), "{run:?}");
}

#[tokio::test]
async fn register_joins_a_runner_group_and_may_be_ephemeral() {
    // Arrange: GHES 3.22 shows runner groups and ephemeral runners.
    let app = app_of(GhesMock::builder().ghes_version("3.22").start().await);
    let created = app
        .send(
            reqwest::Method::POST,
            "/orgs/octo-org/actions/runner-groups",
            serde_json::json!({"name": "Builders"}),
        )
        .await;
    let token = app.mock.registration_token(ORG).await.token;
    let url = format!("{}/octo-org", app.mock.uri());

    // Act
    let run = runner(&[
        "register",
        "--url",
        &url,
        "--token",
        &token,
        "--name",
        "ci-1",
        "--runnergroup",
        "builders",
        "--ephemeral",
    ])
    .await;
    let unknown = runner(&[
        "register",
        "--url",
        &url,
        "--token",
        &token,
        "--name",
        "ci-2",
        "--runnergroup",
        "nowhere",
    ])
    .await;

    // Assert
    assert_eq!(run.code, Some(0), "{run:?}");
    let listed = runners_of(&app, ORG).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["runner_group_id"], created.body["id"]);
    assert_eq!(listed[0]["ephemeral"], true);
    assert_eq!(unknown.code, Some(1), "{unknown:?}");
    assert!(unknown.stderr.contains("nowhere"), "{}", unknown.stderr);
}

#[tokio::test]
async fn start_brings_a_jit_runner_online_from_its_configuration_alone() {
    // Arrange
    let app = app_of(GhesMock::builder().ghes_version("3.22").start().await);
    let made = app
        .send(
            reqwest::Method::POST,
            "/orgs/octo-org/actions/runners/generate-jitconfig",
            serde_json::json!({"name": "jit-1", "runner_group_id": 1, "labels": ["gpu"]}),
        )
        .await;
    let config = made.body["encoded_jit_config"].as_str().unwrap().to_owned();

    // Act
    let run = runner(&["start", "--jitconfig", &config, "--os", "windows"]).await;
    let again = runner(&["start", "--jitconfig", &config]).await;
    let garbage = runner(&["start", "--jitconfig", "not-a-config"]).await;

    // Assert
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(
        run.stdout,
        format!(
            "√ Connected to GitHub\n√ Runner jit-1 (id {}) is listening for jobs\n",
            made.body["runner"]["id"]
        )
    );
    let listed = runners_of(&app, ORG).await;
    assert_eq!(listed[0]["status"], "online");
    assert_eq!(listed[0]["os"], "windows");
    assert_eq!(again.code, Some(1), "{again:?}");
    assert!(again.stderr.contains("HTTP 409"), "{}", again.stderr);
    assert_eq!(garbage.code, Some(2), "{garbage:?}");
    assert!(
        garbage.stderr.contains("not a JIT configuration"),
        "{}",
        garbage.stderr
    );
}

#[tokio::test]
async fn job_queue_queues_a_run_that_a_registered_runner_then_takes() {
    // Arrange
    let app = app_of(GhesMock::builder().ghes_version("3.22").start().await);
    let url = format!("{}/octo-org/octo-repo", app.mock.uri());

    // Act
    let queued = job(&[
        "queue",
        "--url",
        &url,
        "--labels",
        "self-hosted,linux",
        "--count",
        "2",
    ])
    .await;
    app.register_runner(ORG, "taker", serde_json::json!({}))
        .await;

    // Assert
    assert_eq!(queued.code, Some(0), "{queued:?}");
    assert_eq!(
        queued.stdout,
        "√ Queued run 1 of octo-org/octo-repo\n  job 1 (build (1)): queued\n  job 2 (build (2)): queued\n"
    );
    let first = app.control(reqwest::Method::GET, "/jobs/1", None).await;
    assert_eq!(first.body["status"], "in_progress");
    assert_eq!(first.body["runner_name"], "taker");
    let second = app.control(reqwest::Method::GET, "/jobs/2", None).await;
    assert_eq!(second.body["status"], "queued", "one job per runner");
}

#[tokio::test]
async fn job_complete_and_cancel_end_jobs_and_a_second_end_exits_1() {
    // Arrange
    let app = app_of(GhesMock::builder().ghes_version("3.22").start().await);
    let repo = format!("{}/octo-org/octo-repo", app.mock.uri());
    let server = app.mock.uri();
    job(&["queue", "--url", &repo, "--labels", "gpu", "--count", "2"]).await;

    // Act
    let completed = job(&[
        "complete",
        "--url",
        &server,
        "--id",
        "1",
        "--conclusion",
        "failure",
    ])
    .await;
    let cancelled = job(&["cancel", "--url", &server, "--id", "2"]).await;
    let again = job(&["cancel", "--url", &server, "--id", "2"]).await;

    // Assert
    assert_eq!(completed.code, Some(0), "{completed:?}");
    assert_eq!(
        completed.stdout,
        "√ job 1 (build (1)): completed, failure\n"
    );
    assert_eq!(
        cancelled.stdout,
        "√ job 2 (build (2)): completed, cancelled\n"
    );
    assert_eq!(again.code, Some(1));
    assert_eq!(
        again.stderr,
        "ghes-mock job: Job 2 has already completed (HTTP 422)\n"
    );
    let run = app.control(reqwest::Method::GET, "/runs/1", None).await;
    assert_eq!(run.body["conclusion"], "failure");
}

#[tokio::test]
async fn job_queue_needs_a_repository_url_and_labels() {
    let no_repo = job(&[
        "queue",
        "--url",
        "http://127.0.0.1:9/octo-org",
        "--labels",
        "x",
    ])
    .await;
    assert_eq!(no_repo.code, Some(2), "{no_repo:?}");
    assert!(
        no_repo
            .stderr
            .contains("expected http://HOST:PORT/OWNER/REPO"),
        "{no_repo:?}"
    );
    let no_labels = job(&["queue", "--url", "http://127.0.0.1:9/o/r"]).await;
    assert_eq!(no_labels.code, Some(2), "{no_labels:?}");
    assert!(no_labels.stderr.contains("--labels"), "{no_labels:?}");
}
