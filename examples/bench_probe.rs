//! A paced probe for `bench/jobs.sh`: a few connections, each sending its
//! next `GET` a fixed delay after the last answer, as runner managers poll.
//! Unlike wrk's summary, it keeps every request, so the benchmark can take
//! the percentiles of exactly the requests sent during a burst, and of the
//! ones sent while the server was idle, over several bursts.
//!
//! ```sh
//! cargo build --release --examples
//! target/release/examples/bench_probe URL CONNECTIONS DELAY_MS SECONDS [TOKEN]
//! ```
//!
//! It probes until SIGINT or SIGTERM, or SECONDS at most, then prints a
//! line per request: when it was sent (microseconds since the Unix epoch),
//! how long its answer took (microseconds), and its status (0 when it
//! failed). Loopback addresses only.

use std::io::Write;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// One request: sent at (µs since the epoch), answered after (µs), status.
type Sample = (u128, u128, u16);

fn now_us() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros())
}

/// Every request so far, from all connections.
type Samples = Arc<Mutex<Vec<Sample>>>;

/// One connection's requests until `until`, each `delay` after the last
/// answer.
async fn probe(
    url: reqwest::Url,
    token: String,
    delay: Duration,
    until: Instant,
    samples: Samples,
) {
    // A client of its own, so that each probe keeps one connection.
    let Ok(client) = reqwest::Client::builder().pool_max_idle_per_host(1).build() else {
        return;
    };
    let authorization = format!("token {token}");
    while Instant::now() < until {
        let sent = now_us();
        let started = Instant::now();
        let status = match client
            .get(url.clone())
            .header("Authorization", &authorization)
            .send()
            .await
        {
            Ok(answer) => {
                let status = answer.status().as_u16();
                answer.bytes().await.map_or(0, |_| status)
            }
            Err(_) => 0,
        };
        let took = started.elapsed().as_micros();
        samples
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((sent, took, status));
        tokio::time::sleep(delay).await;
    }
}

async fn stopped() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, connections, delay_ms, seconds, rest @ ..] = &args[..] else {
        return Err("usage: bench_probe URL CONNECTIONS DELAY_MS SECONDS [TOKEN]".into());
    };
    let url: reqwest::Url = url.parse()?;
    let host = url.host_str().unwrap_or_default().trim_matches(['[', ']']);
    let loopback = host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        return Err("the bench probe sends to loopback only".into());
    }
    let connections: usize = connections.parse()?;
    let delay = Duration::from_millis(delay_ms.parse()?);
    let until = Instant::now() + Duration::from_secs(seconds.parse()?);
    let token = rest.first().cloned().unwrap_or_else(|| "bench".to_owned());

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let samples = Samples::default();
    runtime.block_on(async {
        let mut probes = tokio::task::JoinSet::new();
        for _ in 0..connections {
            probes.spawn(probe(
                url.clone(),
                token.clone(),
                delay,
                until,
                samples.clone(),
            ));
        }
        tokio::select! {
            _ = probes.join_all() => {}
            _ = stopped() => {}
        }
    });
    let samples = std::mem::take(&mut *samples.lock().unwrap_or_else(PoisonError::into_inner));
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (sent, took, status) in samples {
        writeln!(out, "{sent} {took} {status}")?;
    }
    out.flush()?;
    Ok(())
}
