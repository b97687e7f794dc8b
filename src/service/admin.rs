//! Seeding, reset, the state dump and the clock: the test-double side.

use std::collections::HashMap;

use serde::Serialize;

use super::Service;
use super::apps::{App, Installation, app_row, parse_account, to_json};
use super::memory::{Memory, ScopeEntry};
use super::runners::label_names;
use crate::clock::format_ms;
use crate::error::Error;
use crate::model::{Runner, Scope};
use crate::seed::{DEFAULT_GROUP, Seed, SeedApp};
use crate::store::groups::GroupRow;
use crate::store::scopes::ScopeRow;
use crate::store::{Store, apps, groups, labels, runners, scopes, tokens};

/// Far enough for any expiry or sweep a test needs, near enough for the
/// calendar arithmetic never to overflow.
const MAX_CLOCK_OFFSET_SECONDS: u64 = 100 * 366 * 24 * 3600;

/// How long an expired token is remembered.
const EXPIRED_TOKENS_KEPT_MS: i64 = 24 * 3600 * 1000;

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
/// assert_eq!(state.offset_seconds, 0);
/// # }
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct MockState {
    /// The mock clock's now.
    pub now: String,
    /// The offset set with `PUT /_mock/clock`.
    pub offset_seconds: i64,
    /// Every scope, in the order first seen.
    pub scopes: Vec<ScopeState>,
    /// Tokens that have not expired.
    pub tokens: Vec<TokenState>,
    /// GitHub Apps.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub apps: Vec<App>,
    /// Their installations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub installations: Vec<Installation>,
    /// Installation tokens that have not expired.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub installation_tokens: Vec<InstallationTokenState>,
    /// How many jobs are queued, running and completed, and how many
    /// runners wait idle.
    pub jobs: super::JobCounts,
}

/// A live installation token, in [`MockState`].
#[derive(Debug, Clone, Serialize)]
pub struct InstallationTokenState {
    /// The token itself (`ghs_…`).
    pub token: String,
    /// The installation it works for.
    pub installation_id: i64,
    /// When it stops working, on the mock clock.
    pub expires_at: String,
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
    /// The enterprise an organization belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise: Option<String>,
    /// An enterprise's or organization's runner groups, default first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub runner_groups: Vec<GroupState>,
    /// How many runners it has.
    pub runner_count: i64,
    /// Its runners in id order.
    pub runners: Vec<Runner>,
}

/// A runner group, in [`ScopeState`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mock = ghes_mock::GhesMock::start().await;
/// mock.register_runner("orgs/o", "a").await;
/// let group = &mock.state().await.scopes[0].runner_groups[0];
/// assert_eq!((group.id, group.name.as_str(), group.runner_count), (1, "Default", 1));
/// # }
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct GroupState {
    /// The id GitHub shows: 1 for the default group.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// `all`, `selected` or `private`.
    pub visibility: String,
    /// How many runners it has.
    pub runner_count: usize,
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
    /// Loads the seed into a database that has no scope yet (a database file
    /// that already holds state keeps it), then reads the state into memory.
    pub(super) async fn seed_if_new(&self) -> Result<(), sqlx::Error> {
        let mut writer = self.writer().await?;
        let mut tx = writer.begin().await?;
        if scopes::all(&mut *tx).await?.is_empty() {
            apply_seed(
                &mut tx,
                &self.seed,
                self.clock.now_ms(),
                &self.settings.runner_version,
            )
            .await?;
        } else if let Some(kept) = kept_state_note(&self.seed) {
            tracing::info!("{kept}");
        }
        tx.commit().await?;
        let memory = Memory::load(writer.conn()?, self.settings.version).await?;
        writer.apply(|current| *current = memory);
        Ok(())
    }

    /// Back to the seeded state: runners, tokens, scopes, custom labels, the
    /// clock, the rate-limit counts, the faults and the request log.
    #[tracing::instrument(skip(self))]
    pub async fn reset(&self) -> Result<(), Error> {
        self.clock.set_offset_seconds(0);
        let mut writer = self.writer().await?;
        let mut tx = writer.begin().await?;
        Store::clear(&mut tx).await?;
        apply_seed(
            &mut tx,
            &self.seed,
            self.clock.now_ms(),
            &self.settings.runner_version,
        )
        .await?;
        tx.commit().await?;
        let memory = Memory::load(writer.conn()?, self.settings.version).await?;
        writer.apply(|current| *current = memory);
        // What was on its way to the hooks just deleted goes nowhere.
        self.engine.clear();
        self.rate_limiter.clear();
        self.faults.clear();
        self.delivery_faults().clear();
        self.requests.clear();
        Ok(())
    }

    /// The scope's id and name, the scope being created on first use.
    #[tracing::instrument(skip(self))]
    pub async fn scope(&self, scope: &Scope) -> Result<ScopeRow, Error> {
        let known = |entry: &ScopeEntry| ScopeRow {
            scope_id: entry.id,
            kind: entry.scope.kind().to_owned(),
            name: entry.scope.name(),
            enterprise_id: entry.enterprise_id,
        };
        if let Some(row) = self.memory().scope(scope).map(known) {
            return Ok(row);
        }
        let mut writer = self.writer().await?;
        let scope_id = writer.ensure_scope(scope).await?;
        let memory = self.memory();
        memory
            .scope_by_id(scope_id)
            .map(known)
            .ok_or(Error::NotFound)
    }

    #[tracing::instrument(skip(self))]
    pub async fn state(&self) -> Result<MockState, Error> {
        let now = self.clock.now_ms();
        let memory = self.memory();
        let scopes = memory
            .scopes()
            .iter()
            .map(|entry| ScopeState {
                scope: entry.scope.to_string(),
                id: entry.id,
                enterprise: entry
                    .enterprise_id
                    .and_then(|id| memory.scope_by_id(id))
                    .map(|e| e.scope.name()),
                runner_groups: memory
                    .groups_of(entry)
                    .map(|g| GroupState {
                        id: g.number(),
                        name: g.name.to_string(),
                        visibility: g.visibility.to_string(),
                        runner_count: g.runner_ids().len(),
                    })
                    .collect(),
                runner_count: entry.runners().len() as i64,
                runners: entry.runners().iter().map(|r| memory.runner(r)).collect(),
            })
            .collect();
        let mut tokens: Vec<(&str, _)> = memory.tokens(now).collect();
        tokens.sort_by_key(|&(token, entry)| (entry.expires_at, token));
        let tokens = tokens
            .into_iter()
            .map(|(token, entry)| TokenState {
                token: token.to_owned(),
                kind: entry.kind.to_string(),
                scope: memory
                    .scope_by_id(entry.scope_id)
                    .map(|s| s.scope.to_string())
                    .unwrap_or_default(),
                expires_at: format_ms(entry.expires_at),
            })
            .collect();
        let mut installation_tokens: Vec<InstallationTokenState> = memory
            .installation_tokens(now)
            .map(|(token, entry)| InstallationTokenState {
                token: token.to_owned(),
                installation_id: entry.installation_id,
                expires_at: format_ms(entry.expires_at),
            })
            .collect();
        installation_tokens
            .sort_by(|a, b| (&a.expires_at, &a.token).cmp(&(&b.expires_at, &b.token)));
        drop(memory);
        Ok(MockState {
            now: format_ms(now),
            offset_seconds: self.clock.offset_seconds(),
            scopes,
            tokens,
            apps: self.app_views(),
            installations: self.installation_views(),
            installation_tokens,
            jobs: self.job_counts(),
        })
    }

    /// Forgets tokens a day after they expired (until then, using one is
    /// answered as expired, not unknown) and removes the runners that have
    /// been offline for longer than the configured age, as GitHub does;
    /// returns how many runners went.
    pub async fn sweep(&self) -> Result<u64, Error> {
        let now = self.clock.now_ms();
        let forget_before = now.saturating_sub(EXPIRED_TOKENS_KEPT_MS);
        let mut writer = self.writer().await?;
        tokens::delete_expired(writer.conn()?, forget_before).await?;
        apps::delete_expired_tokens(writer.conn()?, forget_before).await?;
        writer.apply(|memory| {
            memory.remove_expired_tokens(forget_before);
            memory.remove_expired_installation_tokens(forget_before);
        });
        let Some(age) = self.settings.offline_runner_max_age else {
            return Ok(0);
        };
        let age = i64::try_from(age.as_millis()).unwrap_or(i64::MAX);
        let cutoff = now.saturating_sub(age);
        let removed = runners::delete_offline_since_before(writer.conn()?, cutoff).await?;
        writer.apply(|memory| memory.remove_runners(&removed));
        if removed.is_empty() {
            return Ok(0);
        }
        tracing::info!(
            removed = removed.len(),
            "removed runners offline for too long"
        );
        Ok(removed.len() as u64)
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
        self.sweep().await?;
        // Jobs whose time is up on the new clock end now.
        self.settle_now().await?;
        Ok(format_ms(self.clock.now_ms()))
    }
}

/// What became of a fixture given with a database that already holds
/// state: the state stays, the fixture's contents are left out, its tokens
/// still count. `None` when there is no fixture to speak of.
fn kept_state_note(seed: &Seed) -> Option<String> {
    let parts: Vec<&str> = [
        ("enterprises", seed.enterprises.is_empty()),
        ("orgs", seed.orgs.is_empty()),
        ("repos", seed.repos.is_empty()),
        ("runner groups", seed.runner_groups.is_empty()),
        ("runners", seed.runners.is_empty()),
        ("apps", seed.apps.is_empty()),
        ("hooks", seed.hooks.is_empty()),
        ("runs", seed.runs.is_empty()),
    ]
    .into_iter()
    .filter(|&(_, empty)| !empty)
    .map(|(part, _)| part)
    .collect();
    let tokens = !seed.tokens.is_empty();
    let skipped = match parts.as_slice() {
        [] if !tokens => return None,
        [] => String::new(),
        [one] => format!("; the fixture's {one} were not applied"),
        [first @ .., last] => format!(
            "; the fixture's {} and {last} were not applied",
            first.join(", ")
        ),
    };
    let reset = if parts.is_empty() {
        ""
    } else {
        " (POST /_mock/reset replaces the state with the fixture)"
    };
    let tokens = match (tokens, parts.is_empty()) {
        (false, _) => "",
        (true, false) => "; its tokens were applied",
        (true, true) => "; the fixture's tokens were applied",
    };
    Some(format!(
        "database already holds state: kept it{skipped}{reset}{tokens}"
    ))
}

/// Writes a fixture's webhook, as it is: not pinged.
async fn seed_hook(
    conn: &mut sqlx::SqliteConnection,
    hook: &crate::seed::SeedHook,
    id_of: &impl Fn(Scope) -> Option<i64>,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    let (kind, scope_id) = match hook.scope.parse::<Scope>() {
        Ok(scope @ Scope::Repo { .. }) => ("repo", id_of(scope)),
        Ok(scope @ Scope::Org(_)) => ("org", id_of(scope)),
        _ => ("global", None),
    };
    let events = hook.events.clone().unwrap_or_else(|| match kind {
        "global" => vec!["user".to_owned(), "organization".to_owned()],
        _ => vec!["push".to_owned()],
    });
    let row = crate::store::hooks::HookRow {
        hook_id: 0,
        kind: kind.to_owned(),
        scope_id,
        active: hook.active.unwrap_or(true),
        events: serde_json::to_string(&events).map_err(|e| sqlx::Error::Encode(e.into()))?,
        url: hook.url.clone(),
        content_type: hook
            .content_type
            .clone()
            .unwrap_or_else(|| "form".to_owned()),
        secret: hook.secret.clone().filter(|s| !s.is_empty()),
        insecure_ssl: "0".to_owned(),
        last_response: None,
        created_at: now_ms,
        updated_at: now_ms,
    };
    crate::store::hooks::insert(&mut *conn, &row)
        .await
        .map(drop)
}

/// Writes a fixture's App and its installations.
async fn seed_app(
    conn: &mut sqlx::SqliteConnection,
    app: &SeedApp,
    id_of: &impl Fn(Scope) -> Option<i64>,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    let refused = |e: Error| sqlx::Error::Protocol(e.to_string());
    let row = app_row(&app.new_app(), now_ms).map_err(refused)?;
    let app_id = apps::insert_app(&mut *conn, &row).await?;
    for installation in &app.installations {
        let (kind, account) = parse_account(&installation.account).map_err(refused)?;
        let account_id = id_of(account).ok_or(sqlx::Error::RowNotFound)?;
        let repository_ids: Option<Vec<i64>> = installation.repositories.as_ref().map(|names| {
            names
                .iter()
                .filter_map(|name| id_of(format!("repos/{name}").parse().ok()?))
                .collect()
        });
        let row = apps::InstallationRow {
            installation_id: 0,
            app_id,
            account_kind: kind.as_str().to_owned(),
            account_id,
            repository_ids: repository_ids.as_deref().map(to_json),
            permissions: to_json(
                installation
                    .permissions
                    .as_ref()
                    .unwrap_or(&app.permissions),
            ),
            events: to_json(installation.events.as_ref().unwrap_or(&app.events)),
            created_at: now_ms,
        };
        apps::insert_installation(&mut *conn, &row).await?;
    }
    Ok(())
}

/// Seed runners unpacked and written per slice, so that a large fixture is
/// never held unpacked whole.
const SEED_SLICE: usize = 2_000;

/// Writes the seed's scopes, groups, labels and runners in a few batches.
async fn apply_seed(
    conn: &mut sqlx::SqliteConnection,
    seed: &Seed,
    now_ms: i64,
    runner_version: &str,
) -> Result<(), sqlx::Error> {
    let mut by_key = HashMap::new();
    for scope in seed.scopes() {
        let id = scopes::ensure(&mut *conn, &scope).await?.0.scope_id;
        by_key.insert(scope.key(), id);
    }
    let id_of = |scope: Scope| by_key.get(&scope.key()).copied();
    for org in &seed.orgs {
        let enterprise = org
            .enterprise
            .clone()
            .map(Scope::Enterprise)
            .and_then(id_of);
        if let Some(org_id) = id_of(Scope::Org(org.login.clone())) {
            scopes::set_enterprise(&mut *conn, org_id, enterprise).await?;
        }
    }
    for group in &seed.runner_groups {
        let Some(scope_id) = group.scope.parse().ok().and_then(id_of) else {
            continue;
        };
        let members = group
            .repositories
            .iter()
            .filter_map(|r| id_of(format!("repos/{r}").parse().ok()?))
            .chain(
                group
                    .organizations
                    .iter()
                    .filter_map(|o| id_of(Scope::Org(o.clone()))),
            );
        let row = GroupRow {
            runner_group_id: 0,
            scope_id,
            name: group.name.clone(),
            is_default: false,
            visibility: group.visibility().as_str().to_owned(),
            allows_public_repositories: group.allows_public_repositories,
            restricted_to_workflows: group.restricted_to_workflows,
            selected_workflows: serde_json::to_string(&group.selected_workflows)
                .map_err(|e| sqlx::Error::Encode(e.into()))?,
            selected_ids: serde_json::to_string(&members.collect::<Vec<i64>>())
                .map_err(|e| sqlx::Error::Encode(e.into()))?,
        };
        groups::insert(&mut *conn, &row).await?;
    }
    for app in &seed.apps {
        seed_app(&mut *conn, app, &id_of, now_ms).await?;
    }
    for hook in &seed.hooks {
        seed_hook(&mut *conn, hook, &id_of, now_ms).await?;
    }
    for run in &seed.runs {
        let Some(repo_id) = Scope::from_stored("repo", &run.repo).and_then(id_of) else {
            continue;
        };
        super::jobs::store_seeded_run(&mut *conn, run, repo_id, now_ms).await?;
    }
    // Each group's id by (scope id, lowercase name); the default group
    // under its name too.
    let group_ids: HashMap<(i64, String), i64> = groups::all(&mut *conn)
        .await?
        .into_iter()
        .map(|g| ((g.scope_id, g.name.to_lowercase()), g.runner_group_id))
        .collect();
    // The scope id of each distinct scope the runners name.
    let scope_ids: Vec<Option<i64>> = seed
        .runners
        .scopes()
        .iter()
        .map(|s| id_of(s.parse::<Scope>().ok()?))
        .collect();
    let mut custom: Vec<&str> = seed.runners.labels().map(str::trim).collect();
    custom.sort_unstable();
    custom.dedup();
    labels::add_custom(&mut *conn, &custom).await?;
    let label_ids: HashMap<String, i64> = labels::all(&mut *conn)
        .await?
        .into_iter()
        .map(|l| (l.name.to_ascii_lowercase(), l.label_id))
        .collect();
    let mut rows = seed.runners.rows();
    loop {
        let batch: Vec<runners::NewRunner> = rows
            .by_ref()
            .take(SEED_SLICE)
            .filter_map(|r| {
                let scope_id = (*scope_ids.get(r.scope_index)?)?;
                let group = r.runner_group.unwrap_or(DEFAULT_GROUP).to_lowercase();
                Some(runners::NewRunner {
                    id: None,
                    scope_id,
                    name: r.name.to_owned(),
                    os: r.os.as_str(),
                    architecture: r.architecture.as_str(),
                    status: r.status.as_str(),
                    busy: r.busy,
                    label_ids: label_names(r.os, r.architecture, r.labels)
                        .iter()
                        .filter_map(|name| label_ids.get(&name.to_ascii_lowercase()).copied())
                        .collect(),
                    runner_group_id: group_ids.get(&(scope_id, group)).copied(),
                    ephemeral: r.ephemeral,
                    version: Some(r.version.unwrap_or(runner_version).to_owned()),
                    jit_secret: None,
                })
            })
            .collect();
        if batch.is_empty() {
            return Ok(());
        }
        runners::insert_many(&mut *conn, &batch, now_ms).await?;
    }
}

impl Service {
    /// Makes an organization a member of an enterprise, or of none; both are
    /// created on first use. Returns the organization's id and login.
    #[tracing::instrument(skip(self))]
    pub async fn set_org_enterprise(
        &self,
        org: &str,
        enterprise: Option<&str>,
    ) -> Result<ScopeRow, Error> {
        let org = Scope::Org(org.to_owned());
        let enterprise = enterprise.map(|e| Scope::Enterprise(e.to_owned()));
        for scope in std::iter::once(&org).chain(&enterprise) {
            scope
                .to_string()
                .parse::<Scope>()
                .map_err(|reason| Error::invalid("Organization", "login", reason))?;
        }
        let mut writer = self.writer().await?;
        let org_id = writer.ensure_scope(&org).await?;
        let enterprise_id = match &enterprise {
            Some(enterprise) => Some(writer.ensure_scope(enterprise).await?),
            None => None,
        };
        scopes::set_enterprise(writer.conn()?, org_id, enterprise_id).await?;
        writer.apply(|memory| memory.set_enterprise(org_id, enterprise_id));
        drop(writer);
        self.scope(&org).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(fixture: &str) -> Option<String> {
        kept_state_note(&Seed::from_json(fixture).unwrap())
    }

    #[test]
    fn the_note_on_a_kept_database_names_what_the_fixture_had() {
        assert_eq!(note("{}"), None);
        assert_eq!(
            note(
                r#"{"orgs": ["o"], "runners": [{"scope": "orgs/o", "name": "r"}],
                     "tokens": [{"token": "t", "scopes": ["repo"]}]}"#
            )
            .as_deref(),
            Some(
                "database already holds state: kept it; the fixture's orgs and runners were \
                 not applied (POST /_mock/reset replaces the state with the fixture); its \
                 tokens were applied"
            )
        );
        assert_eq!(
            note(r#"{"enterprises": ["e"], "orgs": ["o"], "repos": ["o/r"]}"#).as_deref(),
            Some(
                "database already holds state: kept it; the fixture's enterprises, orgs and \
                 repos were not applied (POST /_mock/reset replaces the state with the \
                 fixture)"
            )
        );
        assert_eq!(
            note(r#"{"tokens": [{"token": "t"}]}"#).as_deref(),
            Some("database already holds state: kept it; the fixture's tokens were applied")
        );
    }
}
