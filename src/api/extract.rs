//! Extractors whose rejections answer in GitHub's shape.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::app::AppState;
use crate::error::{Error, FieldError};

/// `scheme://host[:port]` as the client reached the server, for the absolute
/// URLs GitHub puts in bodies and `Link` headers.
pub fn origin(parts: &Parts, state: &AppState) -> String {
    let host = parts
        .headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty())
        .map_or_else(|| state.local_addr.to_string(), str::to_owned);
    format!("{}://{host}", state.scheme)
}

/// The [`origin`] of a request, as an extractor.
#[derive(Debug, Clone)]
pub struct Origin(pub String);

impl FromRequestParts<AppState> for Origin {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        Ok(Origin(origin(parts, state)))
    }
}

/// The `{runner_id}` of a runner route. Anything that is not an integer
/// (`abc`, 99999999999999999999) is a runner that does not exist.
#[derive(Debug, Clone, Copy)]
pub struct RunnerId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for RunnerId {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        // A named struct, not `Path<i64>`: nested routes carry the scope's
        // captures too.
        #[derive(Deserialize)]
        struct RunnerPath {
            runner_id: i64,
        }
        let Path(path) = Path::<RunnerPath>::from_request_parts(parts, state)
            .await
            .map_err(|_| Error::NotFound)?;
        Ok(RunnerId(path.runner_id))
    }
}

/// The `{runner_group_id}` of a runner group route; anything that is not an
/// integer is a group that does not exist.
#[derive(Debug, Clone, Copy)]
pub struct GroupId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for GroupId {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        #[derive(Deserialize)]
        struct GroupPath {
            runner_group_id: i64,
        }
        let Captures(path) = Captures::<GroupPath>::from_request_parts(parts, state).await?;
        Ok(GroupId(path.runner_group_id))
    }
}

/// The `{org_id}` or `{repository_id}` of a runner group's access list.
#[derive(Debug, Clone, Copy)]
pub struct MemberId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for MemberId {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        #[derive(Deserialize)]
        struct MemberPath {
            #[serde(alias = "org_id", alias = "repository_id")]
            member_id: i64,
        }
        let Captures(path) = Captures::<MemberPath>::from_request_parts(parts, state).await?;
        Ok(MemberId(path.member_id))
    }
}

/// Path captures; ones that cannot be read (invalid UTF-8 once decoded) are a
/// resource that does not exist, answered as GitHub's 404 rather than axum's
/// plain-text 400.
#[derive(Debug, Clone)]
pub struct Captures<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Captures<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let Path(captures) = Path::<T>::from_request_parts(parts, state)
            .await
            .map_err(|_| Error::NotFound)?;
        Ok(Captures(captures))
    }
}

/// Query parameters; ones of the wrong shape are a 422 naming the problem.
#[derive(Debug, Clone)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let axum::extract::Query(query) =
            axum::extract::Query::<T>::from_request_parts(parts, state)
                .await
                .map_err(|rejection| {
                    Error::Validation(vec![
                        FieldError::new("Request", "query", "invalid")
                            .with_message(rejection.body_text()),
                    ])
                })?;
        Ok(Query(query))
    }
}

/// A JSON request body, parsed as GitHub does: text that is not JSON is 400
/// `Problems parsing JSON`; JSON of the wrong shape is 422 with the field
/// named. An empty body reads as `{}`.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let bytes = body_bytes(req, state).await?;
        let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &bytes
        };
        // Syntax first: reading into `T` stops at its first wrong field and
        // never looks past the value, so `{"busy": ` or `{} x` would pass as
        // JSON.
        if serde_json::from_slice::<serde::de::IgnoredAny>(text).is_err() {
            return Err(Error::ProblemsParsingJson);
        }
        let de = &mut serde_json::Deserializer::from_slice(text);
        match serde_path_to_error::deserialize(de) {
            Ok(value) => Ok(JsonBody(value)),
            Err(e) if !e.inner().is_data() => Err(Error::ProblemsParsingJson),
            Err(e) => Err(wrong_shape(&e)),
        }
    }
}

/// Reads JSON already parsed into `T`, a wrong shape answered as a body's.
pub fn from_json<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(|e| wrong_shape(&e))
}

/// GitHub's 422 for JSON of the wrong shape, naming the field.
fn wrong_shape(e: &serde_path_to_error::Error<serde_json::Error>) -> Error {
    let field = e.path().to_string();
    let inner = e.inner().to_string();
    let message = inner.split(" at line ").next().unwrap_or(&inner).to_owned();
    let code = if message.starts_with("missing field") {
        "missing_field"
    } else {
        "invalid"
    };
    let field = match (field.as_str(), message.split('`').nth(1)) {
        (".", Some(missing)) if code == "missing_field" => missing.to_owned(),
        _ => field,
    };
    Error::Validation(vec![
        FieldError::new("Request", &field, code).with_message(message),
    ])
}

/// A body the operation does not use. GitHub still refuses one that is not
/// JSON.
#[derive(Debug, Clone, Copy)]
pub struct UnusedBody;

impl<S: Send + Sync> FromRequest<S> for UnusedBody {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let bytes = body_bytes(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace)
            || serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_ok()
        {
            Ok(UnusedBody)
        } else {
            Err(Error::ProblemsParsingJson)
        }
    }
}

async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, Error> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Error::PayloadTooLarge
        } else {
            Error::ProblemsParsingJson
        }
    })
}
