//! Webhook deliveries: the POSTs GHES makes to hooks and Apps when an event
//! happens, sent in the background, one queue per receiver (SPEC §9).
//!
//! A receiver that is slow, dead or answering errors must hold back nothing
//! but its own deliveries: not the request handler that caused the event,
//! not the job simulator, not another hook. So every receiver
//! ([`TargetKey`]) gets a worker task fed by an unbounded channel, and
//! [`Engine::enqueue`] only puts a delivery on that channel. A worker sends
//! its deliveries one at a time, in the order enqueued; workers of different
//! receivers run side by side. GHES retries nothing on its own, and neither
//! does the engine: a failed delivery is recorded and stays failed until
//! someone redelivers it.
//!
//! # How the rest of the server uses it
//!
//! 1. When an event happens, build the request once with [`build_request`]
//!    (headers, signatures, body) and store it with the delivery record: the
//!    deliveries API shows it, and a redelivery sends the same bytes again
//!    under the same GUID.
//! 2. Hand an [`Outgoing`] to [`Engine::enqueue`]; it returns at once.
//! 3. Every attempt comes back on the `outcomes` channel given to
//!    [`Engine::start`] as an [`Outcome`], for the recorder to store: `OK`,
//!    `Invalid HTTP Response: <code>`, `timed out`, `failed to connect to
//!    host`, the certificate failure, or `dropped` for a delivery a fault
//!    swallowed. An [`Outcome::duplicate_of`] is an extra send made by a
//!    `duplicate` fault and becomes a record of its own.
//! 4. [`Engine::shutdown`] when the server stops (dropping the engine stops
//!    its workers too).
//!
//! ```text
//! Engine::start(settings, clock, outcomes) -> Result<Engine, EngineError>
//! build_request(&Target, &EngineSettings, guid, event, json) -> Request
//! engine.enqueue(Outgoing)                   never blocks
//! engine.settings() -> &EngineSettings       what build_request needs
//! engine.faults() -> &DeliveryFaults         add / list / clear
//! engine.shutdown().await                    bounded, idempotent
//! ```
//!
//! What the engine leaves to its callers: the 25 MB payload cap, the
//! hook's `last_response`, and redeliveries (enqueue the stored request
//! again under a new delivery id). Deliveries discarded by a shutdown record
//! no outcome. Neither `Target` nor `Request` shows a secret or a signature
//! in `Debug`; the URL is not logged either (it may carry credentials).
//!
//! Delivery faults ([`DeliveryFault`]) are taken when a delivery is
//! enqueued, in enqueue order, so which delivery a fault hits does not
//! depend on which worker runs first.

// The job simulator and the hooks service wire the engine in; until then
// most of it is only reached from its tests.
#![allow(dead_code)]

mod faults;
mod request;
#[cfg(test)]
mod tests;
mod wire;
mod worker;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::clock::Clock;
pub use faults::{DeliveryFault, DeliveryFaultKind, DeliveryFaults};
pub use request::{ContentType, Request};
// What the hooks service and the job simulator call.
#[allow(unused_imports)]
pub use request::{HOOKSHOT_USER_AGENT, build_request, signature_sha1, signature_sha256};
use worker::{Courier, Handling, Job};

/// GHES waits this long for a receiver's answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a `reorder` fault waits for the delivery it should follow.
pub const DEFAULT_REORDER_WAIT: Duration = Duration::from_secs(5);

/// [`Engine::shutdown`] waits this long for workers to stop, then aborts them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// The `status` of each kind of outcome, as GHES records them.
pub mod status {
    /// A 2xx answer.
    pub const OK: &str = "OK";
    /// No answer within the timeout.
    pub const TIMED_OUT: &str = "timed out";
    /// Refused, unreachable, unknown host, or anything else before an answer.
    pub const FAILED_TO_CONNECT: &str = "failed to connect to host";
    /// An https receiver whose certificate is not trusted.
    pub const UNTRUSTED_CERTIFICATE: &str =
        "Peer certificate cannot be authenticated with given CA certificates";
    /// An answer that is not HTTP.
    pub const INVALID_ANSWER: &str = "invalid HTTP response";
    /// Not sent: a `drop` fault took it.
    pub const DROPPED: &str = "dropped";

    /// Any other answer: 3xx (redirects are not followed), 4xx, 5xx.
    pub fn invalid_response(code: u16) -> String {
        format!("Invalid HTTP Response: {code}")
    }
}

/// How the engine sends, fixed at start.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// How long a receiver has to answer, connecting included (GHES: 30 s).
    pub timeout: Duration,
    /// `X-GitHub-Enterprise-Version`, three parts (`3.22.0`).
    pub enterprise_version: String,
    /// `X-GitHub-Enterprise-Host`: the mock's host name.
    pub enterprise_host: String,
    /// How long a `reorder` fault holds a delivery when none follows it.
    pub reorder_wait: Duration,
    /// Authorities trusted for https receivers. The build carries no root
    /// store of its own (rustls with manual roots), so with none given only
    /// `insecure_ssl` deliveries reach https receivers.
    pub root_certificates: Vec<tokio_rustls::rustls::pki_types::CertificateDer<'static>>,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            timeout: DEFAULT_TIMEOUT,
            enterprise_version: "3.22.0".to_owned(),
            enterprise_host: "localhost".to_owned(),
            reorder_wait: DEFAULT_REORDER_WAIT,
            root_certificates: Vec::new(),
        }
    }
}

/// Which queue a delivery belongs to: deliveries of one target go out one at
/// a time, in the order enqueued.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum TargetKey {
    /// A repository, organization or global hook, by hook id.
    Hook(i64),
    /// A GitHub App's webhook, by App id.
    App(i64),
}

impl TargetKey {
    /// What `X-GitHub-Hook-ID` says: the hook id, or for an App the App id
    /// (an App has one hook, and the mock gives it no id of its own).
    pub fn hook_id(self) -> i64 {
        match self {
            TargetKey::Hook(id) | TargetKey::App(id) => id,
        }
    }
}

/// Everything needed to describe where and how a delivery is sent. Its
/// `Debug` hides the secret.
#[derive(Clone)]
pub struct Target {
    pub key: TargetKey,
    pub url: String,
    /// Signs each delivery when set and not empty.
    pub secret: Option<String>,
    pub content_type: ContentType,
    /// `X-GitHub-Hook-Installation-Target-Type`: `repository`,
    /// `organization`, `business` (global hooks) or `integration` (Apps).
    pub target_type: &'static str,
    /// `X-GitHub-Hook-Installation-Target-ID`: the repository's,
    /// organization's, enterprise's or App's id.
    pub target_id: i64,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("key", &self.key)
            .field("secret", &self.secret.as_ref().map(|_| "********"))
            .field("content_type", &self.content_type)
            .field("target_type", &self.target_type)
            .field("target_id", &self.target_id)
            .finish_non_exhaustive()
    }
}

/// One delivery to send: the request built when the event happened, and
/// what the recorder and the faults need to know of it.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The delivery record's id; outcomes carry it back.
    pub delivery_id: i64,
    pub target: TargetKey,
    pub url: String,
    /// Skip certificate checks of an https receiver (the hook's
    /// `insecure_ssl: "1"`).
    pub insecure_ssl: bool,
    pub guid: String,
    pub event: String,
    pub action: Option<String>,
    /// What a fault's `hook_id` is matched against.
    pub hook_id: Option<i64>,
    pub request: Request,
}

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub delivery_id: i64,
    /// Set when this attempt is the extra send of a `duplicate` fault (to
    /// `delivery_id`, the delivery duplicated): the recorder stores it as a
    /// new delivery record copying that delivery's request and GUID.
    pub duplicate_of: Option<i64>,
    /// Not sent: a `drop` fault took it (status `dropped`, code 0).
    pub dropped: bool,
    /// One of [`status`].
    pub status: String,
    /// The answer's status code; 0 when there was none.
    pub status_code: u16,
    /// From the start of the attempt to the end of the answer (or failure).
    pub duration_secs: f64,
    /// The mock clock's time when the attempt started.
    pub delivered_at_ms: i64,
    pub response_headers: Vec<(String, String)>,
    /// At most [`MAX_RESPONSE_BODY`] bytes of the answer, cut on a character.
    pub response_body: String,
}

/// How much of a receiver's answer is kept.
pub const MAX_RESPONSE_BODY: usize = 64 * 1024;

/// Why the engine cannot start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The TLS settings could not be made (for example, a root certificate
    /// rustls refuses).
    #[error("cannot build the webhook client: {0}")]
    Client(#[from] tokio_rustls::rustls::Error),
    /// Started outside a tokio runtime: the workers need one.
    #[error("the webhook delivery engine must start inside a tokio runtime")]
    NoRuntime(#[from] tokio::runtime::TryCurrentError),
}

/// The delivery engine: one worker per target, the delivery faults, and the
/// stop signal. Its tasks run on the runtime it was started in; dropping it
/// stops them.
#[derive(Debug)]
pub struct Engine {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    settings: EngineSettings,
    courier: Arc<Courier>,
    faults: DeliveryFaults,
    workers: Mutex<Workers>,
    /// `true` once stopping; dropped with the engine, which stops too.
    stop: watch::Sender<bool>,
    /// Bumped by [`Engine::clear`]: a delivery a `delay` fault held from an
    /// earlier generation is not sent.
    generation: AtomicU64,
    runtime: tokio::runtime::Handle,
}

#[derive(Debug, Default)]
struct Workers {
    closed: bool,
    queues: HashMap<TargetKey, Queue>,
}

#[derive(Debug)]
struct Queue {
    jobs: mpsc::UnboundedSender<Job>,
    task: JoinHandle<()>,
}

impl Engine {
    /// Starts the engine on the current tokio runtime; outcomes go to
    /// `outcomes`.
    pub fn start(
        settings: EngineSettings,
        clock: Arc<Clock>,
        outcomes: mpsc::UnboundedSender<Outcome>,
    ) -> Result<Engine, EngineError> {
        let runtime = tokio::runtime::Handle::try_current()?;
        let courier = Courier::new(&settings, clock, outcomes)?;
        let (stop, _) = watch::channel(false);
        Ok(Engine {
            inner: Arc::new(Inner {
                settings,
                courier: Arc::new(courier),
                faults: DeliveryFaults::default(),
                workers: Mutex::default(),
                stop,
                generation: AtomicU64::new(0),
                runtime,
            }),
        })
    }

    /// Queues a delivery behind the others of its target. Never blocks and
    /// never waits on the network; after [`Engine::shutdown`] the delivery
    /// is discarded.
    pub fn enqueue(&self, outgoing: Outgoing) {
        if self.inner.workers().closed {
            tracing::debug!(
                delivery_id = outgoing.delivery_id,
                "engine stopped: not sent"
            );
            return;
        }
        let handling = match self.inner.faults.take(&outgoing) {
            None => Handling::Send,
            Some(faults::Taken::Drop) => Handling::Drop,
            Some(faults::Taken::Duplicate) => Handling::Duplicate,
            Some(faults::Taken::Reorder) => Handling::Reorder,
            Some(faults::Taken::Delay(delay)) => return self.delay(outgoing, delay),
        };
        self.inner.route(Job { outgoing, handling });
    }

    /// The settings it started with, for [`build_request`].
    pub fn settings(&self) -> &EngineSettings {
        &self.inner.settings
    }

    /// The delivery faults planned.
    pub fn faults(&self) -> &DeliveryFaults {
        &self.inner.faults
    }

    /// Stops: nothing more is sent, deliveries still queued or held are
    /// discarded without an outcome, and sends under way are cancelled.
    /// Returns within about two seconds whatever the receivers do; calling it
    /// again does nothing.
    pub async fn shutdown(&self) {
        let queues = {
            let mut workers = self.inner.workers();
            workers.closed = true;
            std::mem::take(&mut workers.queues)
        };
        self.inner.stop.send_replace(true);
        let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
        for (key, queue) in queues {
            drop(queue.jobs);
            let mut task = queue.task;
            if tokio::time::timeout_at(deadline, &mut task).await.is_err() {
                tracing::warn!(target = ?key, "webhook queue did not stop in time; aborted");
                task.abort();
            }
        }
    }

    /// Forgets every delivery queued, held by a fault or being sent, as a
    /// reset of the server does: none of them is sent or reported, and the
    /// engine goes on taking new ones.
    pub fn clear(&self) {
        let queues = std::mem::take(&mut self.inner.workers().queues);
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
        for queue in queues.into_values() {
            queue.task.abort();
        }
    }

    /// A `delay` fault: the delivery waits outside its queue, so that later
    /// ones overtake it, then joins the queue's end.
    fn delay(&self, outgoing: Outgoing, delay: Duration) {
        let inner = Arc::downgrade(&self.inner);
        let generation = self.inner.generation.load(Ordering::SeqCst);
        let mut stop = self.inner.stop.subscribe();
        self.inner.runtime.spawn(async move {
            tokio::select! {
                biased;
                // Stopped, or the engine is gone.
                _ = stop.wait_for(|stopped| *stopped) => {}
                () = tokio::time::sleep(delay) => {
                    if let Some(inner) = Weak::upgrade(&inner)
                        && inner.generation.load(Ordering::SeqCst) == generation
                    {
                        let handling = Handling::Send;
                        inner.route(Job { outgoing, handling });
                    }
                }
            }
        });
    }
}

impl Inner {
    fn workers(&self) -> std::sync::MutexGuard<'_, Workers> {
        self.workers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Puts the job on its target's queue, starting the queue's worker on
    /// the target's first delivery.
    fn route(&self, job: Job) {
        let key = job.outgoing.target;
        let mut workers = self.workers();
        if workers.closed {
            tracing::debug!(
                delivery_id = job.outgoing.delivery_id,
                "engine stopped: not sent"
            );
            return;
        }
        let queue = workers
            .queues
            .entry(key)
            .or_insert_with(|| self.spawn_worker(key));
        if let Err(mpsc::error::SendError(job)) = queue.jobs.send(job) {
            // Only a worker that panicked closes its queue: a new one takes
            // over (what the old one held is lost).
            tracing::error!(target = ?key, "webhook queue worker died; restarted");
            let queue = self.spawn_worker(key);
            let _ = queue.jobs.send(job);
            workers.queues.insert(key, queue);
        }
    }

    fn spawn_worker(&self, key: TargetKey) -> Queue {
        let (jobs, receiver) = mpsc::unbounded_channel();
        let work = worker::run(Arc::clone(&self.courier), receiver, self.stop.subscribe());
        let span = tracing::debug_span!("webhook_queue", target = ?key);
        let task = self.runtime.spawn(work.instrument(span));
        Queue { jobs, task }
    }
}
