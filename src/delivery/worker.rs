//! One target's worker, and the courier that makes each attempt.
//!
//! The worker takes its queue's deliveries in order and sends each before the
//! next. A `reorder` fault's delivery waits beside the queue until the next
//! one has been sent; a `delay` never gets here before its time (the engine
//! holds it), so nothing in a queue waits on a fault but a reorder.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_rustls::rustls;

use super::{EngineError, EngineSettings, MAX_RESPONSE_BODY, Outcome, Outgoing, status};
use crate::clock::Clock;

/// A delivery on its queue, with what a fault makes of it.
#[derive(Debug)]
pub struct Job {
    pub outgoing: Outgoing,
    pub handling: Handling,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    Send,
    Drop,
    Duplicate,
    Reorder,
}

/// Sends and reports; shared by every worker.
#[derive(Debug)]
pub struct Courier {
    client: reqwest::Client,
    /// For `insecure_ssl` hooks: certificates are not checked.
    insecure_client: reqwest::Client,
    timeout: Duration,
    reorder_wait: Duration,
    clock: Arc<Clock>,
    outcomes: mpsc::UnboundedSender<Outcome>,
}

/// A receiver's answer, as far as it is kept.
struct Answer {
    code: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Courier {
    pub fn new(
        settings: &EngineSettings,
        clock: Arc<Clock>,
        outcomes: mpsc::UnboundedSender<Outcome>,
    ) -> Result<Courier, EngineError> {
        Ok(Courier {
            client: client(settings, false)?,
            insecure_client: client(settings, true)?,
            timeout: settings.timeout,
            reorder_wait: settings.reorder_wait,
            clock,
            outcomes,
        })
    }

    /// Sends one attempt and reports its outcome.
    async fn send(&self, outgoing: &Outgoing, duplicate_of: Option<i64>) {
        let delivered_at_ms = self.clock.now_ms();
        let started = Instant::now();
        let answer = self.exchange(outgoing).await;
        let duration_secs = started.elapsed().as_secs_f64();
        let mut outcome = Outcome {
            delivery_id: outgoing.delivery_id,
            duplicate_of,
            dropped: false,
            status: String::new(),
            status_code: 0,
            duration_secs,
            delivered_at_ms,
            response_headers: Vec::new(),
            response_body: String::new(),
        };
        match answer {
            Ok(answer) => {
                outcome.status = if (200..300).contains(&answer.code) {
                    status::OK.to_owned()
                } else {
                    status::invalid_response(answer.code)
                };
                outcome.status_code = answer.code;
                outcome.response_headers = answer.headers;
                outcome.response_body = body_text(&answer.body);
            }
            Err(error) => {
                outcome.status = failure_status(&error).to_owned();
                // The causes, never the URL (it may carry credentials).
                tracing::info!(
                    delivery_id = outgoing.delivery_id,
                    error = %causes(&error.without_url()),
                    "webhook delivery failed"
                );
            }
        }
        tracing::debug!(
            delivery_id = outgoing.delivery_id,
            guid = %outgoing.guid,
            event = %outgoing.event,
            status = %outcome.status,
            duplicate = duplicate_of.is_some(),
            "webhook delivery attempted"
        );
        self.report(outcome);
    }

    /// The POST and its answer, the body read up to what is kept.
    async fn exchange(&self, outgoing: &Outgoing) -> Result<Answer, reqwest::Error> {
        let client = if outgoing.insecure_ssl {
            &self.insecure_client
        } else {
            &self.client
        };
        let mut request = client
            .post(&outgoing.url)
            .timeout(self.timeout)
            .body(outgoing.request.body.clone());
        for (name, value) in &outgoing.request.headers {
            request = request.header(name, value);
        }
        let mut response = request.send().await?;
        let code = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value)
            })
            .collect();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            let room = MAX_RESPONSE_BODY - body.len();
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if body.len() == MAX_RESPONSE_BODY {
                break;
            }
        }
        Ok(Answer {
            code,
            headers,
            body,
        })
    }

    /// A delivery a `drop` fault took: never sent, recorded as dropped.
    fn dropped(&self, outgoing: &Outgoing) {
        tracing::debug!(
            delivery_id = outgoing.delivery_id,
            "webhook delivery dropped"
        );
        self.report(Outcome {
            delivery_id: outgoing.delivery_id,
            duplicate_of: None,
            dropped: true,
            status: status::DROPPED.to_owned(),
            status_code: 0,
            duration_secs: 0.0,
            delivered_at_ms: self.clock.now_ms(),
            response_headers: Vec::new(),
            response_body: String::new(),
        });
    }

    fn report(&self, outcome: Outcome) {
        if self.outcomes.send(outcome).is_err() {
            tracing::debug!("no one records webhook outcomes any more");
        }
    }
}

/// One client for all deliveries: no redirects (a redirect is a failed
/// delivery), no retries, no proxy from the environment.
fn client(settings: &EngineSettings, insecure: bool) -> Result<reqwest::Client, reqwest::Error> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .retry(reqwest::retry::never())
        .no_proxy()
        .danger_accept_invalid_certs(insecure);
    for certificate in &settings.root_certificates {
        builder = builder.add_root_certificate(certificate.clone());
    }
    builder.build()
}

/// The status GHES records for an attempt that got no answer.
fn failure_status(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        status::TIMED_OUT
    } else if untrusted_certificate(error) {
        status::UNTRUSTED_CERTIFICATE
    } else {
        status::FAILED_TO_CONNECT
    }
}

/// Whether the TLS handshake failed on the receiver's certificate.
fn untrusted_certificate(error: &reqwest::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        if let Some(rustls::Error::InvalidCertificate(_)) = e.downcast_ref::<rustls::Error>() {
            return true;
        }
        cause = next_cause(e);
    }
    false
}

/// The error under `error`. An `io::Error` wrapping another error answers
/// `source()` with the wrapped error's source, skipping the wrapped error
/// itself (here the rustls error, two `io::Error`s deep): open it instead.
fn next_cause<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a (dyn std::error::Error + 'static)> {
    match error
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref)
    {
        Some(inner) => Some(inner),
        None => error.source(),
    }
}

/// An error and its causes, on one line.
fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut line = error.to_string();
    let mut cause = next_cause(error);
    while let Some(e) = cause {
        line.push_str(": ");
        line.push_str(&e.to_string());
        cause = next_cause(e);
    }
    line
}

/// The kept answer as text: lossy UTF-8, at most [`MAX_RESPONSE_BODY`]
/// bytes, never ending in half a character.
pub fn body_text(body: &[u8]) -> String {
    let body = &body[..body.len().min(MAX_RESPONSE_BODY)];
    match std::str::from_utf8(body) {
        Ok(text) => text.to_owned(),
        // Cut in the middle of a character: leave it out.
        Err(error) if error.error_len().is_none() => {
            String::from_utf8_lossy(&body[..error.valid_up_to()]).into_owned()
        }
        Err(_) => {
            let mut text = String::from_utf8_lossy(body).into_owned();
            text.truncate(text.floor_char_boundary(MAX_RESPONSE_BODY));
            text
        }
    }
}

/// Runs one target's queue until the engine stops (or is dropped).
pub async fn run(
    courier: Arc<Courier>,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    mut stop: watch::Receiver<bool>,
) {
    tokio::select! {
        biased;
        // Stopping cancels the send under way: its connection is dropped.
        _ = stop.wait_for(|stopped| *stopped) => {}
        () = work(&courier, &mut jobs) => {}
    }
}

async fn work(courier: &Courier, jobs: &mut mpsc::UnboundedReceiver<Job>) {
    let mut held = Held::default();
    loop {
        let job = tokio::select! {
            job = jobs.recv() => Some(job),
            () = held.expired(courier.reorder_wait) => None,
        };
        let Some(job) = job else {
            // No delivery came to overtake them: they go anyway.
            held.send_all(courier).await;
            continue;
        };
        let Some(Job { outgoing, handling }) = job else {
            held.send_all(courier).await;
            return;
        };
        match handling {
            Handling::Send => {
                courier.send(&outgoing, None).await;
                held.send_all(courier).await;
            }
            Handling::Duplicate => {
                courier.send(&outgoing, None).await;
                courier.send(&outgoing, Some(outgoing.delivery_id)).await;
                held.send_all(courier).await;
            }
            Handling::Drop => courier.dropped(&outgoing),
            Handling::Reorder => held.hold(outgoing),
        }
    }
}

/// Deliveries a `reorder` fault holds until the next one is sent.
#[derive(Debug, Default)]
struct Held {
    deliveries: VecDeque<Outgoing>,
    since: Option<Instant>,
}

impl Held {
    fn hold(&mut self, outgoing: Outgoing) {
        self.since.get_or_insert_with(Instant::now);
        self.deliveries.push_back(outgoing);
    }

    /// Resolves when the oldest has waited `wait`; never while none waits.
    async fn expired(&self, wait: Duration) {
        match self.since {
            Some(since) => tokio::time::sleep_until(since + wait).await,
            None => std::future::pending().await,
        }
    }

    async fn send_all(&mut self, courier: &Courier) {
        self.since = None;
        while let Some(outgoing) = self.deliveries.pop_front() {
            courier.send(&outgoing, None).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_answer_is_cut_on_a_character() {
        let mut long = "a".repeat(MAX_RESPONSE_BODY - 1).into_bytes();
        long.extend_from_slice("é and more".as_bytes());
        let kept = body_text(&long);
        assert_eq!(kept.len(), MAX_RESPONSE_BODY - 1);
        assert!(kept.bytes().all(|b| b == b'a'));

        assert_eq!(body_text(b"fine \xff"), "fine \u{fffd}");
        assert_eq!(body_text("short é".as_bytes()), "short é");
    }
}
