//! Many clients at once, on an in-memory database and on a file (WAL): every
//! request succeeds with its own token or id, no storage error such as
//! `database is locked` ever reaches a client, and concurrent deletes of one
//! runner give one 204 and 404s.

use std::collections::{HashMap, HashSet};

use ghes_mock::GhesMock;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::task::JoinSet;

use crate::helpers::TOKEN;

/// Scopes of all three kinds, several of each.
fn scopes() -> Vec<String> {
    (0..4)
        .flat_map(|i| {
            [
                format!("enterprises/enterprise-{i}"),
                format!("orgs/org-{i}"),
                format!("repos/org-{i}/repo-{i}"),
            ]
        })
        .collect()
}

#[derive(Debug, Clone, Copy)]
enum Storage {
    Memory,
    File,
}

/// A mock on the storage asked for; the directory holds the file, if any.
async fn start(storage: Storage) -> (GhesMock, Option<TempDir>) {
    match storage {
        Storage::Memory => (GhesMock::start().await, None),
        Storage::File => {
            let dir = tempfile::tempdir().unwrap();
            let mock = GhesMock::builder()
                .database(dir.path().join("ghes-mock.sqlite3"))
                .start()
                .await;
            (mock, Some(dir))
        }
    }
}

/// One answer: its status and body text.
struct Answer {
    status: StatusCode,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

/// Sends every request at once and returns the answers in request order.
/// Panics on any 5xx or any storage error in a body.
async fn all_at_once(
    client: &Client,
    requests: Vec<(Method, String, Option<Value>)>,
) -> Vec<Answer> {
    let mut set = JoinSet::new();
    for (i, (method, url, body)) in requests.into_iter().enumerate() {
        let mut request = client
            .request(method, url)
            .header("Authorization", format!("token {TOKEN}"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        set.spawn(async move {
            let response = request.send().await.expect("the server answers");
            let status = response.status();
            let text = response.text().await.expect("a whole body");
            (i, Answer { status, text })
        });
    }
    let mut answers: Vec<Option<Answer>> =
        std::iter::repeat_with(|| None).take(set.len()).collect();
    while let Some(joined) = set.join_next().await {
        let (i, answer) = joined.expect("a request task does not panic");
        assert!(
            !answer.status.is_server_error(),
            "{}: {}",
            answer.status,
            answer.text
        );
        for storage_error in ["database is locked", "database is busy", "storage error"] {
            assert!(
                !answer.text.to_lowercase().contains(storage_error),
                "{storage_error} reached a client: {}",
                answer.text
            );
        }
        answers[i] = Some(answer);
    }
    answers.into_iter().map(|a| a.expect("an answer")).collect()
}

async fn state(client: &Client, mock: &GhesMock) -> Value {
    let response = client
        .get(format!("{}/_mock/state", mock.uri()))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("JSON")
}

async fn registration_token(client: &Client, mock: &GhesMock, scope: &str) -> String {
    let url = format!(
        "{}/{scope}/actions/runners/registration-token",
        mock.api_url()
    );
    let answers = all_at_once(client, vec![(Method::POST, url, None)]).await;
    assert_eq!(
        answers[0].status,
        StatusCode::CREATED,
        "{}",
        answers[0].text
    );
    answers[0].json()["token"]
        .as_str()
        .expect("a token")
        .to_owned()
}

// --- 1,000 registration tokens --------------------------------------------------------

async fn a_thousand_concurrent_registration_tokens_are_created_distinct(storage: Storage) {
    // Arrange
    let (mock, _dir) = start(storage).await;
    let client = Client::new();
    let scopes = scopes();
    let requests = (0..1000)
        .map(|i| {
            let scope = &scopes[i % scopes.len()];
            let url = format!(
                "{}/{scope}/actions/runners/registration-token",
                mock.api_url()
            );
            (Method::POST, url, None)
        })
        .collect();

    // Act
    let answers = all_at_once(&client, requests).await;

    // Assert
    for answer in &answers {
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    }
    let tokens: HashSet<String> = answers
        .iter()
        .map(|a| a.json()["token"].as_str().expect("a token").to_owned())
        .collect();
    assert_eq!(tokens.len(), 1000, "every token is new");
    let state = state(&client, &mock).await;
    let stored: HashMap<&str, &str> = state["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .map(|t| (t["token"].as_str().unwrap(), t["scope"].as_str().unwrap()))
        .collect();
    for (i, answer) in answers.iter().enumerate() {
        let token = answer.json()["token"].as_str().unwrap().to_owned();
        assert_eq!(
            stored.get(token.as_str()).copied(),
            Some(scopes[i % scopes.len()].as_str()),
            "stored for the scope it was asked for"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_registration_tokens_across_scopes_are_all_created_and_distinct_in_memory()
 {
    a_thousand_concurrent_registration_tokens_are_created_distinct(Storage::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_registration_tokens_across_scopes_are_all_created_and_distinct_on_a_file()
 {
    a_thousand_concurrent_registration_tokens_are_created_distinct(Storage::File).await;
}

// --- 500 runner registrations -----------------------------------------------------------

async fn five_hundred_concurrent_registrations_succeed_with_distinct_ids(storage: Storage) {
    // Arrange: a registration token per scope.
    let (mock, _dir) = start(storage).await;
    let client = Client::new();
    let scopes = scopes();
    let mut tokens = Vec::new();
    for scope in &scopes {
        tokens.push(registration_token(&client, &mock, scope).await);
    }
    let requests = (0..500)
        .map(|i| {
            let body = json!({
                "token": tokens[i % scopes.len()],
                "name": format!("runner-{i}"),
                "labels": [format!("label-{}", i % 7)],
            });
            (
                Method::POST,
                format!("{}/_mock/runners", mock.uri()),
                Some(body),
            )
        })
        .collect();

    // Act
    let answers = all_at_once(&client, requests).await;

    // Assert: all registered, each with its own id, each in its scope.
    for answer in &answers {
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    }
    let ids: HashSet<i64> = answers
        .iter()
        .map(|a| a.json()["id"].as_i64().expect("an id"))
        .collect();
    assert_eq!(ids.len(), 500, "every runner has its own id");
    let state = state(&client, &mock).await;
    let mut listed = 0;
    for scope in state["scopes"].as_array().expect("scopes") {
        let runners = scope["runners"].as_array().expect("runners");
        assert_eq!(scope["runner_count"].as_u64(), Some(runners.len() as u64));
        let index = scopes
            .iter()
            .position(|s| scope["scope"] == s.as_str())
            .expect("a scope the test used");
        let expected = (0..500).filter(|i| i % scopes.len() == index).count();
        assert_eq!(runners.len(), expected, "{}", scope["scope"]);
        for runner in runners {
            assert!(ids.contains(&runner["id"].as_i64().unwrap()));
            assert_eq!(runner["labels"].as_array().map(Vec::len), Some(4));
        }
        listed += runners.len();
    }
    assert_eq!(listed, 500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_concurrent_runner_registrations_across_scopes_succeed_with_distinct_ids_in_memory()
 {
    five_hundred_concurrent_registrations_succeed_with_distinct_ids(Storage::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_concurrent_runner_registrations_across_scopes_succeed_with_distinct_ids_on_a_file()
 {
    five_hundred_concurrent_registrations_succeed_with_distinct_ids(Storage::File).await;
}

// --- deleting one runner many times at once -------------------------------------------------

async fn concurrent_deletes_of_one_runner_give_one_204_and_404s(storage: Storage) {
    // Arrange: a runner in each kind of scope.
    let (mock, _dir) = start(storage).await;
    let client = Client::new();
    let scopes = ["enterprises/e", "orgs/o", "repos/o/r"];
    let mut runners = Vec::new();
    for scope in scopes {
        let token = registration_token(&client, &mock, scope).await;
        let body = json!({"token": token, "name": "doomed"});
        let url = format!("{}/_mock/runners", mock.uri());
        let answers = all_at_once(&client, vec![(Method::POST, url, Some(body))]).await;
        assert_eq!(
            answers[0].status,
            StatusCode::CREATED,
            "{}",
            answers[0].text
        );
        runners.push((scope, answers[0].json()["id"].as_i64().unwrap()));
    }
    let requests = runners
        .iter()
        .flat_map(|(scope, id)| {
            let url = format!("{}/{scope}/actions/runners/{id}", mock.api_url());
            std::iter::repeat_n((Method::DELETE, url), 50)
        })
        .map(|(method, url)| (method, url, None))
        .collect();

    // Act
    let answers = all_at_once(&client, requests).await;

    // Assert: per runner, one deletion and 49 "Not Found".
    for (n, chunk) in answers.chunks(50).enumerate() {
        let deleted = chunk
            .iter()
            .filter(|a| a.status == StatusCode::NO_CONTENT)
            .count();
        let not_found: Vec<&Answer> = chunk
            .iter()
            .filter(|a| a.status == StatusCode::NOT_FOUND)
            .collect();
        assert_eq!(deleted, 1, "{}", runners[n].0);
        assert_eq!(not_found.len(), 49, "{}", runners[n].0);
        for answer in not_found {
            assert_eq!(answer.json()["message"], "Not Found");
        }
    }
    let state = state(&client, &mock).await;
    for scope in state["scopes"].as_array().expect("scopes") {
        assert_eq!(scope["runner_count"], 0, "{}", scope["scope"]);
        assert_eq!(scope["runners"], json!([]));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_deletes_of_the_same_runner_give_exactly_one_204_and_404s_in_memory() {
    concurrent_deletes_of_one_runner_give_one_204_and_404s(Storage::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_deletes_of_the_same_runner_give_exactly_one_204_and_404s_on_a_file() {
    concurrent_deletes_of_one_runner_give_one_204_and_404s(Storage::File).await;
}
