//! One error type for the whole server, answered as GitHub's JSON error body.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Everything a request can fail with. Each variant is one answer GitHub gives;
/// `Internal` is the only one a client cannot cause, and its cause is logged,
/// never sent. `Display` is the `message` GitHub sends.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use ghes_mock::{Error, Registration};
/// let mock = ghes_mock::GhesMock::start().await;
/// let refused = mock.register(Registration::new("NOT-A-TOKEN", "r")).await.unwrap_err();
/// assert!(matches!(refused, Error::InvalidRunnerToken(_)));
/// assert_eq!(refused.status(), 401);
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// 404: no such resource, route, or runner in this scope.
    #[error("Not Found")]
    NotFound,
    /// 401: no credentials.
    #[error("Requires authentication")]
    RequiresAuthentication,
    /// 401: credentials the server does not know.
    #[error("Bad credentials")]
    BadCredentials,
    /// A token without the OAuth scope the endpoint needs. GitHub words this
    /// the same way for enterprise, organization and repository endpoints.
    #[error("Must have admin rights to Repository.")]
    MissingScope,
    /// 400: a body that is not JSON.
    #[error("Problems parsing JSON")]
    ProblemsParsingJson,
    /// 422 with the fields at fault.
    #[error("Validation Failed")]
    Validation(Vec<FieldError>),
    /// A 422 with a message of its own, such as deleting a busy runner.
    #[error("{0}")]
    Unprocessable(String),
    /// 409: the request clashes with what exists, such as a JIT runner's
    /// name that is taken.
    #[error("{0}")]
    Conflict(String),
    /// A 401 of the control API: a registration or remove token that is
    /// unknown, expired, of the other kind or of another scope.
    #[error("{0}")]
    InvalidRunnerToken(String),
    /// 401 with GitHub's own words: a JWT GitHub refuses, or an App
    /// endpoint called without one.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: an installation token reaching what its installation may not.
    #[error("Resource not accessible by integration")]
    NotAccessibleByIntegration,
    /// 403 with GitHub's own words.
    #[error("{0}")]
    Forbidden(String),
    /// 404: a JWT whose `iss` names no App.
    #[error("Integration not found")]
    IntegrationNotFound,
    /// Past the token's hourly budget.
    #[error("API rate limit exceeded for user ID 1.")]
    RateLimited,
    /// A fault planned through the control API.
    #[error("{message}")]
    Injected {
        /// The status asked for.
        status: StatusCode,
        /// GitHub's message for it.
        message: String,
    },
    /// 413: a request body past the configured limit.
    #[error("Payload too large")]
    PayloadTooLarge,
    /// Not answered within the request timeout; GitHub's words for it.
    #[error(
        "We couldn't respond to your request in time. Sorry about that. Please try resubmitting your request and contact us if the problem persists."
    )]
    Timeout,
    /// 500: the database failed; the cause is logged, not sent.
    #[error("internal storage error")]
    Internal(#[from] sqlx::Error),
}

/// One entry of a 422's `errors`, as GitHub writes them.
///
/// ```
/// let error = ghes_mock::FieldError::new("Runner", "name", "already_exists");
/// assert_eq!(serde_json::to_value(&error).unwrap()["code"], "already_exists");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// `Runner`, `Request`, ...
    pub resource: String,
    /// The field at fault.
    pub field: String,
    /// `missing_field`, `invalid`, `already_exists`, ...
    pub code: String,
    /// What is wrong, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl FieldError {
    /// An error without a message; see [`FieldError::with_message`].
    ///
    /// ```
    /// let error = ghes_mock::FieldError::new("Runner", "os", "invalid");
    /// assert_eq!(error.message, None);
    /// ```
    pub fn new(resource: &str, field: &str, code: &str) -> Self {
        FieldError {
            resource: resource.to_owned(),
            field: field.to_owned(),
            code: code.to_owned(),
            message: None,
        }
    }

    /// Adds the message.
    ///
    /// ```
    /// let error = ghes_mock::FieldError::new("Runner", "os", "invalid").with_message("unknown os");
    /// assert_eq!(error.message.as_deref(), Some("unknown os"));
    /// ```
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
    pub errors: Option<Errors>,
    pub documentation_url: String,
    #[serde(skip)]
    pub docs: Docs,
}

/// A 422's `errors`: objects naming the field at fault, or, for the
/// operations whose answer is `validation-error-simple`, plain messages.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Errors {
    Fields(Vec<FieldError>),
    Messages(Vec<String>),
}

impl Errors {
    /// The same errors as plain messages.
    pub fn simple(self) -> Errors {
        match self {
            Errors::Fields(fields) => Errors::Messages(
                fields
                    .into_iter()
                    .map(|f| {
                        f.message
                            .unwrap_or_else(|| format!("{} is {}", f.field, f.code))
                    })
                    .collect(),
            ),
            messages => messages,
        }
    }
}

/// Which page of GitHub's docs an error points at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Docs {
    /// The docs of the operation called.
    #[default]
    Operation,
    /// The REST API's front page: the request never reached an operation.
    Generic,
    /// The rate-limiting section.
    RateLimiting,
}

/// Where GitHub's errors point when no operation's docs fit.
pub const GENERIC_DOCS: &str = "https://docs.github.com/rest";

impl Error {
    /// The HTTP status GitHub answers this error with.
    ///
    /// ```
    /// assert_eq!(ghes_mock::Error::NotFound.status(), 404);
    /// ```
    pub fn status(&self) -> StatusCode {
        match self {
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::RequiresAuthentication | Error::BadCredentials => StatusCode::UNAUTHORIZED,
            Error::InvalidRunnerToken(_) | Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::NotAccessibleByIntegration | Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::IntegrationNotFound => StatusCode::NOT_FOUND,
            Error::MissingScope | Error::RateLimited => StatusCode::FORBIDDEN,
            Error::Injected { status, .. } => *status,
            Error::ProblemsParsingJson => StatusCode::BAD_REQUEST,
            Error::Validation(_) | Error::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Timeout => StatusCode::GATEWAY_TIMEOUT,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A single-field validation failure.
    ///
    /// ```
    /// let error = ghes_mock::Error::invalid("Runner", "os", "unknown os");
    /// assert_eq!(error.to_string(), "Validation Failed");
    /// ```
    pub fn invalid(resource: &str, field: &str, message: impl Into<String>) -> Self {
        Error::Validation(vec![
            FieldError::new(resource, field, "invalid").with_message(message),
        ])
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Error::Internal(cause) = &self {
            tracing::error!(error = %cause, "storage error");
        }
        let status = self.status();
        let message = self.to_string();
        let docs = match &self {
            Error::BadCredentials | Error::Unauthorized(_) => Docs::Generic,
            Error::RateLimited => Docs::RateLimiting,
            Error::Injected { status, .. } if is_rate_limit(*status) => Docs::RateLimiting,
            // A planned 401 reads as GitHub's answer to an unknown token.
            Error::Injected { status, .. } if *status == StatusCode::UNAUTHORIZED => Docs::Generic,
            _ => Docs::Operation,
        };
        let errors = match self {
            Error::Validation(errors) => Some(Errors::Fields(errors)),
            _ => None,
        };
        ErrorBody {
            message,
            errors,
            documentation_url: GENERIC_DOCS.to_owned(),
            docs,
        }
        .into_response_with(status)
    }
}

/// 403 and 429 are how GitHub answers a request past a rate limit.
pub fn is_rate_limit(status: StatusCode) -> bool {
    status == StatusCode::FORBIDDEN || status == StatusCode::TOO_MANY_REQUESTS
}

impl ErrorBody {
    /// The response, with the body kept as an extension for later rewriting.
    pub fn into_response_with(self, status: StatusCode) -> Response {
        let mut response = (status, Json(&self)).into_response();
        response.extensions_mut().insert(self);
        response
    }
}
