//! The shapes GitHub puts on the wire, and the small enums behind them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A self-hosted runner as GitHub shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Runner {
    pub id: i64,
    pub name: String,
    pub os: Os,
    pub status: RunnerStatus,
    pub busy: bool,
    pub labels: Vec<Label>,
}

/// A runner label: read-only ones are applied at registration, the others are
/// `custom`. A label name has the same id on every runner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub id: i64,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: LabelKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LabelKind {
    ReadOnly,
    Custom,
}

/// Parses a lowercase word, case-insensitively, as config.sh and the fixtures
/// write it; displays the word GitHub sends.
macro_rules! word_enum {
    ($name:ident, $what:literal, { $($variant:ident => $word:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($variant),+ }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let word = String::deserialize(d)?;
                word.parse().map_err(serde::de::Error::custom)
            }
        }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                $(if s.eq_ignore_ascii_case($word) { return Ok($name::$variant); })+
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

word_enum!(Os, "os", { Linux => "linux", Macos => "macos", Windows => "windows" });
word_enum!(Architecture, "architecture", { X64 => "x64", Arm => "arm", Arm64 => "arm64" });
word_enum!(RunnerStatus, "status", { Online => "online", Offline => "offline" });
word_enum!(TokenKind, "token kind", { Registration => "registration", Remove => "remove" });

impl Os {
    /// The read-only label GitHub gives runners of this OS.
    pub fn label(self) -> &'static str {
        match self {
            Os::Linux => "Linux",
            Os::Macos => "macOS",
            Os::Windows => "Windows",
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
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    Enterprise(String),
    Org(String),
    Repo { owner: String, repo: String },
}

impl Scope {
    pub fn kind(&self) -> &'static str {
        match self {
            Scope::Enterprise(_) => "enterprise",
            Scope::Org(_) => "org",
            Scope::Repo { .. } => "repo",
        }
    }

    /// The case-insensitive identity under which the scope is stored.
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind(), self.name()).to_lowercase()
    }

    /// `octo-org`, or `octo-org/octo-repo` for a repository.
    pub fn name(&self) -> String {
        match self {
            Scope::Enterprise(name) | Scope::Org(name) => name.clone(),
            Scope::Repo { owner, repo } => format!("{owner}/{repo}"),
        }
    }

    /// Builds a scope from a kind and name as stored.
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

/// A registration or remove token as the token endpoints answer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
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

/// A page of a list and what the Link header needs to describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
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
            items: vec![],
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
