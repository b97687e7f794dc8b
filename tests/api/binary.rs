//! The `ghes-mock` binary as a script runs it: the ready line, flags and
//! their environment twins, fixtures that stop start-up, a database file
//! across restarts, graceful shutdown on SIGTERM/SIGINT, logs and help.
//!
//! Every child process is killed when its guard is dropped, so a failing
//! assertion never leaves a server behind. The only waiting is process
//! supervision: reading the ready line and waiting for an exit, each with a
//! deadline.

use std::path::Path;
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::contract::assert_response_matches;
use crate::helpers::{ApiResponse, assert_error_shape, assert_github_headers, read};
use crate::server_process::{DEADLINE, Process, command};

/// Runs a process that must stop before it is ready; returns its exit
/// status, stdout and stderr.
fn run_to_exit(args: &[&str], envs: &[(&str, &str)]) -> (ExitStatus, String, String) {
    let mut process = Process::spawn(args, envs);
    let status = process.wait_for_exit();
    let stdout = process.rest_of_stdout().join("\n");
    (status, stdout, process.stderr())
}

/// The server's view of a client: an HTTP client and the base URL.
struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    fn new(port: u16) -> Client {
        Client {
            http: reqwest::Client::builder()
                .timeout(DEADLINE)
                .build()
                .unwrap(),
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// `/api/v3{path}`, checked against GHES's headers and, for a success, the
    /// contract's `template` operation.
    async fn api(
        &self,
        method: Method,
        path: &str,
        template: &str,
        token: Option<&str>,
    ) -> ApiResponse {
        let mut request = self
            .http
            .request(method.clone(), format!("{}/api/v3{path}", self.base));
        if let Some(token) = token {
            request = request.header("Authorization", format!("token {token}"));
        }
        let response = read(request).await;
        assert_github_headers(&response);
        if response.status >= 400 {
            assert_error_shape(&response.body);
        } else {
            assert_response_matches(method.as_str(), template, response.status, &response.body);
        }
        response
    }

    async fn control(&self, method: Method, path: &str, body: Option<Value>) -> ApiResponse {
        let mut request = self
            .http
            .request(method, format!("{}/_mock{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        read(request).await
    }

    /// Registers a runner in an organization; returns it.
    async fn register(&self, org: &str, name: &str, token: &str) -> Value {
        let created = self
            .api(
                Method::POST,
                &format!("/orgs/{org}/actions/runners/registration-token"),
                "/orgs/{org}/actions/runners/registration-token",
                Some(token),
            )
            .await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        let body = json!({"token": created.body["token"], "name": name, "labels": ["gpu"]});
        let runner = self.control(Method::POST, "/runners", Some(body)).await;
        assert_eq!(runner.status, 201, "{:?}", runner.body);
        runner.body
    }
}

fn write_seed(dir: &Path, name: &str, seed: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(seed).unwrap()).unwrap();
    path.to_str().expect("a UTF-8 path").to_owned()
}

fn stop_with(process: &mut Process, signal: &str) {
    process.signal(signal);
    let status = process.wait_for_exit();
    assert_eq!(
        status.code(),
        Some(0),
        "{signal}: {status}; stderr:\n{}",
        process.stderr()
    );
}

const RUNNERS_PATH: &str = "/orgs/{org}/actions/runners";

// --- the ready line -----------------------------------------------------------------

#[tokio::test]
async fn serve_prints_the_ready_line_with_the_real_port_and_answers_at_once() {
    // Arrange + Act
    let mut process = Process::spawn(&["serve", "--bind", "127.0.0.1:0"], &[]);
    let port = process.ready();

    // Assert: no waiting between the line and the first request.
    let client = Client::new(port);
    let health = client.control(Method::GET, "/health", None).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.body, json!({"status": "ok"}));
    let meta = client.api(Method::GET, "/meta", "/meta", Some("t")).await;
    assert_eq!(meta.body["installed_version"], "3.1.0");
    stop_with(&mut process, "TERM");
    assert_eq!(
        process.rest_of_stdout(),
        Vec::<String>::new(),
        "one line on stdout"
    );
}

#[tokio::test]
async fn the_bind_address_can_come_from_the_environment() {
    let mut process = Process::spawn(&["serve"], &[("GHES_MOCK_BIND", "127.0.0.1:0")]);

    let port = process.ready();

    let health = Client::new(port)
        .control(Method::GET, "/health", None)
        .await;
    assert_eq!(health.status, 200);
    stop_with(&mut process, "TERM");
}

#[tokio::test]
async fn a_port_already_in_use_stops_start_up_naming_the_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();

    let (status, stdout, stderr) = run_to_exit(&["serve", "--bind", &address], &[]);

    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(stdout, "", "no ready line");
    assert!(
        stderr.contains(&format!("cannot listen on {address}")),
        "{stderr}"
    );
}

// --- tokens from the environment -------------------------------------------------------

#[tokio::test]
async fn tokens_from_the_environment_turn_on_strict_mode_with_each_tokens_scopes() {
    let mut process = Process::spawn(
        &["serve"],
        &[
            ("GHES_MOCK_BIND", "127.0.0.1:0"),
            ("GHES_MOCK_TOKENS", "a:repo b:admin:org"),
        ],
    );
    let client = Client::new(process.ready());
    let repo_runners = "/repos/octo-org/octo-repo/actions/runners";
    let org_runners = "/orgs/octo-org/actions/runners";

    let a_on_repo = client
        .api(
            Method::GET,
            repo_runners,
            "/repos/{owner}/{repo}/actions/runners",
            Some("a"),
        )
        .await;
    let a_on_org = client
        .api(Method::GET, org_runners, RUNNERS_PATH, Some("a"))
        .await;
    let b_on_org = client
        .api(Method::GET, org_runners, RUNNERS_PATH, Some("b"))
        .await;
    let unknown = client
        .api(Method::GET, org_runners, RUNNERS_PATH, Some("c"))
        .await;

    assert_eq!(a_on_repo.status, 200, "{:?}", a_on_repo.body);
    assert_eq!(a_on_repo.header("x-oauth-scopes"), Some("repo"));
    assert_eq!(a_on_org.status, 403, "{:?}", a_on_org.body);
    assert_eq!(
        a_on_org.body["message"],
        "Must have admin rights to Repository."
    );
    assert_eq!(b_on_org.status, 200, "{:?}", b_on_org.body);
    assert_eq!(b_on_org.header("x-oauth-scopes"), Some("admin:org"));
    assert_eq!(unknown.status, 401);
    assert_eq!(unknown.body["message"], "Bad credentials");
    stop_with(&mut process, "TERM");
}

const TOKEN_FORM: &str = "give the token's scopes after a colon, as TOKEN:SCOPE,SCOPE \
     (e.g. TOKEN:repo,admin:org), or TOKEN: for a token with no scopes";

#[tokio::test]
async fn a_token_without_its_scopes_stops_start_up_with_code_2_showing_the_form_not_the_token() {
    let secret = "ghp_bare_secret_token";
    for (args, envs, expected) in [
        (
            vec!["serve", "--bind", "127.0.0.1:0", "--token", secret],
            vec![],
            format!("ghes-mock: --token: {TOKEN_FORM}"),
        ),
        (
            vec![
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--token",
                "a:repo",
                "--token",
                secret,
            ],
            vec![],
            format!("ghes-mock: --token, token 2 of 2: {TOKEN_FORM}"),
        ),
        (
            vec!["serve", "--bind", "127.0.0.1:0"],
            vec![("GHES_MOCK_TOKENS", secret)],
            format!("ghes-mock: GHES_MOCK_TOKENS: {TOKEN_FORM}"),
        ),
        (
            vec!["serve", "--bind", "127.0.0.1:0"],
            vec![(
                "GHES_MOCK_TOKENS",
                "a:repo b:admin:org ghp_bare_secret_token",
            )],
            format!("ghes-mock: GHES_MOCK_TOKENS, token 3 of 3: {TOKEN_FORM}"),
        ),
    ] {
        let (status, stdout, stderr) = run_to_exit(&args, &envs);

        assert_eq!(status.code(), Some(2), "{args:?} {envs:?}: {stderr}");
        assert_eq!(stdout, "", "no ready line");
        assert_eq!(stderr.trim_end(), expected, "{args:?} {envs:?}");
        assert!(!stderr.contains(secret), "the token is shown: {stderr}");
    }
}

#[tokio::test]
async fn a_token_with_a_bare_colon_is_a_known_token_with_no_scopes() {
    let mut process = Process::spawn(&["serve", "--bind", "127.0.0.1:0", "--token", "bare:"], &[]);
    let client = Client::new(process.ready());
    let org_runners = "/orgs/octo-org/actions/runners";

    let bare = client
        .api(Method::GET, org_runners, RUNNERS_PATH, Some("bare"))
        .await;
    let unknown = client
        .api(Method::GET, org_runners, RUNNERS_PATH, Some("other"))
        .await;

    assert_eq!(
        bare.status, 403,
        "known, but without admin:org: {:?}",
        bare.body
    );
    assert_eq!(bare.header("x-oauth-scopes"), Some(""));
    assert_eq!(unknown.status, 401, "strict mode: {:?}", unknown.body);
    stop_with(&mut process, "TERM");
}

// --- fixtures ------------------------------------------------------------------------------

#[tokio::test]
async fn a_seed_file_is_served_with_its_tokens_and_runners() {
    let dir = tempfile::tempdir().unwrap();
    let seed = write_seed(
        dir.path(),
        "seed.json",
        &json!({
            "tokens": [{"token": "seeded-token", "scopes": ["admin:org"]}],
            "orgs": ["octo-org"],
            "runners": [
                {"scope": "orgs/octo-org", "name": "linux_runner", "labels": ["gpu"], "busy": true},
                {"scope": "orgs/octo-org", "name": "mac_runner", "os": "macos", "status": "offline"},
            ]
        }),
    );
    let mut process = Process::spawn(&["serve", "--bind", "127.0.0.1:0", "--seed", &seed], &[]);
    let client = Client::new(process.ready());

    let list = client
        .api(
            Method::GET,
            "/orgs/octo-org/actions/runners",
            RUNNERS_PATH,
            Some("seeded-token"),
        )
        .await;
    let stranger = client
        .api(
            Method::GET,
            "/orgs/octo-org/actions/runners",
            RUNNERS_PATH,
            Some("other"),
        )
        .await;

    assert_eq!(list.status, 200, "{:?}", list.body);
    assert_eq!(list.body["total_count"], 2);
    let runners = list.body["runners"].as_array().unwrap();
    assert_eq!(runners[0]["name"], "linux_runner");
    assert_eq!(runners[0]["busy"], true);
    assert_eq!(runners[0]["labels"][3]["name"], "gpu");
    assert_eq!(runners[1]["name"], "mac_runner");
    assert_eq!(runners[1]["os"], "macos");
    assert_eq!(runners[1]["status"], "offline");
    assert_eq!(
        stranger.status, 401,
        "the seed's tokens make the server strict"
    );
    stop_with(&mut process, "TERM");
}

#[tokio::test]
async fn a_seed_file_with_a_bad_os_stops_start_up_with_code_2_naming_file_place_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let seed = write_seed(
        dir.path(),
        "bad-os.json",
        &json!({"runners": [
            {"scope": "orgs/octo-org", "name": "fine"},
            {"scope": "orgs/octo-org", "name": "odd", "os": "solaris"},
        ]}),
    );

    for (args, envs) in [
        (
            vec!["serve", "--bind", "127.0.0.1:0", "--seed", &seed],
            vec![],
        ),
        (
            vec!["serve", "--bind", "127.0.0.1:0"],
            vec![("GHES_MOCK_SEED", seed.as_str())],
        ),
    ] {
        let (status, stdout, stderr) = run_to_exit(&args, &envs);

        assert_eq!(status.code(), Some(2), "{args:?} {envs:?}: {stderr}");
        assert_eq!(stdout, "", "no ready line");
        let line = stderr
            .lines()
            .find(|line| line.starts_with("ghes-mock: seed file "))
            .unwrap_or_else(|| panic!("no seed error on stderr:\n{stderr}"));
        assert!(
            line.starts_with(&format!("ghes-mock: seed file {seed}: runners[1].os")),
            "{line}"
        );
        assert!(
            line.ends_with(r#": unknown os "solaris" (expected linux, macos, windows)"#),
            "{line}"
        );
    }
}

#[tokio::test]
async fn a_seed_file_that_is_not_json_stops_start_up_with_code_2_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.json");
    std::fs::write(&path, "{\n  \"orgs\": [\"octo-org\"\n}\n").unwrap();
    let seed = path.to_str().unwrap();

    let (status, stdout, stderr) =
        run_to_exit(&["serve", "--bind", "127.0.0.1:0", "--seed", seed], &[]);

    assert_eq!(status.code(), Some(2), "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains(&format!(
            "ghes-mock: seed file {seed}: orgs (line 3 column 1): expected `,` or `]`"
        )),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_missing_seed_file_stops_start_up_with_code_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("absent.json");
    let seed = seed.to_str().unwrap();

    let (status, stdout, stderr) =
        run_to_exit(&["serve", "--bind", "127.0.0.1:0", "--seed", seed], &[]);

    assert_eq!(status.code(), Some(2), "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains(&format!("ghes-mock: seed file {seed}: ")),
        "{stderr}"
    );
}

// --- a database file across restarts -------------------------------------------------------

#[tokio::test]
async fn a_database_file_keeps_a_registered_runner_across_a_sigterm_restart() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.sqlite3");
    let db = db.to_str().unwrap();
    let args = ["serve", "--bind", "127.0.0.1:0", "--database", db];
    let mut first = Process::spawn(&args, &[]);
    let client = Client::new(first.ready());
    let runner = client.register("octo-org", "survivor", "t").await;
    let path = format!("/orgs/octo-org/actions/runners/{}", runner["id"]);

    // Act
    stop_with(&mut first, "TERM");
    let mut second = Process::spawn(&args, &[]);
    let client = Client::new(second.ready());

    // Assert
    let got = client
        .api(
            Method::GET,
            &path,
            "/orgs/{org}/actions/runners/{runner_id}",
            Some("t"),
        )
        .await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    assert_eq!(got.body, runner);
    stop_with(&mut second, "TERM");
    let wal = Path::new(db).with_extension("sqlite3-wal");
    assert!(
        std::fs::metadata(&wal).map_or(true, |m| m.len() == 0),
        "a clean shutdown checkpoints the write-ahead log"
    );
}

#[tokio::test]
async fn the_database_path_can_come_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("env.sqlite3");
    let envs = [
        ("GHES_MOCK_BIND", "127.0.0.1:0"),
        ("GHES_MOCK_DATABASE", db.to_str().unwrap()),
    ];
    let mut first = Process::spawn(&["serve"], &envs);
    let runner = Client::new(first.ready())
        .register("octo-org", "kept", "t")
        .await;
    stop_with(&mut first, "INT");

    let mut second = Process::spawn(&["serve"], &envs);
    let client = Client::new(second.ready());
    let list = client
        .api(
            Method::GET,
            "/orgs/octo-org/actions/runners",
            RUNNERS_PATH,
            Some("t"),
        )
        .await;

    assert_eq!(list.body["runners"], json!([runner]));
    stop_with(&mut second, "TERM");
}

#[tokio::test]
async fn a_fixture_given_with_a_database_that_holds_state_is_skipped_and_one_log_line_says_so() {
    // Arrange: a database file that holds a runner.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.sqlite3");
    let db = db.to_str().unwrap();
    let seed = write_seed(
        dir.path(),
        "seed.json",
        &json!({
            "tokens": [{"token": "seeded-token", "scopes": ["admin:org"]}],
            "orgs": ["octo-org"],
            "runners": [{"scope": "orgs/octo-org", "name": "from-the-fixture"}]
        }),
    );
    let mut first = Process::spawn(&["serve", "--bind", "127.0.0.1:0", "--database", db], &[]);
    let runner = Client::new(first.ready())
        .register("octo-org", "already-there", "t")
        .await;
    stop_with(&mut first, "TERM");
    let first_log = first.stderr();

    // Act: start again on it with the fixture.
    let args = [
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--database",
        db,
        "--seed",
        &seed,
    ];
    let mut second = Process::spawn(&args, &[]);
    let client = Client::new(second.ready());
    let list = client
        .api(
            Method::GET,
            "/orgs/octo-org/actions/runners",
            RUNNERS_PATH,
            Some("seeded-token"),
        )
        .await;
    let stranger = client
        .api(
            Method::GET,
            "/orgs/octo-org/actions/runners",
            RUNNERS_PATH,
            Some("t"),
        )
        .await;
    stop_with(&mut second, "TERM");

    // Assert: the state is kept, the fixture's runners are not there, its
    // tokens are, and the log says exactly that, once.
    assert_eq!(list.status, 200, "{:?}", list.body);
    assert_eq!(list.body["runners"], json!([runner]));
    assert_eq!(stranger.status, 401, "the fixture's tokens made it strict");
    let stderr = second.stderr();
    let notes: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("database already holds state"))
        .collect();
    assert_eq!(notes.len(), 1, "{stderr}");
    assert!(notes[0].contains(" INFO "), "{}", notes[0]);
    assert!(
        notes[0].ends_with(
            "database already holds state: kept it; the fixture's orgs and runners were not \
             applied (POST /_mock/reset replaces the state with the fixture); its tokens \
             were applied"
        ),
        "{}",
        notes[0]
    );
    assert!(
        !first_log.contains("database already holds state"),
        "a new database says nothing of it:\n{first_log}"
    );
}

// --- graceful shutdown ------------------------------------------------------------------------

#[tokio::test]
async fn sigterm_answers_the_requests_in_flight_and_exits_0() {
    // Arrange: 250 runners, and every list request held 500 ms in the server
    // by a delay fault, so that a burst is surely in flight at the signal.
    const BURST: usize = 50;
    let dir = tempfile::tempdir().unwrap();
    let runners: Vec<Value> = (0..250)
        .map(|i| json!({"scope": "orgs/octo-org", "name": format!("r-{i}")}))
        .collect();
    let seed = write_seed(dir.path(), "seed.json", &json!({"runners": runners}));
    let mut process = Process::spawn(&["serve", "--bind", "127.0.0.1:0", "--seed", &seed], &[]);
    let client = Client::new(process.ready());
    let fault = json!({"method": "GET", "path_prefix": "/api/v3/orgs/octo-org/actions/runners",
                       "delay_ms": 500, "times": BURST});
    let planned = client
        .http
        .post(format!("{}/_mock/faults", client.base))
        .json(&fault)
        .send()
        .await
        .unwrap();
    assert_eq!(planned.status(), 201);
    let mut burst = Vec::new();
    for i in 0..BURST {
        let http = client.http.clone();
        let page = i % 3 + 1;
        let url = format!(
            "{}/api/v3/orgs/octo-org/actions/runners?per_page=100&page={page}",
            client.base
        );
        burst.push(tokio::spawn(async move {
            let response = http
                .get(url)
                .header("Authorization", "token t")
                .send()
                .await;
            let response = response.map_err(|e| e.to_string())?;
            let status = response.status().as_u16();
            let bytes = response
                .bytes()
                .await
                .map_err(|e| format!("{status}, then {e}"))?;
            let body: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
            Ok::<_, String>((page, status, body))
        }));
    }
    // Every request has reached the server once the fault is used up.
    let deadline = Instant::now() + DEADLINE;
    loop {
        let pending: Value = client
            .http
            .get(format!("{}/_mock/faults", client.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if pending == json!([]) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the burst never arrived: {pending}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // Act: stop the server with all of them in flight.
    process.signal("TERM");
    let mut outcomes = Vec::new();
    for request in burst {
        outcomes.push(request.await.expect("the request task"));
    }

    // Assert: every one answered in full, then a clean exit.
    for outcome in outcomes {
        let (page, status, body) =
            outcome.unwrap_or_else(|e| panic!("a request in flight was dropped: {e}"));
        assert_eq!(status, 200, "page {page}: {body}");
        assert_response_matches("GET", RUNNERS_PATH, 200, &body);
        assert_eq!(body["total_count"], 250);
        let expected = if page == 3 { 50 } else { 100 };
        assert_eq!(
            body["runners"].as_array().map(Vec::len),
            Some(expected),
            "page {page}"
        );
    }
    let status = process.wait_for_exit();
    let stderr = process.stderr();
    assert_eq!(status.code(), Some(0), "{status}; stderr:\n{stderr}");
    let answered_while_stopping = stderr
        .lines()
        .skip_while(|line| !line.contains("shutting down"))
        .filter(|line| line.contains("answered") && line.contains("status=200"))
        .count();
    assert!(
        answered_while_stopping >= BURST,
        "answered after the signal: {answered_while_stopping}\n{stderr}"
    );
    assert_eq!(process.rest_of_stdout(), Vec::<String>::new());
}

#[tokio::test]
async fn an_idle_keep_alive_connection_does_not_hold_up_shutdown() {
    let mut process = Process::spawn(&["serve", "--bind", "127.0.0.1:0"], &[]);
    let client = Client::new(process.ready());
    // The client keeps this connection open in its pool.
    assert_eq!(
        client
            .api(Method::GET, "/meta", "/meta", Some("t"))
            .await
            .status,
        200
    );

    stop_with(&mut process, "TERM");

    drop(client);
}

#[tokio::test]
async fn sigint_stops_the_server_with_exit_code_0() {
    let mut process = Process::spawn(&["serve", "--bind", "127.0.0.1:0"], &[]);
    let client = Client::new(process.ready());
    assert_eq!(
        client.control(Method::GET, "/health", None).await.status,
        200
    );

    stop_with(&mut process, "INT");

    let refused = client
        .http
        .get(format!("{}/_mock/health", client.base))
        .send()
        .await;
    assert!(refused.is_err(), "nothing listens any more");
}

// --- logs --------------------------------------------------------------------------------------

#[tokio::test]
async fn rust_log_debug_logs_each_request_on_stderr_and_never_a_token() {
    // Arrange
    let secret = "ghp_SECRET_personal_token_42";
    let mut process = Process::spawn(
        &["serve", "--bind", "127.0.0.1:0"],
        &[("RUST_LOG", "debug")],
    );
    let client = Client::new(process.ready());

    // Act
    let runner = client.register("octo-org", "logged", secret).await;
    let path = format!("/orgs/octo-org/actions/runners/{}", runner["id"]);
    let got = client
        .api(
            Method::GET,
            &path,
            "/orgs/{org}/actions/runners/{runner_id}",
            Some(secret),
        )
        .await;
    assert_eq!(got.status, 200);
    let state = client.control(Method::GET, "/state", None).await;
    let registration_token = state.body["tokens"][0]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    stop_with(&mut process, "TERM");

    // Assert
    assert_eq!(
        process.rest_of_stdout(),
        Vec::<String>::new(),
        "stdout has only the ready line"
    );
    let stderr = process.stderr();
    let request_lines: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("answered"))
        .collect();
    assert!(
        request_lines.iter().any(
            |line| line.contains(&format!("path=/api/v3{path}")) && line.contains("status=200")
        ),
        "no log line for GET {path}:\n{stderr}"
    );
    assert!(
        request_lines
            .iter()
            .any(|line| line.contains("path=/_mock/runners") && line.contains("status=201")),
        "no log line for the registration:\n{stderr}"
    );
    assert!(stderr.contains("DEBUG"), "debug lines are on:\n{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "colour codes in logs written to a pipe:\n{stderr}"
    );
    assert!(
        !stderr.contains(secret),
        "the personal access token is logged:\n{stderr}"
    );
    assert!(
        !stderr.contains(&registration_token),
        "the registration token is logged:\n{stderr}"
    );
}

#[tokio::test]
async fn request_latencies_are_logged_in_milliseconds_to_the_microsecond() {
    for format in ["text", "json"] {
        // Arrange
        let mut process = Process::spawn(
            &["serve", "--bind", "127.0.0.1:0", "--log-format", format],
            &[],
        );
        let client = Client::new(process.ready());

        // Act
        for _ in 0..5 {
            assert_eq!(
                client.control(Method::GET, "/health", None).await.status,
                200
            );
        }
        stop_with(&mut process, "TERM");

        // Assert
        let stderr = process.stderr();
        let latencies: Vec<String> = stderr
            .lines()
            .filter(|line| line.contains("answered"))
            .map(|line| match format {
                "text" => line
                    .split_whitespace()
                    .find_map(|field| field.strip_prefix("latency_ms="))
                    .unwrap_or_else(|| panic!("no latency_ms: {line}"))
                    .to_owned(),
                _ => serde_json::from_str::<Value>(line).unwrap()["latency_ms"].to_string(),
            })
            .collect();
        assert_eq!(latencies.len(), 5, "{stderr}");
        for latency in &latencies {
            let value: f64 = latency.parse().unwrap_or_else(|_| panic!("{latency}"));
            let decimals = latency.split_once('.').map_or(0, |(_, d)| d.len());
            assert!(value >= 0.0, "{format}: {latency}");
            assert!(decimals <= 3, "{format}: latency_ms={latency}\n{stderr}");
        }
    }
}

#[tokio::test]
async fn rust_log_error_keeps_request_lines_off_stderr() {
    let mut process = Process::spawn(
        &["serve", "--bind", "127.0.0.1:0"],
        &[("RUST_LOG", "error")],
    );
    let client = Client::new(process.ready());
    assert_eq!(
        client.control(Method::GET, "/health", None).await.status,
        200
    );

    stop_with(&mut process, "TERM");

    let stderr = process.stderr();
    assert!(!stderr.contains("answered"), "{stderr}");
}

// --- help ------------------------------------------------------------------------------------------

#[test]
fn help_lists_the_serve_command_and_serve_help_lists_every_flag_with_its_environment_variable() {
    let top = command(&["--help"], &[]).output().expect("the binary runs");
    let serve = command(&["serve", "--help"], &[])
        .output()
        .expect("the binary runs");

    assert!(top.status.success());
    let top = String::from_utf8_lossy(&top.stdout);
    assert!(top.contains("serve"), "{top}");
    assert!(serve.status.success());
    let serve = String::from_utf8_lossy(&serve.stdout);
    for (flag, env) in [
        ("--bind", "GHES_MOCK_BIND"),
        ("--database", "GHES_MOCK_DATABASE"),
        ("--seed", "GHES_MOCK_SEED"),
        ("--token", "GHES_MOCK_TOKENS"),
        ("--ghes-version", "GHES_MOCK_GHES_VERSION"),
        ("--runner-version", "GHES_MOCK_RUNNER_VERSION"),
        ("--token-ttl", "GHES_MOCK_TOKEN_TTL"),
        ("--rate-limit", "GHES_MOCK_RATE_LIMIT"),
    ] {
        assert!(serve.contains(flag), "{flag} missing:\n{serve}");
        assert!(
            serve.contains(&format!("[env: {env}=")),
            "{env} missing:\n{serve}"
        );
    }
}

#[tokio::test]
async fn an_apps_key_jwts_and_installation_tokens_never_reach_the_logs() {
    // Arrange
    let mut process = Process::spawn(
        &["serve", "--bind", "127.0.0.1:0", "--ghes-version", "3.22"],
        &[("RUST_LOG", "trace")],
    );
    let client = Client::new(process.ready());
    let app = client
        .control(
            Method::POST,
            "/apps",
            Some(json!({"permissions": {"organization_self_hosted_runners": "write"}})),
        )
        .await;
    let app_id = app.body["id"].clone();
    let installation = client
        .control(
            Method::POST,
            &format!("/apps/{app_id}/installations"),
            Some(json!({"account": "orgs/octo-org"})),
        )
        .await;
    let jwt = client
        .control(Method::POST, &format!("/apps/{app_id}/jwt"), None)
        .await
        .body["jwt"]
        .as_str()
        .unwrap()
        .to_owned();

    // Act: sign in, trade the JWT for a token, use it, revoke it.
    let issued = client
        .http
        .post(format!(
            "{}/api/v3/app/installations/{}/access_tokens?access_token={jwt}",
            client.base, installation.body["id"]
        ))
        .bearer_auth(&jwt)
        .send()
        .await
        .unwrap();
    assert_eq!(issued.status(), 201);
    let token = issued.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let listed = client
        .api(
            Method::GET,
            "/orgs/octo-org/actions/runners",
            "/orgs/{org}/actions/runners",
            Some(&token),
        )
        .await;
    assert_eq!(listed.status, 200);
    let revoked = client
        .http
        .delete(format!("{}/api/v3/installation/token", client.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    stop_with(&mut process, "TERM");

    // Assert
    let stderr = process.stderr();
    assert!(stderr.contains("TRACE"), "trace lines are on:\n{stderr}");
    for (what, secret) in [
        ("the JWT", jwt.as_str()),
        ("the JWT's signature", jwt.rsplit('.').next().unwrap()),
        ("the installation token", token.as_str()),
        (
            "the private key",
            app.body["private_key_pem"]
                .as_str()
                .unwrap()
                .lines()
                .nth(1)
                .unwrap(),
        ),
    ] {
        assert!(!stderr.contains(secret), "{what} is logged:\n{stderr}");
    }
}
