//! One error type for the whole server, answered as GitHub's JSON error body.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Everything a request can fail with. Each variant is one answer GitHub gives;
/// `Internal` is the only one a client cannot cause, and its cause is logged,
/// never sent.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Not Found")]
    NotFound,
    #[error("Requires authentication")]
    RequiresAuthentication,
    #[error("Bad credentials")]
    BadCredentials,
    /// A token without the OAuth scope the endpoint needs. GitHub words this
    /// the same way for enterprise, organization and repository endpoints.
    #[error("Must have admin rights to Repository.")]
    MissingScope,
    #[error("Problems parsing JSON")]
    ProblemsParsingJson,
    #[error("Validation Failed")]
    Validation(Vec<FieldError>),
    /// A 422 with a message of its own, such as deleting a busy runner.
    #[error("{0}")]
    Unprocessable(String),
    /// A 401 of the control API: a registration or remove token that is
    /// unknown, expired, of the other kind or of another scope.
    #[error("{0}")]
    InvalidRunnerToken(String),
    /// Past the token's hourly budget.
    #[error("API rate limit exceeded for user ID 1.")]
    RateLimited,
    #[error("Payload too large")]
    PayloadTooLarge,
    #[error("internal storage error")]
    Internal(#[from] sqlx::Error),
}

/// One entry of a 422's `errors`, as GitHub writes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub resource: String,
    pub field: String,
    /// `missing_field`, `invalid`, `already_exists`, ...
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl FieldError {
    pub fn new(resource: &str, field: &str, code: &str) -> Self {
        FieldError {
            resource: resource.to_owned(),
            field: field.to_owned(),
            code: code.to_owned(),
            message: None,
        }
    }

    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }
}

/// The error body; kept on the response so that the layer that knows which
/// operation was called can point `documentation_url` at its docs.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorBody {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    pub documentation_url: String,
}

/// Where GitHub's errors point when no operation's docs fit.
pub const GENERIC_DOCS: &str = "https://docs.github.com/rest";

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::RequiresAuthentication | Error::BadCredentials => StatusCode::UNAUTHORIZED,
            Error::InvalidRunnerToken(_) => StatusCode::UNAUTHORIZED,
            Error::MissingScope | Error::RateLimited => StatusCode::FORBIDDEN,
            Error::ProblemsParsingJson => StatusCode::BAD_REQUEST,
            Error::Validation(_) | Error::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A single-field validation failure.
    pub fn invalid(resource: &str, field: &str, message: impl Into<String>) -> Self {
        Error::Validation(vec![
            FieldError::new(resource, field, "invalid").with_message(message),
        ])
    }

    /// A field that must be present and is not.
    pub fn missing(resource: &str, field: &str) -> Self {
        Error::Validation(vec![FieldError::new(resource, field, "missing_field")])
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Error::Internal(cause) = &self {
            tracing::error!(error = %cause, "storage error");
        }
        let status = self.status();
        let message = self.to_string();
        let errors = match self {
            Error::Validation(errors) => Some(errors),
            _ => None,
        };
        ErrorBody {
            message,
            errors,
            documentation_url: GENERIC_DOCS.to_owned(),
        }
        .into_response_with(status)
    }
}

impl ErrorBody {
    /// The response, with the body kept as an extension for later rewriting.
    pub fn into_response_with(self, status: StatusCode) -> Response {
        let mut response = (status, Json(&self)).into_response();
        response.extensions_mut().insert(self);
        response
    }
}
