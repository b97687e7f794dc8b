//! Running the server in production-like settings: logs a machine can read,
//! each request's log line tied to its `X-GitHub-Request-Id`, a body size
//! limit, a per-request timeout, and the health check a container runs.

use std::time::{Duration, Instant};

use ghes_mock::{Config, GhesMock, RequestFilter};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TOKEN, assert_error_shape};
use crate::server_process::{ServerProcess, command};

/// GitHub's words for a request it could not answer in time.
const TIMED_OUT: &str = "We couldn't respond to your request in time. Sorry about that. Please try resubmitting your request and contact us if the problem persists.";

struct Answer {
    status: StatusCode,
    request_id: String,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request
        .header("Authorization", format!("token {TOKEN}"))
        .send()
        .await
        .expect("the server answers");
    let status = response.status();
    let headers = response.headers().clone();
    let request_id = response
        .headers()
        .get("x-github-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("an X-GitHub-Request-Id")
        .to_owned();
    let body = response.json().await.unwrap_or(Value::Null);
    Answer {
        status,
        request_id,
        headers,
        body,
    }
}

fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

// --- logs ----------------------------------------------------------------------------

#[tokio::test]
async fn json_logs_are_one_object_per_line_and_a_requests_line_carries_its_request_id() {
    // Arrange
    let server = ServerProcess::serve(&["--log-format", "json"], &[]);
    let client = client();

    // Act
    let created = send(client.post(format!(
        "{}/api/v3/orgs/octo-org/actions/runners/registration-token",
        server.uri()
    )))
    .await;
    let missing = send(client.get(format!(
        "{}/api/v3/orgs/octo-org/actions/runners/404",
        server.uri()
    )))
    .await;
    let (status, stderr) = server.stop();

    // Assert
    assert_eq!(status.code(), Some(0));
    assert_eq!(created.status, StatusCode::CREATED);
    let lines: Vec<Value> = stderr
        .iter()
        .map(|line| {
            let value: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
            assert!(value.is_object(), "{line}");
            value
        })
        .collect();
    for (answer, status) in [(&created, 201), (&missing, 404)] {
        let line = lines
            .iter()
            .find(|line| line["span"]["request_id"] == answer.request_id.as_str())
            .unwrap_or_else(|| panic!("no line for {}: {stderr:?}", answer.request_id));
        assert_eq!(line["message"], "answered");
        assert_eq!(line["status"], status);
        assert_eq!(line["level"], "INFO");
    }
    let token = created.body["token"].as_str().expect("a token");
    assert!(
        !stderr.iter().any(|line| line.contains(token)),
        "a token was logged"
    );
}

#[tokio::test]
async fn text_logs_carry_each_requests_id_and_the_format_can_come_from_the_environment() {
    // Arrange
    let text = ServerProcess::serve(&[], &[("GHES_MOCK_LOG_FORMAT", "text")]);
    let json = ServerProcess::serve(&[], &[("GHES_MOCK_LOG_FORMAT", "json")]);
    let client = client();

    // Act
    let answer = send(client.get(format!("{}/api/v3/meta", text.uri()))).await;
    send(client.get(format!("{}/api/v3/meta", json.uri()))).await;
    let (_, text_lines) = text.stop();
    let (_, json_lines) = json.stop();

    // Assert
    let line = text_lines
        .iter()
        .find(|line| line.contains(&answer.request_id))
        .unwrap_or_else(|| panic!("no line for {}: {text_lines:?}", answer.request_id));
    assert!(
        line.contains("answered") && line.contains("status=200"),
        "{line}"
    );
    assert!(!line.starts_with('{'), "{line}");
    assert!(
        json_lines
            .iter()
            .all(|line| serde_json::from_str::<Value>(line).is_ok()),
        "{json_lines:?}"
    );
}

// --- body size limit -------------------------------------------------------------------

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413_in_githubs_shape() {
    // Arrange
    let mock = GhesMock::builder()
        .config(Config {
            max_body_bytes: 1024,
            ..Config::default()
        })
        .start()
        .await;
    let client = client();
    let token_url = format!(
        "{}/orgs/octo-org/actions/runners/registration-token",
        mock.api_url()
    );
    let big = json!({"token": "x", "name": "r", "labels": ["a".repeat(2000)]}).to_string();

    // Act
    let api = send(client.post(&token_url).body(big.clone())).await;
    let control = send(
        client
            .post(format!("{}/_mock/runners", mock.uri()))
            .header("content-type", "application/json")
            .body(big),
    )
    .await;
    let small = send(client.post(&token_url).body("{}")).await;

    // Assert
    for answer in [&api, &control] {
        assert_eq!(
            answer.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{}",
            answer.body
        );
        assert_error_shape(&answer.body);
    }
    assert_eq!(small.status, StatusCode::CREATED, "{}", small.body);
}

// --- request timeout -------------------------------------------------------------------------

#[tokio::test]
async fn a_request_slower_than_the_timeout_is_answered_504_in_githubs_shape_without_waiting() {
    // Arrange: a timeout of half a second, and a request held for a minute.
    let mock = GhesMock::builder()
        .request_timeout(Duration::from_millis(500))
        .start()
        .await;
    let client = client();
    let fault = client
        .post(format!("{}/_mock/faults", mock.uri()))
        .json(&json!({"path_prefix": "/api/v3/orgs/slow-org", "delay_ms": 60_000}))
        .send()
        .await
        .unwrap();
    assert_eq!(fault.status(), StatusCode::CREATED);
    let url = format!("{}/orgs/slow-org/actions/runners", mock.api_url());

    // Act
    let started = Instant::now();
    let slow = send(client.get(&url)).await;
    let took = started.elapsed();
    let next = send(client.get(&url)).await;

    // Assert
    assert_eq!(slow.status, StatusCode::GATEWAY_TIMEOUT, "{}", slow.body);
    assert_eq!(slow.body["message"], TIMED_OUT);
    assert_error_shape(&slow.body);
    assert!(took < Duration::from_secs(10), "answered after {took:?}");
    assert_eq!(
        next.status,
        StatusCode::OK,
        "the fault was used up: {}",
        next.body
    );
    // Answered like any API answer: GHES's headers, the operation's docs,
    // and an entry in the request log.
    assert_eq!(slow.headers["x-github-enterprise-version"], "3.1.0");
    assert!(slow.headers.contains_key("x-ratelimit-remaining"));
    assert_eq!(
        slow.body["documentation_url"],
        "https://docs.github.com/enterprise-server@3.1/rest/reference/actions#list-self-hosted-runners-for-an-organization"
    );
    let logged: Vec<u16> = mock
        .received_requests(&RequestFilter::default())
        .iter()
        .map(|request| request.status)
        .collect();
    assert_eq!(logged, [504, 200]);
}

#[tokio::test]
async fn the_body_limit_and_timeout_flags_reach_the_server() {
    // Arrange
    let server = ServerProcess::serve(
        &["--max-body-bytes", "100", "--request-timeout", "0.5"],
        &[],
    );
    let client = client();
    let fault = client
        .post(format!("{}/_mock/faults", server.uri()))
        .json(&json!({"path_prefix": "/api/v3/meta", "delay_ms": 60_000}))
        .send()
        .await
        .unwrap();
    assert_eq!(fault.status(), StatusCode::CREATED);

    // Act
    let big = send(
        client
            .post(format!(
                "{}/api/v3/orgs/o/actions/runners/registration-token",
                server.uri()
            ))
            .body(format!("{{\"pad\": \"{}\"}}", "x".repeat(200))),
    )
    .await;
    let slow = send(client.get(format!("{}/api/v3/meta", server.uri()))).await;

    // Assert
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", big.body);
    assert_eq!(slow.status, StatusCode::GATEWAY_TIMEOUT, "{}", slow.body);
    assert_eq!(slow.body["message"], TIMED_OUT);
}

#[test]
fn bad_limit_and_timeout_flags_stop_start_up_with_code_2() {
    for args in [
        ["serve", "--request-timeout", "0"],
        ["serve", "--request-timeout", "soon"],
        ["serve", "--max-body-bytes", "lots"],
        ["serve", "--log-format", "xml"],
    ] {
        let output = command(&args, &[("GHES_MOCK_BIND", "127.0.0.1:0")])
            .output()
            .expect("the binary runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "no ready line for {args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(args[1]), "{args:?}: {stderr}");
    }
}

// --- the container health check ------------------------------------------------------------

#[test]
fn healthcheck_exits_0_while_the_server_answers_and_1_once_it_is_gone() {
    // Arrange
    let server = ServerProcess::serve(&[], &[]);
    let url = format!("{}/_mock/health", server.uri());
    let bind = format!("0.0.0.0:{}", server.port);
    let healthcheck = |args: &[&str], envs: &[(&str, &str)]| {
        let mut all = vec!["healthcheck"];
        all.extend_from_slice(args);
        command(&all, envs).output().expect("the binary runs")
    };

    // Act
    let by_url = healthcheck(&["--url", &url], &[]);
    let by_bind = healthcheck(&[], &[("GHES_MOCK_BIND", &bind)]);
    let wrong_path = healthcheck(&["--url", &format!("{}/nope", server.uri())], &[]);
    let (_, _) = server.stop();
    let gone = healthcheck(&["--url", &url, "--timeout", "2"], &[]);

    // Assert
    assert_eq!(by_url.status.code(), Some(0), "{by_url:?}");
    assert_eq!(
        by_bind.status.code(),
        Some(0),
        "the default URL is loopback at GHES_MOCK_BIND's port: {by_bind:?}"
    );
    assert_eq!(wrong_path.status.code(), Some(1), "{wrong_path:?}");
    assert!(String::from_utf8_lossy(&wrong_path.stderr).contains("answered 404"));
    assert_eq!(gone.status.code(), Some(1), "{gone:?}");
    assert!(String::from_utf8_lossy(&gone.stderr).starts_with("unhealthy:"));
}
