//! Fixtures (`--seed FILE`): tokens, scopes and runners to start from, and to
//! return to on reset. A bad file is refused whole, with the place and the
//! reason, before the server starts.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::config::ApiToken;
use crate::model::{Architecture, Os, RunnerStatus, Scope};

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
    /// Organization logins.
    #[serde(default)]
    pub orgs: Vec<String>,
    /// Repositories as `owner/repo`.
    #[serde(default)]
    pub repos: Vec<String>,
    /// Runners, in id order.
    #[serde(default)]
    pub runners: Vec<SeedRunner>,
}

/// A runner of a fixture; everything but scope and name has the defaults of
/// a registration.
///
/// ```
/// let seed = ghes_mock::Seed::from_json(r#"{"runners": [{"scope": "orgs/o", "name": "r"}]}"#).unwrap();
/// assert_eq!(seed.runners[0].os, ghes_mock::Os::Linux);
/// ```
#[derive(Debug, Clone, Deserialize)]
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
}

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
        let text = std::fs::read_to_string(file)
            .map_err(|e| fail("the file".to_owned(), e.to_string()))?;
        Seed::from_json(&text).map_err(|(place, reason)| fail(place, reason))
    }

    /// Parses and checks fixture text; the error is (place, reason).
    ///
    /// ```
    /// let (place, reason) = ghes_mock::Seed::from_json(r#"{"orgs": ["a"], "colour": 1}"#).unwrap_err();
    /// assert!(place.starts_with("colour"));
    /// assert!(reason.contains("unknown field"));
    /// ```
    pub fn from_json(text: &str) -> Result<Seed, (String, String)> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let seed: Seed = serde_path_to_error::deserialize(de).map_err(|e| {
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
        for (field, names, prefix) in [
            ("enterprises", &self.enterprises, "enterprises/"),
            ("orgs", &self.orgs, "orgs/"),
            ("repos", &self.repos, "repos/"),
        ] {
            for (i, name) in names.iter().enumerate() {
                format!("{prefix}{name}")
                    .parse::<Scope>()
                    .map_err(|reason| (format!("{field}[{i}]"), reason))?;
            }
        }
        let mut seen = HashSet::new();
        for (i, runner) in self.runners.iter().enumerate() {
            let place = |field: &str| format!("runners[{i}].{field}");
            let scope: Scope = runner.scope.parse().map_err(|r| (place("scope"), r))?;
            crate::service::check_runner_name(&runner.name).map_err(|r| (place("name"), r))?;
            for (j, label) in runner.labels.iter().enumerate() {
                crate::service::check_label(label)
                    .map_err(|r| (place(&format!("labels[{j}]")), r))?;
            }
            if !seen.insert((scope.key(), runner.name.to_lowercase())) {
                return Err((
                    place("name"),
                    format!(
                        "a runner named {:?} is already in {}",
                        runner.name, runner.scope
                    ),
                ));
            }
        }
        Ok(())
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
            .chain(self.orgs.iter().map(|o| Scope::Org(o.clone())))
            .chain(
                self.repos
                    .iter()
                    .filter_map(|r| format!("repos/{r}").parse().ok()),
            );
        let of_runners = self.runners.iter().filter_map(|r| r.scope.parse().ok());
        let mut seen = HashSet::new();
        named
            .chain(of_runners)
            .filter(|scope: &Scope| seen.insert(scope.key()))
            .collect()
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
        assert!(seed.runners[0].busy);
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
    }
}
