//! What a server is started with. The binary fills this from flags and
//! environment variables; a Rust test builds it in code.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;

use crate::seed::Seed;

#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen; port 0 picks a free port.
    pub bind: SocketAddr,
    /// A SQLite file that keeps state across restarts; in memory when `None`.
    pub database: Option<PathBuf>,
    /// The fixture loaded into a new database and restored by reset.
    pub seed: Seed,
    /// Personal access tokens given on the command line. With none here and
    /// none in the seed, the server runs in open mode.
    pub tokens: Vec<ApiToken>,
    /// The GHES version presented (`installed_version`,
    /// `X-GitHub-Enterprise-Version`).
    pub ghes_version: String,
    /// The runner application version offered by the downloads endpoints.
    pub runner_version: String,
    /// How long registration and remove tokens live.
    pub token_ttl: Duration,
    /// Requests per token per hour; `None` reports GitHub's default budget
    /// without enforcing it.
    pub rate_limit: Option<u32>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            database: None,
            seed: Seed::default(),
            tokens: Vec::new(),
            ghes_version: "3.1".to_owned(),
            runner_version: DEFAULT_RUNNER_VERSION.to_owned(),
            token_ttl: Duration::from_secs(3600),
            rate_limit: None,
        }
    }
}

/// The runner release GHES 3.1 shipped with.
pub const DEFAULT_RUNNER_VERSION: &str = "2.277.1";

/// A personal access token and its OAuth scopes (`T:admin:org,repo`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ApiToken {
    pub token: String,
    #[serde(default)]
    pub scopes: Vec<String>,
}

impl FromStr for ApiToken {
    type Err = String;

    /// `TOKEN:scope1,scope2`; the token may not contain `:`, scopes may
    /// (`admin:org`), so the split is at the first colon.
    fn from_str(s: &str) -> Result<Self, String> {
        let (token, scopes) = s.split_once(':').unwrap_or((s, ""));
        if token.trim().is_empty() {
            return Err(format!("{s:?}: expected TOKEN:scope,scope"));
        }
        Ok(ApiToken {
            token: token.to_owned(),
            scopes: scopes
                .split(',')
                .map(str::trim)
                .filter(|scope| !scope.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_flag_splits_at_the_first_colon() {
        let token: ApiToken = "t0ken:admin:org, repo".parse().unwrap();
        assert_eq!(token.token, "t0ken");
        assert_eq!(token.scopes, ["admin:org", "repo"]);
        assert_eq!(
            "bare".parse::<ApiToken>().unwrap().scopes,
            Vec::<String>::new()
        );
        assert!(":repo".parse::<ApiToken>().is_err());
    }
}
