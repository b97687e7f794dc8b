//! The whole HTTP application: `/api/v3` and `/_mock` over one service, with
//! request ids and a log line per request.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::DATE;
use axum::http::{HeaderName, HeaderValue, Method};
use axum::middleware::{Next, from_fn_with_state, map_response_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;
use tracing::{Instrument, Span, field};

use crate::error::Error;
use crate::service::Service;
use crate::{api, control};

#[derive(Debug, Clone)]
pub struct AppState {
    pub service: Arc<Service>,
    /// `http` or `https`, for the absolute URLs in bodies and Link headers.
    pub scheme: &'static str,
    /// Where the server listens, for requests that name no Host.
    pub local_addr: SocketAddr,
    /// Bodies larger than this are refused with `413`.
    pub max_body_bytes: usize,
    /// Requests not answered within this are answered `504`.
    pub request_timeout: Duration,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-github-request-id");

pub fn router(state: AppState) -> Router {
    let max_body_bytes = state.max_body_bytes;
    let state_for_date = state.clone();
    // Layers run outside in, last added first: the request id is set before
    // the request's span is made, and copied onto the response inside it.
    // Each surface sets its own time limit, inside its own layers, so that a
    // 504 is answered and logged like any other answer.
    Router::new()
        .nest("/api/v3", api::routes(state.clone()))
        // `nest` leaves `/api/v3/` to the outer fallback; it is still an API
        // path, answered with GitHub's headers.
        .route(
            "/api/v3/",
            any(not_found).layer(from_fn_with_state(state.clone(), api::github::layer)),
        )
        .nest("/_mock", control::routes(state.clone()))
        .fallback(not_found)
        .with_state(state)
        // The body extractors answer GitHub's 413 past this limit.
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(make_span)
                .on_request(())
                .on_response(log_response),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, GitHubRequestId))
        .layer(map_response_with_state(state_for_date, dated))
}

/// Every answer is dated on the mock clock, as App clients read `Date` to
/// correct their clocks when the server refuses a JWT's times.
async fn dated(State(state): State<AppState>, mut response: Response) -> Response {
    let now = std::time::SystemTime::from(state.service.clock().now());
    if let Ok(date) = HeaderValue::from_str(&httpdate::fmt_http_date(now)) {
        response.headers_mut().insert(DATE, date);
    }
    response
}

pub async fn not_found() -> Error {
    Error::NotFound
}

/// Answers GitHub's `504` to a request not answered in time. A write under
/// way goes on to its end ([`run_to_completion`]), as on GitHub, where a
/// timeout says nothing of whether the change was made.
pub async fn time_limit(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(timeout_ms = limit.as_millis() as u64, "request timed out");
            Error::Timeout.into_response()
        }
    }
}

/// One span per request. Only the path is recorded: a query may carry an
/// `access_token`, and headers carry credentials.
fn make_span(request: &Request) -> Span {
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id,
        scope = field::Empty,
    )
}

fn log_response<B>(response: &Response<B>, latency: Duration, _span: &Span) {
    tracing::info!(
        status = response.status().as_u16(),
        latency_ms = rounded_ms(latency),
        "answered"
    );
}

/// Milliseconds rounded to the microsecond (`0.047`): a float of the
/// nanoseconds prints as `0.046740000000000004`. A whole number of
/// microseconds over 1000 is the nearest float to its three-decimal text, so
/// that is how it prints.
fn rounded_ms(duration: Duration) -> f64 {
    ((duration.as_nanos() + 500) / 1000) as f64 / 1000.0
}

/// Request ids shaped like GitHub's (`C0DE:1A2B:3C4D5E:6F7A8B:9C0D1E2F`).
#[derive(Debug, Clone, Copy)]
struct GitHubRequestId;

impl MakeRequestId for GitHubRequestId {
    fn make_request_id<B>(&mut self, _request: &axum::http::Request<B>) -> Option<RequestId> {
        let n = uuid::Uuid::new_v4().as_u128();
        let part = |shift: u32, mask: u128| (n >> shift) & mask;
        let id = format!(
            "{:04X}:{:04X}:{:06X}:{:06X}:{:08X}",
            part(0, 0xFFFF),
            part(16, 0xFFFF),
            part(32, 0xFF_FFFF),
            part(56, 0xFF_FFFF),
            part(88, 0xFFFF_FFFF)
        );
        Some(RequestId::new(id.parse().ok()?))
    }
}

/// Runs a request that may write in a task of its own, so that neither a
/// client hanging up nor the time limit stops it half way. A write stopped
/// during its commit leaves memory unsure of what SQLite holds, and the
/// server then reads its whole state again while every write waits: a
/// second and more with a hundred thousand jobs. Reads are answered where
/// they are.
pub async fn run_to_completion(request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let handled = tokio::spawn(next.run(request).instrument(Span::current()));
    match handled.await {
        Ok(response) => response,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        // Aborted: the server is stopping.
        Err(_) => Error::Timeout.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_print_in_milliseconds_to_the_microsecond() {
        let printed = |nanos| rounded_ms(Duration::from_nanos(nanos)).to_string();
        assert_eq!(printed(46_740), "0.047");
        assert_eq!(printed(46_499), "0.046");
        assert_eq!(printed(1_234_567_890), "1234.568");
        assert_eq!(printed(0), "0");
        assert_eq!(printed(3_000_000), "3");
    }
}
