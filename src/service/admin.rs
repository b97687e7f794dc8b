//! Seeding, reset, the state dump and the clock: the test-double side.

use std::collections::HashMap;

use serde::Serialize;

use super::Service;
use super::runners::label_names;
use crate::clock::format_ms;
use crate::error::Error;
use crate::model::{Runner, Scope};
use crate::seed::Seed;
use crate::store::scopes::ScopeRow;
use crate::store::{Store, runners, scopes, tokens};

/// Far enough for any expiry or sweep a test needs, near enough for the
/// calendar arithmetic never to overflow.
const MAX_CLOCK_OFFSET_SECONDS: u64 = 100 * 366 * 24 * 3600;

/// Everything the mock holds, as `GET /_mock/state` shows it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mock = ghes_mock::GhesMock::start().await;
/// let token = mock.registration_token("orgs/octo-org").await;
/// let state = mock.state().await;
/// assert_eq!(state.scopes[0].scope, "orgs/octo-org");
/// assert_eq!(state.tokens[0].token, token.token);
/// assert_eq!(state.clock_offset_seconds, 0);
/// # }
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct MockState {
    /// The mock clock's now.
    pub now: String,
    /// The offset set with `PUT /_mock/clock`.
    pub clock_offset_seconds: i64,
    /// Every scope, in the order first seen.
    pub scopes: Vec<ScopeState>,
    /// Tokens that have not expired.
    pub tokens: Vec<TokenState>,
}

/// A scope and its runners, in [`MockState`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mock = ghes_mock::GhesMock::start().await;
/// mock.register_runner("repos/o/r", "a").await;
/// let ghes_mock::ScopeState { scope, runner_count, .. } = mock.state().await.scopes.remove(0);
/// assert_eq!((scope.as_str(), runner_count), ("repos/o/r", 1));
/// # }
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct ScopeState {
    /// `orgs/octo-org`, as fixtures write it.
    pub scope: String,
    /// The id `GET /orgs/{org}` and `GET /repos/{owner}/{repo}` show.
    pub id: i64,
    /// How many runners it has.
    pub runner_count: i64,
    /// Its runners in id order.
    pub runners: Vec<Runner>,
}

/// A live registration or remove token, in [`MockState`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mock = ghes_mock::GhesMock::start().await;
/// mock.remove_token("enterprises/e").await;
/// assert_eq!(mock.state().await.tokens[0].kind, "remove");
/// # }
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct TokenState {
    /// The token itself.
    pub token: String,
    /// `registration` or `remove`.
    pub kind: String,
    /// The scope it works for.
    pub scope: String,
    /// When it stops working, on the mock clock.
    pub expires_at: String,
}

impl Service {
    /// Loads the seed into a database that has no scope yet; a database file
    /// that already holds state keeps it.
    pub(super) async fn seed_if_new(&self) -> Result<(), sqlx::Error> {
        let mut tx = self.store.writer().begin().await?;
        if scopes::all(&mut *tx).await?.is_empty() {
            apply_seed(&mut tx, &self.seed, self.clock.now_ms()).await?;
        }
        tx.commit().await
    }

    /// Back to the seeded state: runners, tokens, scopes, custom labels, the
    /// clock, the rate-limit counts, the faults and the request log.
    #[tracing::instrument(skip(self))]
    pub async fn reset(&self) -> Result<(), Error> {
        self.clock.set_offset_seconds(0);
        let mut tx = self.store.writer().begin().await?;
        Store::clear(&mut tx).await?;
        apply_seed(&mut tx, &self.seed, self.clock.now_ms()).await?;
        tx.commit().await?;
        self.rate_limiter.clear();
        self.faults.clear();
        self.requests.clear();
        Ok(())
    }

    /// The scope's stored row, created on first use.
    #[tracing::instrument(skip(self))]
    pub async fn scope(&self, scope: &Scope) -> Result<ScopeRow, Error> {
        if let Some(row) = scopes::find(self.store.reader(), scope).await? {
            return Ok(row);
        }
        let mut conn = self.store.writer().acquire().await?;
        Ok(scopes::ensure(&mut conn, scope).await?)
    }

    #[tracing::instrument(skip(self))]
    pub async fn state(&self) -> Result<MockState, Error> {
        let db = self.store.reader();
        let now = self.clock.now_ms();
        let scope_rows = scopes::all(db).await?;
        let names: HashMap<i64, String> = scope_rows
            .iter()
            .filter_map(|row| Some((row.scope_id, row.scope()?.to_string())))
            .collect();
        let mut scopes = Vec::with_capacity(scope_rows.len());
        for row in &scope_rows {
            scopes.push(ScopeState {
                scope: names.get(&row.scope_id).cloned().unwrap_or_default(),
                id: row.scope_id,
                runner_count: row.runner_count,
                runners: runners::all_of(db, row.scope_id).await?,
            });
        }
        let tokens = tokens::live(db, now)
            .await?
            .into_iter()
            .map(|t| TokenState {
                scope: names.get(&t.scope_id).cloned().unwrap_or_default(),
                expires_at: format_ms(t.expires_at),
                token: t.token,
                kind: t.kind,
            })
            .collect();
        Ok(MockState {
            now: format_ms(now),
            clock_offset_seconds: self.clock.offset_seconds(),
            scopes,
            tokens,
        })
    }

    /// Removes the runners that have been offline for longer than the
    /// configured age, as GitHub does; returns how many went.
    pub async fn sweep_offline_runners(&self) -> Result<u64, Error> {
        let Some(age) = self.settings.offline_runner_max_age else {
            return Ok(0);
        };
        let age = i64::try_from(age.as_millis()).unwrap_or(i64::MAX);
        let cutoff = self.clock.now_ms().saturating_sub(age);
        let removed = runners::delete_offline_since_before(self.store.writer(), cutoff).await?;
        if removed > 0 {
            tracing::info!(removed, "removed runners offline for too long");
        }
        Ok(removed)
    }

    /// Sets the clock to wall time + `offset_seconds` and sweeps the runners
    /// the jump left offline for too long; returns the new now.
    pub async fn set_clock(&self, offset_seconds: i64) -> Result<String, Error> {
        if offset_seconds.unsigned_abs() > MAX_CLOCK_OFFSET_SECONDS {
            return Err(Error::invalid(
                "Clock",
                "offset_seconds",
                "offset_seconds must be within 100 years of now",
            ));
        }
        self.clock.set_offset_seconds(offset_seconds);
        self.sweep_offline_runners().await?;
        Ok(format_ms(self.clock.now_ms()))
    }
}

/// Writes the seed's scopes and runners in one batch.
async fn apply_seed(
    conn: &mut sqlx::SqliteConnection,
    seed: &Seed,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    let mut scope_ids = HashMap::new();
    for scope in seed.scopes() {
        let row = scopes::ensure(&mut *conn, &scope).await?;
        scope_ids.insert(scope.key(), row.scope_id);
    }
    let batch: Vec<runners::NewRunner> = seed
        .runners
        .iter()
        .filter_map(|r| {
            let scope: Scope = r.scope.parse().ok()?;
            Some(runners::NewRunner {
                id: None,
                scope_id: *scope_ids.get(&scope.key())?,
                name: r.name.clone(),
                os: r.os.as_str(),
                architecture: r.architecture.as_str(),
                status: r.status.as_str(),
                busy: r.busy,
                labels: label_names(r.os, r.architecture, &r.labels),
            })
        })
        .collect();
    runners::insert(conn, &batch, now_ms).await
}
