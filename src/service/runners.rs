//! Listing, reading, deleting, registering and updating runners.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::memory::NewEntry;
use super::{Service, Writer, check_label, check_runner_name};
use crate::error::{Error, FieldError};
use crate::model::{
    Architecture, Os, Page, Runner, RunnerApplication, RunnerStatus, Scope, TokenKind,
};
use crate::store::labels::LabelRow;
use crate::store::{self, labels, runners};
use crate::version::Feature;

/// Which page of a list, after GitHub's defaults and cap are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u32,
    pub per_page: u32,
}

impl PageRequest {
    pub const DEFAULT_PER_PAGE: u32 = 30;
    pub const MAX_PER_PAGE: u32 = 100;

    /// GitHub's reading of `page` and `per_page`: a page below 1 is the
    /// first, `per_page` below 1 is the default and above 100 is 100.
    pub fn new(page: Option<i64>, per_page: Option<i64>) -> PageRequest {
        let per_page = match per_page {
            Some(n) if n >= 1 => n.min(i64::from(Self::MAX_PER_PAGE)),
            _ => i64::from(Self::DEFAULT_PER_PAGE),
        };
        let page = page.unwrap_or(1).clamp(1, i64::from(u32::MAX));
        PageRequest {
            page: u32::try_from(page).unwrap_or(u32::MAX),
            per_page: u32::try_from(per_page).unwrap_or(Self::DEFAULT_PER_PAGE),
        }
    }

    pub fn offset(&self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.per_page)
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest::new(None, None)
    }
}

/// A runner registering itself with a registration token, as
/// `config.sh --url … --token …` does.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// A live registration token; the runner joins its scope.
    pub token: String,
    /// Unique in the scope, compared case-insensitively.
    pub name: String,
    /// Default `linux`.
    pub os: Option<Os>,
    /// Default `x64`.
    pub architecture: Option<Architecture>,
    /// Custom labels.
    #[serde(default)]
    pub labels: Vec<String>,
    /// Default `online`.
    pub status: Option<RunnerStatus>,
    /// Default false.
    pub busy: Option<bool>,
    /// Take the place of a runner of the same name, keeping its id.
    #[serde(default)]
    pub replace: bool,
    /// The scope the runner means to join (`orgs/octo-org`), as config.sh's
    /// `--url` names it; the token must be of that scope.
    pub scope: Option<String>,
    /// The name of the runner group to join, as config.sh's
    /// `--runnergroup`; default the scope's default group.
    pub runner_group: Option<String>,
    /// Removed once its one job is done, as config.sh's `--ephemeral`.
    #[serde(default)]
    pub ephemeral: bool,
    /// The runner application version it reports; default the server's.
    pub version: Option<String>,
}

impl Registration {
    /// A runner named `name` registering with a registration token, with
    /// the defaults `config.sh` uses: Linux, x64, online, idle, no custom
    /// labels.
    ///
    /// ```
    /// use ghes_mock::{Os, Registration};
    /// let registration = Registration::new("LLBF3JGZDX3P5PMEXLND6TS6FCWO6", "mac-1")
    ///     .os(Os::Macos)
    ///     .labels(["xcode"])
    ///     .busy(true);
    /// assert_eq!(registration.labels, ["xcode"]);
    /// ```
    pub fn new(token: impl Into<String>, name: impl Into<String>) -> Registration {
        Registration {
            token: token.into(),
            name: name.into(),
            os: None,
            architecture: None,
            labels: Vec::new(),
            status: None,
            busy: None,
            replace: false,
            scope: None,
            runner_group: None,
            ephemeral: false,
            version: None,
        }
    }

    /// Joins the runner group of this name instead of the default group.
    ///
    /// ```
    /// let r = ghes_mock::Registration::new("T", "n").runner_group("gpu");
    /// assert_eq!(r.runner_group.as_deref(), Some("gpu"));
    /// ```
    pub fn runner_group(mut self, name: impl Into<String>) -> Self {
        self.runner_group = Some(name.into());
        self
    }

    /// Registers an ephemeral runner, removed once its one job is done.
    ///
    /// ```
    /// assert!(ghes_mock::Registration::new("T", "n").ephemeral(true).ephemeral);
    /// ```
    pub fn ephemeral(mut self, ephemeral: bool) -> Self {
        self.ephemeral = ephemeral;
        self
    }

    /// The runner's OS.
    ///
    /// ```
    /// let r = ghes_mock::Registration::new("T", "n").os(ghes_mock::Os::Windows);
    /// assert_eq!(r.os, Some(ghes_mock::Os::Windows));
    /// ```
    pub fn os(mut self, os: Os) -> Self {
        self.os = Some(os);
        self
    }

    /// The runner's architecture.
    ///
    /// ```
    /// let r = ghes_mock::Registration::new("T", "n").architecture(ghes_mock::Architecture::Arm64);
    /// assert_eq!(r.architecture, Some(ghes_mock::Architecture::Arm64));
    /// ```
    pub fn architecture(mut self, architecture: Architecture) -> Self {
        self.architecture = Some(architecture);
        self
    }

    /// Custom labels, added after the read-only ones.
    ///
    /// ```
    /// let r = ghes_mock::Registration::new("T", "n").labels(["gpu", "big"]);
    /// assert_eq!(r.labels, ["gpu", "big"]);
    /// ```
    pub fn labels<L: Into<String>>(mut self, labels: impl IntoIterator<Item = L>) -> Self {
        self.labels = labels.into_iter().map(Into::into).collect();
        self
    }

    /// Registers the runner online or offline.
    ///
    /// ```
    /// let r = ghes_mock::Registration::new("T", "n").status(ghes_mock::RunnerStatus::Offline);
    /// assert_eq!(r.status, Some(ghes_mock::RunnerStatus::Offline));
    /// ```
    pub fn status(mut self, status: RunnerStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Registers the runner in the middle of a job.
    ///
    /// ```
    /// assert_eq!(ghes_mock::Registration::new("T", "n").busy(true).busy, Some(true));
    /// ```
    pub fn busy(mut self, busy: bool) -> Self {
        self.busy = Some(busy);
        self
    }

    /// Takes the place of a runner of the same name, keeping its id.
    ///
    /// ```
    /// assert!(ghes_mock::Registration::new("T", "n").replace(true).replace);
    /// ```
    pub fn replace(mut self, replace: bool) -> Self {
        self.replace = replace;
        self
    }
}

/// A runner removing itself by name with a remove token, as
/// `config.sh remove --token …` does.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Removal {
    pub token: String,
    pub name: String,
    /// As in [`Registration::scope`].
    pub scope: Option<String>,
}

/// A simulated change of a runner's state.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunnerUpdate {
    pub status: Option<RunnerStatus>,
    pub busy: Option<bool>,
}

/// Every label a runner carries, in GitHub's order: `self-hosted`, its
/// architecture, its OS, then the custom labels given, each name once.
pub(super) fn label_names(os: Os, architecture: Architecture, custom: &[String]) -> Vec<String> {
    let mut names: Vec<String> = ["self-hosted", architecture.label()]
        .into_iter()
        .chain(os.label())
        .map(str::to_owned)
        .collect();
    for label in custom {
        let label = label.trim();
        if !names.iter().any(|n| n.eq_ignore_ascii_case(label)) {
            names.push(label.to_owned());
        }
    }
    names
}

/// The runner application builds GitHub offers, as (os, architecture).
const RUNNER_BUILDS: &[(&str, &str)] = &[
    ("osx", "x64"),
    ("osx", "arm64"),
    ("linux", "x64"),
    ("linux", "arm"),
    ("linux", "arm64"),
    ("win", "x64"),
    ("win", "arm64"),
];

impl Service {
    /// The runner application's builds at the configured version.
    pub fn runner_applications(&self) -> Vec<RunnerApplication> {
        let version = &self.settings.runner_version;
        RUNNER_BUILDS
            .iter()
            .map(|(os, architecture)| {
                let extension = if *os == "win" { "zip" } else { "tar.gz" };
                let filename = format!("actions-runner-{os}-{architecture}-{version}.{extension}");
                RunnerApplication {
                    os: (*os).to_owned(),
                    architecture: (*architecture).to_owned(),
                    download_url: format!(
                        "https://github.com/actions/runner/releases/download/v{version}/{filename}"
                    ),
                    filename,
                }
            })
            .collect()
    }

    /// A page of a scope's runners; with `name` (3.11+), only the runner of
    /// that name.
    #[tracing::instrument(skip(self))]
    pub async fn list_runners(
        &self,
        scope: &Scope,
        request: PageRequest,
        name: Option<&str>,
    ) -> Result<Page<Box<RawValue>>, Error> {
        let memory = self.memory();
        let encode = |e: serde_json::Error| sqlx::Error::Encode(e.into());
        let (total_count, items) = match name.filter(|_| self.has(Feature::NameFilter)) {
            None => memory
                .page(scope, request.per_page, request.offset())
                .map_err(encode)?,
            Some(name) => {
                let named = memory
                    .scope(scope)
                    .and_then(|entry| Some((entry, memory.runner_named(entry, name)?)));
                let ids: Vec<i64> = named.iter().map(|(_, runner)| runner.id).collect();
                let shown = if request.offset() == 0 { &ids[..] } else { &[] };
                let json = match named {
                    Some((entry, _)) => memory.runners_json(entry, shown.iter()),
                    None => serde_json::value::to_raw_value(&[(); 0]),
                }
                .map_err(encode)?;
                (ids.len() as i64, json)
            }
        };
        Ok(Page {
            items,
            total_count,
            page: request.page,
            per_page: request.per_page,
        })
    }

    #[tracing::instrument(skip(self))]
    pub async fn get_runner(&self, scope: &Scope, runner_id: i64) -> Result<Runner, Error> {
        let memory = self.memory();
        let runner = memory
            .scope(scope)
            .and_then(|s| s.runner(runner_id))
            .ok_or(Error::NotFound)?;
        Ok(memory.runner(runner))
    }

    /// Deletes an idle runner; a busy one stays and answers 422, as GitHub
    /// protects runners in the middle of a job.
    #[tracing::instrument(skip(self))]
    pub async fn delete_runner(&self, scope: &Scope, runner_id: i64) -> Result<(), Error> {
        let mut writer = self.writer().await?;
        {
            let memory = self.memory();
            let runner = memory
                .scope(scope)
                .and_then(|s| s.runner(runner_id))
                .ok_or(Error::NotFound)?;
            if runner.busy {
                return Err(Error::Unprocessable(format!(
                    "Bad request - Runner \"{}\" is still running a job",
                    runner.name
                )));
            }
        }
        runners::delete(writer.conn()?, runner_id).await?;
        writer.apply(|memory| memory.remove_runner(runner_id));
        Ok(())
    }

    /// Registers a runner in the scope of its registration token.
    #[tracing::instrument(skip_all, fields(name = %registration.name))]
    pub async fn register_runner(&self, registration: Registration) -> Result<Runner, Error> {
        check_runner_name(&registration.name)
            .map_err(|reason| Error::invalid("Runner", "name", reason))?;
        for label in &registration.labels {
            check_label(label).map_err(|reason| Error::invalid("Runner", "labels", reason))?;
        }
        if registration.os == Some(Os::Unknown) {
            return Err(Error::invalid(
                "Runner",
                "os",
                "a runner says which OS it runs",
            ));
        }
        let version = match registration.version {
            Some(version) if version.trim().is_empty() => {
                return Err(Error::invalid("Runner", "version", "must not be empty"));
            }
            Some(version) => version,
            None => self.settings.runner_version.clone(),
        };
        let now = self.clock.now_ms();
        let mut writer = self.writer().await?;
        let scope_id =
            self.runner_token_scope(&registration.token, TokenKind::Registration, now)?;
        self.check_token_scope(
            scope_id,
            registration.scope.as_deref(),
            TokenKind::Registration,
        )?;
        let group = self.registration_group(scope_id, registration.runner_group.as_deref())?;
        let os = registration.os.unwrap_or(Os::Linux);
        let architecture = registration.architecture.unwrap_or(Architecture::X64);
        let status = registration.status.unwrap_or(RunnerStatus::Online);
        let names = label_names(os, architecture, &registration.labels);
        let known: Vec<Option<i64>> = {
            let memory = self.memory();
            names.iter().map(|name| memory.label_id(name)).collect()
        };
        let unknown: Vec<&str> = names
            .iter()
            .zip(&known)
            .filter(|(_, id)| id.is_none())
            .map(|(name, _)| name.as_str())
            .collect();
        let mut new = runners::NewRunner {
            id: None,
            scope_id,
            name: registration.name.clone(),
            os: os.as_str(),
            architecture: architecture.as_str(),
            status: status.as_str(),
            busy: registration.busy.unwrap_or(false),
            label_ids: known.iter().flatten().copied().collect(),
            runner_group_id: group,
            ephemeral: registration.ephemeral,
            version: Some(version),
            jit_secret: None,
        };
        let stored = if unknown.is_empty() && !registration.replace {
            // The usual case: one statement.
            runners::insert(writer.conn()?, &new, now)
                .await
                .map(|id| (id, Vec::new(), None))
        } else {
            let labels = (names.as_slice(), known.as_slice(), unknown.as_slice());
            insert_replacing(&mut writer, &mut new, labels, registration.replace, now).await
        };
        let (id, added, replaced) = match stored {
            Ok(stored) => stored,
            Err(error) if store::is_unique_violation(&error) => {
                // The refused insert changed nothing.
                writer.settle();
                return Err(Error::Validation(vec![
                    FieldError::new("Runner", "name", "already_exists").with_message(format!(
                        "A runner named \"{}\" already exists; register with \"replace\": true to take its place",
                        registration.name
                    )),
                ]));
            }
            Err(error) => return Err(error.into()),
        };
        writer.apply(|memory| {
            memory.add_labels(added);
            if let Some(old) = replaced {
                memory.remove_runner(old);
            }
            memory.add_runner(
                scope_id,
                NewEntry {
                    id,
                    name: &new.name,
                    os,
                    status,
                    busy: new.busy,
                    ephemeral: new.ephemeral,
                    group,
                    version: new.version.as_deref(),
                    label_ids: &new.label_ids,
                },
            );
        });
        self.settle(&mut writer).await?;
        let memory = self.memory();
        let runner = memory
            .scope_by_id(scope_id)
            .and_then(|scope| scope.runner(id))
            .ok_or(Error::NotFound)?;
        Ok(memory.runner(runner))
    }

    /// Sets a runner's status and/or busy flag, as a runner going offline or
    /// picking up a job would.
    #[tracing::instrument(skip(self))]
    pub async fn update_runner(
        &self,
        runner_id: i64,
        update: RunnerUpdate,
    ) -> Result<Runner, Error> {
        let now = self.clock.now_ms();
        let mut writer = self.writer().await?;
        if self.memory().find_runner(runner_id).is_none() {
            return Err(Error::NotFound);
        }
        let status = update.status.map(RunnerStatus::as_str);
        runners::update(writer.conn()?, runner_id, status, update.busy, now).await?;
        writer.apply(|memory| {
            memory
                .update_runner(runner_id, update.status, update.busy)
                .map(drop)
        });
        self.settle(&mut writer).await?;
        let memory = self.memory();
        let (_, runner) = memory.find_runner(runner_id).ok_or(Error::NotFound)?;
        Ok(memory.runner(runner))
    }

    /// Removes a runner with a remove token of its scope, as
    /// `config.sh remove --token …` does.
    #[tracing::instrument(skip(self, token))]
    pub async fn remove_runner(&self, runner_id: i64, token: &str) -> Result<(), Error> {
        let now = self.clock.now_ms();
        let mut writer = self.writer().await?;
        let token_scope = self.runner_token_scope(token, TokenKind::Remove, now)?;
        let scope_id = self
            .memory()
            .find_runner(runner_id)
            .map(|(scope, _)| scope.id)
            .ok_or(Error::NotFound)?;
        if scope_id != token_scope {
            return Err(Error::InvalidRunnerToken(
                "The remove token belongs to another scope than the runner".to_owned(),
            ));
        }
        runners::delete(writer.conn()?, runner_id).await?;
        writer.apply(|memory| memory.remove_runner(runner_id));
        Ok(())
    }

    /// Removes the runner of that name in the remove token's scope.
    #[tracing::instrument(skip_all, fields(name = %removal.name))]
    pub async fn remove_runner_by_name(&self, removal: Removal) -> Result<(), Error> {
        let now = self.clock.now_ms();
        let mut writer = self.writer().await?;
        let scope_id = self.runner_token_scope(&removal.token, TokenKind::Remove, now)?;
        self.check_token_scope(scope_id, removal.scope.as_deref(), TokenKind::Remove)?;
        let Some(runner_id) = runners::id_by_name(writer.conn()?, scope_id, &removal.name).await?
        else {
            writer.settle();
            return Err(Error::NotFound);
        };
        runners::delete(writer.conn()?, runner_id).await?;
        writer.apply(|memory| memory.remove_runner(runner_id));
        Ok(())
    }

    /// The stored id of the group a runner registering in a scope joins:
    /// the one it names, or the scope's default; none for a repository.
    fn registration_group(&self, scope_id: i64, named: Option<&str>) -> Result<Option<i64>, Error> {
        let memory = self.memory();
        let entry = memory.scope_by_id(scope_id).ok_or(Error::NotFound)?;
        let group = match named {
            None => memory.default_group(entry),
            Some(name) => memory.group_named(entry, name),
        };
        match (&entry.scope, group, named) {
            (Scope::Repo { .. }, _, None) => Ok(None),
            (Scope::Repo { .. }, _, Some(name)) if name.eq_ignore_ascii_case("Default") => Ok(None),
            (Scope::Repo { .. }, _, Some(_)) => Err(Error::invalid(
                "Runner",
                "runner_group",
                "a repository's runners are in no runner group",
            )),
            (_, Some(group), _) => Ok(Some(group.id)),
            (scope, None, name) => Err(Error::invalid(
                "Runner",
                "runner_group",
                format!(
                    "{scope} has no runner group named {:?}",
                    name.unwrap_or("Default")
                ),
            )),
        }
    }

    /// The scope a live token of the given kind opens.
    fn runner_token_scope(&self, token: &str, kind: TokenKind, now_ms: i64) -> Result<i64, Error> {
        let entry = self
            .memory()
            .token(token)
            .ok_or_else(|| Error::InvalidRunnerToken(format!("Unknown {kind} token")))?;
        if entry.kind != kind {
            return Err(Error::InvalidRunnerToken(format!(
                "This is a {} token, not a {kind} token",
                entry.kind
            )));
        }
        if entry.expires_at <= now_ms {
            return Err(Error::InvalidRunnerToken(format!(
                "The {kind} token has expired"
            )));
        }
        Ok(entry.scope_id)
    }

    /// Refuses a token used for another scope than the one the runner names.
    fn check_token_scope(
        &self,
        token_scope_id: i64,
        named: Option<&str>,
        kind: TokenKind,
    ) -> Result<(), Error> {
        let Some(named) = named else {
            return Ok(());
        };
        let scope: Scope = named
            .parse()
            .map_err(|reason: String| Error::invalid("Runner", "scope", reason))?;
        match self.memory().scope(&scope) {
            Some(entry) if entry.id == token_scope_id => Ok(()),
            _ => Err(Error::InvalidRunnerToken(format!(
                "The {kind} token is not for {scope}"
            ))),
        }
    }
}

/// Inserts a runner in one transaction with the custom labels it brings
/// and, with `replace`, the deletion of the runner of the same name, whose id
/// it takes. `labels` are every label name, the ids of those already known,
/// and the names not known yet. Returns the runner's id, the labels added and
/// the id of the runner replaced.
async fn insert_replacing(
    writer: &mut Writer,
    new: &mut runners::NewRunner,
    (names, known, unknown): (&[String], &[Option<i64>], &[&str]),
    replace: bool,
    now: i64,
) -> Result<(i64, Vec<LabelRow>, Option<i64>), sqlx::Error> {
    let mut tx = writer.begin().await?;
    let added = labels::add_custom(&mut tx, unknown).await?;
    new.label_ids = names
        .iter()
        .zip(known)
        .filter_map(|(name, id)| {
            id.or_else(|| {
                added
                    .iter()
                    .find(|l| l.name.eq_ignore_ascii_case(name))
                    .map(|l| l.label_id)
            })
        })
        .collect();
    let replaced = if replace {
        runners::id_by_name(&mut *tx, new.scope_id, &new.name).await?
    } else {
        None
    };
    if let Some(old) = replaced {
        runners::delete(&mut *tx, old).await?;
    }
    new.id = replaced;
    let id = runners::insert(&mut *tx, new, now).await?;
    tx.commit().await?;
    Ok((id, added, replaced))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_request_applies_githubs_defaults_and_cap() {
        assert_eq!(
            PageRequest::new(None, None),
            PageRequest {
                page: 1,
                per_page: 30
            }
        );
        assert_eq!(
            PageRequest::new(Some(0), Some(0)),
            PageRequest {
                page: 1,
                per_page: 30
            }
        );
        assert_eq!(
            PageRequest::new(Some(-4), Some(1000)),
            PageRequest {
                page: 1,
                per_page: 100
            }
        );
        assert_eq!(PageRequest::new(Some(3), Some(25)).offset(), 50);
        assert_eq!(PageRequest::new(Some(i64::MAX), None).page, u32::MAX);
    }

    #[test]
    fn labels_come_in_githubs_order_each_name_once() {
        let custom = [
            "gpu".to_owned(),
            "GPU".to_owned(),
            "linux".to_owned(),
            "big".to_owned(),
        ];
        assert_eq!(
            label_names(Os::Linux, Architecture::Arm64, &custom),
            ["self-hosted", "ARM64", "Linux", "gpu", "big"]
        );
    }
}
