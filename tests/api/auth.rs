//! Who may call what: open mode, strict mode (tokens from the builder or a
//! fixture) and its scope matrix over all eighteen runner operations, the
//! forms an `Authorization` header may take, and that tokens never reach the
//! logs.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};

use base64::Engine;
use ghes_mock::{GhesMock, GhesMockBuilder};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    ApiResponse, SCOPES, TestApp, runners_path, spawn_app, spawn_seeded, spawn_with,
};

/// Where GitHub's errors point when no operation's docs fit.
pub const GENERIC_DOCS: &str = "https://docs.github.com/enterprise-server@3.1/rest";

/// One runner operation of one scope, as a client calls it.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: Method,
    /// The path under `/api/v3`.
    pub path: String,
    /// The status of a successful call.
    pub success: u16,
    /// The operation's GHES 3.1 docs, where its errors point.
    pub doc_url: String,
}

/// The six runner operations of `scope` (`orgs/octo-org`), with `runner_id`
/// for the two that name a runner. Delete comes last.
pub fn operations(scope: &str, runner_id: i64) -> Vec<Operation> {
    let runners = runners_path(scope);
    let runner = format!("{runners}/{runner_id}");
    let op = |method: Method, path: &str, success: u16, anchor: &str| Operation {
        method,
        path: path.to_owned(),
        success,
        doc_url: doc_url(scope, anchor),
    };
    vec![
        op(Method::GET, &runners, 200, "list-self-hosted-runners-for"),
        op(
            Method::GET,
            &format!("{runners}/downloads"),
            200,
            "list-runner-applications-for",
        ),
        op(
            Method::POST,
            &format!("{runners}/registration-token"),
            201,
            "create-a-registration-token-for",
        ),
        op(
            Method::POST,
            &format!("{runners}/remove-token"),
            201,
            "create-a-remove-token-for",
        ),
        op(Method::GET, &runner, 200, "get-a-self-hosted-runner-for"),
        op(
            Method::DELETE,
            &runner,
            204,
            "delete-a-self-hosted-runner-from",
        ),
    ]
}

/// `https://docs.github.com/enterprise-server@3.1/rest/reference/actions#get-a-self-hosted-runner-for-an-organization`
/// for `("orgs/x", "get-a-self-hosted-runner-for")`.
pub fn doc_url(scope: &str, anchor: &str) -> String {
    let (page, target) = match scope_kind(scope) {
        "enterprises" => ("enterprise-admin", "an-enterprise"),
        "orgs" => ("actions", "an-organization"),
        _ => ("actions", "a-repository"),
    };
    // GitHub's anchor for the enterprise delete lacks the article.
    let anchor = match (page, anchor) {
        ("enterprise-admin", "delete-a-self-hosted-runner-from") => {
            "delete-self-hosted-runner-from"
        }
        _ => anchor,
    };
    format!("https://docs.github.com/enterprise-server@3.1/rest/reference/{page}#{anchor}-{target}")
}

fn scope_kind(scope: &str) -> &str {
    scope.split('/').next().unwrap_or(scope)
}

/// A request to `/api/v3{path}` with a raw `Authorization` header (none when
/// `None`).
pub async fn call_with_header(
    app: &TestApp,
    method: Method,
    path: &str,
    authorization: Option<&str>,
) -> ApiResponse {
    let mut request = app.client.request(method.clone(), app.url(path));
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    app.send_api(method, path, request).await
}

fn basic(credentials: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(credentials)
    )
}

fn assert_error(
    response: &ApiResponse,
    status: u16,
    message: &str,
    documentation_url: &str,
    what: &str,
) {
    assert_eq!(response.status, status, "{what}: {:?}", response.body);
    assert_eq!(
        response.body,
        json!({"message": message, "documentation_url": documentation_url}),
        "{what}"
    );
}

/// Registers a runner in strict mode: the registration token is asked for
/// with `token`, which must open `scope`.
async fn register_with(app: &TestApp, scope: &str, token: &str, name: &str) -> i64 {
    let path = format!("{}/registration-token", runners_path(scope));
    let created = app.api(Method::POST, &path, Some(token)).await;
    assert_eq!(created.status, 201, "{path}: {:?}", created.body);
    let body = json!({"token": created.body["token"], "name": name});
    let runner = app.control(Method::POST, "/runners", Some(body)).await;
    assert_eq!(runner.status, 201, "{:?}", runner.body);
    runner.body["id"].as_i64().expect("an id")
}

const ENTERPRISE_ADMIN: &str = "pat-admin-enterprise";
const ENTERPRISE_MANAGER: &str = "pat-manage-runners-enterprise";
const ORG_ADMIN: &str = "pat-admin-org";
const REPO_ADMIN: &str = "pat-repo";
const ORG_AND_REPO: &str = "pat-repo-and-admin-org";

/// A strict server with one token per kind of OAuth scope, and one with two.
fn strict() -> GhesMockBuilder {
    GhesMock::builder()
        .token(ENTERPRISE_ADMIN, &["admin:enterprise"])
        .token(ENTERPRISE_MANAGER, &["manage_runners:enterprise"])
        .token(ORG_ADMIN, &["admin:org"])
        .token(REPO_ADMIN, &["repo"])
        .token(ORG_AND_REPO, &["repo", "admin:org"])
}

/// For one scope: a token that opens it (with its scopes as X-OAuth-Scopes
/// shows them), a token whose scope does not fit, and what the routes accept.
struct StrictCase {
    scope: &'static str,
    right: &'static str,
    right_scopes: &'static str,
    wrong: &'static str,
    wrong_scopes: &'static str,
    accepted: &'static str,
}

const STRICT_CASES: [StrictCase; 4] = [
    StrictCase {
        scope: SCOPES[0],
        right: ENTERPRISE_ADMIN,
        right_scopes: "admin:enterprise",
        wrong: ORG_ADMIN,
        wrong_scopes: "admin:org",
        accepted: "admin:enterprise, manage_runners:enterprise",
    },
    StrictCase {
        scope: SCOPES[0],
        right: ENTERPRISE_MANAGER,
        right_scopes: "manage_runners:enterprise",
        wrong: ORG_ADMIN,
        wrong_scopes: "admin:org",
        accepted: "admin:enterprise, manage_runners:enterprise",
    },
    StrictCase {
        scope: SCOPES[1],
        right: ORG_ADMIN,
        right_scopes: "admin:org",
        wrong: REPO_ADMIN,
        wrong_scopes: "repo",
        accepted: "admin:org",
    },
    StrictCase {
        scope: SCOPES[2],
        right: REPO_ADMIN,
        right_scopes: "repo",
        wrong: ORG_ADMIN,
        wrong_scopes: "admin:org",
        accepted: "repo",
    },
];

#[tokio::test]
async fn strict_mode_checks_every_runner_operation_for_no_token_a_bad_token_a_missing_scope_and_the_right_scope()
 {
    for case in &STRICT_CASES {
        // Arrange
        let app = spawn_with(strict()).await;
        let runner_id = register_with(&app, case.scope, case.right, "matrix-runner").await;

        for operation in operations(case.scope, runner_id) {
            let what = format!(
                "{} {} with {}",
                operation.method, operation.path, case.right
            );

            // Act
            let anonymous = app
                .api(operation.method.clone(), &operation.path, None)
                .await;
            let unknown = app
                .api(
                    operation.method.clone(),
                    &operation.path,
                    Some("pat-nobody-knows"),
                )
                .await;
            let unfit = app
                .api(operation.method.clone(), &operation.path, Some(case.wrong))
                .await;
            let allowed = app
                .api(operation.method.clone(), &operation.path, Some(case.right))
                .await;

            // Assert
            assert_error(
                &anonymous,
                401,
                "Requires authentication",
                &operation.doc_url,
                &what,
            );
            assert_eq!(
                anonymous.header("x-oauth-scopes"),
                None,
                "{what}: no token, no scopes"
            );
            assert_error(&unknown, 401, "Bad credentials", GENERIC_DOCS, &what);
            assert_eq!(
                unknown.header("x-oauth-scopes"),
                None,
                "{what}: an unknown token has no scopes"
            );
            assert_error(
                &unfit,
                403,
                "Must have admin rights to Repository.",
                &operation.doc_url,
                &what,
            );
            assert_eq!(
                unfit.header("x-oauth-scopes"),
                Some(case.wrong_scopes),
                "{what}"
            );
            assert_eq!(
                unfit.header("x-accepted-oauth-scopes"),
                Some(case.accepted),
                "{what}"
            );
            assert_eq!(
                allowed.status, operation.success,
                "{what}: {:?}",
                allowed.body
            );
            assert_eq!(
                allowed.header("x-oauth-scopes"),
                Some(case.right_scopes),
                "{what}"
            );
            assert_eq!(
                allowed.header("x-accepted-oauth-scopes"),
                Some(case.accepted),
                "{what}"
            );
        }
        let gone = app
            .api(
                Method::GET,
                &format!("{}/{runner_id}", runners_path(case.scope)),
                Some(case.right),
            )
            .await;
        assert_eq!(gone.status, 404, "the allowed delete removed the runner");
    }
}

#[tokio::test]
async fn each_token_opens_exactly_the_scopes_its_oauth_scopes_name() {
    let app = spawn_with(strict()).await;
    let table = [
        (ENTERPRISE_ADMIN, [true, false, false]),
        (ENTERPRISE_MANAGER, [true, false, false]),
        (ORG_ADMIN, [false, true, false]),
        (REPO_ADMIN, [false, false, true]),
        (ORG_AND_REPO, [false, true, true]),
    ];

    for (token, opens) in table {
        for (scope, opens) in SCOPES.into_iter().zip(opens) {
            let response = app
                .api(Method::GET, &runners_path(scope), Some(token))
                .await;

            let expected = if opens { 200 } else { 403 };
            assert_eq!(
                response.status, expected,
                "{token} on {scope}: {:?}",
                response.body
            );
        }
    }
}

#[tokio::test]
async fn x_oauth_scopes_lists_every_scope_of_the_token() {
    let app = spawn_with(strict()).await;

    let response = app
        .api(Method::GET, &runners_path(SCOPES[1]), Some(ORG_AND_REPO))
        .await;

    assert_eq!(response.status, 200);
    assert_eq!(response.header("x-oauth-scopes"), Some("repo, admin:org"));
    assert_eq!(
        response.header("x-accepted-oauth-scopes"),
        Some("admin:org")
    );
}

#[tokio::test]
async fn tokens_from_a_fixture_turn_on_strict_mode() {
    let app = spawn_seeded(json!({"tokens": [{"token": "seeded", "scopes": ["repo"]}]})).await;
    let repo = runners_path(SCOPES[2]);
    let org = runners_path(SCOPES[1]);

    let seeded = app.api(Method::GET, &repo, Some("seeded")).await;
    let other = app.api(Method::GET, &repo, Some("not-seeded")).await;
    let unfit = app.api(Method::GET, &org, Some("seeded")).await;
    let anonymous = app.api(Method::GET, &repo, None).await;

    assert_eq!(seeded.status, 200, "{:?}", seeded.body);
    assert_eq!(seeded.header("x-oauth-scopes"), Some("repo"));
    assert_error(
        &other,
        401,
        "Bad credentials",
        GENERIC_DOCS,
        "an unseeded token",
    );
    let list_org = doc_url(SCOPES[1], "list-self-hosted-runners-for");
    assert_error(
        &unfit,
        403,
        "Must have admin rights to Repository.",
        &list_org,
        "repo token on an org",
    );
    let list_repo = doc_url(SCOPES[2], "list-self-hosted-runners-for");
    assert_error(
        &anonymous,
        401,
        "Requires authentication",
        &list_repo,
        "no token",
    );
}

#[tokio::test]
async fn strict_mode_survives_a_reset_of_the_control_api() {
    let app = spawn_seeded(json!({"tokens": [{"token": "seeded", "scopes": ["repo"]}]})).await;
    let repo = runners_path(SCOPES[2]);

    let reset = app.control(Method::POST, "/reset", None).await;
    let other = app.api(Method::GET, &repo, Some("not-seeded")).await;
    let seeded = app.api(Method::GET, &repo, Some("seeded")).await;

    assert_eq!(reset.status, 204);
    assert_eq!(other.status, 401, "{:?}", other.body);
    assert_eq!(seeded.status, 200, "{:?}", seeded.body);
}

#[tokio::test]
async fn open_mode_accepts_any_non_empty_token_for_every_operation_of_every_scope() {
    for scope in SCOPES {
        // Arrange
        let app = spawn_app().await;
        let runner = app.register_runner(scope, "open-runner", json!({})).await;
        let runner_id = runner["id"].as_i64().unwrap();

        for operation in operations(scope, runner_id) {
            // Act
            let response = app
                .api(
                    operation.method.clone(),
                    &operation.path,
                    Some("whatever-you-like"),
                )
                .await;

            // Assert
            let what = format!("{} {}", operation.method, operation.path);
            assert_eq!(
                response.status, operation.success,
                "{what}: {:?}",
                response.body
            );
            let accepted = response
                .header("x-accepted-oauth-scopes")
                .expect("accepted scopes")
                .to_owned();
            let granted = response
                .header("x-oauth-scopes")
                .expect("the token's scopes");
            for needed in accepted.split(", ") {
                assert!(
                    granted.split(", ").any(|s| s == needed),
                    "{what}: {granted} lacks {needed}"
                );
            }
        }
    }
}

#[tokio::test]
async fn open_mode_still_needs_a_token_and_refuses_an_empty_one() {
    for scope in SCOPES {
        let app = spawn_app().await;
        let list = runners_path(scope);
        let list_docs = doc_url(scope, "list-self-hosted-runners-for");

        let anonymous = call_with_header(&app, Method::GET, &list, None).await;
        let empty = call_with_header(&app, Method::GET, &list, Some("token ")).await;
        let blank = call_with_header(&app, Method::GET, &list, Some("Bearer    ")).await;
        let bare_scheme = call_with_header(&app, Method::GET, &list, Some("token")).await;

        assert_error(
            &anonymous,
            401,
            "Requires authentication",
            &list_docs,
            scope,
        );
        assert_error(&empty, 401, "Bad credentials", GENERIC_DOCS, scope);
        assert_error(&blank, 401, "Bad credentials", GENERIC_DOCS, scope);
        assert_error(&bare_scheme, 401, "Bad credentials", GENERIC_DOCS, scope);
    }
}

#[tokio::test]
async fn a_token_may_come_as_token_bearer_or_basic_in_strict_mode() {
    let app = spawn_with(GhesMock::builder().token("s3cret", &["admin:org"])).await;
    let list = runners_path(SCOPES[1]);
    let forms = [
        "token s3cret".to_owned(),
        "Bearer s3cret".to_owned(),
        "bearer s3cret".to_owned(),
        "TOKEN s3cret".to_owned(),
        basic("octocat:s3cret"),
        basic("s3cret:"),
        basic("s3cret:x-oauth-basic"),
    ];

    for form in forms {
        let response = call_with_header(&app, Method::GET, &list, Some(&form)).await;

        assert_eq!(response.status, 200, "{form}: {:?}", response.body);
        assert_eq!(
            response.header("x-oauth-scopes"),
            Some("admin:org"),
            "{form}"
        );
    }
}

#[tokio::test]
async fn unreadable_or_wrong_credentials_are_bad_credentials() {
    let app = spawn_with(GhesMock::builder().token("s3cret", &["admin:org"])).await;
    let list = runners_path(SCOPES[1]);
    let not_utf8 = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode([0xFF, 0xFE, b':', 0xFD])
    );
    let forms = [
        basic("octocat:wrong-password"),
        basic("s3cret:wrong-password"),
        basic("nobody:"),
        "Basic !!!not-base64!!!".to_owned(),
        "Basic czNjcmV0Og".to_owned(), // "s3cret:" with its padding cut off
        not_utf8,
        "Digest s3cret".to_owned(),
        "s3cret".to_owned(),
        "token s3cret-but-longer".to_owned(),
        "token S3CRET".to_owned(),
    ];

    for form in forms {
        let response = call_with_header(&app, Method::GET, &list, Some(&form)).await;

        assert_error(&response, 401, "Bad credentials", GENERIC_DOCS, &form);
    }
}

#[tokio::test]
async fn public_endpoints_answer_without_a_token_but_refuse_an_unknown_one() {
    let app = spawn_with(GhesMock::builder().token("s3cret", &["admin:org"])).await;

    for path in ["/meta", "/rate_limit", "/orgs/x", "/repos/x/y"] {
        let anonymous = app.api(Method::GET, path, None).await;
        let known = app.api(Method::GET, path, Some("s3cret")).await;
        let unknown = app.api(Method::GET, path, Some("n0t-s3cret")).await;

        assert_eq!(anonymous.status, 200, "{path}: {:?}", anonymous.body);
        assert_eq!(known.status, 200, "{path}: {:?}", known.body);
        assert_error(&unknown, 401, "Bad credentials", GENERIC_DOCS, path);
    }
}

/// The text of a log without its colour codes (`ESC [ … m`).
fn strip_ansi(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

/// The binary, killed when the test ends however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn tokens_never_appear_in_the_logs_even_at_trace_level() {
    // Arrange: the binary at trace level, strict with one PAT.
    const PAT: &str = "sekrit-pat-123";
    const QUERY_TOKEN: &str = "sekrit-query-456";
    const WRONG_PAT: &str = "sekrit-wrong-789";
    let mut command = Command::new(env!("CARGO_BIN_EXE_ghes-mock"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("GHES_MOCK_") {
            command.env_remove(name);
        }
    }
    let mut server = Server(
        command
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--token",
                &format!("{PAT}:admin:org"),
            ])
            .env("RUST_LOG", "trace")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts"),
    );
    let mut stderr = server.0.stderr.take().expect("stderr");
    let logs = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut stdout = BufReader::new(server.0.stdout.take().expect("stdout"));
    let mut ready = String::new();
    stdout.read_line(&mut ready).expect("a ready line");
    let api = ready
        .trim()
        .strip_prefix("ghes-mock listening on ")
        .unwrap_or_else(|| panic!("not the ready line: {ready:?}"))
        .to_owned();
    let base = api
        .strip_suffix("/api/v3")
        .expect("the API under /api/v3")
        .to_owned();
    let client = reqwest::Client::new();
    let list = format!("{api}/orgs/octo-org/actions/runners");
    let basic_forms = [
        format!("octocat:{PAT}"),
        format!("{PAT}:"),
        format!("{PAT}:x-oauth-basic"),
    ]
    .map(|c| basic(&c));
    let mut secrets: Vec<String> = vec![
        PAT.into(),
        QUERY_TOKEN.into(),
        WRONG_PAT.into(),
        "sekrit".into(),
    ];
    secrets.extend(
        basic_forms
            .iter()
            .map(|b| b.trim_start_matches("Basic ").to_owned()),
    );
    let mut paths: Vec<(String, u16)> = Vec::new();
    let send = |request: reqwest::RequestBuilder| async move {
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        (status, body)
    };

    // Act: the PAT in every form, runner tokens through the control API, a
    // token in the query, and a wrong PAT.
    for authorization in [format!("token {PAT}"), format!("Bearer {PAT}")]
        .iter()
        .chain(&basic_forms)
    {
        let (status, _) = send(client.get(&list).header("Authorization", authorization)).await;
        assert_eq!(status, 200, "{authorization}");
        paths.push(("/api/v3/orgs/octo-org/actions/runners".into(), 200));
    }
    let (status, created) = send(
        client
            .post(format!("{list}/registration-token"))
            .header("Authorization", format!("token {PAT}")),
    )
    .await;
    assert_eq!(status, 201);
    paths.push((
        "/api/v3/orgs/octo-org/actions/runners/registration-token".into(),
        201,
    ));
    let registration = created["token"]
        .as_str()
        .expect("a registration token")
        .to_owned();
    let (status, runner) = send(
        client
            .post(format!("{base}/_mock/runners"))
            .json(&json!({"token": registration, "name": "logged-runner"})),
    )
    .await;
    assert_eq!(status, 201, "{runner}");
    paths.push(("/_mock/runners".into(), 201));
    let (status, _) = send(
        client
            .post(format!("{base}/_mock/runners"))
            .json(&json!({"token": "SEKRITUNKNOWNREGISTRATIONTOKEN", "name": "x"})),
    )
    .await;
    assert_eq!(status, 401);
    paths.push(("/_mock/runners".into(), 401));
    let (status, created) = send(
        client
            .post(format!("{list}/remove-token"))
            .header("Authorization", format!("Bearer {PAT}")),
    )
    .await;
    assert_eq!(status, 201);
    paths.push((
        "/api/v3/orgs/octo-org/actions/runners/remove-token".into(),
        201,
    ));
    let remove = created["token"]
        .as_str()
        .expect("a remove token")
        .to_owned();
    let remove_path = format!("/_mock/runners/{}/remove", runner["id"]);
    let (status, _) = send(
        client
            .post(format!("{base}{remove_path}"))
            .json(&json!({"token": remove})),
    )
    .await;
    assert_eq!(status, 204);
    paths.push((remove_path, 204));
    let (status, _) = send(client.get(format!("{api}/meta?access_token={QUERY_TOKEN}"))).await;
    assert_eq!(status, 200);
    paths.push(("/api/v3/meta".into(), 200));
    let (status, _) = send(
        client
            .get(&list)
            .header("Authorization", format!("token {WRONG_PAT}")),
    )
    .await;
    assert_eq!(status, 401);
    paths.push(("/api/v3/orgs/octo-org/actions/runners".into(), 401));
    secrets.extend([
        registration,
        remove,
        "SEKRITUNKNOWNREGISTRATIONTOKEN".to_owned(),
    ]);

    let pid = server.0.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let exit = server.0.wait().expect("the server exits");
    let log = strip_ansi(&logs.join().expect("stderr was read"));
    let mut rest_of_stdout = String::new();
    stdout.read_to_string(&mut rest_of_stdout).expect("stdout");

    // Assert
    assert!(exit.success(), "SIGTERM is a clean stop: {exit:?}\n{log}");
    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "the log shows {secret:?}:\n{log}"
        );
        assert!(
            !ready.contains(secret.as_str()) && !rest_of_stdout.contains(secret.as_str()),
            "stdout shows {secret:?}"
        );
    }
    let answered: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("answered"))
        .collect();
    assert_eq!(
        answered.len(),
        paths.len(),
        "one line per request:\n{}",
        answered.join("\n")
    );
    for (path, status) in &paths {
        let expected = paths
            .iter()
            .filter(|(p, s)| p == path && s == status)
            .count();
        let logged = answered
            .iter()
            .filter(|line| {
                line.contains(&format!("path={path} "))
                    && line.contains(&format!("status={status}"))
            })
            .count();
        assert_eq!(
            logged,
            expected,
            "{path} -> {status} in:\n{}",
            answered.join("\n")
        );
    }
}
