//! The engine against real receivers on loopback: small axum servers that
//! record what they get and answer as told.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::task::JoinHandle;

use super::*;

const SECRET: &str = "It's a Secret to Everybody";

/// Every wait in these tests is bounded by this.
const PATIENCE: Duration = Duration::from_secs(10);

/// What a receiver got.
#[derive(Debug)]
struct Seen {
    headers: HeaderMap,
    body: Bytes,
}

impl Seen {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("no {name} header"))
    }

    fn guid(&self) -> &str {
        self.header("x-github-delivery")
    }
}

/// How a receiver answers.
#[derive(Debug, Clone)]
struct Behaviour {
    status: StatusCode,
    /// When set, each answer waits for a permit (forever if none comes;
    /// closing the semaphore lets everything through).
    gate: Option<Arc<Semaphore>>,
}

impl Behaviour {
    fn answer(status: u16) -> Behaviour {
        Behaviour {
            status: StatusCode::from_u16(status).unwrap(),
            gate: None,
        }
    }

    fn held(gate: &Arc<Semaphore>) -> Behaviour {
        Behaviour {
            status: StatusCode::OK,
            gate: Some(Arc::clone(gate)),
        }
    }
}

struct Receiver {
    url: String,
    seen: UnboundedReceiver<Seen>,
    server: JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Receiver {
    async fn start(behaviour: Behaviour) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let (app, seen) = receiver_app(behaviour);
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver { url, seen, server }
    }

    async fn next(&mut self) -> Seen {
        next(&mut self.seen).await
    }

    /// What it got so far, without waiting.
    fn so_far(&mut self) -> Vec<Seen> {
        std::iter::from_fn(|| self.seen.try_recv().ok()).collect()
    }
}

fn receiver_app(behaviour: Behaviour) -> (Router, UnboundedReceiver<Seen>) {
    let (seen, received) = mpsc::unbounded_channel();
    let app = Router::new().fallback(answer).with_state((seen, behaviour));
    (app, received)
}

async fn answer(
    State((seen, behaviour)): State<(UnboundedSender<Seen>, Behaviour)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let _ = seen.send(Seen { headers, body });
    if let Some(gate) = &behaviour.gate {
        let _ = gate.acquire().await;
    }
    // A Location on every answer, so that a 3xx is a redirect to follow.
    (
        behaviour.status,
        [("x-receiver", "test"), ("location", "/elsewhere")],
        "thanks",
    )
        .into_response()
}

async fn next<T>(channel: &mut UnboundedReceiver<T>) -> T {
    tokio::time::timeout(PATIENCE, channel.recv())
        .await
        .expect("nothing came in time")
        .expect("the channel closed")
}

fn settings() -> EngineSettings {
    EngineSettings {
        enterprise_host: "ghes.example".to_owned(),
        ..EngineSettings::default()
    }
}

fn start(settings: EngineSettings) -> (Engine, UnboundedReceiver<Outcome>, Arc<Clock>) {
    let clock = Arc::new(Clock::default());
    let (outcomes, recorded) = mpsc::unbounded_channel();
    let engine = Engine::start(settings, Arc::clone(&clock), outcomes).unwrap();
    (engine, recorded, clock)
}

fn hook(id: i64, url: &str) -> Target {
    Target {
        key: TargetKey::Hook(id),
        url: url.to_owned(),
        secret: Some(SECRET.to_owned()),
        content_type: ContentType::Json,
        target_type: "repository",
        target_id: 42,
    }
}

fn payload(delivery_id: i64) -> String {
    format!(r#"{{"action":"queued","n":{delivery_id},"text":"a b&c"}}"#)
}

fn outgoing(target: &Target, delivery_id: i64) -> Outgoing {
    let guid = format!("00000000-0000-0000-0000-{delivery_id:012}");
    let json = payload(delivery_id);
    let request = build_request(target, &settings(), &guid, "workflow_job", json.as_bytes());
    Outgoing {
        delivery_id,
        target: target.key,
        url: target.url.clone(),
        insecure_ssl: false,
        guid,
        event: "workflow_job".to_owned(),
        action: Some("queued".to_owned()),
        hook_id: Some(target.key.hook_id()),
        request,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The signature computed with another library than the engine's.
fn expected_signature(algorithm: ring::hmac::Algorithm, body: &[u8]) -> String {
    let key = ring::hmac::Key::new(algorithm, SECRET.as_bytes());
    hex(ring::hmac::sign(&key, body).as_ref())
}

fn ids(outcomes: &[Outcome]) -> Vec<i64> {
    outcomes.iter().map(|o| o.delivery_id).collect()
}

async fn outcomes(recorded: &mut UnboundedReceiver<Outcome>, count: usize) -> Vec<Outcome> {
    let mut got = Vec::with_capacity(count);
    for _ in 0..count {
        got.push(next(recorded).await);
    }
    got
}

#[tokio::test]
async fn a_delivery_carries_githubs_headers_and_both_signatures() {
    let mut receiver = Receiver::start(Behaviour::answer(200)).await;
    let (engine, mut recorded, clock) = start(settings());
    clock.set_offset_seconds(86_400);
    let before = clock.now_ms();

    engine.enqueue(outgoing(&hook(7, &receiver.url), 1));
    let seen = receiver.next().await;
    let outcome = next(&mut recorded).await;

    assert_eq!(seen.header("accept"), "*/*");
    let agent = seen.header("user-agent");
    let commit = agent.strip_prefix("GitHub-Hookshot/").unwrap();
    assert!(
        commit.len() == 7
            && commit
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
        "{agent}"
    );
    assert_eq!(seen.header("x-github-event"), "workflow_job");
    assert_eq!(seen.guid(), "00000000-0000-0000-0000-000000000001");
    assert_eq!(seen.header("x-github-hook-id"), "7");
    assert_eq!(
        seen.header("x-github-hook-installation-target-type"),
        "repository"
    );
    assert_eq!(seen.header("x-github-hook-installation-target-id"), "42");
    assert_eq!(seen.header("x-github-enterprise-version"), "3.22.0");
    assert_eq!(seen.header("x-github-enterprise-host"), "ghes.example");
    assert_eq!(seen.header("content-type"), "application/json");
    assert_eq!(seen.body, payload(1).as_bytes());
    assert_eq!(
        seen.header("x-hub-signature-256"),
        format!(
            "sha256={}",
            expected_signature(ring::hmac::HMAC_SHA256, &seen.body)
        )
    );
    assert_eq!(
        seen.header("x-hub-signature"),
        format!(
            "sha1={}",
            expected_signature(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &seen.body)
        )
    );

    assert_eq!(outcome.delivery_id, 1);
    assert_eq!((outcome.status.as_str(), outcome.status_code), ("OK", 200));
    assert!(!outcome.dropped && outcome.duplicate_of.is_none());
    assert!(
        outcome
            .response_headers
            .contains(&("x-receiver".to_owned(), "test".to_owned()))
    );
    assert_eq!(outcome.response_body, "thanks");
    assert!(outcome.duration_secs >= 0.0);
    // On the mock clock, a day ahead of the wall.
    assert!((before..=clock.now_ms()).contains(&outcome.delivered_at_ms));
}

#[tokio::test]
async fn a_form_hook_gets_a_payload_form_signed_over_the_whole_body() {
    let mut receiver = Receiver::start(Behaviour::answer(202)).await;
    let (engine, mut recorded, _) = start(settings());
    let target = Target {
        content_type: ContentType::Form,
        ..hook(3, &receiver.url)
    };

    engine.enqueue(outgoing(&target, 5));
    let seen = receiver.next().await;

    assert_eq!(
        seen.header("content-type"),
        "application/x-www-form-urlencoded"
    );
    let fields: Vec<(String, String)> = form_urlencoded::parse(&seen.body).into_owned().collect();
    assert_eq!(fields, [("payload".to_owned(), payload(5))]);
    assert!(seen.body.starts_with(b"payload=%7B%22action%22"));
    assert_eq!(
        seen.header("x-hub-signature-256"),
        format!(
            "sha256={}",
            expected_signature(ring::hmac::HMAC_SHA256, &seen.body)
        )
    );
    assert_eq!(next(&mut recorded).await.status, "OK");
}

#[tokio::test]
async fn an_app_delivery_names_the_app_and_a_hook_without_secret_is_unsigned() {
    let mut receiver = Receiver::start(Behaviour::answer(200)).await;
    let (engine, mut recorded, _) = start(settings());
    let target = Target {
        key: TargetKey::App(99),
        url: receiver.url.clone(),
        secret: None,
        content_type: ContentType::Json,
        target_type: "integration",
        target_id: 99,
    };

    engine.enqueue(outgoing(&target, 1));
    let seen = receiver.next().await;

    assert_eq!(seen.header("x-github-hook-id"), "99");
    assert_eq!(
        seen.header("x-github-hook-installation-target-type"),
        "integration"
    );
    assert_eq!(seen.header("x-github-hook-installation-target-id"), "99");
    assert!(seen.headers.get("x-hub-signature").is_none());
    assert!(seen.headers.get("x-hub-signature-256").is_none());
    assert_eq!(next(&mut recorded).await.status, "OK");
}

#[tokio::test]
async fn deliveries_of_one_target_arrive_in_the_order_enqueued() {
    let mut receiver = Receiver::start(Behaviour::answer(200)).await;
    let (engine, mut recorded, _) = start(settings());
    let (busy, quiet) = (hook(1, &receiver.url), hook(2, &receiver.url));

    // 500 to one hook, and 100 to another in between.
    for id in 1..=500 {
        engine.enqueue(outgoing(&busy, id));
        if id % 5 == 0 {
            engine.enqueue(outgoing(&quiet, 1000 + id));
        }
    }
    let mut arrived = Vec::new();
    for _ in 0..600 {
        arrived.push(receiver.next().await);
    }
    let recorded = outcomes(&mut recorded, 600).await;

    let guids_of = |hook_id: &str| -> Vec<String> {
        arrived
            .iter()
            .filter(|s| s.header("x-github-hook-id") == hook_id)
            .map(|s| s.guid().to_owned())
            .collect()
    };
    let expected = |ids: &mut dyn Iterator<Item = i64>| -> Vec<String> {
        ids.map(|id| format!("00000000-0000-0000-0000-{id:012}"))
            .collect()
    };
    assert_eq!(guids_of("1"), expected(&mut (1..=500)));
    assert_eq!(
        guids_of("2"),
        expected(&mut (1..=100).map(|n| 1000 + 5 * n))
    );
    let busy_outcomes: Vec<i64> = ids(&recorded).into_iter().filter(|id| *id < 1000).collect();
    assert_eq!(busy_outcomes, (1..=500).collect::<Vec<_>>());
    assert!(recorded.iter().all(|o| o.status == "OK"));
}

#[tokio::test]
async fn an_error_answer_is_an_invalid_http_response() {
    let mut receiver = Receiver::start(Behaviour::answer(500)).await;
    let (engine, mut recorded, _) = start(settings());

    engine.enqueue(outgoing(&hook(1, &receiver.url), 1));
    let outcome = next(&mut recorded).await;

    assert_eq!(outcome.status, "Invalid HTTP Response: 500");
    assert_eq!(outcome.status_code, 500);
    assert_eq!(outcome.response_body, "thanks");
    assert_eq!(receiver.so_far().len(), 1, "not retried");
}

#[tokio::test]
async fn a_redirect_is_a_failure_and_is_not_followed() {
    let mut receiver = Receiver::start(Behaviour::answer(302)).await;
    let (engine, mut recorded, _) = start(settings());

    engine.enqueue(outgoing(&hook(1, &receiver.url), 1));
    let outcome = next(&mut recorded).await;

    assert_eq!(
        (outcome.status.as_str(), outcome.status_code),
        ("Invalid HTTP Response: 302", 302)
    );
    // A redirect followed would have reached the receiver before the outcome.
    assert_eq!(receiver.so_far().len(), 1);
}

#[tokio::test]
async fn a_closed_port_fails_to_connect() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    drop(listener);
    let (engine, mut recorded, _) = start(settings());

    engine.enqueue(outgoing(&hook(1, &url), 1));
    let outcome = next(&mut recorded).await;

    assert_eq!(
        (outcome.status.as_str(), outcome.status_code),
        ("failed to connect to host", 0)
    );
    assert!(outcome.response_headers.is_empty() && outcome.response_body.is_empty());
}

#[tokio::test]
async fn a_receiver_slower_than_the_timeout_times_out() {
    let gate = Arc::new(Semaphore::new(0));
    let receiver = Receiver::start(Behaviour::held(&gate)).await;
    let (engine, mut recorded, _) = start(EngineSettings {
        timeout: Duration::from_millis(200),
        ..settings()
    });

    engine.enqueue(outgoing(&hook(1, &receiver.url), 1));
    engine.enqueue(outgoing(&hook(1, &receiver.url), 2));
    let recorded = outcomes(&mut recorded, 2).await;

    assert_eq!(ids(&recorded), [1, 2]);
    for outcome in recorded {
        assert_eq!(
            (outcome.status.as_str(), outcome.status_code),
            ("timed out", 0)
        );
        assert!(outcome.duration_secs >= 0.19, "{}", outcome.duration_secs);
    }
}

#[tokio::test]
async fn a_stuck_receiver_holds_back_only_its_own_deliveries() {
    let gate = Arc::new(Semaphore::new(0));
    let mut stuck = Receiver::start(Behaviour::held(&gate)).await;
    let mut fine = Receiver::start(Behaviour::answer(200)).await;
    let (engine, mut recorded, _) = start(settings());

    engine.enqueue(outgoing(&hook(1, &stuck.url), 1));
    engine.enqueue(outgoing(&hook(1, &stuck.url), 2));
    engine.enqueue(outgoing(&hook(2, &fine.url), 3));

    // The other hook is served while the first answer is still awaited.
    assert_eq!(next(&mut recorded).await.delivery_id, 3);
    assert_eq!(fine.next().await.guid(), outgoing(&hook(2, ""), 3).guid);
    assert_eq!(stuck.next().await.guid(), outgoing(&hook(1, ""), 1).guid);
    assert!(stuck.so_far().is_empty(), "the second waits for the first");

    gate.close();
    assert_eq!(ids(&outcomes(&mut recorded, 2).await), [1, 2]);
}

#[tokio::test]
async fn a_drop_fault_records_a_delivery_it_never_sends() {
    let mut receiver = Receiver::start(Behaviour::answer(200)).await;
    let (engine, mut recorded, _) = start(settings());
    engine
        .faults()
        .add(DeliveryFault::new(DeliveryFaultKind::Drop).event("workflow_job"))
        .unwrap();
    let target = hook(1, &receiver.url);

    engine.enqueue(outgoing(&target, 1));
    engine.enqueue(outgoing(&target, 2));
    let recorded = outcomes(&mut recorded, 2).await;

    assert_eq!(ids(&recorded), [1, 2]);
    let dropped = &recorded[0];
    assert!(dropped.dropped);
    assert_eq!(
        (dropped.status.as_str(), dropped.status_code),
        ("dropped", 0)
    );
    assert_eq!(recorded[1].status, "OK");
    let arrived = receiver.so_far();
    assert_eq!(arrived.len(), 1);
    assert_eq!(arrived[0].guid(), outgoing(&target, 2).guid);
}

#[tokio::test]
async fn a_duplicate_fault_sends_the_same_bytes_twice_under_one_guid() {
    let mut receiver = Receiver::start(Behaviour::answer(200)).await;
    let (engine, mut recorded, _) = start(settings());
    engine
        .faults()
        .add(DeliveryFault::new(DeliveryFaultKind::Duplicate).hook_id(1))
        .unwrap();
    let target = hook(1, &receiver.url);

    engine.enqueue(outgoing(&target, 1));
    engine.enqueue(outgoing(&target, 2));
    let recorded = outcomes(&mut recorded, 3).await;

    let attempts: Vec<_> = recorded
        .iter()
        .map(|o| (o.delivery_id, o.duplicate_of))
        .collect();
    assert_eq!(attempts, [(1, None), (1, Some(1)), (2, None)]);
    let arrived = receiver.so_far();
    assert_eq!(arrived.len(), 3);
    let (first, again) = (&arrived[0], &arrived[1]);
    assert_eq!(first.guid(), again.guid());
    assert_eq!(first.body, again.body);
    assert_eq!(
        first.header("x-hub-signature-256"),
        again.header("x-hub-signature-256")
    );
    assert_eq!(arrived[2].guid(), outgoing(&target, 2).guid);
}

#[tokio::test]
async fn a_delay_fault_lets_later_deliveries_overtake() {
    let mut receiver = Receiver::start(Behaviour::answer(200)).await;
    let (engine, mut recorded, _) = start(settings());
    engine
        .faults()
        .add(DeliveryFault::new(DeliveryFaultKind::Delay).delay_ms(1000))
        .unwrap();
    let target = hook(1, &receiver.url);

    for id in 1..=3 {
        engine.enqueue(outgoing(&target, id));
    }
    let recorded = outcomes(&mut recorded, 3).await;

    assert_eq!(ids(&recorded), [2, 3, 1]);
    assert!(recorded.iter().all(|o| o.status == "OK"));
    let guids: Vec<String> = receiver
        .so_far()
        .iter()
        .map(|s| s.guid().to_owned())
        .collect();
    assert_eq!(guids, [2, 3, 1].map(|id| outgoing(&target, id).guid));
}

#[tokio::test]
async fn a_reorder_fault_sends_a_delivery_right_after_the_next_one() {
    let mut receiver = Receiver::start(Behaviour::answer(200)).await;
    let (engine, mut recorded, _) = start(EngineSettings {
        reorder_wait: PATIENCE * 2,
        ..settings()
    });
    engine
        .faults()
        .add(DeliveryFault::new(DeliveryFaultKind::Reorder).action("queued"))
        .unwrap();
    let target = hook(1, &receiver.url);

    for id in 1..=3 {
        engine.enqueue(outgoing(&target, id));
    }
    let recorded = outcomes(&mut recorded, 3).await;

    assert_eq!(ids(&recorded), [2, 1, 3]);
    let guids: Vec<String> = receiver
        .so_far()
        .iter()
        .map(|s| s.guid().to_owned())
        .collect();
    assert_eq!(guids, [2, 1, 3].map(|id| outgoing(&target, id).guid));
}

#[tokio::test]
async fn a_reordered_delivery_with_none_to_follow_goes_after_the_wait() {
    let mut receiver = Receiver::start(Behaviour::answer(200)).await;
    let (engine, mut recorded, _) = start(EngineSettings {
        reorder_wait: Duration::from_millis(200),
        ..settings()
    });
    engine
        .faults()
        .add(DeliveryFault::new(DeliveryFaultKind::Reorder))
        .unwrap();

    engine.enqueue(outgoing(&hook(1, &receiver.url), 1));

    assert_eq!(next(&mut recorded).await.status, "OK");
    assert_eq!(receiver.so_far().len(), 1);
}

#[tokio::test]
async fn shutdown_cancels_a_send_the_receiver_never_answers() {
    let gate = Arc::new(Semaphore::new(0));
    let mut receiver = Receiver::start(Behaviour::held(&gate)).await;
    let (engine, mut recorded, _) = start(settings());
    let target = hook(1, &receiver.url);
    engine.enqueue(outgoing(&target, 1));
    engine.enqueue(outgoing(&target, 2));
    receiver.next().await;

    tokio::time::timeout(PATIENCE, engine.shutdown())
        .await
        .expect("shutdown hangs");
    tokio::time::timeout(PATIENCE, engine.shutdown())
        .await
        .expect("a second shutdown hangs");
    engine.enqueue(outgoing(&target, 3));
    drop(engine);

    // Every sender is gone and nothing was recorded.
    let after = tokio::time::timeout(PATIENCE, recorded.recv()).await;
    assert!(matches!(after, Ok(None)), "{after:?}");
    assert!(receiver.so_far().is_empty());
}

#[tokio::test]
async fn shutdown_does_not_wait_on_a_receiver_that_never_reads() {
    // Accepts the connection, then neither reads nor answers.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (engine, _recorded, _) = start(settings());
    engine.enqueue(outgoing(&hook(1, &url), 1));
    let (_connection, _) = tokio::time::timeout(PATIENCE, listener.accept())
        .await
        .unwrap()
        .unwrap();

    tokio::time::timeout(PATIENCE, engine.shutdown())
        .await
        .expect("shutdown hangs");
}

#[tokio::test]
async fn clear_forgets_what_is_sent_queued_or_delayed_and_takes_new_deliveries() {
    let gate = Arc::new(Semaphore::new(0));
    let mut stuck = Receiver::start(Behaviour::held(&gate)).await;
    let mut fine = Receiver::start(Behaviour::answer(200)).await;
    let (engine, mut recorded, _) = start(settings());
    let (first, second) = (hook(1, &stuck.url), hook(2, &fine.url));
    engine.enqueue(outgoing(&first, 1));
    engine.enqueue(outgoing(&first, 2));
    let delay = |ms| DeliveryFault::new(DeliveryFaultKind::Delay).delay_ms(ms);
    engine.faults().add(delay(200)).unwrap();
    engine.enqueue(outgoing(&second, 3));
    stuck.next().await;

    engine.clear();
    // Delayed longer than the one cleared: had that one been kept, it
    // would have been sent first.
    engine.faults().add(delay(400)).unwrap();
    engine.enqueue(outgoing(&second, 4));
    engine.enqueue(outgoing(&first, 5));
    gate.close();
    let recorded = outcomes(&mut recorded, 2).await;

    let mut recorded = ids(&recorded);
    recorded.sort_unstable();
    assert_eq!(recorded, [4, 5]);
    let guids =
        |seen: Vec<Seen>| -> Vec<String> { seen.iter().map(|s| s.guid().to_owned()).collect() };
    assert_eq!(guids(fine.so_far()), [outgoing(&second, 4).guid]);
    assert_eq!(guids(stuck.so_far()), [outgoing(&first, 5).guid]);
}

#[tokio::test]
async fn dropping_the_engine_stops_its_workers() {
    let gate = Arc::new(Semaphore::new(0));
    let mut receiver = Receiver::start(Behaviour::held(&gate)).await;
    let (engine, mut recorded, _) = start(settings());
    engine.enqueue(outgoing(&hook(1, &receiver.url), 1));
    engine
        .faults()
        .add(DeliveryFault::new(DeliveryFaultKind::Delay).delay_ms(60_000))
        .unwrap();
    engine.enqueue(outgoing(&hook(2, &receiver.url), 2));
    receiver.next().await;

    drop(engine);

    let after = tokio::time::timeout(PATIENCE, recorded.recv()).await;
    assert!(matches!(after, Ok(None)), "{after:?}");
}

/// An https receiver with a certificate of its own making; returns its URL
/// and the certificate's PEM.
async fn https_receiver(dir: &std::path::Path) -> (String, Vec<u8>, JoinHandle<()>) {
    let tls = crate::config::Tls::SelfSigned {
        dir: dir.to_owned(),
    };
    let acceptor = crate::tls::acceptor(&tls).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}/hook", listener.local_addr().unwrap());
    let (app, _seen) = receiver_app(Behaviour::answer(200));
    let server = tokio::spawn(crate::tls::serve(
        listener,
        acceptor,
        app,
        std::future::pending(),
    ));
    let pem = std::fs::read(dir.join("cert.pem")).unwrap();
    (url, pem, server)
}

#[tokio::test]
async fn an_https_receiver_must_be_trusted_unless_insecure_ssl() {
    let dir = tempfile::tempdir().unwrap();
    let (url, pem, server) = https_receiver(dir.path()).await;
    let target = hook(1, &url);
    let (engine, mut recorded, _) = start(settings());
    let trusted = EngineSettings {
        root_certificates: {
            use tokio_rustls::rustls::pki_types::CertificateDer;
            use tokio_rustls::rustls::pki_types::pem::PemObject;
            vec![CertificateDer::from_pem_slice(&pem).unwrap()]
        },
        ..settings()
    };
    let (trusting, mut trusting_recorded, _) = start(trusted);

    engine.enqueue(outgoing(&target, 1));
    let refused = next(&mut recorded).await;
    engine.enqueue(Outgoing {
        insecure_ssl: true,
        ..outgoing(&target, 2)
    });
    let insecure = next(&mut recorded).await;
    trusting.enqueue(outgoing(&target, 3));
    let verified = next(&mut trusting_recorded).await;
    server.abort();

    assert_eq!(
        (refused.status.as_str(), refused.status_code),
        (status::UNTRUSTED_CERTIFICATE, 0)
    );
    assert_eq!(
        (insecure.status.as_str(), insecure.status_code),
        ("OK", 200)
    );
    assert_eq!(
        (verified.status.as_str(), verified.status_code),
        ("OK", 200)
    );
}

#[test]
fn the_engine_needs_a_runtime() {
    let (outcomes, _) = mpsc::unbounded_channel();
    let started = Engine::start(settings(), Arc::new(Clock::default()), outcomes);
    assert!(matches!(started, Err(EngineError::NoRuntime(_))));
}
