//! Fixtures (`--seed FILE`): tokens, scopes and runners to start from, and to
//! return to on reset. A bad file is refused whole, with the place and the
//! reason, before the server starts.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::config::ApiToken;
use crate::model::{Architecture, Os, Permissions, RunnerStatus, Scope, Visibility};
use crate::service::{NewApp, NewInstallation, NewRun, Webhook};

/// A fixture: what a new database starts with, and what reset returns to.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let seed = ghes_mock::Seed::from_json(r#"{
///     "orgs": ["octo-org"],
///     "runners": [{"scope": "orgs/octo-org", "name": "linux_runner", "busy": true}]
/// }"#).unwrap();
/// let mock = ghes_mock::GhesMock::builder().seed(seed).start().await;
/// assert_eq!(mock.state().await.scopes[0].runners[0].name, "linux_runner");
/// # }
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// Personal access tokens; any turns on strict mode.
    #[serde(default)]
    pub tokens: Vec<ApiToken>,
    /// Enterprise slugs.
    #[serde(default)]
    pub enterprises: Vec<String>,
    /// Organizations: logins, or `{"login", "enterprise"}` for a member of
    /// an enterprise.
    #[serde(default)]
    pub orgs: Vec<SeedOrg>,
    /// Repositories as `owner/repo`.
    #[serde(default)]
    pub repos: Vec<String>,
    /// Runner groups besides each scope's default group, in id order.
    #[serde(default)]
    pub runner_groups: Vec<SeedGroup>,
    /// Runners, in id order.
    #[serde(default)]
    pub runners: SeedRunners,
    /// GitHub Apps, with their installations, in id order.
    #[serde(default)]
    pub apps: Vec<SeedApp>,
    /// Webhooks of repositories, organizations and the appliance, in id
    /// order.
    #[serde(default)]
    pub hooks: Vec<SeedHook>,
    /// Workflow runs whose jobs are queued at start, as `POST /_mock/runs`
    /// takes them; runners take them as soon as the server runs.
    #[serde(default)]
    pub runs: Vec<NewRun>,
}

/// A webhook of a fixture. Fixtures describe a state already there: a
/// seeded hook is not pinged, and jobs queued by a fixture are not
/// announced (their `in_progress` and `completed` are).
///
/// ```
/// let seed = ghes_mock::Seed::from_json(r#"{"hooks": [{
///     "scope": "orgs/octo-org", "url": "http://127.0.0.1:9000/hook",
///     "secret": "s3cret", "events": ["workflow_job"]
/// }]}"#).unwrap();
/// assert_eq!(seed.hooks[0].content_type, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedHook {
    /// `repos/O/R`, `orgs/O`, or `global` for `/admin/hooks`.
    pub scope: String,
    /// An http(s) URL.
    pub url: String,
    /// Signs each delivery when set.
    pub secret: Option<String>,
    /// `json` or `form`; default `form`, as on GitHub.
    pub content_type: Option<String>,
    /// Default `["push"]` (`["user", "organization"]` for a global hook).
    pub events: Option<Vec<String>>,
    /// Default true.
    pub active: Option<bool>,
}

/// A GitHub App of a fixture, with its installations. An App given no key
/// gets one made at start, kept for the server's life (a reset returns to
/// the same key), and shown by `GET /_mock/apps` and the state.
///
/// ```
/// let seed = ghes_mock::Seed::from_json(r#"{"apps": [{
///     "name": "Scaler",
///     "permissions": {"organization_self_hosted_runners": "write"},
///     "installations": [{"account": "orgs/octo-org"}]
/// }]}"#).unwrap();
/// assert_eq!(seed.apps[0].installations[0].account, "orgs/octo-org");
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedApp {
    /// As in [`NewApp::name`].
    pub name: Option<String>,
    /// What its installations may do, unless given their own.
    #[serde(default)]
    pub permissions: Permissions,
    /// The webhook events it subscribes to.
    #[serde(default)]
    pub events: Vec<String>,
    /// Where its webhooks go.
    pub webhook: Option<Webhook>,
    /// The key that verifies its JWTs.
    pub public_key_pem: Option<String>,
    /// Its private key.
    pub private_key_pem: Option<String>,
    /// Default `Iv1.` and 16 hex digits made at start.
    pub client_id: Option<String>,
    /// Where it is installed.
    #[serde(default)]
    pub installations: Vec<NewInstallation>,
}

impl SeedApp {
    /// The App to create.
    pub(crate) fn new_app(&self) -> NewApp {
        NewApp {
            name: self.name.clone(),
            permissions: self.permissions.clone(),
            events: self.events.clone(),
            webhook: self.webhook.clone(),
            public_key_pem: self.public_key_pem.clone(),
            private_key_pem: self.private_key_pem.clone(),
            client_id: self.client_id.clone(),
        }
    }
}

/// An organization of a fixture, written as its login or as
/// `{"login": "octo-org", "enterprise": "octo-enterprise"}`.
///
/// ```
/// let seed = ghes_mock::Seed::from_json(
///     r#"{"orgs": ["a", {"login": "b", "enterprise": "e"}]}"#,
/// ).unwrap();
/// assert_eq!(seed.orgs[1].enterprise.as_deref(), Some("e"));
/// assert_eq!(seed.orgs[0], ghes_mock::SeedOrg::from("a"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "OrgForm")]
pub struct SeedOrg {
    /// The organization's login.
    pub login: String,
    /// The enterprise it belongs to, if any.
    pub enterprise: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OrgForm {
    Login(String),
    Member {
        login: String,
        #[serde(default)]
        enterprise: Option<String>,
    },
}

impl From<OrgForm> for SeedOrg {
    fn from(form: OrgForm) -> SeedOrg {
        match form {
            OrgForm::Login(login) => SeedOrg {
                login,
                enterprise: None,
            },
            OrgForm::Member { login, enterprise } => SeedOrg { login, enterprise },
        }
    }
}

impl From<&str> for SeedOrg {
    fn from(login: &str) -> SeedOrg {
        SeedOrg {
            login: login.to_owned(),
            enterprise: None,
        }
    }
}

/// A runner group of a fixture, of an enterprise or an organization.
///
/// ```
/// let seed = ghes_mock::Seed::from_json(r#"{
///     "repos": ["o/r"],
///     "runner_groups": [{"scope": "orgs/o", "name": "gpu", "repositories": ["o/r"]}]
/// }"#).unwrap();
/// assert_eq!(seed.runner_groups[0].visibility(), ghes_mock::Visibility::Selected);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedGroup {
    /// `enterprises/E` or `orgs/O`.
    pub scope: String,
    /// Unique in its scope, case-insensitively.
    pub name: String,
    /// Default `selected` when repositories or organizations are listed,
    /// `all` otherwise.
    #[serde(default)]
    pub visibility: Option<Visibility>,
    /// For an organization's group: the repositories (`owner/repo`) it serves.
    #[serde(default)]
    pub repositories: Vec<String>,
    /// For an enterprise's group: the organizations it serves.
    #[serde(default)]
    pub organizations: Vec<String>,
    /// Default false.
    #[serde(default)]
    pub allows_public_repositories: bool,
    /// Default false.
    #[serde(default)]
    pub restricted_to_workflows: bool,
    /// Workflow refs it may run when restricted.
    #[serde(default)]
    pub selected_workflows: Vec<String>,
}

impl SeedGroup {
    /// The visibility given, or the one its lists imply.
    pub fn visibility(&self) -> Visibility {
        self.visibility.unwrap_or(
            if self.repositories.is_empty() && self.organizations.is_empty() {
                Visibility::All
            } else {
                Visibility::Selected
            },
        )
    }
}

/// A runner of a fixture; everything but scope and name has the defaults of
/// a registration.
///
/// ```
/// let seed = ghes_mock::Seed::from_json(r#"{"runners": [{"scope": "orgs/o", "name": "r"}]}"#).unwrap();
/// assert_eq!(seed.runners.get(0).unwrap().os, ghes_mock::Os::Linux);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedRunner {
    /// `enterprises/E`, `orgs/O` or `repos/O/R`.
    pub scope: String,
    /// Unique in its scope, case-insensitively.
    pub name: String,
    /// Default `linux`.
    #[serde(default = "default_os")]
    pub os: Os,
    /// Default `x64`.
    #[serde(default = "default_architecture")]
    pub architecture: Architecture,
    /// Default `online`.
    #[serde(default = "default_status")]
    pub status: RunnerStatus,
    /// Default false.
    #[serde(default)]
    pub busy: bool,
    /// Custom labels.
    #[serde(default)]
    pub labels: Vec<String>,
    /// The name of its group; default the scope's default group.
    #[serde(default)]
    pub runner_group: Option<String>,
    /// Removed once its one job is done. Default false.
    #[serde(default)]
    pub ephemeral: bool,
    /// The runner application version it runs; default the server's.
    #[serde(default)]
    pub version: Option<String>,
}

impl SeedRunner {
    /// A runner of `scope` (`orgs/octo-org`) named `name`, with the defaults
    /// of a registration.
    ///
    /// ```
    /// let runner = ghes_mock::SeedRunner::new("orgs/o", "r");
    /// assert_eq!((runner.os, runner.busy), (ghes_mock::Os::Linux, false));
    /// ```
    pub fn new(scope: impl Into<String>, name: impl Into<String>) -> SeedRunner {
        SeedRunner {
            scope: scope.into(),
            name: name.into(),
            os: default_os(),
            architecture: default_architecture(),
            status: default_status(),
            busy: false,
            labels: Vec::new(),
            runner_group: None,
            ephemeral: false,
            version: None,
        }
    }

    /// Custom labels.
    ///
    /// ```
    /// assert_eq!(ghes_mock::SeedRunner::new("orgs/o", "r").labels(["gpu"]).labels, ["gpu"]);
    /// ```
    pub fn labels<L: Into<String>>(mut self, labels: impl IntoIterator<Item = L>) -> Self {
        self.labels = labels.into_iter().map(Into::into).collect();
        self
    }
}

/// Every enterprise's and organization's own first group.
pub(crate) const DEFAULT_GROUP: &str = "Default";

fn default_os() -> Os {
    Os::Linux
}
fn default_architecture() -> Architecture {
    Architecture::X64
}
fn default_status() -> RunnerStatus {
    RunnerStatus::Online
}

/// Why a fixture file was refused: which file, where in it, and why.
///
/// ```
/// let path = std::env::temp_dir().join(format!("bad-seed-{}.json", std::process::id()));
/// std::fs::write(&path, r#"{"runners": [{"scope": "orgs/o", "name": "r", "os": "solaris"}]}"#).unwrap();
/// let error = ghes_mock::Seed::from_file(&path).unwrap_err();
/// assert!(error.place.starts_with("runners[0].os"));
/// assert!(error.to_string().contains("solaris"));
/// # std::fs::remove_file(path).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedError {
    /// The fixture file.
    pub file: PathBuf,
    /// Where in it: `runners[1].os (line 9 column 25)`.
    pub place: String,
    /// What is wrong there.
    pub reason: String,
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "seed file {}: {}: {}",
            self.file.display(),
            self.place,
            self.reason
        )
    }
}

impl std::error::Error for SeedError {}

impl Seed {
    /// Reads and checks a fixture file.
    ///
    /// ```
    /// let missing = ghes_mock::Seed::from_file(std::path::Path::new("/no/such/seed.json"));
    /// assert!(missing.unwrap_err().to_string().starts_with("seed file /no/such/seed.json"));
    /// ```
    pub fn from_file(file: &Path) -> Result<Seed, SeedError> {
        let fail = |place: String, reason: String| SeedError {
            file: file.to_owned(),
            place,
            reason,
        };
        let opened =
            std::fs::File::open(file).map_err(|e| fail("the file".to_owned(), e.to_string()))?;
        // Read as it is parsed: a large fixture is never held as text too.
        let de = &mut serde_json::Deserializer::from_reader(std::io::BufReader::new(opened));
        Seed::parse(de).map_err(|(place, reason)| fail(place, reason))
    }

    /// Parses and checks fixture text; the error is (place, reason).
    ///
    /// ```
    /// let (place, reason) = ghes_mock::Seed::from_json(r#"{"orgs": ["a"], "colour": 1}"#).unwrap_err();
    /// assert!(place.starts_with("colour"));
    /// assert!(reason.contains("unknown field"));
    /// ```
    pub fn from_json(text: &str) -> Result<Seed, (String, String)> {
        Seed::parse(&mut serde_json::Deserializer::from_str(text))
    }

    fn parse<'de, R: serde_json::de::Read<'de>>(
        de: &mut serde_json::Deserializer<R>,
    ) -> Result<Seed, (String, String)> {
        let seed: Seed = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
            let inner = e.inner();
            let place = match e.path().to_string().as_str() {
                "." => format!("line {} column {}", inner.line(), inner.column()),
                path => format!("{path} (line {} column {})", inner.line(), inner.column()),
            };
            // serde_json appends " at line L column C"; the place says it.
            let reason = inner.to_string();
            let reason = reason
                .split(" at line ")
                .next()
                .unwrap_or(&reason)
                .to_owned();
            (place, reason)
        })?;
        de.end().map_err(|e| {
            let place = format!("line {} column {}", e.line(), e.column());
            (place, "trailing characters after the fixture".to_owned())
        })?;
        seed.check()?;
        Ok(seed)
    }

    /// The rules serde cannot express.
    fn check(&self) -> Result<(), (String, String)> {
        for (i, token) in self.tokens.iter().enumerate() {
            if token.token.trim().is_empty() {
                return Err((format!("tokens[{i}].token"), "must not be empty".to_owned()));
            }
        }
        let logins = self.orgs.iter().map(|o| &o.login);
        for (field, names, prefix) in [
            (
                "enterprises",
                self.enterprises.iter().collect::<Vec<_>>(),
                "enterprises/",
            ),
            ("orgs", logins.collect(), "orgs/"),
            ("repos", self.repos.iter().collect(), "repos/"),
        ] {
            for (i, name) in names.into_iter().enumerate() {
                format!("{prefix}{name}")
                    .parse::<Scope>()
                    .map_err(|reason| (format!("{field}[{i}]"), reason))?;
            }
        }
        for (i, org) in self.orgs.iter().enumerate() {
            if let Some(enterprise) = &org.enterprise {
                format!("enterprises/{enterprise}")
                    .parse::<Scope>()
                    .map_err(|reason| (format!("orgs[{i}].enterprise"), reason))?;
            }
        }
        let groups = self.check_groups()?;
        self.check_apps()?;
        self.check_hooks_and_runs()?;
        let runners = &self.runners;
        for (i, runner) in runners.rows().enumerate() {
            let place = |field: &str| format!("runners[{i}].{field}");
            let scope = runner
                .scope
                .parse::<Scope>()
                .map_err(|r| (place("scope"), r))?;
            crate::service::check_runner_name(runner.name).map_err(|r| (place("name"), r))?;
            if runner.os == Os::Unknown {
                return Err((place("os"), "a runner says which OS it runs".to_owned()));
            }
            for (j, label) in runner.labels.iter().enumerate() {
                crate::service::check_label(label)
                    .map_err(|r| (place(&format!("labels[{j}]")), r))?;
            }
            if let Some(group) = runner.runner_group {
                let known = group.eq_ignore_ascii_case(DEFAULT_GROUP)
                    || groups.contains(&(scope.key(), group.to_lowercase()));
                if matches!(scope, Scope::Repo { .. }) {
                    return Err((
                        place("runner_group"),
                        "a repository's runners are in no runner group".to_owned(),
                    ));
                }
                if !known {
                    return Err((
                        place("runner_group"),
                        format!(
                            "{scope} has no runner group named {group:?} (declare it in runner_groups)"
                        ),
                    ));
                }
            }
            if runner.version.is_some_and(|v| v.trim().is_empty()) {
                return Err((place("version"), "must not be empty".to_owned()));
            }
        }
        // Names are unique per scope, case-insensitively. Sorting indexes
        // finds repeats without a copy of every name.
        let same = |a: usize, b: usize| {
            let (a, b) = (runners.row(a), runners.row(b));
            folded_cmp(a.scope, b.scope).then_with(|| folded_cmp(a.name, b.name))
        };
        let mut order: Vec<usize> = (0..runners.len()).collect();
        order.sort_by(|&a, &b| same(a, b).then(a.cmp(&b)));
        let repeat = order
            .windows(2)
            .filter(|pair| same(pair[0], pair[1]).is_eq())
            .map(|pair| pair[1])
            .min();
        if let Some(i) = repeat {
            let runner = runners.row(i);
            return Err((
                format!("runners[{i}].name"),
                format!(
                    "a runner named {:?} is already in {}",
                    runner.name, runner.scope
                ),
            ));
        }
        Ok(())
    }

    /// Checks the hooks and the runs.
    fn check_hooks_and_runs(&self) -> Result<(), (String, String)> {
        for (i, hook) in self.hooks.iter().enumerate() {
            let place = |field: &str| format!("hooks[{i}].{field}");
            if hook.scope != "global" {
                match hook.scope.parse::<Scope>() {
                    Ok(Scope::Enterprise(_)) => {
                        return Err((
                            place("scope"),
                            "an enterprise's hooks are the global ones: write global".to_owned(),
                        ));
                    }
                    Ok(_) => {}
                    Err(reason) => return Err((place("scope"), reason)),
                }
            }
            crate::service::apps_checks::check_hook_url(&hook.url).map_err(|_| {
                (
                    place("url"),
                    format!("{:?} is not an http(s) URL", hook.url),
                )
            })?;
            if let Some(kind) = &hook.content_type
                && kind != "json"
                && kind != "form"
            {
                return Err((
                    place("content_type"),
                    format!("{kind:?} is not json or form"),
                ));
            }
            for (j, event) in hook.events.iter().flatten().enumerate() {
                if event != "*" && !crate::service::HOOK_EVENTS.contains(&event.as_str()) {
                    return Err((
                        place(&format!("events[{j}]")),
                        format!("{event:?} is not a valid event name"),
                    ));
                }
            }
        }
        for (i, run) in self.runs.iter().enumerate() {
            crate::service::check_new_run(run).map_err(|(field, reason)| {
                let field = if field.is_empty() {
                    String::new()
                } else {
                    format!(".{field}")
                };
                (format!("runs[{i}]{field}"), reason)
            })?;
        }
        Ok(())
    }

    /// Checks the Apps and their installations.
    fn check_apps(&self) -> Result<(), (String, String)> {
        use crate::service::apps_checks;
        let mut names = HashSet::new();
        for (i, app) in self.apps.iter().enumerate() {
            let place = |field: &str| format!("apps[{i}].{field}");
            let reason = |e: crate::error::Error| match e {
                crate::error::Error::Validation(errors) => errors
                    .into_iter()
                    .filter_map(|e| e.message)
                    .collect::<Vec<_>>()
                    .join("; "),
                other => other.to_string(),
            };
            apps_checks::check_permissions(&app.permissions)
                .map_err(|e| (place("permissions"), reason(e)))?;
            if let Some(hook) = &app.webhook {
                apps_checks::check_hook_url(&hook.url)
                    .map_err(|e| (place("webhook.url"), reason(e)))?;
            }
            if app.public_key_pem.is_some() || app.private_key_pem.is_some() {
                apps_checks::keys_of(&app.new_app())
                    .map_err(|e| (place("private_key_pem"), reason(e)))?;
            }
            if let Some(name) = &app.name
                && !names.insert(name.trim().to_lowercase())
            {
                return Err((
                    place("name"),
                    format!("an App named {name:?} is already here"),
                ));
            }
            let mut accounts = HashSet::new();
            for (j, installation) in app.installations.iter().enumerate() {
                let place = |field: &str| format!("apps[{i}].installations[{j}].{field}");
                let (kind, account) = apps_checks::parse_account(&installation.account)
                    .map_err(|e| (place("account"), reason(e)))?;
                if !accounts.insert(account.key()) {
                    return Err((
                        place("account"),
                        format!("the App is already installed on {}", installation.account),
                    ));
                }
                for (k, name) in installation.repositories.iter().flatten().enumerate() {
                    apps_checks::repository_of(kind, &account, name)
                        .map_err(|e| (place(&format!("repositories[{k}]")), reason(e)))?;
                }
                if let Some(permissions) = &installation.permissions {
                    apps_checks::check_permissions(permissions)
                        .map_err(|e| (place("permissions"), reason(e)))?;
                }
            }
        }
        Ok(())
    }

    /// Checks the runner groups; returns each one's (scope key, lowercase
    /// name).
    fn check_groups(&self) -> Result<HashSet<(String, String)>, (String, String)> {
        let mut names = HashSet::new();
        for (i, group) in self.runner_groups.iter().enumerate() {
            let place = |field: &str| format!("runner_groups[{i}].{field}");
            let scope = group
                .scope
                .parse::<Scope>()
                .map_err(|r| (place("scope"), r))?;
            crate::service::check_group_name(&group.name).map_err(|r| (place("name"), r))?;
            if group.name.eq_ignore_ascii_case(DEFAULT_GROUP) {
                return Err((
                    place("name"),
                    "every enterprise and organization has its Default group already".to_owned(),
                ));
            }
            if !names.insert((scope.key(), group.name.to_lowercase())) {
                return Err((
                    place("name"),
                    format!(
                        "a runner group named {:?} is already in {scope}",
                        group.name
                    ),
                ));
            }
            let listed = !group.repositories.is_empty() || !group.organizations.is_empty();
            if listed && group.visibility() != Visibility::Selected {
                return Err((
                    place("visibility"),
                    "repositories and organizations are listed only for a selected group"
                        .to_owned(),
                ));
            }
            match &scope {
                Scope::Repo { .. } => {
                    return Err((
                        place("scope"),
                        "runner groups belong to enterprises/E or orgs/O".to_owned(),
                    ));
                }
                Scope::Org(org) => {
                    if !group.organizations.is_empty() {
                        return Err((
                            place("organizations"),
                            "an organization's group lists repositories".to_owned(),
                        ));
                    }
                    for (j, repo) in group.repositories.iter().enumerate() {
                        let repo_place = place(&format!("repositories[{j}]"));
                        match format!("repos/{repo}").parse::<Scope>() {
                            Ok(Scope::Repo { owner, .. }) if owner.eq_ignore_ascii_case(org) => {}
                            Ok(_) => {
                                return Err((
                                    repo_place,
                                    format!("{repo:?} is not a repository of {org}"),
                                ));
                            }
                            Err(reason) => return Err((repo_place, reason)),
                        }
                    }
                }
                Scope::Enterprise(enterprise) => {
                    if !group.repositories.is_empty() {
                        return Err((
                            place("repositories"),
                            "an enterprise's group lists organizations".to_owned(),
                        ));
                    }
                    if group.visibility() == Visibility::Private {
                        return Err((
                            place("visibility"),
                            "an enterprise's group is all or selected".to_owned(),
                        ));
                    }
                    for (j, login) in group.organizations.iter().enumerate() {
                        let member = self.orgs.iter().any(|o| {
                            o.login.eq_ignore_ascii_case(login)
                                && o.enterprise
                                    .as_ref()
                                    .is_some_and(|e| e.eq_ignore_ascii_case(enterprise))
                        });
                        if !member {
                            return Err((
                                place(&format!("organizations[{j}]")),
                                format!(
                                    "{login:?} is not an organization of {enterprise} \
                                     (declare it in orgs with \"enterprise\": {enterprise:?})"
                                ),
                            ));
                        }
                    }
                }
            }
        }
        Ok(names)
    }

    /// Every scope the fixture names, runners' scopes included, in order.
    ///
    /// ```
    /// let seed = ghes_mock::Seed::from_json(r#"{"orgs": ["a"], "runners": [{"scope": "repos/a/b", "name": "r"}]}"#).unwrap();
    /// assert_eq!(seed.scopes().len(), 2);
    /// ```
    pub fn scopes(&self) -> Vec<Scope> {
        let named = self
            .enterprises
            .iter()
            .map(|e| Scope::Enterprise(e.clone()))
            .chain(
                self.orgs
                    .iter()
                    .filter_map(|o| Some(Scope::Enterprise(o.enterprise.clone()?))),
            )
            .chain(self.orgs.iter().map(|o| Scope::Org(o.login.clone())))
            .chain(
                self.repos
                    .iter()
                    .filter_map(|r| format!("repos/{r}").parse().ok()),
            );
        let of_groups = self.runner_groups.iter().flat_map(|g| {
            let repos = g.repositories.iter().map(|r| format!("repos/{r}"));
            std::iter::once(g.scope.clone()).chain(repos)
        });
        let of_runners = self.runners.scopes.iter().cloned();
        let of_hooks = self
            .hooks
            .iter()
            .filter(|h| h.scope != "global")
            .map(|h| h.scope.clone());
        let of_runs = self.runs.iter().flat_map(|run| {
            let owner = run.repo.split('/').next().unwrap_or_default();
            [format!("orgs/{owner}"), format!("repos/{}", run.repo)]
        });
        let of_apps = self
            .apps
            .iter()
            .flat_map(|app| &app.installations)
            .flat_map(|i| {
                let account = crate::service::apps_checks::parse_account(&i.account).ok();
                let repos = i
                    .repositories
                    .iter()
                    .flatten()
                    .map(|r| format!("repos/{r}"));
                account
                    .map(|(_, scope)| scope.to_string())
                    .into_iter()
                    .chain(repos)
            });
        let mut seen = HashSet::new();
        named
            .chain(
                of_groups
                    .chain(of_runners)
                    .chain(of_apps)
                    .chain(of_hooks)
                    .chain(of_runs)
                    .filter_map(|s| s.parse().ok()),
            )
            .filter(|scope: &Scope| seen.insert(scope.key()))
            .collect()
    }
}

/// Compares two strings as their lowercase forms, without building them.
fn folded_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let fold = |s: &str| s.chars().flat_map(char::to_lowercase).collect::<Vec<_>>();
    if a.is_ascii() && b.is_ascii() {
        return a
            .bytes()
            .map(|c| c.to_ascii_lowercase())
            .cmp(b.bytes().map(|c| c.to_ascii_lowercase()));
    }
    fold(a).cmp(&fold(b))
}

/// A fixture's runners, packed as they are read: the names back to back in
/// one buffer, each scope and each distinct label list kept once. A server
/// keeps its fixture for its whole life, to return to on reset; packed,
/// 100,000 runners take about 3 MB instead of about 18.
///
/// ```
/// use ghes_mock::{SeedRunner, SeedRunners};
/// let runners: SeedRunners = [SeedRunner::new("orgs/o", "a"), SeedRunner::new("orgs/o", "b")]
///     .into_iter()
///     .collect();
/// assert_eq!(runners.len(), 2);
/// assert_eq!(runners.get(1).unwrap().name, "b");
/// assert_eq!(runners.iter().last(), runners.get(1));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedRunners {
    /// Each scope as first written, in order of first use.
    scopes: Vec<String>,
    scope_index: HashMap<String, u32>,
    /// Every runner name, back to back.
    names: String,
    /// Each distinct profile, most runners sharing one.
    profiles: Vec<Profile>,
    profile_index: HashMap<Profile, u32>,
    runners: Vec<PackedRunner>,
}

/// What many runners of a fixture have alike: labels, group, version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Profile {
    labels: Vec<String>,
    runner_group: Option<String>,
    version: Option<String>,
    ephemeral: bool,
}

/// 16 bytes a runner, and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PackedRunner {
    /// Where its name ends in `names` (it starts where the last one ended).
    name_end: u32,
    scope: u32,
    profile: u32,
    os: Os,
    architecture: Architecture,
    status: RunnerStatus,
    busy: bool,
}

/// A runner of [`SeedRunners`], borrowed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SeedRow<'a> {
    pub scope: &'a str,
    /// Its scope's place among the distinct scopes (see [`SeedRunners::scopes`]).
    pub scope_index: usize,
    pub name: &'a str,
    pub os: Os,
    pub architecture: Architecture,
    pub status: RunnerStatus,
    pub busy: bool,
    pub labels: &'a [String],
    pub runner_group: Option<&'a str>,
    pub ephemeral: bool,
    pub version: Option<&'a str>,
}

fn index(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The place of `value` in `values`, added at the end the first time.
fn intern<T: Clone + Eq + std::hash::Hash>(
    places: &mut HashMap<T, u32>,
    values: &mut Vec<T>,
    value: T,
) -> u32 {
    *places.entry(value).or_insert_with_key(|value| {
        values.push(value.clone());
        index(values.len() - 1)
    })
}

impl SeedRunners {
    /// How many runners there are.
    ///
    /// ```
    /// assert_eq!(ghes_mock::SeedRunners::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.runners.len()
    }

    /// Whether there are none.
    ///
    /// ```
    /// assert!(ghes_mock::SeedRunners::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.runners.is_empty()
    }

    /// Adds a runner at the end.
    ///
    /// ```
    /// let mut runners = ghes_mock::SeedRunners::default();
    /// runners.push(ghes_mock::SeedRunner::new("repos/o/r", "a").labels(["gpu"]));
    /// assert_eq!(runners.get(0).unwrap().labels, ["gpu"]);
    /// ```
    pub fn push(&mut self, runner: SeedRunner) {
        let scope = intern(&mut self.scope_index, &mut self.scopes, runner.scope);
        let profile = Profile {
            labels: runner.labels,
            runner_group: runner.runner_group,
            version: runner.version,
            ephemeral: runner.ephemeral,
        };
        let profile = intern(&mut self.profile_index, &mut self.profiles, profile);
        self.names.push_str(&runner.name);
        self.runners.push(PackedRunner {
            name_end: index(self.names.len()),
            scope,
            profile,
            os: runner.os,
            architecture: runner.architecture,
            status: runner.status,
            busy: runner.busy,
        });
    }

    /// The runner at `index`, unpacked.
    ///
    /// ```
    /// let runners: ghes_mock::SeedRunners = [ghes_mock::SeedRunner::new("orgs/o", "a")].into_iter().collect();
    /// assert_eq!(runners.get(0).unwrap().scope, "orgs/o");
    /// assert!(runners.get(1).is_none());
    /// ```
    pub fn get(&self, index: usize) -> Option<SeedRunner> {
        (index < self.len()).then(|| self.row(index).into())
    }

    /// Every runner in order, unpacked.
    ///
    /// ```
    /// let runners: ghes_mock::SeedRunners = [ghes_mock::SeedRunner::new("orgs/o", "a")].into_iter().collect();
    /// assert_eq!(runners.iter().map(|r| r.name).collect::<Vec<_>>(), ["a"]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = SeedRunner> + '_ {
        self.rows().map(SeedRunner::from)
    }

    /// The distinct scopes the runners name, as first written, in order.
    pub(crate) fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// Every custom label, a label once per distinct list it is in.
    pub(crate) fn labels(&self) -> impl Iterator<Item = &str> {
        self.profiles
            .iter()
            .flat_map(|p| p.labels.iter().map(String::as_str))
    }

    /// Gives back what growing the lists left spare.
    fn shrink_to_fit(&mut self) {
        self.names.shrink_to_fit();
        self.runners.shrink_to_fit();
    }

    /// The runner at `index`, borrowed; `index` must be below `len()`.
    pub(crate) fn row(&self, index: usize) -> SeedRow<'_> {
        let start = index
            .checked_sub(1)
            .map_or(0, |before| self.runners[before].name_end as usize);
        self.row_from(&self.runners[index], start)
    }

    fn row_from(&self, r: &PackedRunner, start: usize) -> SeedRow<'_> {
        let profile = &self.profiles[r.profile as usize];
        SeedRow {
            scope: &self.scopes[r.scope as usize],
            scope_index: r.scope as usize,
            name: &self.names[start..r.name_end as usize],
            os: r.os,
            architecture: r.architecture,
            status: r.status,
            busy: r.busy,
            labels: &profile.labels,
            runner_group: profile.runner_group.as_deref(),
            ephemeral: profile.ephemeral,
            version: profile.version.as_deref(),
        }
    }

    /// Every runner in order, borrowed.
    pub(crate) fn rows(&self) -> impl Iterator<Item = SeedRow<'_>> {
        let starts = std::iter::once(0).chain(self.runners.iter().map(|r| r.name_end as usize));
        self.runners
            .iter()
            .zip(starts)
            .map(|(r, start)| self.row_from(r, start))
    }
}

impl From<SeedRow<'_>> for SeedRunner {
    fn from(row: SeedRow<'_>) -> SeedRunner {
        SeedRunner {
            scope: row.scope.to_owned(),
            name: row.name.to_owned(),
            os: row.os,
            architecture: row.architecture,
            status: row.status,
            busy: row.busy,
            labels: row.labels.to_vec(),
            runner_group: row.runner_group.map(str::to_owned),
            ephemeral: row.ephemeral,
            version: row.version.map(str::to_owned),
        }
    }
}

impl FromIterator<SeedRunner> for SeedRunners {
    fn from_iter<I: IntoIterator<Item = SeedRunner>>(iter: I) -> SeedRunners {
        let mut runners = SeedRunners::default();
        runners.extend(iter);
        runners
    }
}

impl Extend<SeedRunner> for SeedRunners {
    fn extend<I: IntoIterator<Item = SeedRunner>>(&mut self, iter: I) {
        for runner in iter {
            self.push(runner);
        }
    }
}

/// Read as a JSON array of [`SeedRunner`]s, packing each as it comes.
impl<'de> Deserialize<'de> for SeedRunners {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<SeedRunners, D::Error> {
        struct Packing;
        impl<'de> serde::de::Visitor<'de> for Packing {
            type Value = SeedRunners;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of runners")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<SeedRunners, A::Error> {
                let mut runners = SeedRunners::default();
                while let Some(runner) = seq.next_element::<SeedRunner>()? {
                    runners.push(runner);
                }
                runners.shrink_to_fit();
                Ok(runners)
            }
        }
        d.deserialize_seq(Packing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> (String, String) {
        Seed::from_json(text).unwrap_err()
    }

    #[test]
    fn the_spec_example_loads() {
        let seed = Seed::from_json(
            r#"{ "tokens": [{"token": "t", "scopes": ["admin:org", "repo"]}],
                 "enterprises": ["octo-enterprise"], "orgs": ["octo-org"],
                 "repos": ["octo-org/octo-repo"],
                 "runners": [{"scope": "orgs/octo-org", "name": "linux_runner", "os": "linux",
                              "architecture": "x64", "status": "online", "busy": true,
                              "labels": ["gpu"]}] }"#,
        )
        .unwrap();
        assert_eq!(seed.scopes().len(), 3);
        assert!(seed.runners.get(0).unwrap().busy);
    }

    #[test]
    fn runners_are_packed_and_given_back_as_written() {
        let seed = Seed::from_json(
            r#"{"runners": [
                {"scope": "orgs/o", "name": "a", "labels": ["gpu"]},
                {"scope": "repos/o/r", "name": "b", "os": "windows"},
                {"scope": "orgs/o", "name": "c", "labels": ["gpu"], "busy": true}]}"#,
        )
        .unwrap();
        let runners: Vec<SeedRunner> = seed.runners.iter().collect();
        assert_eq!(
            runners,
            [
                SeedRunner::new("orgs/o", "a").labels(["gpu"]),
                SeedRunner {
                    os: Os::Windows,
                    ..SeedRunner::new("repos/o/r", "b")
                },
                SeedRunner {
                    busy: true,
                    ..SeedRunner::new("orgs/o", "c").labels(["gpu"])
                },
            ]
        );
        assert_eq!(seed.runners.scopes(), ["orgs/o", "repos/o/r"]);
        assert_eq!(seed.runners.profiles.len(), 2, "each profile once");
        assert_eq!(seed.runners.get(2), Some(runners[2].clone()));
    }

    #[test]
    fn errors_name_the_place_and_the_reason() {
        let (place, reason) =
            error(r#"{"runners": [{"scope": "orgs/o", "name": "a", "os": "solaris"}]}"#);
        assert!(place.starts_with("runners[0].os"), "{place}");
        assert!(reason.contains("solaris"), "{reason}");

        let (place, _) = error(r#"{"runners": [{"scope": "teams/x", "name": "a"}]}"#);
        assert_eq!(place, "runners[0].scope");

        let (place, reason) = error(r#"{"orgs": ["a"], "colour": 1}"#);
        assert!(place.contains("line 1"), "{place}");
        assert!(reason.contains("colour"), "{reason}");

        let (place, reason) = error(
            r#"{"runners": [{"scope": "orgs/o", "name": "A"},
                                                   {"scope": "orgs/O", "name": "a"}]}"#,
        );
        assert_eq!(place, "runners[1].name");
        assert!(reason.contains("already"), "{reason}");

        let (place, _) = error("{\n  \"orgs\": [\n");
        assert!(place.contains("line 3"), "{place}");

        let (place, reason) = error(r#"{"orgs": ["a"]} {"orgs": ["b"]}"#);
        assert_eq!(place, "line 1 column 17");
        assert!(reason.contains("trailing"), "{reason}");
    }
}
