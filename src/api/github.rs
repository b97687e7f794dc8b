//! What every `/api/v3` answer carries, whatever the route: authentication,
//! the rate-limit count, GitHub's headers, error bodies that point at the
//! operation's docs, and ETags with `304 Not Modified` on reads.

use std::hash::{Hash, Hasher};

use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, ETAG, IF_NONE_MATCH,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;

use super::docs;
use crate::app::AppState;
use crate::error::{Error, ErrorBody};
use crate::service::{Principal, RateStatus, accepted_scopes};

/// Whom a request's rate-limit budget belongs to: its token, or the
/// anonymous caller. Never logged.
#[derive(Debug, Clone)]
pub struct Caller(pub String);

/// Bodies larger than this are not buffered for an ETag (no list page comes
/// near it).
const ETAG_BODY_LIMIT: usize = 16 * 1024 * 1024;

pub async fn layer(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let service = &state.service;
    let version = service.settings().ghes_version.clone();
    let method = request.method().clone();
    let matched = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let media_type = media_type(request.headers());
    let if_none_match = request.headers().get(IF_NONE_MATCH).cloned();

    let credential = credential(request.headers());
    let caller = Caller(match &credential {
        Ok(Some(token)) => format!("token:{token}"),
        _ => "anonymous".to_owned(),
    });
    let now = service.clock().now().timestamp();
    let counted = matched.as_deref() != Some("/api/v3/rate_limit");

    let mut rate = None;
    let principal = credential.and_then(|token| service.auth().authenticate(token.as_deref()));
    let response = match principal {
        Err(error) => error.into_response(),
        Ok(principal) => {
            let oauth_scopes = principal.oauth_scopes();
            let limited = if counted {
                service
                    .rate_limiter()
                    .hit(&caller.0, now)
                    .map(|status| rate = Some(status))
            } else {
                rate = Some(service.rate_limiter().peek(&caller.0, now));
                Ok(())
            };
            let mut response = match limited {
                Err(status) => {
                    rate = Some(status);
                    Error::RateLimited.into_response()
                }
                Ok(()) => {
                    request.extensions_mut().insert(principal.clone());
                    request.extensions_mut().insert(caller.clone());
                    next.run(request).await
                }
            };
            if principal != Principal::Anonymous {
                insert(response.headers_mut(), "x-oauth-scopes", &oauth_scopes);
            }
            response
        }
    };
    let rate = rate.unwrap_or_else(|| service.rate_limiter().peek(&caller.0, now));

    let mut response = match response.extensions().get::<ErrorBody>().cloned() {
        Some(mut body) => {
            let status = response.status();
            // Bad credentials are refused before any operation is considered.
            let operation = matched
                .as_deref()
                .filter(|_| body.message != Error::BadCredentials.to_string())
                .and_then(|path| docs::operation(&version, &method, path));
            body.documentation_url = operation.unwrap_or_else(|| docs::generic(&version));
            let headers = response.headers().clone();
            let mut rendered = body.into_response_with(status);
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
    insert(headers, "x-github-media-type", &media_type);
    insert(headers, "x-github-enterprise-version", &version);
    let accepted = matched
        .as_deref()
        .map(accepted_scopes_of_route)
        .unwrap_or_default();
    insert(headers, "x-accepted-oauth-scopes", &accepted);
    rate_headers(headers, rate, "core");
    for (name, value) in STATIC_HEADERS {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }

    if method == Method::GET && response.status() == StatusCode::OK {
        return with_etag(response, if_none_match.as_ref()).await;
    }
    response
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
fn credential(headers: &HeaderMap) -> Result<Option<String>, Error> {
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

/// `X-Accepted-OAuth-Scopes`: what the matched runner route accepts.
fn accepted_scopes_of_route(matched: &str) -> String {
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
