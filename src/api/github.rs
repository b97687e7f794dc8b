//! What every `/api/v3` answer carries, whatever the route: authentication,
//! the rate-limit count, GitHub's headers, error bodies that point at the
//! operation's docs, and ETags with `304 Not Modified` on reads.

use std::hash::{Hash, Hasher};
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, OriginalUri, Request, State};
use axum::http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, ETAG, IF_NONE_MATCH,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;

use super::docs;
use crate::app::AppState;
use crate::clock::format_ms;
use crate::error::{Docs, Error, ErrorBody, Errors, is_rate_limit};
use crate::service::{
    LoggedRequest, Principal, RateStatus, Resource, accepted_scopes, redacted_path,
};

/// Whom a request's rate-limit budget belongs to: its token, the App or
/// installation behind it, or the anonymous caller. Never logged.
#[derive(Debug, Clone)]
pub struct Caller(pub String);

/// Who made a request, carried on its answer to the request log.
#[derive(Debug, Clone)]
struct Actor(String);

/// The credential an installation's request came with, for the operation
/// that revokes it. Never logged.
#[derive(Debug, Clone)]
pub struct Credential(pub String);

/// Bodies larger than this are not buffered for an ETag (no list page comes
/// near it).
const ETAG_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// What the layer needs to know of a request after it has been answered.
struct Asked {
    method: Method,
    /// The route's template, when a route matched.
    matched: Option<String>,
    /// The path, `/api/v3` included, as faults match it.
    path: String,
    /// Path and query, credentials redacted, for the request log.
    logged_path: String,
    request_id: String,
    media_type: String,
    if_none_match: Option<HeaderValue>,
    resource: Resource,
    /// Whose budget the request draws on.
    caller: Caller,
}

pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let service = &state.service;
    let arrived = service.clock().now_ms();
    let matched = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    // The path as the client sent it: inside `/api/v3` the router strips the
    // prefix from the request's own URI.
    let uri = request
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| request.uri().clone(), |original| original.0.clone());
    let credential = credential(request.headers());
    let asked = Asked {
        method: request.method().clone(),
        resource: resource_of(request.method(), matched.as_deref()),
        matched,
        path: uri.path().to_owned(),
        logged_path: redacted_path(uri.path(), uri.query()),
        request_id: header(request.headers(), "x-github-request-id"),
        media_type: media_type(request.headers()),
        if_none_match: request.headers().get(IF_NONE_MATCH).cloned(),
        caller: Caller(match &credential {
            Ok(Some(token)) => format!("token:{token}"),
            _ => "anonymous".to_owned(),
        }),
    };
    // The time limit covers planned delays and the route alike; a request cut
    // off is answered, headed and logged like any other.
    let answered = tokio::time::timeout(
        state.request_timeout,
        answer(&state, &asked, credential, request, next),
    )
    .await;
    let (response, rate) = answered.unwrap_or_else(|_| {
        tracing::warn!(
            timeout_ms = state.request_timeout.as_millis() as u64,
            "request timed out"
        );
        let now = service.clock().now().timestamp();
        let rate = service
            .rate_limiter()
            .peek(&asked.caller.0, asked.resource, now);
        (Error::Timeout.into_response(), rate)
    });
    let response = finish(&state, &asked, response, rate).await;
    let actor = response
        .extensions()
        .get::<Actor>()
        .map_or_else(|| "none".to_owned(), |actor| actor.0.clone());
    service.requests().record(LoggedRequest {
        method: asked.method.to_string(),
        path: asked.logged_path,
        status: response.status().as_u16(),
        time: format_ms(arrived),
        request_id: asked.request_id,
        actor,
    });
    response
}

/// Runs the request through faults, authentication and the rate limit, then
/// the route; returns the answer and the budget to report.
async fn answer(
    state: &AppState,
    asked: &Asked,
    credential: Result<Option<String>, Error>,
    mut request: Request,
    next: Next,
) -> (Response, RateStatus) {
    let service = &state.service;
    let caller = &asked.caller;
    let now = || service.clock().now().timestamp();

    if let Some(injection) = service.faults().take(asked.method.as_str(), &asked.path) {
        if let Some(delay) = injection.delay_ms {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        if let Some(status) = injection.status.and_then(|s| StatusCode::from_u16(s).ok()) {
            return injected(
                service
                    .rate_limiter()
                    .peek(&caller.0, asked.resource, now()),
                status,
                injection.retry_after,
                now(),
            );
        }
    }

    let credential = match credential {
        Ok(credential) => credential,
        Err(error) => {
            let rate = service
                .rate_limiter()
                .peek(&caller.0, asked.resource, now());
            return (error.into_response(), rate);
        }
    };
    let principal = match service.authenticate(credential.as_deref()) {
        Ok(principal) => principal,
        Err(error) => {
            return (
                error.into_response(),
                service
                    .rate_limiter()
                    .peek(&caller.0, asked.resource, now()),
            );
        }
    };
    // An App and an installation have budgets of their own, whatever token
    // they present.
    let budget = principal.budget().map(Caller);
    let caller = budget.as_ref().unwrap_or(caller);
    let limited = if asked.matched.as_deref() == Some("/api/v3/rate_limit") {
        Ok(service
            .rate_limiter()
            .peek(&caller.0, asked.resource, now()))
    } else {
        service.rate_limiter().hit(&caller.0, asked.resource, now())
    };
    let mut response = match limited {
        Err(rate) => {
            let mut refused = Error::RateLimited.into_response();
            refused.extensions_mut().insert(Actor(principal.actor()));
            return (refused, rate);
        }
        Ok(_) => {
            if let (Principal::Installation(_), Some(token)) = (&principal, credential) {
                request.extensions_mut().insert(Credential(token));
            }
            request.extensions_mut().insert(principal.clone());
            request.extensions_mut().insert(caller.clone());
            next.run(request).await
        }
    };
    if principal != Principal::Anonymous {
        insert(
            response.headers_mut(),
            "x-oauth-scopes",
            &principal.oauth_scopes(),
        );
    }
    response.extensions_mut().insert(Actor(principal.actor()));
    // The route may have spent budget of its own caller (none do today); the
    // headers show the budget after this request.
    let rate = service
        .rate_limiter()
        .peek(&caller.0, asked.resource, now());
    (response, rate)
}

/// A planned fault's answer. 403 and 429 come as GitHub's rate limits: the
/// budget shows as spent until `Retry-After` has passed.
fn injected(
    rate: RateStatus,
    status: StatusCode,
    retry_after: u64,
    now_s: i64,
) -> (Response, RateStatus) {
    let message = match status.as_u16() {
        401 => Error::BadCredentials.to_string(),
        403 | 429 => Error::RateLimited.to_string(),
        404 => Error::NotFound.to_string(),
        422 => "Validation Failed".to_owned(),
        500 | 502 => "Server Error".to_owned(),
        _ => status.canonical_reason().unwrap_or("Error").to_owned(),
    };
    let mut response = Error::Injected { status, message }.into_response();
    if !is_rate_limit(status) {
        return (response, rate);
    }
    insert(
        response.headers_mut(),
        "retry-after",
        &retry_after.to_string(),
    );
    let spent = RateStatus {
        remaining: 0,
        used: rate.limit,
        reset: now_s.saturating_add(i64::try_from(retry_after).unwrap_or(i64::MAX)),
        ..rate
    };
    (response, spent)
}

/// Error bodies pointed at the right docs, GitHub's headers, and the ETag.
async fn finish(state: &AppState, asked: &Asked, response: Response, rate: RateStatus) -> Response {
    let settings = state.service.settings();
    let (version, installed) = (settings.version, &settings.ghes_version);
    let mut response = match response.extensions().get::<ErrorBody>().cloned() {
        Some(mut body) => {
            let matched = asked.matched.as_deref();
            let operation = matched.and_then(|path| docs::operation(version, &asked.method, path));
            body.documentation_url = match (body.docs, operation) {
                (Docs::RateLimiting, _) => docs::rate_limiting(version),
                (Docs::Operation, Some(operation)) => operation,
                _ => docs::generic(version),
            };
            let simple = matched
                .and_then(|path| docs::find(&asked.method, path))
                .is_some_and(|op| op.simple_errors);
            if simple {
                body.errors = body.errors.map(Errors::simple);
            }
            let status = response.status();
            let headers = response.headers().clone();
            let mut rendered = body.into_response_with(status);
            if let Some(actor) = response.extensions().get::<Actor>().cloned() {
                rendered.extensions_mut().insert(actor);
            }
            for (name, value) in &headers {
                if name != CONTENT_LENGTH && name != CONTENT_TYPE {
                    rendered.headers_mut().insert(name, value.clone());
                }
            }
            rendered
        }
        None => response,
    };

    let headers = response.headers_mut();
    if headers
        .get(CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/json"))
    {
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
    }
    insert(headers, "x-github-media-type", &asked.media_type);
    insert(headers, "x-github-enterprise-version", installed);
    let accepted = asked
        .matched
        .as_deref()
        .map(accepted_scopes_of_route)
        .unwrap_or_default();
    insert(headers, "x-accepted-oauth-scopes", &accepted);
    rate_headers(headers, rate, asked.resource.as_str());
    for (name, value) in STATIC_HEADERS {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }

    if asked.method == Method::GET && response.status() == StatusCode::OK {
        return with_etag(response, asked.if_none_match.as_ref()).await;
    }
    response
}

/// The registration and remove token endpoints draw on their own budget.
fn resource_of(method: &Method, matched: Option<&str>) -> Resource {
    let token_route =
        matched.is_some_and(|m| m.ends_with("/registration-token") || m.ends_with("/remove-token"));
    if *method == Method::POST && token_route {
        Resource::ActionsRunnerRegistration
    } else {
        Resource::Core
    }
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

const STATIC_HEADERS: &[(&str, &str)] = &[
    ("vary", "Accept, Authorization, Cookie, X-GitHub-OTP"),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "deny"),
    ("access-control-allow-origin", "*"),
    (
        "access-control-expose-headers",
        "ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, \
         X-RateLimit-Remaining, X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, \
         X-OAuth-Scopes, X-Accepted-OAuth-Scopes, X-Poll-Interval, X-GitHub-Media-Type, \
         X-GitHub-SSO, X-GitHub-Request-Id, Deprecation, Sunset",
    ),
];

/// The token of the `Authorization` header: `token T`, `Bearer T`, or Basic
/// with the token as password (or as user, as `curl -u TOKEN:` sends it).
/// `Ok(None)` when there is no header; a header that cannot be read is bad
/// credentials.
pub fn credential(headers: &HeaderMap) -> Result<Option<String>, Error> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| Error::BadCredentials)?.trim();
    let (scheme, rest) = value.split_once(' ').ok_or(Error::BadCredentials)?;
    let rest = rest.trim();
    match scheme.to_ascii_lowercase().as_str() {
        "token" | "bearer" => Ok(Some(rest.to_owned())),
        "basic" => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(rest)
                .map_err(|_| Error::BadCredentials)?;
            let decoded = String::from_utf8(decoded).map_err(|_| Error::BadCredentials)?;
            let (user, password) = decoded.split_once(':').unwrap_or((&decoded, ""));
            let token = match password {
                "" | "x-oauth-basic" => user,
                password => password,
            };
            Ok(Some(token.to_owned()))
        }
        _ => Err(Error::BadCredentials),
    }
}

/// `X-GitHub-Media-Type` as GitHub derives it from `Accept`
/// (`application/vnd.github.nebula-preview+json` → `github.nebula-preview;
/// format=json`); `github.v3` otherwise.
fn media_type(headers: &HeaderMap) -> String {
    let accept = headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let version = accept
        .split(',')
        .filter_map(|part| part.trim().strip_prefix("application/vnd.github"))
        .map(|rest| {
            rest.split(['+', ';'])
                .next()
                .unwrap_or("")
                .trim_start_matches('.')
        })
        .find(|version| !version.is_empty() && !version.contains(['/', ' ']))
        .unwrap_or("v3");
    format!("github.{version}; format=json")
}

/// `X-Accepted-OAuth-Scopes`: what the matched route accepts.
fn accepted_scopes_of_route(matched: &str) -> String {
    let hooks = [
        (
            "/api/v3/repos/{owner}/{repo}/hooks",
            "admin:repo_hook, read:repo_hook, repo, write:repo_hook",
        ),
        ("/api/v3/orgs/{org}/hooks", "admin:org_hook"),
        ("/api/v3/admin/hooks", "site_admin"),
    ];
    if let Some((_, scopes)) = hooks.iter().find(|(prefix, _)| matched.starts_with(prefix)) {
        return (*scopes).to_owned();
    }
    let kind = [
        ("/api/v3/enterprises/{enterprise}/actions/", "enterprise"),
        ("/api/v3/orgs/{org}/actions/", "org"),
        ("/api/v3/repos/{owner}/{repo}/actions/", "repo"),
    ]
    .into_iter()
    .find_map(|(prefix, kind)| matched.starts_with(prefix).then_some(kind));
    kind.map(accepted_scopes).unwrap_or_default().join(", ")
}

pub fn rate_headers(headers: &mut HeaderMap, rate: RateStatus, resource: &str) {
    insert(headers, "x-ratelimit-limit", &rate.limit.to_string());
    insert(
        headers,
        "x-ratelimit-remaining",
        &rate.remaining.to_string(),
    );
    insert(headers, "x-ratelimit-reset", &rate.reset.to_string());
    insert(headers, "x-ratelimit-used", &rate.used.to_string());
    insert(headers, "x-ratelimit-resource", resource);
}

fn insert(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(HeaderName::from_static(name), value);
    }
}

/// Tags a successful read with a weak ETag of its body, and answers 304 with
/// no body when the client already holds that version.
async fn with_etag(response: Response, if_none_match: Option<&HeaderValue>) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, ETAG_BODY_LIMIT).await else {
        return Error::PayloadTooLarge.into_response();
    };
    let mut hasher = std::hash::DefaultHasher::new();
    bytes.hash(&mut hasher);
    let etag = format!("W/\"{:016x}\"", hasher.finish());
    parts.headers.insert(
        ETAG,
        HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("")),
    );
    parts.headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=60, s-maxage=60"),
    );
    let matches = if_none_match
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| same_etag(tag, &etag)));
    if matches {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(CONTENT_TYPE);
        parts.headers.remove(CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// ETags compare weakly, as If-None-Match asks: `W/"x"` matches `"x"`.
fn same_etag(candidate: &str, etag: &str) -> bool {
    let candidate = candidate.trim();
    candidate == "*" || candidate.trim_start_matches("W/") == etag.trim_start_matches("W/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    HeaderName::from_static(k),
                    HeaderValue::from_str(v).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn credentials_come_in_three_forms() {
        let basic = |s: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(s)
            )
        };
        let token = |value: &str| credential(&headers(&[("authorization", value)]));
        assert_eq!(token("token abc").unwrap().as_deref(), Some("abc"));
        assert_eq!(token("Bearer abc").unwrap().as_deref(), Some("abc"));
        assert_eq!(
            token(&basic("octocat:abc")).unwrap().as_deref(),
            Some("abc")
        );
        assert_eq!(
            token(&basic("abc:x-oauth-basic")).unwrap().as_deref(),
            Some("abc")
        );
        assert!(token("Digest abc").is_err());
        assert!(token("Basic !!!").is_err());
        assert_eq!(credential(&HeaderMap::new()).unwrap(), None);
    }

    #[test]
    fn media_type_follows_the_accept_header() {
        let of = |accept: &str| media_type(&headers(&[("accept", accept)]));
        assert_eq!(
            of("application/vnd.github.v3+json"),
            "github.v3; format=json"
        );
        assert_eq!(of("application/vnd.github+json"), "github.v3; format=json");
        assert_eq!(
            of("application/vnd.github.nebula-preview+json"),
            "github.nebula-preview; format=json"
        );
        assert_eq!(of("*/*"), "github.v3; format=json");
    }

    #[test]
    fn etags_compare_weakly() {
        assert!(same_etag("\"abc\"", "W/\"abc\""));
        assert!(same_etag(" W/\"abc\"", "W/\"abc\""));
        assert!(!same_etag("W/\"abd\"", "W/\"abc\""));
    }
}
