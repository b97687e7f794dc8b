//! A running mock: bind, serve with graceful shutdown, stop on drop.

use axum::serve::ListenerExt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::app::{self, AppState};
use crate::config::{ApiToken, Config, Tls};
use crate::seed::Seed;
use crate::service::Service;
use crate::tls::{self, TlsError};
use crate::version::GhesVersion;

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
    pub(crate) service: Arc<Service>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// Why a server could not start.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let first = ghes_mock::GhesMock::start().await;
/// let taken = ghes_mock::GhesMock::builder().bind(first.address()).try_start().await;
/// assert!(matches!(taken, Err(ghes_mock::StartError::Bind { .. })));
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The address is taken or not this machine's.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address asked for.
        address: SocketAddr,
        /// Why the operating system refused it.
        source: std::io::Error,
    },
    /// The database could not be opened or migrated.
    #[error("cannot open the database: {0}")]
    Storage(#[from] sqlx::Error),
    /// The certificate or key could not be read, made or used.
    #[error("cannot serve HTTPS: {0}")]
    Tls(#[from] TlsError),
    /// A GHES version outside the range served.
    #[error("{0}")]
    Version(String),
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

    /// The server's base URL, `http://127.0.0.1:PORT` (`https` with TLS).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::start().await;
    /// let health = reqwest::get(format!("{}/_mock/health", mock.uri())).await.unwrap();
    /// assert_eq!(health.status(), 200);
    /// # }
    /// ```
    pub fn uri(&self) -> String {
        format!("{}://{}", self.scheme, self.address)
    }

    /// The GitHub API's base URL, `http://127.0.0.1:PORT/api/v3` (`https`
    /// with TLS).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::start().await;
    /// let meta: serde_json::Value = reqwest::get(format!("{}/meta", mock.api_url()))
    ///     .await.unwrap().json().await.unwrap();
    /// assert_eq!(meta["installed_version"], "3.1.0");
    /// # }
    /// ```
    pub fn api_url(&self) -> String {
        format!("{}/api/v3", self.uri())
    }

    /// The GHES version the server presents.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::builder().ghes_version("3.22").start().await;
    /// assert_eq!(mock.ghes_version().to_string(), "3.22");
    /// # }
    /// ```
    pub fn ghes_version(&self) -> GhesVersion {
        self.service.settings().version
    }

    /// The address the server listens on.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::start().await;
    /// assert!(mock.address().ip().is_loopback());
    /// # }
    /// ```
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Stops accepting connections, answers requests under way, closes the
    /// database and returns once all of that is done.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::start().await;
    /// let address = mock.address();
    /// mock.shutdown().await;
    /// assert!(tokio::net::TcpStream::connect(address).await.is_err());
    /// # }
    /// ```
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
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let config = ghes_mock::Config { runner_version: "2.300.0".into(), ..Default::default() };
    /// let mock = ghes_mock::GhesMock::builder().config(config).start().await;
    /// # drop(mock);
    /// # }
    /// ```
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Where to listen (default `127.0.0.1:0`, a free port).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::builder().bind(([127, 0, 0, 1], 0).into()).start().await;
    /// assert_ne!(mock.address().port(), 0);
    /// # }
    /// ```
    pub fn bind(mut self, address: SocketAddr) -> Self {
        self.config.bind = address;
        self
    }

    /// Keeps state in a SQLite file instead of memory.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let dir = tempfile::tempdir().unwrap();
    /// let mock = ghes_mock::GhesMock::builder().database(dir.path().join("ghes.sqlite3")).start().await;
    /// mock.register_runner("orgs/o", "kept").await;
    /// mock.shutdown().await;
    /// let again = ghes_mock::GhesMock::builder().database(dir.path().join("ghes.sqlite3")).start().await;
    /// assert_eq!(again.state().await.scopes[0].runners[0].name, "kept");
    /// # }
    /// ```
    pub fn database(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.database = Some(path.into());
        self
    }

    /// The fixture to start from and to return to on reset.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let seed = ghes_mock::Seed::from_json(r#"{"runners": [{"scope": "orgs/o", "name": "r"}]}"#).unwrap();
    /// let mock = ghes_mock::GhesMock::builder().seed(seed).start().await;
    /// assert_eq!(mock.state().await.scopes[0].runner_count, 1);
    /// # }
    /// ```
    pub fn seed(mut self, seed: Seed) -> Self {
        self.config.seed = seed;
        self
    }

    /// Adds a personal access token with its OAuth scopes; the server then
    /// refuses every other token.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::builder().token("ci", &["repo"]).start().await;
    /// let client = reqwest::Client::new();
    /// let org = client.get(format!("{}/orgs/o/actions/runners", mock.api_url()))
    ///     .header("Authorization", "token ci").send().await.unwrap();
    /// assert_eq!(org.status(), 403, "repo does not open organization runners");
    /// # }
    /// ```
    pub fn token(mut self, token: &str, scopes: &[&str]) -> Self {
        self.config.tokens.push(ApiToken {
            token: token.to_owned(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        });
        self
    }

    /// The GHES version presented (default `3.1`), from 3.1 to 3.22: its
    /// operations and fields, `installed_version` and
    /// `X-GitHub-Enterprise-Version`. Another version stops the start.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::builder().ghes_version("3.2").start().await;
    /// let meta = reqwest::get(format!("{}/meta", mock.api_url())).await.unwrap();
    /// assert_eq!(meta.headers()["x-github-enterprise-version"], "3.2.0");
    /// # }
    /// ```
    pub fn ghes_version(mut self, version: &str) -> Self {
        self.config.ghes_version = version.to_owned();
        self
    }

    /// Enforces a budget of `requests_per_hour` per token on the `core`
    /// resource; past it, 403 as GitHub's rate limit.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::builder().rate_limit(1).start().await;
    /// let client = reqwest::Client::new();
    /// let list = || client.get(format!("{}/orgs/o/actions/runners", mock.api_url()))
    ///     .header("Authorization", "token t").send();
    /// assert_eq!(list().await.unwrap().status(), 200);
    /// assert_eq!(list().await.unwrap().status(), 403);
    /// # }
    /// ```
    pub fn rate_limit(mut self, requests_per_hour: u32) -> Self {
        self.config.rate_limit = Some(requests_per_hour);
        self
    }

    /// Enforces a budget of `requests_per_hour` per token on the
    /// registration and remove token endpoints (`actions_runner_registration`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::builder().registration_rate_limit(10).start().await;
    /// # drop(mock);
    /// # }
    /// ```
    pub fn registration_rate_limit(mut self, requests_per_hour: u32) -> Self {
        self.config.registration_rate_limit = Some(requests_per_hour);
        self
    }

    /// Removes runners offline for longer than `max_age` on the mock clock
    /// (default 14 days, as GitHub); `None` keeps them.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::time::Duration;
    /// let mock = ghes_mock::GhesMock::builder()
    ///     .offline_runner_max_age(Some(Duration::from_secs(3600)))
    ///     .start()
    ///     .await;
    /// # drop(mock);
    /// # }
    /// ```
    pub fn offline_runner_max_age(mut self, max_age: Option<std::time::Duration>) -> Self {
        self.config.offline_runner_max_age = max_age;
        self
    }

    /// Refuses request bodies larger than this with `413` (default 1 MiB).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::builder().max_body_bytes(16).start().await;
    /// let big = reqwest::Client::new()
    ///     .post(format!("{}/_mock/runners", mock.uri()))
    ///     .body(vec![b' '; 17])
    ///     .send()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(big.status(), 413);
    /// # }
    /// ```
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.config.max_body_bytes = limit;
        self
    }

    /// Answers `504` to a request not answered within `timeout` (default 30 s).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use ghes_mock::Fault;
    /// let mock = ghes_mock::GhesMock::builder().request_timeout(Duration::from_millis(50)).start().await;
    /// mock.add_fault(Fault::new("/api/v3/meta").delay_ms(5_000)).unwrap();
    /// let slow = reqwest::get(format!("{}/meta", mock.api_url())).await.unwrap();
    /// assert_eq!(slow.status(), 504);
    /// # }
    /// ```
    pub fn request_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.config.request_timeout = timeout;
        self
    }

    /// Requires `Authorization: Bearer TOKEN` on the control API (runners
    /// keep registering and removing with their own tokens).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::builder().admin_token("s3cret").start().await;
    /// # drop(mock);
    /// # }
    /// ```
    pub fn admin_token(mut self, token: &str) -> Self {
        self.config.admin_token = Some(token.to_owned());
        self
    }

    /// Serves HTTPS with a certificate chain and its private key, both PEM
    /// files.
    pub fn tls(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        self.config.tls = Some(Tls::Files {
            cert: cert.into(),
            key: key.into(),
        });
        self
    }

    /// Serves HTTPS with a certificate generated at start for `localhost`,
    /// `127.0.0.1` and `::1`, written to `dir/cert.pem` (point clients at it,
    /// e.g. `SSL_CERT_FILE`) with its key in `dir/key.pem`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let dir = std::env::temp_dir().join(format!("ghes-mock-doc-{}", std::process::id()));
    /// let mock = ghes_mock::GhesMock::builder().tls_self_signed(&dir).start().await;
    /// assert!(mock.api_url().starts_with("https://127.0.0.1:"));
    /// assert!(dir.join("cert.pem").exists());
    /// # drop(mock);
    /// # let _ = std::fs::remove_dir_all(dir);
    /// # }
    /// ```
    pub fn tls_self_signed(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config.tls = Some(Tls::SelfSigned { dir: dir.into() });
        self
    }

    /// Starts the server.
    ///
    /// # Panics
    /// If it cannot start; the message says why.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = ghes_mock::GhesMock::builder().start().await;
    /// # drop(mock);
    /// # }
    /// ```
    pub async fn start(self) -> GhesMock {
        match self.try_start().await {
            Ok(mock) => mock,
            Err(error) => panic!("ghes-mock could not start: {error}"),
        }
    }

    /// Starts the server, or says why it could not.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let bad = ghes_mock::GhesMock::builder().database("/no/such/dir/ghes.sqlite3").try_start().await;
    /// assert!(bad.unwrap_err().to_string().starts_with("cannot open the database"));
    /// # }
    /// ```
    pub async fn try_start(self) -> Result<GhesMock, StartError> {
        let mut config = self.config;
        let version: GhesVersion = config.ghes_version.parse().map_err(StartError::Version)?;
        let acceptor = config.tls.as_ref().map(tls::acceptor).transpose()?;
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
        let seed = std::mem::take(&mut config.seed);
        let scheme = if acceptor.is_some() { "https" } else { "http" };
        config.public_url.get_or_insert_with(|| {
            // An unspecified address (0.0.0.0) is no address to call back.
            let mut reachable = address;
            if reachable.ip().is_unspecified() {
                reachable.set_ip(match reachable.ip() {
                    std::net::IpAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                    std::net::IpAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
                });
            }
            format!("{scheme}://{reachable}")
        });
        let service = Arc::new(Service::start(&config, version, seed).await?);
        let router = app::router(AppState {
            service: service.clone(),
            scheme,
            local_addr: address,
            max_body_bytes: config.max_body_bytes,
            request_timeout: config.request_timeout,
        });
        let (stop, stopped) = oneshot::channel::<()>();
        let stopped = async {
            let _ = stopped.await;
        };
        let sweeper = tokio::spawn(sweep(service.clone()));
        let jobs_clock = {
            let service = service.clone();
            tokio::spawn(async move { service.run_jobs_clock().await })
        };
        let recorder = {
            let service = service.clone();
            tokio::spawn(async move { service.record_outcomes().await })
        };
        let service_for_stop = service.clone();
        let task = tokio::spawn(async move {
            match acceptor {
                None => {
                    let listener = listener.tap_io(|stream| without_delay(stream));
                    let served = axum::serve(listener, router)
                        .with_graceful_shutdown(stopped)
                        .await;
                    if let Err(error) = served {
                        tracing::error!(%error, "server stopped");
                    }
                }
                Some(acceptor) => tls::serve(listener, acceptor, router, stopped).await,
            }
            sweeper.abort();
            jobs_clock.abort();
            // What was delivered is recorded; what was not stays pending.
            service_for_stop.stop_deliveries().await;
            let recorded = tokio::time::timeout(std::time::Duration::from_secs(2), recorder);
            if recorded.await.is_err() {
                tracing::warn!("recording the last webhook deliveries took too long");
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

/// Answers on an accepted connection go out as written, not held back for
/// the client's acknowledgement of the last segment (Nagle's algorithm).
pub(crate) fn without_delay(stream: &TcpStream) {
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%error, "cannot set TCP_NODELAY");
    }
}

/// GitHub forgets expired tokens and removes runners offline for too long as
/// time passes: a sweep each minute of real time is close enough, and moving
/// the mock clock sweeps at once.
async fn sweep(service: Arc<Service>) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        every.tick().await;
        if let Err(error) = service.sweep().await {
            tracing::warn!(%error, "sweeping failed");
        }
    }
}
