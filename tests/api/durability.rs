//! A server on a database file, killed with SIGKILL in the middle of a
//! stream of writes and started again on the same file, has every write it
//! acknowledged (201/204) and nothing half-written.

use std::collections::{HashMap, HashSet};
use std::process::ExitStatus;

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use crate::server_process::{DEADLINE, ServerProcess};

/// Writers running at once, each its own stream of writes.
const WRITERS: usize = 4;
/// Acknowledged writes to see before the kill.
const ACKS_BEFORE_KILL: usize = 240;
/// Far more steps than a writer takes before the kill: a writer that runs
/// out of them was never cut off.
const MAX_STEPS: usize = 20_000;

const SCOPES: [&str; 4] = [
    "orgs/durable-org",
    "enterprises/durable-enterprise",
    "repos/durable-org/durable-repo",
    "orgs/other-org",
];

const OSES: [(&str, &str); 3] = [
    ("linux", "Linux"),
    ("macos", "macOS"),
    ("windows", "Windows"),
];
const ARCHES: [(&str, &str); 3] = [("x64", "X64"), ("arm64", "ARM64"), ("arm", "ARM")];

/// A write the server answered 201 or 204.
#[derive(Debug, Clone)]
enum Ack {
    Token {
        scope: &'static str,
        kind: &'static str,
        token: String,
    },
    Runner {
        scope: &'static str,
        id: i64,
        name: String,
    },
    /// A removal was asked for; if the kill cut off its answer, it may or
    /// may not have happened.
    Removing {
        id: i64,
    },
    Removed {
        scope: &'static str,
        id: i64,
    },
}

/// How a writer's stream ended.
#[derive(Debug, PartialEq, Eq)]
enum End {
    /// A request found no server: the kill.
    CutOff,
    /// It ran out of steps.
    Exhausted,
}

/// The runner name carries what it registered with, so that any runner
/// found after the restart, acknowledged or not, can be checked whole:
/// `w{writer}-{step}-{os}-{arch}`.
fn runner_name(writer: usize, step: usize) -> String {
    let (os, _) = OSES[step % OSES.len()];
    let (arch, _) = ARCHES[(step / 3) % ARCHES.len()];
    format!("w{writer}-{step}-{os}-{arch}")
}

/// The custom labels a runner named by [`runner_name`] registered with.
fn custom_labels(name: &str) -> Vec<String> {
    let mut parts = name.split('-');
    let writer = parts.next().unwrap_or_default();
    let step = parts.next().unwrap_or_default();
    vec![format!("writer-{writer}"), format!("step-{step}")]
}

/// The read-only labels GitHub gives the runner: self-hosted, OS, arch.
fn read_only_labels(name: &str) -> Vec<String> {
    let parts: Vec<&str> = name.split('-').collect();
    let os = OSES.iter().find(|(o, _)| *o == parts[2]).expect("an os").1;
    let arch = ARCHES
        .iter()
        .find(|(a, _)| *a == parts[3])
        .expect("an arch")
        .1;
    vec!["self-hosted".to_owned(), os.to_owned(), arch.to_owned()]
}

/// One writer: tokens, registrations, deletions through the API and
/// removals through the control API, in a fixed rotation over the scopes,
/// until a request finds the server gone.
async fn writer(
    client: Client,
    base: String,
    n: usize,
    acks: UnboundedSender<Ack>,
) -> Result<End, String> {
    let mut registration_tokens: HashMap<&'static str, String> = HashMap::new();
    let mut alive: Vec<(&'static str, i64)> = Vec::new();
    let api = |path: String| format!("{base}/api/v3{path}");
    for step in 0..MAX_STEPS {
        let scope = SCOPES[(n + step) % SCOPES.len()];
        let outcome = match step % 6 {
            0 | 3 => {
                let url = api(format!("/{scope}/actions/runners/registration-token"));
                let Some(body) = send(client.post(url), StatusCode::CREATED).await? else {
                    return Ok(End::CutOff);
                };
                let token = body["token"].as_str().ok_or("no token")?.to_owned();
                registration_tokens.insert(scope, token.clone());
                Ack::Token {
                    scope,
                    kind: "registration",
                    token,
                }
            }
            1 | 2 | 4 => {
                let Some(token) = registration_tokens.get(scope) else {
                    continue;
                };
                let name = runner_name(n, step);
                let (os, arch) = {
                    let mut parts = name.split('-').skip(2);
                    (
                        parts.next().unwrap_or_default(),
                        parts.next().unwrap_or_default(),
                    )
                };
                let body = json!({
                    "token": token, "name": name, "os": os, "architecture": arch,
                    "labels": custom_labels(&name),
                });
                let request = client.post(format!("{base}/_mock/runners")).json(&body);
                let Some(runner) = send(request, StatusCode::CREATED).await? else {
                    return Ok(End::CutOff);
                };
                let id = runner["id"].as_i64().ok_or("no id")?;
                alive.push((scope, id));
                Ack::Runner { scope, id, name }
            }
            _ => {
                if alive.is_empty() {
                    continue;
                }
                let (scope, id) = alive.remove(0);
                let _ = acks.send(Ack::Removing { id });
                if step % 12 == 5 {
                    let url = api(format!("/{scope}/actions/runners/{id}"));
                    if send(client.delete(url), StatusCode::NO_CONTENT)
                        .await?
                        .is_none()
                    {
                        return Ok(End::CutOff);
                    }
                } else {
                    let url = api(format!("/{scope}/actions/runners/remove-token"));
                    let Some(body) = send(client.post(url), StatusCode::CREATED).await? else {
                        return Ok(End::CutOff);
                    };
                    let token = body["token"].as_str().ok_or("no token")?.to_owned();
                    let _ = acks.send(Ack::Token {
                        scope,
                        kind: "remove",
                        token: token.clone(),
                    });
                    let request = client
                        .post(format!("{base}/_mock/runners/{id}/remove"))
                        .json(&json!({"token": token}));
                    if send(request, StatusCode::NO_CONTENT).await?.is_none() {
                        return Ok(End::CutOff);
                    }
                }
                Ack::Removed { scope, id }
            }
        };
        let _ = acks.send(outcome);
    }
    Ok(End::Exhausted)
}

/// Sends a request and returns its JSON body (`Null` when empty) when it
/// has the expected status; `None` when the server is gone (no answer, or
/// an answer cut short); an error for any other answer.
async fn send(
    request: reqwest::RequestBuilder,
    expected: StatusCode,
) -> Result<Option<Value>, String> {
    let request = request.header("Authorization", "token durable");
    let Ok(response) = request.send().await else {
        return Ok(None);
    };
    let status = response.status();
    let Ok(bytes) = response.bytes().await else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&bytes);
    if status != expected {
        return Err(format!("{status}: {text}"));
    }
    if bytes.is_empty() {
        return Ok(Some(Value::Null));
    }
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| format!("{status}: not JSON ({e}): {text}"))
}

async fn get(client: &Client, url: String) -> (StatusCode, Value) {
    let response = client
        .get(url)
        .header("Authorization", "token durable")
        .send()
        .await
        .expect("the restarted server answers");
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

#[cfg(unix)]
fn killed_by_sigkill(status: ExitStatus) -> bool {
    use std::os::unix::process::ExitStatusExt;
    status.signal() == Some(9)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_stream_keeps_every_acknowledged_write_and_nothing_half_written() {
    // Arrange: a server on a file, and writers streaming into it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ghes-mock.sqlite3");
    let file = file.to_str().expect("a UTF-8 path");
    let mut server = ServerProcess::serve(&["--database", file], &[]);
    let client = Client::builder().timeout(DEADLINE).build().unwrap();
    let (ack_tx, mut ack_rx) = unbounded_channel();
    let writers: Vec<_> = (0..WRITERS)
        .map(|n| tokio::spawn(writer(client.clone(), server.uri(), n, ack_tx.clone())))
        .collect();
    drop(ack_tx);

    // Act: SIGKILL once enough writes are acknowledged, while the writers
    // are still writing; then start again on the same file.
    let mut acks = Vec::new();
    while acks.len() < ACKS_BEFORE_KILL {
        match tokio::time::timeout(DEADLINE, ack_rx.recv()).await {
            Ok(Some(ack)) => acks.push(ack),
            Ok(None) => panic!("the writers stopped before the kill"),
            Err(_) => panic!("only {} writes acknowledged in {DEADLINE:?}", acks.len()),
        }
    }
    server.signal("KILL");
    let status = server.wait_for_exit();
    let mut ends = Vec::new();
    for writer in writers {
        ends.push(writer.await.expect("a writer does not panic"));
    }
    while let Some(ack) = ack_rx.recv().await {
        acks.push(ack);
    }
    drop(server);
    let restarted = ServerProcess::serve(&["--database", file], &[]);
    let (state_status, state) = get(&client, format!("{}/_mock/state", restarted.uri())).await;

    // Assert: the kill came mid-stream.
    assert!(killed_by_sigkill(status), "{status}");
    for end in &ends {
        assert_eq!(
            end,
            &Ok(End::CutOff),
            "every writer was cut off by the kill"
        );
    }
    assert_eq!(state_status, StatusCode::OK, "{state}");

    // Every acknowledged token is there, of its kind and scope.
    let tokens: HashSet<(String, String, String)> = state["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .map(|t| {
            let field = |name: &str| t[name].as_str().unwrap_or_default().to_owned();
            (field("token"), field("kind"), field("scope"))
        })
        .collect();
    let mut removed = HashSet::new();
    let mut removing = HashSet::new();
    let mut registered = Vec::new();
    for ack in &acks {
        match ack {
            Ack::Token { scope, kind, token } => assert!(
                tokens.contains(&(token.clone(), (*kind).to_owned(), (*scope).to_owned())),
                "acknowledged {kind} token of {scope} lost"
            ),
            Ack::Runner { scope, id, name } => registered.push((*scope, *id, name.clone())),
            Ack::Removing { id } => {
                removing.insert(*id);
            }
            Ack::Removed { scope, id } => {
                removed.insert((*scope, *id));
            }
        }
    }

    // Every acknowledged runner is there whole, unless acknowledged removed;
    // every acknowledged removal stuck.
    let scopes = state["scopes"].as_array().expect("scopes");
    let mut found: HashMap<i64, (String, Value)> = HashMap::new();
    for scope in scopes {
        let name = scope["scope"].as_str().expect("a scope name").to_owned();
        let runners = scope["runners"].as_array().expect("runners");
        assert_eq!(
            scope["runner_count"].as_u64(),
            Some(runners.len() as u64),
            "{name}: runner_count matches the runners stored"
        );
        let (status, list) = get(
            &client,
            format!(
                "{}/api/v3/{name}/actions/runners?per_page=1",
                restarted.uri()
            ),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        assert_eq!(
            list["total_count"].as_u64(),
            Some(runners.len() as u64),
            "{name}"
        );
        for runner in runners {
            let id = runner["id"].as_i64().expect("an id");
            found.insert(id, (name.clone(), runner.clone()));
        }
    }
    assert!(registered.len() > 20, "{} registrations", registered.len());
    assert!(removed.len() > 5, "{} removals", removed.len());
    for (scope, id, name) in &registered {
        if removed.contains(&(*scope, *id)) {
            continue;
        }
        // A removal cut off by the kill may have been committed unanswered.
        if removing.contains(id) && !found.contains_key(id) {
            continue;
        }
        let (found_scope, runner) = found
            .get(id)
            .unwrap_or_else(|| panic!("acknowledged runner {name} ({id}) lost"));
        assert_eq!(found_scope, scope);
        assert_eq!(runner["name"], name.as_str());
        let (status, _) = get(
            &client,
            format!("{}/api/v3/{scope}/actions/runners/{id}", restarted.uri()),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}");
    }
    for (scope, id) in &removed {
        assert!(!found.contains_key(id), "removed runner {id} came back");
        let (status, _) = get(
            &client,
            format!("{}/api/v3/{scope}/actions/runners/{id}", restarted.uri()),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    // Nothing half-written: every runner, acknowledged or not, has exactly
    // the labels it registered with.
    for (scope, runner) in found.values() {
        let name = runner["name"].as_str().expect("a name");
        let labels = runner["labels"].as_array().expect("labels");
        let of_type = |kind: &str| -> HashSet<String> {
            labels
                .iter()
                .filter(|l| l["type"] == kind)
                .map(|l| l["name"].as_str().unwrap_or_default().to_owned())
                .collect()
        };
        let set = |names: Vec<String>| names.into_iter().collect::<HashSet<_>>();
        assert_eq!(
            of_type("read-only"),
            set(read_only_labels(name)),
            "{scope} {name}"
        );
        assert_eq!(
            of_type("custom"),
            set(custom_labels(name)),
            "{scope} {name}"
        );
        assert_eq!(labels.len(), 5, "{scope} {name}: {labels:?}");
    }

    // The acknowledged registration tokens still register runners.
    let live: HashMap<&str, &str> = acks
        .iter()
        .filter_map(|ack| match ack {
            Ack::Token {
                scope,
                kind: "registration",
                token,
            } => Some((*scope, token.as_str())),
            _ => None,
        })
        .collect();
    for (scope, token) in live {
        let response = client
            .post(format!("{}/_mock/runners", restarted.uri()))
            .json(&json!({"token": token, "name": "after-restart"}))
            .send()
            .await
            .expect("an answer");
        assert_eq!(response.status(), StatusCode::CREATED, "{scope}");
    }
}
