//! The rules of the API, with no HTTP in sight: both the GitHub surface and
//! the control API call into [`Service`], and only it reaches the store.

mod admin;
mod apps;
mod auth;
mod batch;
pub(crate) mod deliveries;
mod faults;
mod groups;
mod hooks;
mod jit;
mod jobs;
pub(crate) mod jwt;
mod labels;
mod memory;
mod ratelimit;
mod requests;
mod runners;
mod runs;
mod tokens;

use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard};

use std::time::{Duration, Instant};
use tokio::sync::Notify;

use sqlx::pool::PoolConnection;
use sqlx::{Connection, Sqlite, SqliteConnection};

pub use admin::{GroupState, InstallationTokenState, MockState, ScopeState, TokenState};
/// The rules an App and an installation must follow, for fixtures.
pub mod apps_checks {
    pub use super::apps::{
        check_hook_url, check_permissions, keys_of, parse_account, repository_of,
    };
}
pub use apps::{
    App, Grant, Installation, IssuedToken, NewApp, NewInstallation, TokenRequest, Webhook,
    selection,
};
pub use auth::{Auth, Need, Principal, accepted_scopes};
pub use deliveries::{Delivery, DeliveryQuery};
pub use faults::{Fault, FaultPlan};
pub use groups::{GroupChange, GroupKind, GroupView, NewGroup, check_group_name};
pub use hooks::HOOK_EVENTS;
pub use hooks::{DeliveryFilter, HookConfig, HookOwner, HookUpdate, NewHook};
pub use jit::{JitConfig, JitRequest, JitStart};
pub use jobs::{NewJob, NewRun, check_new_run};
pub use labels::LabelChange;
pub use memory::{AccountKind, AppEntry, InstallationEntry, JobEntry, RunEntry};
pub use ratelimit::{RateLimiter, RateStatus, Resource};
pub use requests::{LoggedRequest, RequestFilter, RequestLog, redacted_path};
pub use runners::{PageRequest, Registration, Removal, RunnerUpdate};
pub use runs::{JobCounts, RunFilter};

use crate::clock::Clock;
use crate::config::Config;
use crate::error::Error;
use crate::seed::Seed;
use crate::store::{self, Store};
use crate::version::GhesVersion;
use memory::Memory;

/// What the service needs from the configuration after start-up.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The GHES version presented: what it serves and shows.
    pub version: GhesVersion,
    /// Three-part version, as `installed_version` shows it (`3.1.0`).
    pub ghes_version: String,
    pub runner_version: String,
    pub token_ttl: Duration,
    pub offline_runner_max_age: Option<Duration>,
    /// `scheme://host[:port]` of the mock as clients reach it, for webhook
    /// payloads.
    pub public_url: String,
}

#[derive(Debug)]
pub struct Service {
    store: Store,
    /// What reads are answered from; see [`memory`].
    memory: Arc<RwLock<Memory>>,
    clock: Arc<Clock>,
    settings: Settings,
    /// Packed; what reset returns to.
    seed: Seed,
    auth: Auth,
    rate_limiter: RateLimiter,
    faults: FaultPlan,
    requests: RequestLog,
    /// Token requests waiting for the writer's turn; see [`batch`].
    token_asks: batch::Batch<tokens::TokenAsk, crate::model::Token>,
    /// JIT runners waiting for the writer's turn.
    jit_asks: batch::Batch<jit::JitAsk, jit::MadeRunner>,
    /// Installation tokens waiting for the writer's turn.
    installation_token_asks: batch::Batch<apps::TokenAsk, IssuedToken>,
    /// The RSA key of JIT configurations, made on first use; see [`jit`].
    jit_key: tokio::sync::OnceCell<jit::RunnerKey>,
    /// Wakes the task that ends jobs on the mock clock; see [`jobs`].
    jobs_clock: Arc<Notify>,
    /// Sends webhook deliveries; see [`deliveries`].
    engine: crate::delivery::Engine,
    /// Tells the recorder the engine has stopped.
    deliveries_stopped: Notify,
    /// Where the engine's outcomes arrive, until the recorder takes them.
    outcomes:
        std::sync::Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<crate::delivery::Outcome>>>,
}

impl Service {
    /// Opens the store and, when it is new, loads the seed into it. The seed
    /// is kept to return to on reset.
    pub async fn start(
        config: &Config,
        version: GhesVersion,
        mut seed: Seed,
    ) -> Result<Service, sqlx::Error> {
        // A fixture's App keeps one key and client id for the server's life,
        // so that a reset returns to the same App.
        for app in &mut seed.apps {
            if app.public_key_pem.is_none() && app.private_key_pem.is_none() {
                let pem = apps::generate_key_pem()
                    .await
                    .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
                app.private_key_pem = Some(pem);
            }
            app.client_id.get_or_insert_with(apps::new_client_id);
        }
        let store = Store::connect(config.database.as_deref()).await?;
        let auth = Auth::new(
            seed.tokens.iter().chain(&config.tokens),
            config.admin_token.clone(),
        );
        let clock = Arc::new(Clock::default());
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", config.bind))
            .trim_end_matches('/')
            .to_owned();
        let (sent, outcomes) = deliveries::outcome_channel();
        let engine = crate::delivery::Engine::start(
            crate::delivery::EngineSettings {
                timeout: config.hook_timeout,
                enterprise_version: version.installed(),
                enterprise_host: host_of(&public_url),
                ..crate::delivery::EngineSettings::default()
            },
            clock.clone(),
            sent,
        )
        .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        let service = Service {
            store,
            memory: Arc::new(RwLock::new(Memory::new(version))),
            clock,
            settings: Settings {
                version,
                ghes_version: version.installed(),
                runner_version: config.runner_version.clone(),
                token_ttl: config.token_ttl,
                offline_runner_max_age: config.offline_runner_max_age,
                public_url,
            },
            seed,
            auth,
            rate_limiter: RateLimiter::new(config.rate_limit, config.registration_rate_limit),
            faults: FaultPlan::default(),
            requests: RequestLog::default(),
            token_asks: batch::Batch::default(),
            jit_asks: batch::Batch::default(),
            installation_token_asks: batch::Batch::default(),
            jit_key: tokio::sync::OnceCell::new(),
            jobs_clock: Arc::new(Notify::new()),
            engine,
            deliveries_stopped: Notify::new(),
            outcomes: std::sync::Mutex::new(Some(outcomes)),
        };
        service.seed_if_new().await?;
        let mut writer = service.writer().await?;
        service
            .send_pending(&mut writer)
            .await
            .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        drop(writer);
        Ok(service)
    }

    /// Memory as the last committed write left it.
    fn memory(&self) -> RwLockReadGuard<'_, Memory> {
        self.memory.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for the writer's turn: the one database connection, and with it
    /// the right to change memory once a change is committed.
    async fn writer(&self) -> Result<Writer, sqlx::Error> {
        Ok(Writer {
            conn: Some(self.store.writer().acquire().await?),
            memory: self.memory.clone(),
            version: self.settings.version,
            unsettled: false,
            jobs_clock: self.jobs_clock.clone(),
        })
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    pub fn rate_limiter(&self) -> &RateLimiter {
        &self.rate_limiter
    }

    pub fn faults(&self) -> &FaultPlan {
        &self.faults
    }

    pub fn requests(&self) -> &RequestLog {
        &self.requests
    }

    /// Ends jobs when their time is up on the mock clock, and settles what
    /// writes left behind; runs until the server stops.
    pub async fn run_jobs_clock(&self) {
        loop {
            // A fixture's jobs, or a reset's, wait for runners from the start.
            if self.memory().jobs().has_work(self.clock.now_ms())
                && let Err(error) = self.settle_now().await
            {
                tracing::warn!(%error, "settling jobs failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let now = self.clock.now_ms();
            let wait = self
                .memory()
                .jobs()
                .next_due()
                .map_or(Duration::from_secs(3600), |at| {
                    Duration::from_millis(u64::try_from(at.saturating_sub(now)).unwrap_or(0))
                });
            let _ = tokio::time::timeout(wait, self.jobs_clock.notified()).await;
        }
    }

    /// Closes the database once requests under way are done.
    pub async fn close(&self) {
        self.store.close().await;
    }
}

/// A write in progress. Memory changes only through [`Writer::apply`], so
/// only in the writer's turn, and only after the change is committed.
///
/// A turn that touched SQLite and ends without bringing memory in step (a
/// statement failed, or the request was dropped or timed out in the middle)
/// leaves memory to be read again from SQLite, still in the writer's turn,
/// so memory never drifts from the record.
struct Writer {
    /// Always present until the turn ends.
    conn: Option<PoolConnection<Sqlite>>,
    memory: Arc<RwLock<Memory>>,
    /// What memory is loaded for, when it must be read again.
    version: GhesVersion,
    /// Whether SQLite may hold a change that memory does not.
    unsettled: bool,
    /// Woken when the turn ends with jobs that could move; see [`jobs`].
    jobs_clock: Arc<Notify>,
}

impl Writer {
    fn conn(&mut self) -> Result<&mut SqliteConnection, sqlx::Error> {
        self.unsettled = true;
        self.conn.as_deref_mut().ok_or(sqlx::Error::PoolClosed)
    }

    /// Begins a transaction. Dropped before it commits (an error, or the
    /// request gone), it is rolled back and SQLite stays as memory knows it:
    /// only a commit leaves memory to catch up.
    async fn begin(&mut self) -> Result<Tx<'_>, sqlx::Error> {
        let Writer {
            conn, unsettled, ..
        } = self;
        let before = *unsettled;
        // Dropped while BEGIN is under way, the connection's state is unknown.
        *unsettled = true;
        let tx = conn
            .as_deref_mut()
            .ok_or(sqlx::Error::PoolClosed)?
            .begin()
            .await?;
        *unsettled = before;
        Ok(Tx { tx, unsettled })
    }

    /// Changes memory to match what was just committed.
    fn apply<R>(&mut self, change: impl FnOnce(&mut Memory) -> R) -> R {
        let changed = change(&mut self.memory.write().unwrap_or_else(PoisonError::into_inner));
        self.unsettled = false;
        changed
    }

    /// Says that what SQLite was asked changed nothing (a refused insert).
    fn settle(&mut self) {
        self.unsettled = false;
    }

    /// Memory as the last committed write left it.
    fn memory(&self) -> RwLockReadGuard<'_, Memory> {
        self.memory.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The scope's id, the scope being stored on first use.
    async fn ensure_scope(&mut self, scope: &crate::model::Scope) -> Result<i64, Error> {
        if let Some(entry) = self.memory().scope(scope) {
            return Ok(entry.id);
        }
        let (row, group) = store::scopes::ensure(self.conn()?, scope).await?;
        self.apply(|memory| {
            memory.add_scope(&row);
            group.map_or(Ok(()), |group| memory.add_group(group))
        })?;
        Ok(row.scope_id)
    }
}

/// A transaction in the writer's turn; see [`Writer::begin`].
struct Tx<'w> {
    tx: sqlx::Transaction<'w, Sqlite>,
    unsettled: &'w mut bool,
}

impl Tx<'_> {
    /// Commits: memory is behind SQLite until [`Writer::apply`].
    async fn commit(self) -> Result<(), sqlx::Error> {
        *self.unsettled = true;
        self.tx.commit().await
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // A write that let a job move and did not settle leaves it to the
        // clock task, which settles in a turn of its own; a job that started
        // may end before the clock task next looks.
        let jobs_left = {
            let memory = self.memory();
            memory.jobs().has_work(i64::MIN) || memory.jobs().next_due().is_some()
        };
        if jobs_left {
            self.jobs_clock.notify_one();
        }
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        if !self.unsettled {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let memory = self.memory.clone();
        let version = self.version;
        // The task holds the connection: no other write starts until memory
        // is in step again.
        runtime.spawn(async move {
            match Memory::load(&mut conn, version).await {
                Ok(loaded) => {
                    *memory.write().unwrap_or_else(PoisonError::into_inner) = loaded;
                    tracing::info!("memory read again from the database after an unfinished write");
                }
                Err(error) => tracing::error!(%error, "reading the database into memory failed"),
            }
        });
    }
}

/// The host of a URL, for `X-GitHub-Enterprise-Host`.
fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "localhost".to_owned())
}

/// A runner name as config.sh accepts it.
pub fn check_runner_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("must not be empty".to_owned());
    }
    if name.chars().count() > 256 || name.chars().any(char::is_control) {
        return Err(format!("{name:?} is not a valid runner name"));
    }
    Ok(())
}

/// A custom label as config.sh's `--labels` accepts it.
pub fn check_label(label: &str) -> Result<(), String> {
    if label.trim().is_empty() {
        return Err("a label must not be empty".to_owned());
    }
    if label.contains(',') || label.chars().count() > 256 || label.chars().any(char::is_control) {
        return Err(format!("{label:?} is not a valid label"));
    }
    Ok(())
}

/// How long a piece of work in a turn runs before it lets other tasks go.
const STRETCH: Duration = Duration::from_micros(250);

/// Where a long piece of work may give way: [`Stretch::tick`] yields once
/// [`STRETCH`] has passed since the last yield. A large piece of work keeps
/// the core no longer than that at a time, and a small one, such as a run
/// of ten jobs, does not wait behind every other task at each step.
struct Stretch(Instant);

impl Stretch {
    fn start() -> Stretch {
        Stretch(Instant::now())
    }

    async fn tick(&mut self) {
        if self.0.elapsed() >= STRETCH {
            tokio::task::yield_now().await;
            self.0 = Instant::now();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Scope, TokenKind};
    use crate::store::runners::{self, NewRunner};

    /// A request dropped in the middle of a write (a client gone, a time
    /// limit) leaves SQLite changed and memory not: memory is read again
    /// before the next write starts.
    #[tokio::test]
    async fn a_write_turn_left_unfinished_reads_memory_again() {
        let service = Service::start(&Config::default(), GhesVersion::OLDEST, Seed::default())
            .await
            .unwrap();
        let org = Scope::Org("octo-org".to_owned());
        service
            .create_token(&org, TokenKind::Registration)
            .await
            .unwrap();
        let scope_id = service.memory().scope(&org).unwrap().id;
        let runner = NewRunner {
            id: None,
            scope_id,
            name: "half-done".to_owned(),
            os: "linux",
            architecture: "x64",
            status: "online",
            busy: false,
            label_ids: vec![1, 2, 5],
            runner_group_id: None,
            ephemeral: false,
            version: None,
            jit_secret: None,
        };

        let mut cut_off = service.writer().await.unwrap();
        runners::insert(cut_off.conn().unwrap(), &runner, 0)
            .await
            .unwrap();
        drop(cut_off);
        drop(service.writer().await.unwrap());

        let page = service
            .list_runners(&org, PageRequest::default(), None)
            .await
            .unwrap();
        assert_eq!(page.total_count, 1);
        assert!(page.items.get().contains(r#""name":"half-done""#));
    }

    #[test]
    fn labels_and_names_are_checked() {
        assert!(check_label("gpu").is_ok());
        assert!(check_label("a,b").is_err());
        assert!(check_label(" ").is_err());
        assert!(check_runner_name("").is_err());
        assert!(check_runner_name("linux_runner").is_ok());
    }
}
