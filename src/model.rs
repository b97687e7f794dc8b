//! The shapes GitHub puts on the wire, and the small enums behind them.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A self-hosted runner as GitHub shows it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mock = ghes_mock::GhesMock::start().await;
/// let runner: ghes_mock::Runner = mock.register_runner("orgs/octo-org", "linux_runner").await;
/// let json = serde_json::to_value(&runner).unwrap();
/// assert_eq!(json["os"], "linux");
/// assert_eq!(json["labels"][0]["type"], "read-only");
/// # }
/// ```
///
/// The fields later GHES versions added are `None` when the version the mock
/// presents lacks them, and then absent from the JSON too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Runner {
    /// Unique among all runners, never reused.
    pub id: i64,
    /// Its runner group (GHES 3.6+): 1 for its scope's default group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runner_group_id: Option<i64>,
    /// Unique in the runner's scope, compared case-insensitively.
    pub name: String,
    /// `linux`, `macos` or `windows`; `unknown` for a JIT runner that has not
    /// started.
    pub os: Os,
    /// `online` or `offline`.
    pub status: RunnerStatus,
    /// Whether the runner is running a job.
    pub busy: bool,
    /// Whether it is removed once its one job is done (GHES 3.12+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ephemeral: Option<bool>,
    /// The runner application version it reported (GHES 3.17+): `Some(None)`
    /// until it has connected, written as `null`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub version: Option<Option<String>>,
    /// The read-only labels (`self-hosted`, architecture, OS), then custom ones.
    pub labels: Vec<Label>,
}

/// A field that is present, possibly as `null`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// A runner label: read-only ones are applied at registration, the others are
/// `custom`. A label name has the same id on every runner.
///
/// ```
/// use ghes_mock::{Label, LabelKind};
/// let label: Label = serde_json::from_str(r#"{"id": 1, "name": "self-hosted", "type": "read-only"}"#).unwrap();
/// assert_eq!(label.kind, LabelKind::ReadOnly);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    /// The same for this name on every runner.
    pub id: i64,
    /// `self-hosted`, `X64`, `Linux`, or a custom name.
    pub name: String,
    /// `type` on the wire.
    #[serde(rename = "type")]
    pub kind: LabelKind,
}

/// Whether GitHub applied a label (`read-only`) or it was asked for (`custom`).
///
/// ```
/// assert_eq!(serde_json::to_string(&ghes_mock::LabelKind::Custom).unwrap(), r#""custom""#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LabelKind {
    /// `self-hosted`, the architecture and the OS.
    ReadOnly,
    /// Any other label.
    Custom,
}

/// Parses a lowercase word, case-insensitively, as config.sh and the fixtures
/// write it; displays the word GitHub sends. Words after `+` are ones GitHub
/// shows but a client never chooses: they parse, and go unnamed in errors.
macro_rules! word_enum {
    ($name:ident, $what:literal, $doc:literal, $first:literal, { $($variant:ident => $word:literal),+ $(,)? }
     $(+ { $($shown:ident => $shown_word:literal),+ })?) => {
        #[doc = concat!($doc, ", written as GitHub writes it and read case-insensitively.")]
        ///
        /// ```
        #[doc = concat!("let parsed: ghes_mock::", stringify!($name), " = ", stringify!($first), ".to_uppercase().parse().unwrap();")]
        #[doc = concat!("assert_eq!(parsed.to_string(), ", stringify!($first), ");")]
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $(#[doc = concat!("`", $word, "`")] $variant,)+
            $($(#[doc = concat!("`", $shown_word, "`, as GitHub shows it")] $shown,)+)?
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let word = String::deserialize(d)?;
                word.parse().map_err(serde::de::Error::custom)
            }
        }

        impl $name {
            /// The word GitHub writes.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)+
                    $($($name::$shown => $shown_word,)+)?
                }
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                $(if s.eq_ignore_ascii_case($word) { return Ok($name::$variant); })+
                $($(if s.eq_ignore_ascii_case($shown_word) { return Ok($name::$shown); })+)?
                let words: Vec<&str> = vec![$($word),+];
                Err(format!("unknown {} {:?} (expected {})", $what, s, words.join(", ")))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

word_enum!(Os, "os", "A runner's OS", "linux", { Linux => "linux", Macos => "macos", Windows => "windows" }
    + { Unknown => "unknown" });
word_enum!(Architecture, "architecture", "A runner's architecture", "x64", { X64 => "x64", Arm => "arm", Arm64 => "arm64" });
word_enum!(RunnerStatus, "status", "A runner's status", "online", { Online => "online", Offline => "offline" });
word_enum!(TokenKind, "token kind", "A runner token's kind", "registration", { Registration => "registration", Remove => "remove" });
word_enum!(Visibility, "visibility", "Which repositories or organizations a runner group serves", "all", { All => "all", Selected => "selected", Private => "private" });
word_enum!(JobStatus, "job status", "Where a job is in its life", "queued", { Queued => "queued", InProgress => "in_progress", Completed => "completed" });
word_enum!(Conclusion, "conclusion", "How a job ended", "success", {
    Success => "success", Failure => "failure", Neutral => "neutral", Cancelled => "cancelled",
    Skipped => "skipped", TimedOut => "timed_out", ActionRequired => "action_required" });

impl Os {
    /// The read-only label GitHub gives runners of this OS; none before a
    /// runner has said which it runs.
    pub fn label(self) -> Option<&'static str> {
        match self {
            Os::Linux => Some("Linux"),
            Os::Macos => Some("macOS"),
            Os::Windows => Some("Windows"),
            Os::Unknown => None,
        }
    }
}

impl Architecture {
    /// The read-only label GitHub gives runners of this architecture.
    pub fn label(self) -> &'static str {
        match self {
            Architecture::X64 => "X64",
            Architecture::Arm => "ARM",
            Architecture::Arm64 => "ARM64",
        }
    }
}

/// Where a runner lives: an enterprise, an organization or a repository.
/// GitHub compares these names case-insensitively; the spelling is kept for
/// display.
///
/// ```
/// use ghes_mock::Scope;
/// let scope: Scope = "repos/Octo-Org/Hello".parse().unwrap();
/// assert_eq!(scope, Scope::Repo { owner: "Octo-Org".into(), repo: "Hello".into() });
/// assert_eq!(scope.to_string(), "repos/Octo-Org/Hello");
/// assert!("teams/x".parse::<Scope>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `enterprises/{enterprise}`
    Enterprise(String),
    /// `orgs/{org}`
    Org(String),
    /// `repos/{owner}/{repo}`
    Repo {
        /// The owning organization or user.
        owner: String,
        /// The repository's name.
        repo: String,
    },
}

impl Scope {
    /// `enterprise`, `org` or `repo`.
    ///
    /// ```
    /// assert_eq!(ghes_mock::Scope::Org("o".into()).kind(), "org");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            Scope::Enterprise(_) => "enterprise",
            Scope::Org(_) => "org",
            Scope::Repo { .. } => "repo",
        }
    }

    /// The case-insensitive identity under which the scope is stored.
    ///
    /// ```
    /// assert_eq!(ghes_mock::Scope::Org("Octo".into()).key(), "org:octo");
    /// ```
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind(), self.name()).to_lowercase()
    }

    /// `octo-org`, or `octo-org/octo-repo` for a repository.
    ///
    /// ```
    /// let scope: ghes_mock::Scope = "repos/o/r".parse().unwrap();
    /// assert_eq!(scope.name(), "o/r");
    /// ```
    pub fn name(&self) -> String {
        match self {
            Scope::Enterprise(name) | Scope::Org(name) => name.clone(),
            Scope::Repo { owner, repo } => format!("{owner}/{repo}"),
        }
    }

    /// Builds a scope from a kind and name as stored.
    ///
    /// ```
    /// use ghes_mock::Scope;
    /// assert_eq!(Scope::from_stored("org", "octo"), Some(Scope::Org("octo".into())));
    /// ```
    pub fn from_stored(kind: &str, name: &str) -> Option<Scope> {
        match kind {
            "enterprise" => Some(Scope::Enterprise(name.to_owned())),
            "org" => Some(Scope::Org(name.to_owned())),
            "repo" => {
                let (owner, repo) = name.split_once('/')?;
                Some(Scope::Repo {
                    owner: owner.to_owned(),
                    repo: repo.to_owned(),
                })
            }
            _ => None,
        }
    }
}

/// Written as in fixtures and URLs: `enterprises/E`, `orgs/O`, `repos/O/R`.
impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Enterprise(e) => write!(f, "enterprises/{e}"),
            Scope::Org(o) => write!(f, "orgs/{o}"),
            Scope::Repo { owner, repo } => write!(f, "repos/{owner}/{repo}"),
        }
    }
}

impl FromStr for Scope {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.split('/').collect();
        let valid = |part: &&str| !part.is_empty() && !part.chars().any(char::is_whitespace);
        match parts.as_slice() {
            ["enterprises", e] if valid(e) => Ok(Scope::Enterprise((*e).to_owned())),
            ["orgs", o] if valid(o) => Ok(Scope::Org((*o).to_owned())),
            ["repos", o, r] if valid(o) && valid(r) => Ok(Scope::Repo {
                owner: (*o).to_owned(),
                repo: (*r).to_owned(),
            }),
            _ => Err(format!(
                "invalid scope {s:?} (expected enterprises/E, orgs/O or repos/O/R)"
            )),
        }
    }
}

/// A GitHub App's or installation's permissions: a permission's name
/// (`organization_self_hosted_runners`, `administration`, `metadata`, …) to
/// its level, `read`, `write` or `admin`.
pub type Permissions = BTreeMap<String, String>;

/// A registration or remove token as the token endpoints answer it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mock = ghes_mock::GhesMock::start().await;
/// let ghes_mock::Token { token, expires_at } = mock.registration_token("orgs/o").await;
/// assert!(token.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
/// assert!(expires_at.ends_with("+00:00"));
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    /// 29 characters of A-Z and 0-9.
    pub token: String,
    /// ISO 8601 with an offset, as GitHub writes it.
    pub expires_at: String,
}

/// One build of the runner application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunnerApplication {
    pub os: String,
    pub architecture: String,
    pub download_url: String,
    pub filename: String,
}

/// A simulated workflow job as the REST API shows it (the fields a test
/// most often asserts; the JSON has GitHub's full shape).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use ghes_mock::{JobStatus, NewJob, NewRun};
/// let mock = ghes_mock::GhesMock::builder().ghes_version("3.22").start().await;
/// let run = mock.queue_run(NewRun::new("octo-org/hello").job(NewJob::new(["self-hosted"]))).await.unwrap();
/// assert_eq!(run.jobs[0].status, JobStatus::Queued);
/// mock.register_runner("orgs/octo-org", "r1").await;
/// let job = mock.job(run.jobs[0].id).await.unwrap();
/// assert_eq!((job.status, job.runner_name.as_deref()), (JobStatus::InProgress, Some("r1")));
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// Unique among all jobs.
    pub id: i64,
    /// Its run.
    pub run_id: i64,
    /// As queued.
    pub name: String,
    /// `queued`, `in_progress` or `completed`.
    pub status: JobStatus,
    /// Set once completed.
    pub conclusion: Option<Conclusion>,
    /// The labels it runs on (GHES 3.3+; empty before).
    #[serde(default)]
    pub labels: Vec<String>,
    /// The runner that took it (GHES 3.3+).
    #[serde(default)]
    pub runner_id: Option<i64>,
    /// The runner that took it, by name (GHES 3.3+).
    #[serde(default)]
    pub runner_name: Option<String>,
    /// Its runner's group as GitHub shows it (GHES 3.3+).
    #[serde(default)]
    pub runner_group_id: Option<i64>,
    /// Its runner's group's name (GHES 3.3+).
    #[serde(default)]
    pub runner_group_name: Option<String>,
    /// When a runner took it (its queueing time until then).
    pub started_at: String,
    /// When it completed.
    pub completed_at: Option<String>,
}

/// A simulated workflow run and its jobs, as `POST /_mock/runs` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowRun {
    /// Unique among all runs.
    pub id: i64,
    /// Counts its repository's runs from 1.
    pub run_number: i64,
    /// `queued`, `in_progress` or `completed`, as its jobs make it.
    pub status: String,
    /// Set once every job has completed.
    pub conclusion: Option<Conclusion>,
    /// The commit it runs.
    pub head_sha: String,
    /// In id order.
    #[serde(default)]
    pub jobs: Vec<Job>,
}

/// A page of a list and what the Link header needs to describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The page's items, in whatever form the caller needs them.
    pub items: T,
    pub total_count: i64,
    pub page: u32,
    pub per_page: u32,
}

impl<T> Page<T> {
    /// The number of the last page; 1 for an empty list.
    pub fn last_page(&self) -> u32 {
        let per_page = i64::from(self.per_page.max(1));
        let pages = (self.total_count + per_page - 1) / per_page;
        u32::try_from(pages.max(1)).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_parse_case_insensitively_and_name_the_choices_when_wrong() {
        assert_eq!("MacOS".parse::<Os>(), Ok(Os::Macos));
        assert_eq!("ARM64".parse::<Architecture>(), Ok(Architecture::Arm64));
        let err = "solaris".parse::<Os>().unwrap_err();
        assert_eq!(
            err,
            r#"unknown os "solaris" (expected linux, macos, windows)"#
        );
    }

    #[test]
    fn scopes_parse_from_their_written_form_and_compare_by_lowercase_key() {
        let scope: Scope = "repos/Octo-Org/Hello".parse().unwrap();
        assert_eq!(scope.to_string(), "repos/Octo-Org/Hello");
        assert_eq!(scope.key(), "repo:octo-org/hello");
        assert_eq!(Scope::from_stored("repo", "Octo-Org/Hello"), Some(scope));
        for bad in ["orgs/", "orgs/a/b", "teams/x", "repos/o", "enterprises/a b"] {
            assert!(bad.parse::<Scope>().is_err(), "{bad}");
        }
    }

    #[test]
    fn last_page_rounds_up_and_is_one_for_an_empty_list() {
        let page = |total_count, per_page| Page::<()> {
            items: (),
            total_count,
            page: 1,
            per_page,
        };
        assert_eq!(page(0, 30).last_page(), 1);
        assert_eq!(page(30, 30).last_page(), 1);
        assert_eq!(page(31, 30).last_page(), 2);
        assert_eq!(page(250, 100).last_page(), 3);
    }
}
