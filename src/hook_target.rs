//! A webhook receiver for tests: a small server that records every POST it
//! gets, so a Rust test can check the deliveries a hook sends without
//! writing a server of its own.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::post;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

/// A server on a free loopback port that records every POST it receives and
/// answers `200` (or what [`HookTarget::respond_with`] says), for pointing a
/// hook at in a test.
///
/// It runs on the caller's tokio runtime and stops when dropped, like
/// [`crate::GhesMock`]. Every wait is bounded by a timeout, so a delivery
/// that never comes fails the test instead of hanging it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use ghes_mock::HookTarget;
///
/// let target = HookTarget::start().await;
/// // What a hook delivery looks like on the wire.
/// reqwest::Client::new()
///     .post(target.url())
///     .header("X-GitHub-Event", "workflow_job")
///     .header("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
///     .header("X-GitHub-Hook-ID", "7")
///     .header("Content-Type", "application/json")
///     .body(r#"{"action":"queued","workflow_job":{"id":1,"labels":["self-hosted"]}}"#)
///     .send()
///     .await
///     .unwrap();
///
/// let delivery = target.next().await;
/// assert_eq!(delivery.event, "workflow_job");
/// assert_eq!(delivery.action.as_deref(), Some("queued"));
/// assert_eq!(delivery.hook_id, Some(7));
/// assert_eq!(delivery.json["workflow_job"]["id"], 1);
/// # }
/// ```
#[derive(Debug)]
pub struct HookTarget {
    address: SocketAddr,
    shared: Arc<Shared>,
    /// How many deliveries [`HookTarget::next`] has handed out.
    cursor: tokio::sync::Mutex<usize>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// One request a [`HookTarget`] received: a webhook delivery, as GitHub
/// sends them.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let target = ghes_mock::HookTarget::start().await;
/// reqwest::Client::new()
///     .post(target.url())
///     .header("X-GitHub-Event", "ping")
///     .header("Content-Type", "application/x-www-form-urlencoded")
///     .body("payload=%7B%22zen%22%3A%22Favor+focus+over+features.%22%7D")
///     .send()
///     .await
///     .unwrap();
/// let ping = target.next().await;
/// // A form hook's payload is decoded from its `payload=` field.
/// assert_eq!(ping.json["zen"], "Favor focus over features.");
/// assert_eq!(ping.action, None);
/// assert_eq!(ping.header("content-type"), Some("application/x-www-form-urlencoded"));
/// assert_eq!(ping.status, 200);
/// # }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReceivedDelivery {
    /// `X-GitHub-Event`, such as `workflow_job` or `ping`; empty when absent.
    pub event: String,
    /// `X-GitHub-Delivery`, the event's GUID; empty when absent.
    pub guid: String,
    /// `X-GitHub-Hook-ID`, when present and a number.
    pub hook_id: Option<i64>,
    /// The path and query the request was sent to (`/hook`).
    pub path: String,
    /// Every header, names in lowercase, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body's exact bytes, which the signatures cover.
    pub body: Vec<u8>,
    /// The payload: the JSON body, or the `payload` field of a form body;
    /// `Null` when neither parses.
    pub json: serde_json::Value,
    /// The payload's `action` (`queued`, `in_progress`, `completed`, …);
    /// `None` for events without one, such as `ping`.
    pub action: Option<String>,
    /// The status the target answered, set by [`HookTarget::respond_with`]
    /// when the request arrived.
    pub status: u16,
    /// When the request arrived (wall time).
    pub received_at: SystemTime,
}

/// A wait on a [`HookTarget`] ran out of time.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::time::Duration;
/// let target = ghes_mock::HookTarget::start().await;
/// let error = target.wait_for(1, Duration::from_millis(10)).await.unwrap_err();
/// assert_eq!(error.received, 0);
/// assert!(error.to_string().starts_with("no delivery matched within"));
/// # }
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[error("no delivery matched within {waited:?} ({received} received)")]
#[non_exhaustive]
pub struct WaitTimeout {
    /// How long the wait lasted.
    pub waited: Duration,
    /// How many deliveries had arrived by then.
    pub received: usize,
}

#[derive(Debug)]
struct Shared {
    deliveries: Mutex<Vec<ReceivedDelivery>>,
    /// The number of deliveries, bumped after each arrives.
    arrived: watch::Sender<usize>,
    reply: Mutex<Reply>,
}

/// How the target answers the requests that follow.
#[derive(Debug, Clone, Copy)]
struct Reply {
    status: StatusCode,
    delay: Duration,
}

impl Shared {
    fn deliveries(&self) -> MutexGuard<'_, Vec<ReceivedDelivery>> {
        // A panicking test thread must not hide what arrived from the others.
        self.deliveries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn reply(&self) -> MutexGuard<'_, Reply> {
        self.reply
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl HookTarget {
    /// How long [`HookTarget::next`] waits for a delivery before it panics.
    ///
    /// ```
    /// assert_eq!(ghes_mock::HookTarget::DEFAULT_TIMEOUT.as_secs(), 10);
    /// ```
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    /// Starts a target on a free loopback port.
    ///
    /// # Panics
    /// If no loopback port is free.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let target = ghes_mock::HookTarget::start().await;
    /// assert!(target.received().is_empty());
    /// # }
    /// ```
    pub async fn start() -> HookTarget {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("no free loopback port for a HookTarget");
        let address = listener
            .local_addr()
            .expect("a bound socket has an address");
        let shared = Arc::new(Shared {
            deliveries: Mutex::new(Vec::new()),
            arrived: watch::Sender::new(0),
            reply: Mutex::new(Reply {
                status: StatusCode::OK,
                delay: Duration::ZERO,
            }),
        });
        let router = Router::new()
            .route("/", post(receive))
            .route("/{*path}", post(receive))
            // GitHub sends payloads of up to 25 MB.
            .layer(DefaultBodyLimit::max(25 * 1024 * 1024))
            .with_state(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
            if let Err(error) = served {
                tracing::warn!(%error, "hook target stopped");
            }
        });
        HookTarget {
            address,
            shared,
            cursor: tokio::sync::Mutex::new(0),
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// The URL to give a hook: `http://127.0.0.1:PORT/hook`. Any other path
    /// on the same port is received too.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let target = ghes_mock::HookTarget::start().await;
    /// assert!(target.url().starts_with("http://127.0.0.1:"));
    /// assert!(target.url().ends_with("/hook"));
    /// # }
    /// ```
    pub fn url(&self) -> String {
        format!("http://{}/hook", self.address)
    }

    /// The address the target listens on.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let target = ghes_mock::HookTarget::start().await;
    /// assert!(target.address().ip().is_loopback());
    /// # }
    /// ```
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Every request received so far, oldest first.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let target = ghes_mock::HookTarget::start().await;
    /// reqwest::Client::new().post(target.url()).body("{}").send().await.unwrap();
    /// assert_eq!(target.received().len(), 1);
    /// # }
    /// ```
    pub fn received(&self) -> Vec<ReceivedDelivery> {
        self.shared.deliveries().clone()
    }

    /// The next delivery not yet handed out by `next`, in order of
    /// arrival, waiting for it up to [`HookTarget::DEFAULT_TIMEOUT`].
    ///
    /// # Panics
    /// If none arrives in time; [`HookTarget::next_within`] returns an
    /// error instead.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let target = ghes_mock::HookTarget::start().await;
    /// let client = reqwest::Client::new();
    /// for event in ["ping", "workflow_job"] {
    ///     client.post(target.url()).header("X-GitHub-Event", event).body("{}").send().await.unwrap();
    /// }
    /// assert_eq!(target.next().await.event, "ping");
    /// assert_eq!(target.next().await.event, "workflow_job");
    /// # }
    /// ```
    pub async fn next(&self) -> ReceivedDelivery {
        match self.next_within(Self::DEFAULT_TIMEOUT).await {
            Ok(delivery) => delivery,
            Err(error) => panic!("HookTarget::next: {error}"),
        }
    }

    /// The next delivery not yet handed out by `next`, waiting for it up to
    /// `timeout`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::time::Duration;
    /// let target = ghes_mock::HookTarget::start().await;
    /// assert!(target.next_within(Duration::from_millis(10)).await.is_err());
    /// # }
    /// ```
    pub async fn next_within(&self, timeout: Duration) -> Result<ReceivedDelivery, WaitTimeout> {
        let started = Instant::now();
        // Held across the wait, so that two `next` calls at once each take
        // their own delivery.
        let mut cursor = tokio::time::timeout(timeout, self.cursor.lock())
            .await
            .map_err(|_| self.timed_out(timeout))?;
        let index = *cursor;
        let left = timeout.saturating_sub(started.elapsed());
        let all = self.wait_until(|all| all.len() > index, left).await?;
        *cursor = index + 1;
        Ok(all[index].clone())
    }

    /// Waits until at least `count` requests have arrived in all, and
    /// returns every one received by then.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::time::Duration;
    /// let target = ghes_mock::HookTarget::start().await;
    /// let url = target.url();
    /// tokio::spawn(async move {
    ///     let client = reqwest::Client::new();
    ///     for _ in 0..3 {
    ///         client.post(&url).body("{}").send().await.unwrap();
    ///     }
    /// });
    /// let all = target.wait_for(3, Duration::from_secs(10)).await.unwrap();
    /// assert_eq!(all.len(), 3);
    /// # }
    /// ```
    pub async fn wait_for(
        &self,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<ReceivedDelivery>, WaitTimeout> {
        self.wait_until(|all| all.len() >= count, timeout).await
    }

    /// Waits until `done` holds for the requests received so far (oldest
    /// first), and returns them.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::time::Duration;
    /// let target = ghes_mock::HookTarget::start().await;
    /// let client = reqwest::Client::new();
    /// for action in ["queued", "in_progress", "completed"] {
    ///     client.post(target.url())
    ///         .header("X-GitHub-Event", "workflow_job")
    ///         .body(format!(r#"{{"action":"{action}"}}"#))
    ///         .send().await.unwrap();
    /// }
    /// let all = target
    ///     .wait_until(
    ///         |all| all.iter().any(|d| d.action.as_deref() == Some("completed")),
    ///         Duration::from_secs(10),
    ///     )
    ///     .await
    ///     .unwrap();
    /// assert_eq!(all.len(), 3);
    /// # }
    /// ```
    pub async fn wait_until(
        &self,
        mut done: impl FnMut(&[ReceivedDelivery]) -> bool,
        timeout: Duration,
    ) -> Result<Vec<ReceivedDelivery>, WaitTimeout> {
        let mut arrived = self.shared.arrived.subscribe();
        let wait = async {
            loop {
                // Marked seen before looking, so an arrival in between wakes us.
                arrived.borrow_and_update();
                {
                    let all = self.shared.deliveries();
                    if done(&all) {
                        return all.clone();
                    }
                }
                if arrived.changed().await.is_err() {
                    // Unreachable while `self` holds the sender; wait out the timeout.
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| self.timed_out(timeout))
    }

    fn timed_out(&self, waited: Duration) -> WaitTimeout {
        WaitTimeout {
            waited,
            received: self.shared.deliveries().len(),
        }
    }

    /// Answers the requests that follow with `status` (default `200`), to
    /// play a receiver that fails. The body is the status's reason phrase.
    ///
    /// # Panics
    /// If `status` is not an HTTP status code (100 to 999).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let target = ghes_mock::HookTarget::start().await;
    /// target.respond_with(503);
    /// let answer = reqwest::Client::new().post(target.url()).body("{}").send().await.unwrap();
    /// assert_eq!(answer.status(), 503);
    /// assert_eq!(target.next().await.status, 503, "recorded all the same");
    /// # }
    /// ```
    pub fn respond_with(&self, status: u16) {
        let status = StatusCode::from_u16(status)
            .unwrap_or_else(|_| panic!("{status} is not an HTTP status code"));
        self.shared.reply().status = status;
    }

    /// Waits `delay` before answering the requests that follow (default no
    /// delay), to play a slow receiver; a request is recorded as soon as it
    /// arrives.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::time::Duration;
    /// let target = ghes_mock::HookTarget::start().await;
    /// target.delay(Duration::from_secs(5));
    /// let client = reqwest::Client::builder().timeout(Duration::from_millis(100)).build().unwrap();
    /// let answer = client.post(target.url()).body("{}").send().await;
    /// assert!(answer.unwrap_err().is_timeout());
    /// assert_eq!(target.received().len(), 1);
    /// # }
    /// ```
    pub fn delay(&self, delay: Duration) {
        self.shared.reply().delay = delay;
    }

    /// Stops listening, lets requests under way be answered (a
    /// [`HookTarget::delay`] included), and returns once all of that is done.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let target = ghes_mock::HookTarget::start().await;
    /// let address = target.address();
    /// target.shutdown().await;
    /// assert!(tokio::net::TcpStream::connect(address).await.is_err());
    /// # }
    /// ```
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for HookTarget {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl ReceivedDelivery {
    /// The value of a header, its name in any case; the first when repeated.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let target = ghes_mock::HookTarget::start().await;
    /// reqwest::Client::new().post(target.url())
    ///     .header("User-Agent", "GitHub-Hookshot/044aadd").body("{}").send().await.unwrap();
    /// assert_eq!(target.next().await.header("USER-AGENT"), Some("GitHub-Hookshot/044aadd"));
    /// # }
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Whether `X-Hub-Signature-256` is `sha256=` and the HMAC-SHA256 of the
    /// body with `secret`, compared in constant time. False when the header
    /// is missing or malformed.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let target = ghes_mock::HookTarget::start().await;
    /// // GitHub's own example, from "Validating webhook deliveries".
    /// reqwest::Client::new().post(target.url())
    ///     .header(
    ///         "X-Hub-Signature-256",
    ///         "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    ///     )
    ///     .body("Hello, World!")
    ///     .send().await.unwrap();
    /// let delivery = target.next().await;
    /// assert!(delivery.verify("It's a Secret to Everybody"));
    /// assert!(!delivery.verify("another secret"));
    /// # }
    /// ```
    pub fn verify(&self, secret: &str) -> bool {
        let Some(signature) = self
            .header("x-hub-signature-256")
            .and_then(|value| value.strip_prefix("sha256="))
            .and_then(decode_hex)
        else {
            return false;
        };
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
            return false;
        };
        mac.update(&self.body);
        mac.verify_slice(&signature).is_ok()
    }

    fn new(uri: &Uri, headers: &HeaderMap, body: Vec<u8>, status: StatusCode) -> ReceivedDelivery {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let is_form = text("content-type").is_some_and(|kind| {
            kind.split(';')
                .next()
                .is_some_and(|kind| kind.trim() == "application/x-www-form-urlencoded")
        });
        let json = parse_payload(&body, is_form);
        ReceivedDelivery {
            event: text("x-github-event").unwrap_or_default(),
            guid: text("x-github-delivery").unwrap_or_default(),
            hook_id: text("x-github-hook-id").and_then(|id| id.trim().parse().ok()),
            path: uri
                .path_and_query()
                .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned()),
            headers: headers
                .iter()
                .map(|(name, value)| {
                    let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                    (name.as_str().to_owned(), value)
                })
                .collect(),
            action: json["action"].as_str().map(str::to_owned),
            json,
            body,
            status: status.as_u16(),
            received_at: SystemTime::now(),
        }
    }
}

/// Records the request, then answers as told.
async fn receive(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, &'static str) {
    let reply = *shared.reply();
    let delivery = ReceivedDelivery::new(&uri, &headers, body.into(), reply.status);
    shared.deliveries().push(delivery);
    shared.arrived.send_modify(|count| *count += 1);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    (
        reply.status,
        reply.status.canonical_reason().unwrap_or_default(),
    )
}

/// The JSON body, or for a form body the JSON in its `payload` field.
fn parse_payload(body: &[u8], is_form: bool) -> serde_json::Value {
    let json = if is_form {
        form_urlencoded::parse(body)
            .find(|(key, _)| key == "payload")
            .and_then(|(_, payload)| serde_json::from_str(&payload).ok())
    } else {
        serde_json::from_slice(body).ok()
    };
    json.unwrap_or_default()
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    let digits = hex.as_bytes();
    if !digits.len().is_multiple_of(2) || !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body);
        let bytes = mac.finalize().into_bytes();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256={hex}")
    }

    async fn post(target: &HookTarget, headers: &[(&str, &str)], body: &str) -> reqwest::Response {
        let mut request = reqwest::Client::new()
            .post(target.url())
            .body(body.to_owned());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }

    const QUEUED: &str = r#"{"action":"queued","workflow_job":{"id":42,"run_id":7,"labels":["self-hosted","linux"],"status":"queued"},"repository":{"full_name":"octo-org/hello"}}"#;

    #[tokio::test]
    async fn a_signed_workflow_job_delivery_is_recorded_with_its_headers() {
        let target = HookTarget::start().await;
        let signature = sign("s3cret", QUEUED.as_bytes());

        let answer = post(
            &target,
            &[
                ("X-GitHub-Event", "workflow_job"),
                ("X-GitHub-Delivery", "d4049330-377e-11ed-9c2e-1ae286aab35f"),
                ("X-GitHub-Hook-ID", "12"),
                ("X-Hub-Signature-256", &signature),
                ("Content-Type", "application/json"),
            ],
            QUEUED,
        )
        .await;

        assert_eq!(answer.status(), 200);
        let delivery = target.next().await;
        assert_eq!(delivery.event, "workflow_job");
        assert_eq!(delivery.guid, "d4049330-377e-11ed-9c2e-1ae286aab35f");
        assert_eq!(delivery.hook_id, Some(12));
        assert_eq!(delivery.path, "/hook");
        assert_eq!(delivery.action.as_deref(), Some("queued"));
        assert_eq!(delivery.json["workflow_job"]["labels"][1], "linux");
        assert_eq!(delivery.body, QUEUED.as_bytes());
        assert_eq!(delivery.header("content-type"), Some("application/json"));
        assert!(delivery.verify("s3cret"));
        assert!(!delivery.verify("S3CRET"));
    }

    #[test]
    fn github_test_vector_verifies() {
        let delivery = ReceivedDelivery {
            event: String::new(),
            guid: String::new(),
            hook_id: None,
            path: "/hook".into(),
            headers: vec![(
                "x-hub-signature-256".into(),
                "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17".into(),
            )],
            body: b"Hello, World!".to_vec(),
            json: serde_json::Value::Null,
            action: None,
            status: 200,
            received_at: SystemTime::now(),
        };
        assert!(delivery.verify("It's a Secret to Everybody"));
    }

    #[tokio::test]
    async fn missing_or_malformed_signatures_do_not_verify() {
        let target = HookTarget::start().await;
        let good = sign("s", b"{}");
        let cases = [
            None,
            Some("sha1=0123"),
            Some("sha256=zz"),
            Some("sha256=abc"),
            Some(good.trim_start_matches("sha256=")),
            Some("sha256="),
            Some("sha256=+1"),
        ];
        for signature in cases {
            let headers: Vec<(&str, &str)> = signature
                .map(|s| ("X-Hub-Signature-256", s))
                .into_iter()
                .collect();
            post(&target, &headers, "{}").await;
            assert!(!target.next().await.verify("s"), "{signature:?}");
        }
    }

    #[tokio::test]
    async fn a_form_delivery_decodes_its_payload_and_is_signed_over_the_raw_body() {
        let target = HookTarget::start().await;
        let body: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("payload", QUEUED)
            .finish();
        let signature = sign("k", body.as_bytes());

        post(
            &target,
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("X-Hub-Signature-256", &signature),
            ],
            &body,
        )
        .await;

        let delivery = target.next().await;
        assert_eq!(delivery.json["workflow_job"]["id"], 42);
        assert_eq!(delivery.action.as_deref(), Some("queued"));
        assert!(delivery.verify("k"));
    }

    #[tokio::test]
    async fn a_body_that_is_not_json_has_a_null_payload() {
        let target = HookTarget::start().await;
        post(&target, &[("X-GitHub-Hook-ID", "not a number")], "nope").await;
        let delivery = target.next().await;
        assert!(delivery.json.is_null());
        assert_eq!(delivery.action, None);
        assert_eq!(delivery.hook_id, None);
        assert_eq!(delivery.event, "");
    }

    #[tokio::test]
    async fn next_hands_out_deliveries_in_order_of_arrival_once_each() {
        let target = HookTarget::start().await;
        for id in 0..5 {
            post(&target, &[], &format!(r#"{{"n":{id}}}"#)).await;
        }
        for id in 0..5 {
            assert_eq!(target.next().await.json["n"], id);
        }
        assert!(target.next_within(Duration::from_millis(20)).await.is_err());
        assert_eq!(target.received().len(), 5);
    }

    #[tokio::test]
    async fn next_waits_for_a_delivery_that_comes_later() {
        let target = HookTarget::start().await;
        let url = target.url();
        tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .body("{}")
                .send()
                .await
                .unwrap();
        });
        let delivery = target.next_within(Duration::from_secs(10)).await.unwrap();
        assert_eq!(delivery.path, "/hook");
    }

    #[tokio::test]
    async fn concurrent_deliveries_are_all_recorded() {
        let target = HookTarget::start().await;
        let mut sends = tokio::task::JoinSet::new();
        for n in 0..20 {
            let url = format!("http://{}/hooks/{n}", target.address());
            sends.spawn(async move { reqwest::Client::new().post(url).body("{}").send().await });
        }
        while let Some(answer) = sends.join_next().await {
            assert_eq!(answer.unwrap().unwrap().status(), 200);
        }
        let all = target.wait_for(20, Duration::from_secs(10)).await.unwrap();
        let mut paths: Vec<_> = all.iter().map(|d| d.path.clone()).collect();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), 20);
    }

    #[tokio::test]
    async fn two_next_calls_at_once_take_one_delivery_each() {
        let target = HookTarget::start().await;
        post(&target, &[], r#"{"n":1}"#).await;
        post(&target, &[], r#"{"n":2}"#).await;
        let (a, b) = tokio::join!(target.next(), target.next());
        let mut seen = [a.json["n"].as_i64(), b.json["n"].as_i64()];
        seen.sort();
        assert_eq!(seen, [Some(1), Some(2)]);
    }

    #[tokio::test]
    async fn wait_for_times_out_with_what_arrived() {
        let target = HookTarget::start().await;
        post(&target, &[], "{}").await;
        let error = target
            .wait_for(2, Duration::from_millis(30))
            .await
            .unwrap_err();
        assert_eq!(error.received, 1);
        assert_eq!(error.waited, Duration::from_millis(30));
    }

    #[tokio::test]
    async fn wait_until_sees_the_predicate_become_true() {
        let target = HookTarget::start().await;
        let url = target.url();
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            for action in ["queued", "in_progress", "completed"] {
                client
                    .post(&url)
                    .body(format!(r#"{{"action":"{action}"}}"#))
                    .send()
                    .await
                    .unwrap();
            }
        });
        let all = target
            .wait_until(
                |all| all.iter().any(|d| d.action.as_deref() == Some("completed")),
                Duration::from_secs(10),
            )
            .await
            .unwrap();
        let actions: Vec<_> = all.iter().filter_map(|d| d.action.clone()).collect();
        assert_eq!(actions, ["queued", "in_progress", "completed"]);
    }

    #[tokio::test]
    async fn respond_with_applies_to_the_requests_that_follow() {
        let target = HookTarget::start().await;
        assert_eq!(post(&target, &[], "{}").await.status(), 200);
        target.respond_with(500);
        let failed = post(&target, &[], "{}").await;
        assert_eq!(failed.status(), 500);
        assert_eq!(failed.text().await.unwrap(), "Internal Server Error");
        target.respond_with(202);
        assert_eq!(post(&target, &[], "{}").await.status(), 202);

        let statuses: Vec<_> = target.received().iter().map(|d| d.status).collect();
        assert_eq!(statuses, [200, 500, 202]);
    }

    #[tokio::test]
    #[should_panic(expected = "not an HTTP status code")]
    async fn respond_with_refuses_what_is_not_a_status() {
        HookTarget::start().await.respond_with(42);
    }

    #[tokio::test]
    async fn a_delayed_request_is_recorded_before_it_is_answered() {
        let target = HookTarget::start().await;
        target.delay(Duration::from_secs(1));
        let url = target.url();
        let slow = tokio::spawn(async move {
            let started = std::time::Instant::now();
            reqwest::Client::new()
                .post(url)
                .body("{}")
                .send()
                .await
                .unwrap();
            started.elapsed()
        });
        target.next_within(Duration::from_secs(10)).await.unwrap();
        assert!(!slow.is_finished(), "answered before the delay was over");
        assert!(slow.await.unwrap() >= Duration::from_secs(1));

        target.delay(Duration::ZERO);
        let started = std::time::Instant::now();
        post(&target, &[], "{}").await;
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test]
    async fn a_payload_larger_than_axums_default_limit_is_received() {
        let target = HookTarget::start().await;
        let big = format!(
            r#"{{"action":"completed","pad":"{}"}}"#,
            "x".repeat(5 << 20)
        );
        assert_eq!(post(&target, &[], &big).await.status(), 200);
        assert_eq!(target.next().await.body.len(), big.len());
    }

    #[tokio::test]
    async fn only_post_is_received() {
        let target = HookTarget::start().await;
        let get = reqwest::get(target.url()).await.unwrap();
        assert_eq!(get.status(), 405);
        assert!(target.received().is_empty());
    }

    #[tokio::test]
    async fn shutdown_answers_a_delayed_request_before_it_returns() {
        let target = HookTarget::start().await;
        target.delay(Duration::from_millis(200));
        let url = target.url();
        let slow =
            tokio::spawn(async move { reqwest::Client::new().post(url).body("{}").send().await });
        target.next().await;
        target.shutdown().await;
        assert_eq!(slow.await.unwrap().unwrap().status(), 200);
    }
}
