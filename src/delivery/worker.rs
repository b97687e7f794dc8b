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

use super::wire::{self, Tls, WireError};
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
    tls: Tls,
    timeout: Duration,
    reorder_wait: Duration,
    clock: Arc<Clock>,
    outcomes: mpsc::UnboundedSender<Outcome>,
}

impl Courier {
    pub fn new(
        settings: &EngineSettings,
        clock: Arc<Clock>,
        outcomes: mpsc::UnboundedSender<Outcome>,
    ) -> Result<Courier, EngineError> {
        Ok(Courier {
            tls: Tls::new(&settings.root_certificates)?,
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
        let request = &outgoing.request;
        let exchange = wire::post(
            &outgoing.url,
            &request.headers,
            &request.body,
            &self.tls,
            outgoing.insecure_ssl,
        );
        let answer = tokio::time::timeout(self.timeout, exchange).await;
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
            Ok(Ok(answer)) => {
                outcome.status = if (200..300).contains(&answer.code) {
                    status::OK.to_owned()
                } else {
                    status::invalid_response(answer.code)
                };
                outcome.status_code = answer.code;
                outcome.response_headers = answer.headers;
                outcome.response_body = body_text(&answer.body);
            }
            Ok(Err(error)) => {
                outcome.status = match error {
                    WireError::Certificate(_) => status::UNTRUSTED_CERTIFICATE,
                    WireError::Malformed(_) => status::INVALID_ANSWER,
                    WireError::Url(_) | WireError::Io(_) => status::FAILED_TO_CONNECT,
                }
                .to_owned();
                // The cause, never the URL (it may carry credentials).
                tracing::info!(
                    delivery_id = outgoing.delivery_id,
                    %error,
                    "webhook delivery failed"
                );
            }
            Err(_) => outcome.status = status::TIMED_OUT.to_owned(),
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
        // A delivery to a local receiver often goes without a wait, and
        // many in one poll would keep the core from the API's answers.
        tokio::task::yield_now().await;
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
