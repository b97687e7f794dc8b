//! The crate as a library, as a Rust test uses it: `GhesMock::start()`, its
//! URLs and API token, the builder's options, and a typed helper for each
//! control endpoint. Each helper is checked by what a client of the HTTP API
//! then sees. The server stops when the value is dropped.

use std::time::Duration;

use ghes_mock::{
    Architecture, Error, Fault, GhesMock, Os, Registration, RequestFilter, RunnerStatus, Seed,
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{SCOPES, TestApp, label_names, runners_path, spawn_with};

const ORG: &str = "orgs/octo-org";
const REPO: &str = "repos/octo-org/octo-repo";

/// A harness around a mock the test started itself.
fn app_of(mock: GhesMock) -> TestApp {
    TestApp {
        mock,
        client: reqwest::Client::new(),
    }
}

fn runner_path(scope: &str, id: i64) -> String {
    format!("{}/{id}", runners_path(scope))
}

fn as_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("serializable")
}

// --- start, URLs, API token --------------------------------------------------------

#[tokio::test]
async fn start_serves_the_api_on_a_free_loopback_port_at_api_url() {
    // Act
    let app = app_of(GhesMock::start().await);

    // Assert
    let uri = app.mock.uri();
    assert!(uri.starts_with("http://127.0.0.1:"), "{uri}");
    assert_eq!(uri, format!("http://{}", app.mock.address()));
    assert_ne!(app.mock.address().port(), 0, "a real port");
    assert_eq!(app.mock.api_url(), format!("{uri}/api/v3"));
    let meta = app.get("/meta").await;
    assert_eq!(meta.status, 200, "{:?}", meta.body);
    assert_eq!(meta.body["installed_version"], "3.1.0");
    let health = app.control(Method::GET, "/health", None).await;
    assert_eq!(health.body, json!({"status": "ok"}));
}

#[tokio::test]
async fn the_api_token_opens_every_scope_even_in_strict_mode() {
    // Arrange
    let app = spawn_with(GhesMock::builder().token("ci", &["repo"])).await;
    let api_token = app.mock.api_token().to_owned();

    for scope in SCOPES {
        // Act
        let with_api_token = app
            .api(Method::GET, &runners_path(scope), Some(&api_token))
            .await;
        let created = app
            .api(
                Method::POST,
                &format!("{}/registration-token", runners_path(scope)),
                Some(&api_token),
            )
            .await;

        // Assert
        assert_eq!(
            with_api_token.status, 200,
            "{scope}: {:?}",
            with_api_token.body
        );
        assert_eq!(created.status, 201, "{scope}: {:?}", created.body);
        let scopes = with_api_token.header("x-oauth-scopes").unwrap_or_default();
        for needed in ["admin:enterprise", "admin:org", "repo"] {
            assert!(
                scopes.contains(needed),
                "{scope}: X-OAuth-Scopes {scopes:?}"
            );
        }
    }
    let org_with_repo_scope = app.api(Method::GET, &runners_path(ORG), Some("ci")).await;
    assert_eq!(org_with_repo_scope.status, 403, "strict mode is on");
    let guess = app
        .api(Method::GET, &runners_path(ORG), Some("guess"))
        .await;
    assert_eq!(guess.status, 401);
}

// --- typed helpers ------------------------------------------------------------------

#[tokio::test]
async fn registration_token_mints_a_token_that_registers_in_its_scope_only() {
    for scope in SCOPES {
        // Arrange
        let app = app_of(GhesMock::start().await);

        // Act
        let token = app.mock.registration_token(scope).await;

        // Assert
        assert_eq!(token.token.len(), 29, "{scope}");
        let expires = chrono::DateTime::parse_from_rfc3339(&token.expires_at)
            .expect("ISO 8601")
            .to_utc();
        let in_an_hour = chrono::Utc::now() + chrono::Duration::hours(1);
        assert!((expires - in_an_hour).num_seconds().abs() <= 5, "{scope}");
        let registered = app
            .control(
                Method::POST,
                "/runners",
                Some(json!({"token": token.token, "name": "r"})),
            )
            .await;
        assert_eq!(registered.status, 201, "{scope}: {:?}", registered.body);
        let list = app.get(&runners_path(scope)).await;
        assert_eq!(list.body["runners"], json!([registered.body]), "{scope}");
        for other in SCOPES.iter().filter(|s| **s != scope) {
            let list = app.get(&runners_path(other)).await;
            assert_eq!(list.body["total_count"], 0, "{scope} leaked into {other}");
        }
    }
}

#[tokio::test]
async fn remove_token_mints_a_token_that_removes_a_runner_of_its_scope() {
    // Arrange
    let app = app_of(GhesMock::start().await);
    let runner = app.register_runner(REPO, "r", json!({})).await;

    // Act
    let token = app.mock.remove_token(REPO).await;
    let other_scope = app.mock.remove_token(ORG).await;
    let refused = app
        .control(
            Method::POST,
            &format!("/runners/{}/remove", runner["id"]),
            Some(json!({"token": other_scope.token})),
        )
        .await;
    let removed = app
        .control(
            Method::POST,
            &format!("/runners/{}/remove", runner["id"]),
            Some(json!({"token": token.token})),
        )
        .await;

    // Assert
    assert_eq!(refused.status, 401, "{:?}", refused.body);
    assert_eq!(removed.status, 204, "{:?}", removed.body);
    let gone = app
        .get(&runner_path(REPO, runner["id"].as_i64().unwrap()))
        .await;
    assert_eq!(gone.status, 404);
    let state = app.mock.state().await;
    let kinds: Vec<&str> = state.tokens.iter().map(|t| t.kind.as_str()).collect();
    assert_eq!(kinds, ["registration", "remove", "remove"]);
}

#[tokio::test]
async fn register_runner_adds_an_online_idle_linux_x64_runner_the_api_lists() {
    // Arrange
    let app = app_of(GhesMock::start().await);

    // Act
    let runner = app.mock.register_runner(ORG, "linux-1").await;

    // Assert
    let list = app.get(&runners_path(ORG)).await;
    assert_eq!(list.body["total_count"], 1);
    let listed = &list.body["runners"][0];
    assert_eq!(
        *listed,
        as_json(&runner),
        "the API shows what the helper returned"
    );
    assert_eq!(listed["name"], "linux-1");
    assert_eq!(listed["os"], "linux");
    assert_eq!(listed["status"], "online");
    assert_eq!(listed["busy"], false);
    assert_eq!(label_names(listed), ["self-hosted", "X64", "Linux"]);
}

#[tokio::test]
async fn register_takes_os_architecture_labels_status_busy_and_replace() {
    // Arrange
    let app = app_of(GhesMock::start().await);
    let token = app.mock.registration_token(ORG).await.token;

    // Act
    let mac = app
        .mock
        .register(
            Registration::new(&token, "mac-1")
                .os(Os::Macos)
                .architecture(Architecture::Arm64)
                .labels(["xcode", "gpu"])
                .status(RunnerStatus::Offline)
                .busy(true),
        )
        .await
        .expect("registered");
    let taken = app.mock.register(Registration::new(&token, "MAC-1")).await;
    let replaced = app
        .mock
        .register(
            Registration::new(&token, "mac-1")
                .labels(["new"])
                .replace(true),
        )
        .await
        .expect("replaced");
    let unknown = app.mock.register(Registration::new("NOPE", "x")).await;

    // Assert
    let got = app.get(&runner_path(ORG, mac.id)).await;
    assert_eq!(got.status, 200);
    assert_eq!(replaced.id, mac.id, "replace keeps the id");
    assert_eq!(got.body, as_json(&replaced));
    assert_eq!(got.body["os"], "linux");
    assert_eq!(got.body["status"], "online");
    assert_eq!(got.body["busy"], false);
    assert_eq!(
        label_names(&got.body),
        ["self-hosted", "X64", "Linux", "new"]
    );
    let mac = as_json(&mac);
    assert_eq!(mac["os"], "macos");
    assert_eq!(mac["status"], "offline");
    assert_eq!(mac["busy"], true);
    assert_eq!(
        label_names(&mac),
        ["self-hosted", "ARM64", "macOS", "xcode", "gpu"]
    );
    match taken {
        Err(Error::Validation(errors)) => {
            assert_eq!(errors[0].code, "already_exists");
            assert_eq!(errors[0].field, "name");
        }
        other => panic!("a taken name registered: {other:?}"),
    }
    match unknown {
        Err(error @ Error::InvalidRunnerToken(_)) => {
            assert_eq!(error.to_string(), "Unknown registration token");
        }
        other => panic!("an unknown token registered: {other:?}"),
    }
    assert_eq!(app.get(&runners_path(ORG)).await.body["total_count"], 1);
}

#[tokio::test]
async fn set_runner_status_and_busy_change_what_the_api_shows() {
    // Arrange
    let app = app_of(GhesMock::start().await);
    let runner = app.mock.register_runner(ORG, "r").await;
    let path = runner_path(ORG, runner.id);

    // Act + Assert: offline
    let offline = app
        .mock
        .set_runner_status(runner.id, RunnerStatus::Offline)
        .await
        .expect("updated");
    assert_eq!(offline.status, RunnerStatus::Offline);
    assert_eq!(app.get(&path).await.body["status"], "offline");

    // busy: the API refuses to delete it
    let busy = app
        .mock
        .set_runner_busy(runner.id, true)
        .await
        .expect("updated");
    assert!(busy.busy);
    assert_eq!(app.get(&path).await.body["busy"], true);
    let refused = app.delete(&path).await;
    assert_eq!(refused.status, 422, "{:?}", refused.body);

    // idle and online again
    app.mock
        .set_runner_busy(runner.id, false)
        .await
        .expect("updated");
    app.mock
        .set_runner_status(runner.id, RunnerStatus::Online)
        .await
        .expect("updated");
    let got = app.get(&path).await;
    assert_eq!(
        (got.body["status"].as_str(), got.body["busy"].as_bool()),
        (Some("online"), Some(false))
    );

    // unknown runner
    assert!(matches!(
        app.mock
            .set_runner_status(999_999, RunnerStatus::Offline)
            .await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        app.mock.set_runner_busy(999_999, true).await,
        Err(Error::NotFound)
    ));
}

#[tokio::test]
async fn remove_runner_needs_a_remove_token_of_the_runners_scope() {
    // Arrange
    let app = app_of(GhesMock::start().await);
    let runner = app.mock.register_runner(ORG, "r").await;
    let registration = app.mock.registration_token(ORG).await.token;
    let elsewhere = app.mock.remove_token(REPO).await.token;
    let remove = app.mock.remove_token(ORG).await.token;

    // Act
    let wrong_kind = app.mock.remove_runner(runner.id, &registration).await;
    let wrong_scope = app.mock.remove_runner(runner.id, &elsewhere).await;
    let still_there = app.get(&runner_path(ORG, runner.id)).await;
    let removed = app.mock.remove_runner(runner.id, &remove).await;
    let again = app.mock.remove_runner(runner.id, &remove).await;

    // Assert
    assert!(
        matches!(wrong_kind, Err(Error::InvalidRunnerToken(_))),
        "{wrong_kind:?}"
    );
    assert!(
        matches!(wrong_scope, Err(Error::InvalidRunnerToken(_))),
        "{wrong_scope:?}"
    );
    assert_eq!(still_there.status, 200);
    assert!(removed.is_ok(), "{removed:?}");
    assert_eq!(app.get(&runner_path(ORG, runner.id)).await.status, 404);
    assert!(matches!(again, Err(Error::NotFound)), "{again:?}");
}

#[tokio::test]
async fn set_clock_offset_moves_the_clock_the_api_and_tokens_use() {
    // Arrange
    let app = app_of(GhesMock::start().await);
    let token = app.registration_token(ORG).await;

    // Act
    app.mock
        .set_clock_offset(3601)
        .await
        .expect("the clock moves");

    // Assert
    let clock = app.control(Method::GET, "/clock", None).await;
    assert_eq!(clock.body["offset_seconds"], 3601);
    let expired = app
        .control(
            Method::POST,
            "/runners",
            Some(json!({"token": token, "name": "late"})),
        )
        .await;
    assert_eq!(expired.status, 401);
    assert_eq!(
        expired.body["message"],
        "The registration token has expired"
    );
    let fresh = app
        .post(&format!("{}/registration-token", runners_path(ORG)))
        .await;
    let expires = chrono::DateTime::parse_from_rfc3339(fresh.body["expires_at"].as_str().unwrap())
        .unwrap()
        .to_utc();
    let expected = chrono::Utc::now() + chrono::Duration::seconds(3601 + 3600);
    assert!((expires - expected).num_seconds().abs() <= 5, "{expires}");
    let too_far = app.mock.set_clock_offset(200 * 366 * 86_400).await;
    assert!(matches!(too_far, Err(Error::Validation(_))), "{too_far:?}");
    assert_eq!(app.mock.state().await.offset_seconds, 3601, "unchanged");
}

#[tokio::test]
async fn fault_helpers_plan_list_and_clear_what_the_api_then_suffers() {
    // Arrange
    let app = app_of(GhesMock::start().await);

    // Act
    let added = app
        .mock
        .add_fault(
            Fault::new("/api/v3/orgs")
                .method("get")
                .status(503)
                .times(2),
        )
        .expect("a valid fault");

    // Assert
    assert!(added.id > 0);
    assert_eq!(added.method.as_deref(), Some("GET"));
    assert_eq!(app.mock.faults(), std::slice::from_ref(&added));
    let listed = app.control(Method::GET, "/faults", None).await;
    assert_eq!(listed.body, json!([as_json(&added)]), "HTTP shows the same");
    for _ in 0..2 {
        assert_eq!(app.get(&runners_path(ORG)).await.status, 503);
    }
    assert_eq!(app.get(&runners_path(ORG)).await.status, 200);
    assert!(app.mock.faults().is_empty());

    app.mock
        .add_fault(Fault::new("/api/v3").status(429).retry_after(5))
        .expect("a valid fault");
    app.mock.clear_faults();
    assert!(app.mock.faults().is_empty());
    assert_eq!(app.get("/meta").await.status, 200, "cleared before use");

    let invalid = app.mock.add_fault(Fault::new("api/v3").status(500));
    assert!(matches!(invalid, Err(Error::Validation(_))), "{invalid:?}");
    let neither = app.mock.add_fault(Fault::new("/api/v3"));
    assert!(matches!(neither, Err(Error::Validation(_))), "{neither:?}");
    assert!(app.mock.faults().is_empty());
}

#[tokio::test]
async fn a_delay_fault_from_the_library_holds_the_request() {
    let app = app_of(GhesMock::start().await);
    app.mock
        .add_fault(Fault::new("/api/v3/meta").delay_ms(200))
        .expect("a valid fault");

    let started = std::time::Instant::now();
    let meta = app.get("/meta").await;

    assert_eq!(meta.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn received_requests_lists_the_api_requests_made_over_http() {
    // Arrange
    let app = app_of(GhesMock::start().await);
    let first = app.get(&runners_path(ORG)).await;
    app.post(&format!("{}/remove-token", runners_path(ORG)))
        .await;
    let second = app.get("/meta").await;
    app.control(Method::GET, "/state", None).await;

    // Act
    let gets = app.mock.received_requests(&RequestFilter {
        method: Some("GET".into()),
        path_prefix: None,
    });
    let all = app.mock.received_requests(&RequestFilter::default());
    let orgs = app.mock.received_requests(&RequestFilter {
        method: None,
        path_prefix: Some("/api/v3/orgs".into()),
    });

    // Assert
    let paths = |requests: &[ghes_mock::LoggedRequest]| -> Vec<String> {
        requests
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    };
    assert_eq!(
        paths(&gets),
        [
            "GET /api/v3/orgs/octo-org/actions/runners",
            "GET /api/v3/meta"
        ]
    );
    assert_eq!(
        gets[0].request_id,
        first.header("x-github-request-id").unwrap()
    );
    assert_eq!(
        gets[1].request_id,
        second.header("x-github-request-id").unwrap()
    );
    assert_eq!(gets[0].status, 200);
    assert_eq!(all.len(), 3, "{:?}", paths(&all));
    assert_eq!(all[1].status, 201);
    assert_eq!(orgs.len(), 2);
    let http = app.control(Method::GET, "/requests", None).await;
    assert_eq!(
        http.body["requests"],
        as_json(&all),
        "HTTP shows the same log"
    );
}

#[tokio::test]
async fn state_shows_what_the_control_api_shows() {
    // Arrange
    let app = app_of(GhesMock::start().await);
    app.mock.register_runner(ORG, "a").await;
    app.mock.register_runner(REPO, "b").await;
    app.mock.set_clock_offset(120).await.unwrap();

    // Act
    let state = as_json(&app.mock.state().await);
    let http = app.control(Method::GET, "/state", None).await;

    // Assert
    for field in ["scopes", "tokens", "offset_seconds"] {
        assert_eq!(state[field], http.body[field], "{field}");
    }
    assert_eq!(state["offset_seconds"], 120);
    let scopes: Vec<&str> = state["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["scope"].as_str().unwrap())
        .collect();
    assert_eq!(scopes, [ORG, REPO]);
    assert_eq!(state["tokens"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn reset_goes_back_to_the_seed_with_no_faults_log_or_clock_offset() {
    // Arrange
    let seed = Seed::from_json(&json!({"runners": [{"scope": ORG, "name": "seeded"}]}).to_string())
        .expect("a valid seed");
    let app = app_of(GhesMock::builder().seed(seed).start().await);
    app.mock.register_runner(ORG, "extra").await;
    app.mock.set_clock_offset(600).await.unwrap();
    app.mock
        .add_fault(Fault::new("/api/v3/nowhere").status(503))
        .unwrap();
    app.get("/meta").await;

    // Act
    app.mock.reset().await;

    // Assert
    assert!(
        app.mock
            .received_requests(&RequestFilter::default())
            .is_empty()
    );
    assert!(app.mock.faults().is_empty());
    let state = app.mock.state().await;
    assert_eq!(state.offset_seconds, 0);
    assert!(state.tokens.is_empty());
    let list = app.get(&runners_path(ORG)).await;
    assert_eq!(list.body["total_count"], 1);
    assert_eq!(list.body["runners"][0]["name"], "seeded");
}

// --- builder options ------------------------------------------------------------------

#[tokio::test]
async fn builder_options_reach_the_server() {
    // Arrange
    let app = app_of(
        GhesMock::builder()
            .ghes_version("3.2")
            .rate_limit(7)
            .registration_rate_limit(3)
            .token("ci", &["admin:org"])
            .start()
            .await,
    );

    // Act
    let meta = app.api(Method::GET, "/meta", Some("ci")).await;
    let created = app
        .api(
            Method::POST,
            &format!("{}/registration-token", runners_path(ORG)),
            Some("ci"),
        )
        .await;
    let refused = app.get("/meta").await;

    // Assert
    assert_eq!(meta.body["installed_version"], "3.2.0");
    assert_eq!(meta.header("x-github-enterprise-version"), Some("3.2.0"));
    assert_eq!(meta.header("x-ratelimit-limit"), Some("7"));
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.header("x-ratelimit-limit"), Some("3"));
    assert_eq!(refused.status, 401, "only the configured token is known");
}

#[tokio::test]
async fn a_database_file_keeps_runners_for_the_next_mock() {
    // Arrange
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("ghes.db");
    let first = GhesMock::builder().database(&file).start().await;
    let runner = first.register_runner(ORG, "kept").await;
    first.shutdown().await;

    // Act
    let app = app_of(GhesMock::builder().database(&file).start().await);

    // Assert
    let got = app.get(&runner_path(ORG, runner.id)).await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    assert_eq!(got.body, as_json(&runner));
}

// --- lifetime and isolation ------------------------------------------------------------

#[tokio::test]
async fn after_shutdown_the_port_refuses_connections() {
    // Arrange
    let mock = GhesMock::start().await;
    let address = mock.address();
    tokio::net::TcpStream::connect(address)
        .await
        .expect("the mock listens");

    // Act
    mock.shutdown().await;

    // Assert
    let refused = tokio::net::TcpStream::connect(address).await;
    assert!(refused.is_err(), "{address} still accepts connections");
}

#[tokio::test]
async fn dropping_the_mock_stops_the_server() {
    // Arrange: a client that keeps its connection to the mock alive
    let app = app_of(GhesMock::start().await);
    let address = app.mock.address();
    let url = format!("{}/meta", app.mock.api_url());
    assert_eq!(app.get("/meta").await.status, 200);
    let TestApp { mock, client } = app;

    // Act
    drop(mock);

    // Assert: shutdown runs on the runtime; give it a bounded moment
    let mut refused = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(address).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "{address} still accepts connections after drop");
    let request = client
        .get(&url)
        .header("authorization", "token t")
        .send()
        .await;
    assert!(request.is_err(), "{url} still answers: {request:?}");
}

#[tokio::test]
async fn two_mocks_share_nothing() {
    // Arrange
    let a = app_of(GhesMock::start().await);
    let b = app_of(GhesMock::start().await);
    assert_ne!(a.mock.address(), b.mock.address());
    let token_of_a = a.mock.registration_token(ORG).await.token;
    a.mock.register_runner(ORG, "only-in-a").await;
    a.mock.set_clock_offset(86_400).await.unwrap();
    a.mock
        .add_fault(Fault::new("/api/v3").status(503).times(10))
        .unwrap();

    // Act
    let list_b = b.get(&runners_path(ORG)).await;
    let register_b = b
        .control(
            Method::POST,
            "/runners",
            Some(json!({"token": token_of_a, "name": "x"})),
        )
        .await;
    let state_b = b.mock.state().await;

    // Assert
    assert_eq!(list_b.status, 200, "a's fault does not reach b");
    assert_eq!(list_b.body["total_count"], 0, "a's runner is not in b");
    assert_eq!(register_b.status, 401, "a's token is unknown to b");
    assert_eq!(register_b.body["message"], "Unknown registration token");
    assert_eq!(state_b.offset_seconds, 0, "a's clock is its own");
    assert_eq!(b.mock.received_requests(&RequestFilter::default()).len(), 1);
    assert!(
        a.mock
            .received_requests(&RequestFilter::default())
            .is_empty()
    );
    assert_eq!(a.get(&runners_path(ORG)).await.status, 503);
}
