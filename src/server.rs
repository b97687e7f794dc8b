//! A running mock: bind, serve with graceful shutdown, stop on drop.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::app::{self, AppState};
use crate::config::{ApiToken, Config};
use crate::seed::Seed;
use crate::service::Service;

/// A ghes-mock server running on the current tokio runtime.
///
/// The server stops when the value is dropped; [`GhesMock::shutdown`] stops
/// it gracefully and waits until requests under way are answered.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mock = ghes_mock::GhesMock::start().await;
/// assert!(mock.api_url().starts_with("http://127.0.0.1:"));
/// assert!(mock.api_url().ends_with("/api/v3"));
/// # }
/// ```
#[derive(Debug)]
pub struct GhesMock {
    address: SocketAddr,
    scheme: &'static str,
    service: Arc<Service>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot open the database: {0}")]
    Storage(#[from] sqlx::Error),
}

impl GhesMock {
    /// Starts a mock on a free loopback port with its own in-memory database,
    /// in open mode.
    ///
    /// # Panics
    /// If the server cannot start (no free port); use
    /// [`GhesMockBuilder::try_start`] to handle that.
    pub async fn start() -> GhesMock {
        GhesMock::builder().start().await
    }

    /// Options for a mock that [`GhesMock::start`] does not cover.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::builder()
    ///     .token("t0ken", &["admin:org"])
    ///     .ghes_version("3.1")
    ///     .start()
    ///     .await;
    /// # drop(mock);
    /// # }
    /// ```
    pub fn builder() -> GhesMockBuilder {
        GhesMockBuilder::default()
    }

    /// The server's base URL, `http://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        format!("{}://{}", self.scheme, self.address)
    }

    /// The GitHub API's base URL, `http://127.0.0.1:PORT/api/v3`.
    pub fn api_url(&self) -> String {
        format!("{}/api/v3", self.uri())
    }

    /// The address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Stops accepting connections, answers requests under way, closes the
    /// database and returns once all of that is done.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.service.close().await;
    }
}

impl Drop for GhesMock {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Options for a [`GhesMock`].
#[derive(Debug, Default)]
pub struct GhesMockBuilder {
    config: Config,
}

impl GhesMockBuilder {
    /// Starts from a whole [`Config`], as the binary does.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Where to listen (default `127.0.0.1:0`, a free port).
    pub fn bind(mut self, address: SocketAddr) -> Self {
        self.config.bind = address;
        self
    }

    /// Keeps state in a SQLite file instead of memory.
    pub fn database(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.database = Some(path.into());
        self
    }

    /// The fixture to start from and to return to on reset.
    pub fn seed(mut self, seed: Seed) -> Self {
        self.config.seed = seed;
        self
    }

    /// Adds a personal access token with its OAuth scopes; the server then
    /// refuses every other token.
    pub fn token(mut self, token: &str, scopes: &[&str]) -> Self {
        self.config.tokens.push(ApiToken {
            token: token.to_owned(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        });
        self
    }

    /// The GHES version presented (default `3.1`).
    pub fn ghes_version(mut self, version: &str) -> Self {
        self.config.ghes_version = version.to_owned();
        self
    }

    /// Enforces a budget of `requests_per_hour` per token.
    pub fn rate_limit(mut self, requests_per_hour: u32) -> Self {
        self.config.rate_limit = Some(requests_per_hour);
        self
    }

    /// Starts the server.
    ///
    /// # Panics
    /// If it cannot start; the message says why.
    pub async fn start(self) -> GhesMock {
        match self.try_start().await {
            Ok(mock) => mock,
            Err(error) => panic!("ghes-mock could not start: {error}"),
        }
    }

    /// Starts the server, or says why it could not.
    pub async fn try_start(self) -> Result<GhesMock, StartError> {
        let config = self.config;
        let listener = TcpListener::bind(config.bind)
            .await
            .map_err(|source| StartError::Bind {
                address: config.bind,
                source,
            })?;
        let address = listener.local_addr().map_err(|source| StartError::Bind {
            address: config.bind,
            source,
        })?;
        let service = Arc::new(Service::start(&config).await?);
        let scheme = "http";
        let router = app::router(AppState {
            service: service.clone(),
            scheme,
            local_addr: address,
        });
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
            if let Err(error) = served {
                tracing::error!(%error, "server stopped");
            }
        });
        tracing::info!(%address, "listening");
        Ok(GhesMock {
            address,
            scheme,
            service,
            stop: Some(stop),
            task: Some(task),
        })
    }
}
