//! Every way a client can get it wrong, answered as GitHub does: a JSON body
//! of GitHub's shape with the right status and docs link, GHES's headers on
//! every `/api/v3` answer, and never a 5xx. Also the headers and caching that
//! hold on every answer.

use std::collections::HashSet;

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::auth::{GENERIC_DOCS, doc_url};
use crate::helpers::{
    ApiResponse, SCOPES, TOKEN, TestApp, assert_error_shape, assert_github_headers, read,
    runners_path, spawn_app, spawn_with,
};

fn not_found(documentation_url: &str) -> Value {
    json!({"message": "Not Found", "documentation_url": documentation_url})
}

/// A POST to `/api/v3{path}` with a raw body and `token`, through the harness.
async fn post_raw(
    app: &TestApp,
    token: &str,
    path: &str,
    body: impl Into<reqwest::Body>,
) -> ApiResponse {
    let method = Method::POST;
    let request = app
        .client
        .request(method.clone(), app.url(path))
        .header("Authorization", format!("token {token}"))
        .body(body);
    app.send_api(method, path, request).await
}

/// A request to `/_mock{path}` with a raw body; errors must be GitHub's shape.
async fn control_with_body(
    app: &TestApp,
    method: Method,
    path: &str,
    body: impl Into<reqwest::Body>,
) -> ApiResponse {
    let url = format!("{}/_mock{path}", app.mock.uri());
    let response = read(app.client.request(method, url).body(body)).await;
    assert!(
        response.status < 500,
        "{path}: {} {:?}",
        response.status,
        response.body
    );
    if response.status >= 400 {
        assert_error_shape(&response.body);
    }
    response
}

// ---------------------------------------------------------------------------
// Unknown routes, wrong methods, bad ids

#[tokio::test]
async fn unknown_routes_under_the_api_are_404_with_the_generic_docs() {
    let app = spawn_app().await;
    let paths = [
        "/nope",
        "/orgs/o/actions/nope/deeper",
        "/orgs/o/actions/runners/1/extra",
        "/orgs/o/actions/runners/downloads/extra",
        "/enterprises/e/actions",
        "/repos/o/r/actions/runners/registration-token/again",
        "/orgs/o/actions/runners/",
        "/",
        "",
    ];

    for path in paths {
        let response = app.get(path).await;

        assert_eq!(response.status, 404, "{path}");
        assert_eq!(response.body, not_found(GENERIC_DOCS), "{path}");
    }
}

#[tokio::test]
async fn paths_outside_the_api_and_the_control_api_are_404_json_too() {
    let app = spawn_app().await;

    for path in [
        "/",
        "/foo",
        "/api",
        "/api/v4/meta",
        "/_mockery",
        "/API/V3/meta",
    ] {
        let response = read(app.client.get(format!("{}{path}", app.mock.uri()))).await;

        assert_eq!(response.status, 404, "{path}");
        assert_eq!(response.body["message"], "Not Found", "{path}");
        assert_error_shape(&response.body);
        let content_type = response.header("content-type").unwrap_or_default();
        assert!(
            content_type.starts_with("application/json"),
            "{path}: {content_type}"
        );
    }
}

/// The methods each runner route does not answer to.
fn wrong_methods(scope: &str) -> Vec<(Method, String)> {
    let runners = runners_path(scope);
    let mut calls = Vec::new();
    let mut add = |path: String, methods: &[Method]| {
        calls.extend(methods.iter().map(|m| (m.clone(), path.clone())));
    };
    add(
        runners.clone(),
        &[Method::PUT, Method::PATCH, Method::POST, Method::DELETE],
    );
    add(
        format!("{runners}/downloads"),
        &[Method::POST, Method::PUT, Method::PATCH, Method::DELETE],
    );
    for kind in ["registration-token", "remove-token"] {
        add(
            format!("{runners}/{kind}"),
            &[Method::GET, Method::PUT, Method::PATCH, Method::DELETE],
        );
    }
    add(
        format!("{runners}/1"),
        &[Method::POST, Method::PUT, Method::PATCH, Method::OPTIONS],
    );
    calls
}

#[tokio::test]
async fn wrong_methods_on_runner_routes_are_404_as_github_answers_them() {
    for scope in SCOPES {
        let app = spawn_app().await;
        app.register_runner(scope, "exists", json!({})).await;

        for (method, path) in wrong_methods(scope) {
            let response = app.api(method.clone(), &path, Some(TOKEN)).await;

            assert_eq!(response.status, 404, "{method} {path}: {:?}", response.body);
            assert_eq!(response.body, not_found(GENERIC_DOCS), "{method} {path}");
        }
        assert_eq!(
            app.get(&runners_path(scope)).await.body["total_count"],
            1,
            "{scope}: nothing was deleted"
        );
    }
}

#[tokio::test]
async fn ids_that_are_not_runner_ids_are_404_with_the_operations_docs() {
    for scope in SCOPES {
        // Arrange: runner 1 exists, so `1.5` cannot be read as 1.
        let app = spawn_app().await;
        app.register_runner(scope, "one", json!({})).await;
        let runners = runners_path(scope);
        let get_docs = doc_url(scope, "get-a-self-hosted-runner-for");
        let delete_docs = doc_url(scope, "delete-a-self-hosted-runner-from");

        for id in [
            "abc",
            "-1",
            "0",
            "99999999999999999999",
            "1.5",
            "%20",
            "1abc",
            "0x1",
            "%31%2E",
        ] {
            // Act
            let got = app.get(&format!("{runners}/{id}")).await;
            let deleted = app.delete(&format!("{runners}/{id}")).await;

            // Assert
            assert_eq!(got.status, 404, "GET {scope} {id}");
            assert_eq!(got.body, not_found(&get_docs), "GET {scope} {id}");
            assert_eq!(deleted.status, 404, "DELETE {scope} {id}");
            assert_eq!(deleted.body, not_found(&delete_docs), "DELETE {scope} {id}");
        }
        assert_eq!(
            app.get(&format!("{runners}/1")).await.status,
            200,
            "{scope}: runner 1 is untouched"
        );
    }
}

// ---------------------------------------------------------------------------
// Bodies and query strings

#[tokio::test]
async fn token_endpoints_refuse_a_body_that_is_not_json_and_ignore_one_that_is() {
    for scope in SCOPES {
        for kind in ["registration-token", "remove-token"] {
            let app = spawn_app().await;
            let path = format!("{}/{kind}", runners_path(scope));
            let docs = doc_url(scope, &format!("create-a-{kind}-for"));

            for malformed in ["{not json", "{\"a\":", "nope", "{}}", "\u{feff}{}"] {
                let response = post_raw(&app, TOKEN, &path, malformed).await;

                assert_eq!(
                    response.status, 400,
                    "{path} {malformed:?}: {:?}",
                    response.body
                );
                assert_eq!(
                    response.body,
                    json!({"message": "Problems parsing JSON", "documentation_url": docs}),
                    "{path}"
                );
            }
            for fine in [
                "",
                "  \n",
                "{}",
                "{\"labels\": [\"x\"]}",
                "[1, 2]",
                "null",
                "\"text\"",
            ] {
                let response = post_raw(&app, TOKEN, &path, fine).await;

                assert_eq!(response.status, 201, "{path} {fine:?}: {:?}", response.body);
                assert_eq!(
                    response.body["token"].as_str().map(str::len),
                    Some(29),
                    "{path}"
                );
            }
        }
    }
}

#[tokio::test]
async fn page_and_per_page_that_are_not_integers_fail_validation_naming_the_field() {
    for scope in SCOPES {
        let app = spawn_app().await;
        let list = runners_path(scope);
        let docs = doc_url(scope, "list-self-hosted-runners-for");

        for (query, field) in [
            ("page=abc", "page"),
            ("per_page=1.5", "per_page"),
            ("page=1.5", "page"),
            ("per_page=ten", "per_page"),
            ("page=", "page"),
            ("page=2&per_page=x", "per_page"),
        ] {
            let response = app.get(&format!("{list}?{query}")).await;

            assert_eq!(response.status, 422, "{query}: {:?}", response.body);
            assert_eq!(response.body["message"], "Validation Failed", "{query}");
            assert_eq!(response.body["documentation_url"], docs, "{query}");
            let errors = response.body["errors"].as_array().expect("errors");
            assert_eq!(errors.len(), 1, "{query}");
            assert_eq!(errors[0]["resource"], "Runner", "{query}");
            assert_eq!(errors[0]["field"], field, "{query}");
            assert_eq!(errors[0]["code"], "invalid", "{query}");
            assert!(
                errors[0]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(field)),
                "{query}: {errors:?}"
            );
        }
    }
}

#[tokio::test]
async fn control_api_refuses_malformed_json_with_400() {
    let app = spawn_app().await;
    app.register_runner("orgs/octo-org", "one", json!({})).await;

    for (method, path) in [
        (Method::POST, "/runners"),
        (Method::PATCH, "/runners/1"),
        (Method::POST, "/runners/1/remove"),
        (Method::PUT, "/clock"),
    ] {
        for body in [
            "{not json",
            "{\"token\": ",
            "]",
            "{}}",
            "{\"offset_seconds\": 5} and more",
        ] {
            let response = control_with_body(&app, method.clone(), path, body).await;

            assert_eq!(
                response.status, 400,
                "{method} {path} {body:?}: {:?}",
                response.body
            );
            assert_eq!(response.body["message"], "Problems parsing JSON");
        }
    }
}

#[tokio::test]
async fn control_api_refuses_json_of_the_wrong_shape_with_422_naming_the_field() {
    let app = spawn_app().await;
    let token = app.registration_token("orgs/octo-org").await;
    app.register_runner("orgs/octo-org", "one", json!({})).await;
    let cases = [
        (
            Method::POST,
            "/runners",
            json!({"name": "r"}),
            Some("token"),
        ),
        (
            Method::POST,
            "/runners",
            json!({"token": token}),
            Some("name"),
        ),
        (
            Method::POST,
            "/runners",
            json!({"token": token, "name": 7}),
            Some("name"),
        ),
        (
            Method::POST,
            "/runners",
            json!({"token": token, "name": "r", "colour": "red"}),
            None,
        ),
        (
            Method::POST,
            "/runners",
            json!({"token": token, "name": "r", "os": "solaris"}),
            Some("os"),
        ),
        (
            Method::POST,
            "/runners",
            json!({"token": token, "name": "r", "architecture": "sparc"}),
            Some("architecture"),
        ),
        (
            Method::POST,
            "/runners",
            json!({"token": token, "name": "r", "status": "sleeping"}),
            Some("status"),
        ),
        (
            Method::POST,
            "/runners",
            json!({"token": token, "name": "r", "busy": "yes"}),
            Some("busy"),
        ),
        (
            Method::POST,
            "/runners",
            json!({"token": token, "name": "r", "labels": "gpu"}),
            Some("labels"),
        ),
        (Method::POST, "/runners", json!([token, "r"]), None),
        (
            Method::PATCH,
            "/runners/1",
            json!({"status": "sleeping"}),
            Some("status"),
        ),
        (
            Method::PATCH,
            "/runners/1",
            json!({"busy": 1}),
            Some("busy"),
        ),
        (
            Method::PATCH,
            "/runners/1",
            json!({"name": "renamed"}),
            None,
        ),
        (Method::POST, "/runners/1/remove", json!({}), Some("token")),
        (
            Method::PUT,
            "/clock",
            json!({"offset_seconds": "ten"}),
            Some("offset_seconds"),
        ),
        (
            Method::PUT,
            "/clock",
            json!({"offset_seconds": 1.5}),
            Some("offset_seconds"),
        ),
        (Method::PUT, "/clock", json!({}), Some("offset_seconds")),
    ];

    for (method, path, body, field) in cases {
        let response = app.control(method.clone(), path, Some(body.clone())).await;

        assert_eq!(
            response.status, 422,
            "{method} {path} {body}: {:?}",
            response.body
        );
        assert_eq!(response.body["message"], "Validation Failed", "{body}");
        let errors = response.body["errors"].as_array().expect("errors");
        assert!(!errors.is_empty(), "{body}");
        if let Some(field) = field {
            assert_eq!(
                errors[0]["field"], field,
                "{method} {path} {body}: {errors:?}"
            );
        }
    }
    let state = app.control(Method::GET, "/state", None).await;
    assert_eq!(
        state.body["scopes"][0]["runner_count"], 1,
        "no refused registration left a runner"
    );
    assert_eq!(
        state.body["offset_seconds"], 0,
        "no refused clock change moved the clock"
    );
}

#[tokio::test]
async fn unknown_control_routes_and_methods_are_404() {
    let app = spawn_app().await;

    for (method, path) in [
        (Method::GET, "/nope"),
        (Method::GET, "/runners/1/extra"),
        (Method::GET, "/runners"),
        (Method::DELETE, "/health"),
        (Method::POST, "/state"),
        (Method::DELETE, "/clock"),
        (Method::GET, "/reset"),
        (Method::PATCH, "/runners/abc"),
        (Method::POST, "/runners/99999999999999999999/remove"),
        (Method::GET, ""),
    ] {
        let response = app.control(method.clone(), path, None).await;

        assert_eq!(response.status, 404, "{method} {path}: {:?}", response.body);
        assert_eq!(response.body["message"], "Not Found", "{method} {path}");
    }
}

// ---------------------------------------------------------------------------
// The sweep: hostile input over every route, never a 5xx

/// A small deterministic generator, so a failing input can be found again.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next().to_le_bytes()[0]).collect()
    }
}

fn percent_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

/// Path segments a client should never send, and some random ones.
fn hostile_segments(rng: &mut XorShift) -> Vec<String> {
    let mut segments: Vec<String> = [
        "%FF%FE",
        "%00",
        "%C0%AE%C0%AE",
        "%E2%80%AE",
        "日本語",
        "😀",
        "..",
        ".",
        "%2e%2e",
        "%2F",
        "a%2Fb",
        "%25",
        "%",
        "%zz",
        "%20",
        "-1",
        "0",
        "99999999999999999999",
        "1e10",
        "NaN",
        "null",
        "'%3B DROP TABLE runner%3B --",
        "%22%3E%3Cscript%3E",
        "%5C",
        "~",
        "a:b",
        "@",
        "%3F",
        "%23",
        "%0D%0AX-Injected:%20yes",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    segments.push("a".repeat(10 * 1024));
    segments.push(percent_encode(&[0xFF; 2048]));
    for _ in 0..12 {
        let len = 1 + rng.below(64);
        let bytes = rng.bytes(len);
        segments.push(percent_encode(&bytes));
    }
    segments
}

/// The routes of the sweep as templates: `{A}` and `{B}` name a scope, `{ID}`
/// a runner.
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/enterprises/{A}/actions/runners"),
    ("GET", "/orgs/{A}/actions/runners/downloads"),
    ("POST", "/repos/{A}/{B}/actions/runners/registration-token"),
    ("POST", "/orgs/{A}/actions/runners/remove-token"),
    ("GET", "/repos/{A}/{B}/actions/runners/{ID}"),
    ("DELETE", "/enterprises/{A}/actions/runners/{ID}"),
    ("GET", "/orgs/{A}/actions/runners/{ID}"),
    ("GET", "/meta/{A}"),
    ("GET", "/rate_limit"),
    ("GET", "/orgs/{A}"),
    ("GET", "/repos/{A}/{B}"),
    ("PUT", "/orgs/{A}/actions/runners/{ID}"),
];

/// Sends one hostile request to the API and checks what a client must be able
/// to rely on. A path that the URL parser moves out of `/api/v3` (`..`) is
/// checked as a plain answer.
async fn sweep_api(app: &TestApp, method: Method, path: &str, body: Option<Vec<u8>>) -> u16 {
    let url = reqwest::Url::parse(&app.url(path)).expect("a URL");
    let mut request = app
        .client
        .request(method.clone(), url.clone())
        .header("Authorization", format!("token {TOKEN}"));
    if let Some(body) = body {
        request = request.body(body);
    }
    let sent = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    let response = match sent.strip_prefix("/api/v3") {
        Some(api_path) => app.send_api(method.clone(), api_path, request).await,
        None => read(request).await,
    };
    assert!(
        response.status < 500,
        "{method} {sent}: {} {:?}",
        response.status,
        response.body
    );
    if response.status >= 400 {
        assert_error_shape(&response.body);
    }
    response.status
}

#[tokio::test]
async fn hostile_paths_never_get_a_server_error_or_a_body_that_is_not_json() {
    // Arrange
    let app = spawn_app().await;
    app.register_runner("orgs/octo-org", "victim", json!({}))
        .await;
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let hostile = hostile_segments(&mut rng);
    let mut sent = 0;

    for segment in &hostile {
        for (method, template) in ROUTES {
            // Act: the hostile segment in one slot, sane values elsewhere.
            let slots: Vec<&str> = ["{A}", "{B}", "{ID}"]
                .into_iter()
                .filter(|s| template.contains(s))
                .collect();
            let chosen = if slots.is_empty() {
                ""
            } else {
                slots[rng.below(slots.len())]
            };
            let mut path = (*template).to_owned();
            for (slot, sane) in [("{A}", "octo-org"), ("{B}", "octo-repo"), ("{ID}", "1")] {
                path = path.replace(slot, if slot == chosen { segment } else { sane });
            }
            if slots.is_empty() {
                path = format!("{path}/{segment}");
            }
            let method = Method::from_bytes(method.as_bytes()).expect("a method");

            // Assert (inside): < 500, JSON, GitHub's error shape and headers.
            sweep_api(&app, method, &path, None).await;
            sent += 1;
        }
    }

    assert!(sent >= 400, "{sent} requests");
    assert_eq!(
        app.get("/orgs/octo-org/actions/runners/1").await.status,
        200,
        "the runner survived the sweep"
    );
}

#[tokio::test]
async fn hostile_query_strings_never_get_a_server_error() {
    let app = spawn_app().await;
    app.register_runners("orgs/octo-org", 3).await;
    let long_key = format!("{}=1", "k".repeat(10 * 1024));
    let long_page = format!("page={}", "9".repeat(1000));
    let queries = [
        "page=1&page=abc",
        "page=abc&page=2",
        "per_page=99999999999999999999999999",
        "per_page=-5",
        "page=-99999999999999999999",
        "page=%FF",
        "per_page=%FF%FE&page=%00",
        "=&&=",
        "a[]=1&a[]=2&a[b]=3",
        "page",
        "per_page=",
        "page=1%00",
        "page=%EF%BC%91",
        "per_page=1e3",
        "page=+1",
        "page=%201",
        "page=0x10",
        "%",
        "%%",
        "page=1&per_page=1&page=2&per_page=2",
        "per_page=1&page=4294967296",
        "per_page=1&page=9223372036854775807",
        "per_page=1&page=-9223372036854775808",
        "access_token=x&page=2&per_page=1",
        &long_key,
        &long_page,
    ];

    for query in queries {
        for path in [
            "/orgs/octo-org/actions/runners",
            "/orgs/octo-org/actions/runners/downloads",
            "/meta",
        ] {
            let status = sweep_api(&app, Method::GET, &format!("{path}?{query}"), None).await;

            assert!(status == 200 || status == 422, "{path}?{query}: {status}");
        }
    }
}

/// Bodies a client should never send.
fn hostile_bodies(rng: &mut XorShift) -> Vec<Vec<u8>> {
    let mega = "x".repeat(1024 * 1024);
    let mut bodies: Vec<Vec<u8>> = vec![
        "[".repeat(100_000).into_bytes(),
        format!("{}1{}", "[".repeat(5_000), "]".repeat(5_000)).into_bytes(),
        format!("{}1{}", "{\"a\":".repeat(5_000), "}".repeat(5_000)).into_bytes(),
        format!("\"{mega}\"").into_bytes(),
        json!({"token": mega, "name": "r"}).to_string().into_bytes(),
        json!({"token": "x", "name": mega}).to_string().into_bytes(),
        json!({"token": "x", "name": "r", "labels": [mega]})
            .to_string()
            .into_bytes(),
        json!({"offset_seconds": mega}).to_string().into_bytes(),
        json!({"status": mega, "busy": mega})
            .to_string()
            .into_bytes(),
        b"{\"offset_seconds\": 1e400}".to_vec(),
        b"{\"offset_seconds\": 18446744073709551616}".to_vec(),
        b"{\"offset_seconds\": -9223372036854775808}".to_vec(),
        b"{\"offset_seconds\": 9223372036854775807}".to_vec(),
        b"{\"token\": \"a\", \"token\": \"b\", \"name\": \"r\"}".to_vec(),
        b"{\"token\": \"\\ud800\", \"name\": \"\\u0000\"}".to_vec(),
        b"{\"name\": \"\xff\xfe\"}".to_vec(),
        b"\xef\xbb\xbf{}".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"123".to_vec(),
        b"{}".to_vec(),
        vec![0; 4096],
        vec![b'x'; 3 * 1024 * 1024],
    ];
    for _ in 0..8 {
        let len = 1 + rng.below(4096);
        bodies.push(rng.bytes(len));
    }
    bodies
}

#[tokio::test]
async fn hostile_bodies_never_get_a_server_error_from_the_api_or_the_control_api() {
    // Arrange
    let app = spawn_app().await;
    app.register_runner("orgs/octo-org", "victim", json!({}))
        .await;
    let mut rng = XorShift(0xDEAD_BEEF_CAFE_F00D);
    let bodies = hostile_bodies(&mut rng);
    let api_targets = [
        "/enterprises/octo-enterprise/actions/runners/registration-token",
        "/orgs/octo-org/actions/runners/remove-token",
        "/repos/octo-org/octo-repo/actions/runners/registration-token",
    ];
    let control_targets = [
        (Method::POST, "/runners"),
        (Method::PATCH, "/runners/1"),
        (Method::POST, "/runners/1/remove"),
        (Method::PUT, "/clock"),
    ];

    for body in &bodies {
        // Act + Assert
        for path in api_targets {
            sweep_api(&app, Method::POST, path, Some(body.clone())).await;
        }
        for (method, path) in &control_targets {
            control_with_body(&app, method.clone(), path, body.clone()).await;
        }
    }

    let state = app.control(Method::GET, "/state", None).await;
    assert_eq!(
        state.body["offset_seconds"], 0,
        "no hostile body moved the clock"
    );
    let runner = app.get("/orgs/octo-org/actions/runners/1").await;
    assert_eq!(runner.body["name"], "victim", "the runner is as it was");
    assert_eq!(runner.body["status"], "online");
}

#[tokio::test]
async fn hostile_headers_never_get_a_server_error() {
    // Arrange: two pages, so the answer carries a Link built from the Host.
    let app = spawn_app().await;
    app.register_runners("orgs/octo-org", 2).await;
    let path = "/orgs/octo-org/actions/runners?per_page=1";
    let long = "x".repeat(8 * 1024);
    let headers: Vec<(&str, Vec<u8>)> = vec![
        ("authorization", b"token \xff\xfe".to_vec()),
        ("authorization", b"Basic \xff".to_vec()),
        ("authorization", format!("token {long}").into_bytes()),
        ("accept", b"\xff/\xfe".to_vec()),
        ("accept", b"application/vnd.github.\xff+json".to_vec()),
        (
            "accept",
            b"application/vnd.github.a b+json, application/vnd.github./+json".to_vec(),
        ),
        ("accept", long.clone().into_bytes()),
        ("if-none-match", b"\xff".to_vec()),
        ("if-none-match", long.clone().into_bytes()),
        ("if-none-match", b"*".to_vec()),
        ("content-type", b"application/json; charset=\xff".to_vec()),
        ("host", b"evil.example\">".to_vec()),
        ("host", b"[::1]:99999".to_vec()),
        ("host", b"\xff".to_vec()),
        ("host", long.into_bytes()),
        ("x-github-request-id", b"not-yours".to_vec()),
    ];

    for (name, value) in headers {
        let mut request = app.client.get(app.url(path));
        if name != "authorization" {
            request = request.header("Authorization", format!("token {TOKEN}"));
        }
        let request = request.header(
            HeaderName::from_static(name),
            HeaderValue::from_bytes(&value).expect("a header value reqwest can send"),
        );

        let response = app.send_api(Method::GET, path, request).await;

        assert!(response.status < 500, "{name}: {}", response.status);
        assert!(
            [200, 304, 401].contains(&response.status),
            "{name}: {} {:?}",
            response.status,
            response.body
        );
    }
}

/// One request written by hand, for what a URL parser would tidy away
/// (`..`, `//`, `*`). Answers are read as HTTP/1.0, so without chunks.
async fn raw_request(app: &TestApp, method: &str, target: &str) -> ApiResponse {
    let mut stream = tokio::net::TcpStream::connect(app.mock.address())
        .await
        .expect("connects");
    let request = format!(
        "{method} {target} HTTP/1.0\r\nHost: {}\r\nAuthorization: token {TOKEN}\r\nContent-Length: 0\r\n\r\n",
        app.mock.address()
    );
    stream.write_all(request.as_bytes()).await.expect("writes");
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.expect("reads");
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let body = &bytes[split + 4..];
    let mut lines = head.lines();
    let status_line = lines.next().expect("a status line");
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(':').expect("a header");
        headers.append(
            HeaderName::from_bytes(name.trim().as_bytes()).expect("a header name"),
            HeaderValue::from_str(value.trim()).expect("a header value"),
        );
    }
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(body).unwrap_or_else(|e| {
            panic!(
                "{target}: {status} is not JSON ({e}): {}",
                String::from_utf8_lossy(body)
            )
        })
    };
    ApiResponse {
        status,
        headers,
        body,
    }
}

#[tokio::test]
async fn dot_segments_and_odd_request_targets_never_get_a_server_error() {
    let app = spawn_app().await;
    app.register_runner("orgs/octo-org", "victim", json!({}))
        .await;
    let targets = [
        ("GET", "/api/v3/orgs/../actions/runners"),
        (
            "GET",
            "/api/v3/orgs/octo-org/actions/runners/../../../../../etc/passwd",
        ),
        ("GET", "/api/v3/orgs/octo-org/actions/runners/.."),
        ("DELETE", "/api/v3/orgs/octo-org/actions/runners/./1/.."),
        ("GET", "/api/v3/repos/../../actions/runners"),
        ("GET", "/api/v3//orgs//actions/runners"),
        ("GET", "/api/v3/orgs/octo-org//actions/runners"),
        ("GET", "/api/v3/orgs/%2e%2e/actions/runners"),
        ("GET", "/api/v3/orgs/%FF%FE/actions/runners/%00"),
        ("GET", "/api/v3/orgs/a%/actions/runners"),
        ("GET", "/api/v3/orgs/%FF"),
        ("GET", "/api/v3/repos/%FF/%FE"),
        ("GET", "/api/v3/meta/.."),
        ("GET", "/_mock/../api/v3/meta"),
        ("GET", "/_mock/runners/.."),
        ("OPTIONS", "*"),
        ("GET", "http://127.0.0.1/api/v3/meta"),
        ("BREW", "/api/v3/orgs/octo-org/actions/runners"),
    ];

    for (method, target) in targets {
        let response = raw_request(&app, method, target).await;

        assert!(
            response.status < 500,
            "{method} {target}: {} {:?}",
            response.status,
            response.body
        );
        if target.contains("/api/v3") && !target.starts_with("/_mock") {
            assert_github_headers(&response);
        }
        if response.status >= 400 {
            assert_error_shape(&response.body);
        }
    }
    let runner = app.get("/orgs/octo-org/actions/runners/1").await;
    assert_eq!(runner.status, 200, "the runner survived");
}

// ---------------------------------------------------------------------------
// Headers on every answer

#[tokio::test]
async fn every_api_answer_carries_ghes_headers_whatever_its_status() {
    // Arrange: a strict server, so 401 and 403 can be asked for.
    let app = spawn_with(ghes_mock::GhesMock::builder().token("org-pat", &["admin:org"])).await;
    let created = app
        .api(
            Method::POST,
            "/orgs/octo-org/actions/runners/registration-token",
            Some("org-pat"),
        )
        .await;
    let runner = app
        .control(
            Method::POST,
            "/runners",
            Some(json!({"token": created.body["token"], "name": "r"})),
        )
        .await;
    let runner_path = format!("/orgs/octo-org/actions/runners/{}", runner.body["id"]);
    let list = app
        .api(
            Method::GET,
            "/orgs/octo-org/actions/runners",
            Some("org-pat"),
        )
        .await;
    let etag = list.header("etag").expect("an etag").to_owned();
    let not_modified = {
        let request = app
            .client
            .get(app.url("/orgs/octo-org/actions/runners"))
            .header("Authorization", "token org-pat")
            .header("If-None-Match", &etag);
        app.send_api(Method::GET, "/orgs/octo-org/actions/runners", request)
            .await
    };

    // Act
    let answers = [
        (200, list),
        (201, created),
        (304, not_modified),
        (
            204,
            app.api(Method::DELETE, &runner_path, Some("org-pat")).await,
        ),
        (
            401,
            app.api(Method::GET, "/orgs/octo-org/actions/runners", None)
                .await,
        ),
        (
            401,
            app.api(Method::GET, "/orgs/octo-org/actions/runners", Some("wrong"))
                .await,
        ),
        (
            403,
            app.api(Method::GET, "/repos/o/r/actions/runners", Some("org-pat"))
                .await,
        ),
        (404, app.api(Method::GET, "/nope", Some("org-pat")).await),
        (404, app.api(Method::GET, "/nope", None).await),
        (
            404,
            app.api(
                Method::PUT,
                "/orgs/octo-org/actions/runners",
                Some("org-pat"),
            )
            .await,
        ),
        (
            404,
            app.api(Method::GET, &runner_path, Some("org-pat")).await,
        ),
        (
            422,
            app.api(
                Method::GET,
                "/orgs/octo-org/actions/runners?page=abc",
                Some("org-pat"),
            )
            .await,
        ),
        (
            400,
            post_raw(
                &app,
                "org-pat",
                "/orgs/octo-org/actions/runners/remove-token",
                "{",
            )
            .await,
        ),
        (200, app.api(Method::GET, "/meta", None).await),
    ];

    // Assert: the harness checked presence; here, the values.
    let mut request_ids = HashSet::new();
    for (status, response) in &answers {
        assert_eq!(response.status, *status, "{:?}", response.body);
        assert_eq!(
            response.header("x-github-enterprise-version"),
            Some("3.1.0"),
            "{status}"
        );
        assert_eq!(
            response.header("x-github-media-type"),
            Some("github.v3; format=json"),
            "{status}"
        );
        // The token endpoints (the 201, and the 400 of a bad body sent to
        // one) draw on a budget of their own.
        let (limit, resource) = match status {
            201 | 400 => ("10000", "actions_runner_registration"),
            _ => ("5000", "core"),
        };
        assert_eq!(
            response.header("x-ratelimit-limit"),
            Some(limit),
            "{status}"
        );
        assert_eq!(
            response.header("x-ratelimit-resource"),
            Some(resource),
            "{status}"
        );
        let used: u32 = response
            .header("x-ratelimit-used")
            .unwrap()
            .parse()
            .expect("a count");
        let remaining: u32 = response
            .header("x-ratelimit-remaining")
            .unwrap()
            .parse()
            .expect("a count");
        assert_eq!(used + remaining, limit.parse::<u32>().unwrap(), "{status}");
        let reset: i64 = response
            .header("x-ratelimit-reset")
            .unwrap()
            .parse()
            .expect("epoch seconds");
        assert!(
            reset > chrono::Utc::now().timestamp(),
            "{status}: reset {reset} is in the future"
        );
        let id = response.header("x-github-request-id").unwrap();
        assert!(!id.is_empty(), "{status}");
        assert!(
            request_ids.insert(id.to_owned()),
            "{status}: request id {id} was used before"
        );
        if *status == 204 || *status == 304 {
            assert_eq!(response.body, Value::Null, "{status}");
        } else {
            assert_eq!(
                response.header("content-type"),
                Some("application/json; charset=utf-8"),
                "{status}"
            );
        }
    }
}

#[tokio::test]
async fn request_ids_differ_between_requests() {
    let app = spawn_app().await;

    let first = app.get("/meta").await;
    let second = app.get("/meta").await;

    let first = first.header("x-github-request-id").unwrap();
    let second = second.header("x-github-request-id").unwrap();
    assert_ne!(first, second);
}

#[tokio::test]
async fn rate_limit_used_counts_up_per_token() {
    let app = spawn_app().await;
    let list = runners_path(SCOPES[1]);
    let used = |response: &ApiResponse| -> (u32, u32) {
        (
            response
                .header("x-ratelimit-used")
                .unwrap()
                .parse()
                .unwrap(),
            response
                .header("x-ratelimit-remaining")
                .unwrap()
                .parse()
                .unwrap(),
        )
    };

    let a1 = app.api(Method::GET, &list, Some("token-a")).await;
    let a2 = app.api(Method::GET, &list, Some("token-a")).await;
    let b1 = app.api(Method::GET, &list, Some("token-b")).await;
    let a3 = app.api(Method::GET, "/nope", Some("token-a")).await;
    let b2 = app
        .api(
            Method::POST,
            &format!("{list}/registration-token"),
            Some("token-b"),
        )
        .await;

    assert_eq!(used(&a1), (1, 4999));
    assert_eq!(used(&a2), (2, 4998));
    assert_eq!(used(&b1), (1, 4999), "another token has its own count");
    assert_eq!(used(&a3), (3, 4997), "an unknown route counts too");
    assert_eq!(
        used(&b2),
        (1, 9999),
        "the token endpoint counts on actions_runner_registration"
    );
}

#[tokio::test]
async fn the_media_type_follows_accept_and_any_accept_gets_json() {
    let app = spawn_app().await;
    let list = runners_path(SCOPES[1]);
    let cases = [
        (
            "application/vnd.github.nebula-preview+json",
            "github.nebula-preview; format=json",
        ),
        ("application/vnd.github.v3+json", "github.v3; format=json"),
        ("application/vnd.github+json", "github.v3; format=json"),
        ("application/json", "github.v3; format=json"),
        ("*/*", "github.v3; format=json"),
        ("text/html", "github.v3; format=json"),
        ("application/xml", "github.v3; format=json"),
    ];

    for (accept, media_type) in cases {
        for path in [list.as_str(), "/nope"] {
            let request = app
                .client
                .get(app.url(path))
                .header("Authorization", format!("token {TOKEN}"))
                .header("Accept", accept);

            let response = app.send_api(Method::GET, path, request).await;

            assert_eq!(
                response.header("x-github-media-type"),
                Some(media_type),
                "{accept} on {path}"
            );
            assert_eq!(
                response.header("content-type"),
                Some("application/json; charset=utf-8"),
                "{accept}"
            );
            assert!(
                response.body.is_object(),
                "{accept} on {path}: {:?}",
                response.body
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Caching

async fn get_if_none_match(app: &TestApp, path: &str, etag: &str) -> ApiResponse {
    let request = app
        .client
        .get(app.url(path))
        .header("Authorization", format!("token {TOKEN}"))
        .header("If-None-Match", etag);
    app.send_api(Method::GET, path, request).await
}

fn assert_cacheable(response: &ApiResponse, what: &str) -> String {
    assert_eq!(response.status, 200, "{what}: {:?}", response.body);
    let etag = response
        .header("etag")
        .unwrap_or_else(|| panic!("{what}: no ETag"));
    assert!(
        etag.starts_with("W/\"") && etag.ends_with('"') && etag.len() > 4,
        "{what}: {etag}"
    );
    assert_eq!(
        response.header("cache-control"),
        Some("private, max-age=60, s-maxage=60"),
        "{what}"
    );
    etag.to_owned()
}

#[tokio::test]
async fn reads_answer_304_to_a_matching_if_none_match_until_the_runner_changes() {
    for scope in SCOPES {
        // Arrange
        let app = spawn_app().await;
        let runner = app.register_runner(scope, "cached", json!({})).await;
        let list = runners_path(scope);
        let one = format!("{list}/{}", runner["id"]);
        let list_etag = assert_cacheable(&app.get(&list).await, "list");
        let one_etag = assert_cacheable(&app.get(&one).await, "get");

        // Act: nothing changed
        let list_again = get_if_none_match(&app, &list, &list_etag).await;
        let one_again = get_if_none_match(&app, &one, &one_etag).await;

        // Assert
        for (response, etag, what) in [
            (&list_again, &list_etag, "list"),
            (&one_again, &one_etag, "get"),
        ] {
            assert_eq!(response.status, 304, "{scope} {what}: {:?}", response.body);
            assert_eq!(response.body, Value::Null, "{scope} {what}");
            assert_eq!(
                response.header("etag"),
                Some(etag.as_str()),
                "{scope} {what}"
            );
            assert_eq!(
                response.header("content-length").unwrap_or("0"),
                "0",
                "{scope} {what}"
            );
        }

        // Act: the runner picks up a job
        let busy = app.patch_runner(&runner["id"], json!({"busy": true})).await;
        assert_eq!(busy.status, 200);
        let list_changed = get_if_none_match(&app, &list, &list_etag).await;
        let one_changed = get_if_none_match(&app, &one, &one_etag).await;

        // Assert
        let new_list_etag = assert_cacheable(&list_changed, "changed list");
        let new_one_etag = assert_cacheable(&one_changed, "changed get");
        assert_ne!(new_list_etag, list_etag, "{scope}");
        assert_ne!(new_one_etag, one_etag, "{scope}");
        assert_eq!(one_changed.body["busy"], true, "{scope}");

        // Act: another runner joins the list
        app.register_runner(scope, "second", json!({})).await;
        let list_grown = get_if_none_match(&app, &list, &new_list_etag).await;

        // Assert
        let grown_etag = assert_cacheable(&list_grown, "grown list");
        assert_ne!(grown_etag, new_list_etag, "{scope}");
        assert_eq!(list_grown.body["total_count"], 2, "{scope}");
        assert_eq!(
            get_if_none_match(&app, &one, &new_one_etag).await.status,
            304,
            "{scope}: the first runner did not change"
        );
    }
}

#[tokio::test]
async fn an_if_none_match_that_does_not_match_gets_the_full_answer() {
    let app = spawn_app().await;
    let list = runners_path(SCOPES[1]);
    let etag = assert_cacheable(&app.get(&list).await, "list");
    let strong = etag.trim_start_matches("W/").to_owned();

    let other = get_if_none_match(&app, &list, "W/\"0000000000000000\"").await;
    let garbage = get_if_none_match(&app, &list, "not an etag").await;
    let listed = get_if_none_match(&app, &list, &format!("W/\"x\", {etag}")).await;
    let strong_form = get_if_none_match(&app, &list, &strong).await;

    assert_eq!(other.status, 200);
    assert_eq!(other.body, json!({"total_count": 0, "runners": []}));
    assert_eq!(garbage.status, 200);
    assert_eq!(listed.status, 304, "one of a list of tags matches");
    assert_eq!(strong_form.status, 304, "If-None-Match compares weakly");
}

#[tokio::test]
async fn errors_carry_no_etag() {
    let app = spawn_app().await;

    let missing = app.get("/orgs/octo-org/actions/runners/1").await;
    let unknown = app.get("/nope").await;

    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("etag"), None);
    assert_eq!(unknown.header("etag"), None);
}
