//! A stateful stand-in for GitHub Enterprise Server's self-hosted runners
//! REST API, for testing the tools that manage runners.
//!
//! Start one in a test, point a GitHub client at [`GhesMock::api_url`], and
//! drive it like a GHES: tokens, runners, pagination, errors and headers are
//! GitHub's own. The control API under `/_mock` simulates runners and moves
//! the clock.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use ghes_mock::GhesMock;
//!
//! let mock = GhesMock::start().await;
//! let url = format!("{}/orgs/octo-org/actions/runners", mock.api_url());
//! assert!(url.starts_with("http://127.0.0.1:"));
//! // The server stops when `mock` is dropped.
//! # }
//! ```
//!
//! The server runs on the caller's tokio runtime.

#![warn(missing_docs)]

mod api;
mod app;
mod clock;
mod config;
mod control;
mod controls;
mod delivery;
mod error;
mod hook_target;
mod model;
mod seed;
mod server;
mod service;
mod shapes;
mod store;
mod tls;
mod version;

pub use config::{
    ApiToken, Config, DEFAULT_MAX_BODY_BYTES, DEFAULT_OFFLINE_RUNNER_MAX_AGE,
    DEFAULT_REQUEST_TIMEOUT, DEFAULT_RUNNER_VERSION, Tls,
};
pub use delivery::{DeliveryFault, DeliveryFaultKind};
pub use error::{Error, FieldError};
pub use hook_target::{HookTarget, ReceivedDelivery, WaitTimeout};
pub use model::{
    Architecture, Conclusion, Job, JobStatus, Label, LabelKind, Os, Permissions, Runner,
    RunnerStatus, Scope, Token, TokenKind, Visibility, WorkflowRun,
};
pub use seed::{Seed, SeedApp, SeedError, SeedGroup, SeedOrg, SeedRunner, SeedRunners};
pub use server::{GhesMock, GhesMockBuilder, StartError};
pub use service::{
    App, Delivery, DeliveryQuery, Fault, GroupState, Installation, InstallationTokenState,
    JitStart, LoggedRequest, MockState, NewApp, NewInstallation, NewJob, NewRun, Registration,
    RequestFilter, ScopeState, TokenState, Webhook,
};
pub use tls::TlsError;
pub use version::{Feature, GhesVersion};

// The README's Rust examples run as doctests, so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
