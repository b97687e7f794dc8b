//! A webhook receiver for `bench/jobs.sh`: answers every delivery `200` at
//! once and counts what arrives, so that the benchmark can tell when the
//! last `workflow_job` delivery came in.
//!
//! ```sh
//! cargo build --release --examples
//! target/release/examples/bench_receiver 127.0.0.1:18090
//! ```
//!
//! - Anything else: a delivery. Its action is read from the start of a
//!   JSON body (`{"action":"queued",…`, as the mock writes it); the
//!   arrival time is kept per action.
//! - `GET /stats`: `{"queued": n, "in_progress": n, "completed": n,
//!   "other": n, "first_us": t, "last_us": t, "last_completed_us": t}`,
//!   times in microseconds since the Unix epoch (0 when none). With
//!   `?completed=N` it answers once N `completed` deliveries have come in,
//!   or after `wait_seconds` (default 30): one request waits for the end of
//!   a burst, instead of a poll loop taking CPU from the server and the
//!   load generator while they are measured.
//! - `DELETE /stats`: back to zero.
//!
//! It prints `listening on ADDRESS` once bound. Loopback addresses only.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;

#[derive(Debug, Default, Clone, Copy)]
struct Stats {
    queued: u64,
    in_progress: u64,
    completed: u64,
    other: u64,
    first_us: u128,
    last_us: u128,
    last_completed_us: u128,
}

#[derive(Debug, Default)]
struct Counts {
    stats: Mutex<Stats>,
    /// Woken by every `completed` delivery.
    completed: tokio::sync::Notify,
}

impl Counts {
    fn lock(&self) -> std::sync::MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

type Shared = Arc<Counts>;

#[derive(Debug, serde::Deserialize)]
struct Wait {
    completed: Option<u64>,
    wait_seconds: Option<u64>,
}

fn now_us() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros())
}

/// The action of a `{"action":"…"` body; none for anything else.
fn action(body: &[u8]) -> Option<&[u8]> {
    let rest = body.strip_prefix(b"{\"action\":\"")?;
    let end = rest.iter().take(32).position(|&b| b == b'"')?;
    Some(&rest[..end])
}

async fn delivery(State(stats): State<Shared>, body: Bytes) -> StatusCode {
    let at = now_us();
    let counts = stats;
    let mut stats = counts.lock();
    match action(&body) {
        Some(b"queued") => stats.queued += 1,
        Some(b"in_progress") => stats.in_progress += 1,
        Some(b"completed") => {
            stats.completed += 1;
            stats.last_completed_us = at;
            counts.completed.notify_waiters();
        }
        _ => stats.other += 1,
    }
    if stats.first_us == 0 {
        stats.first_us = at;
    }
    stats.last_us = at;
    StatusCode::OK
}

async fn stats(State(counts): State<Shared>, Query(wait): Query<Wait>) -> String {
    if let Some(wanted) = wait.completed {
        let limit = Duration::from_secs(wait.wait_seconds.unwrap_or(30));
        let _ = tokio::time::timeout(limit, async {
            loop {
                let arrived = counts.completed.notified();
                if counts.lock().completed >= wanted {
                    return;
                }
                arrived.await;
            }
        })
        .await;
    }
    let s = *counts.lock();
    format!(
        "{{\"queued\": {}, \"in_progress\": {}, \"completed\": {}, \"other\": {}, \
         \"first_us\": {}, \"last_us\": {}, \"last_completed_us\": {}}}\n",
        s.queued, s.in_progress, s.completed, s.other, s.first_us, s.last_us, s.last_completed_us
    )
}

async fn clear(State(counts): State<Shared>) -> StatusCode {
    *counts.lock() = Stats::default();
    StatusCode::NO_CONTENT
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let address: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18090".to_owned())
        .parse()?;
    if !address.ip().is_loopback() {
        return Err("the bench receiver listens on loopback only".into());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let shared = Shared::default();
        let app = Router::new()
            .route("/stats", get(stats).delete(clear))
            .fallback(delivery)
            .with_state(shared);
        let listener = tokio::net::TcpListener::bind(address).await?;
        println!("listening on {}", listener.local_addr()?);
        axum::serve(listener, app).await?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::action;

    #[test]
    fn reads_the_action_at_the_start_of_a_payload() {
        assert_eq!(
            action(br#"{"action":"in_progress","workflow_job":{}}"#),
            Some(&b"in_progress"[..])
        );
        assert_eq!(action(br#"{"zen":"Design for failure."}"#), None);
        assert_eq!(action(b"payload=%7B"), None);
    }
}
