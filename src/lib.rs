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

mod api;
mod app;
mod clock;
mod config;
mod control;
mod error;
mod model;
mod seed;
mod server;
mod service;
mod store;

pub use config::{ApiToken, Config, DEFAULT_RUNNER_VERSION};
pub use seed::{Seed, SeedError, SeedRunner};
pub use server::{GhesMock, GhesMockBuilder, StartError};
