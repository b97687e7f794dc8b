//! What a server is started with. The binary fills this from flags and
//! environment variables; a Rust test builds it in code.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;

use crate::seed::Seed;

/// Everything a server is started with; [`Config::default`] is an
/// in-memory, open-mode GHES 3.1 on a free loopback port.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let config = ghes_mock::Config { ghes_version: "3.1".into(), ..Default::default() };
/// let mock = ghes_mock::GhesMock::builder().config(config).start().await;
/// # drop(mock);
/// # }
/// ```
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
    /// Requests per token per hour on the `core` resource; `None` reports
    /// GitHub's default budget without enforcing it.
    pub rate_limit: Option<u32>,
    /// Request bodies larger than this are refused with `413`.
    pub max_body_bytes: usize,
    /// A request not answered within this gets GitHub's `504`.
    pub request_timeout: Duration,
    /// Requests per token per hour on `actions_runner_registration` (the
    /// registration and remove token endpoints); `None` reports GitHub's
    /// default without enforcing it.
    pub registration_rate_limit: Option<u32>,
    /// How long a runner may stay offline before it is removed, as GitHub
    /// removes them; `None` keeps offline runners for ever.
    pub offline_runner_max_age: Option<Duration>,
    /// When set, the control API asks for `Authorization: Bearer` with it
    /// (runners keep registering and removing with their own tokens).
    pub admin_token: Option<String>,
    /// HTTPS instead of plain HTTP when set.
    pub tls: Option<Tls>,
    /// How long a webhook receiver has to answer a delivery.
    pub hook_timeout: Duration,
    /// The mock's address as clients reach it (`https://ghes.example:8443`),
    /// for the URLs in webhook payloads and `X-GitHub-Enterprise-Host`; by
    /// default the address it listens on.
    pub public_url: Option<String>,
}

/// Where the HTTPS certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tls {
    /// A certificate chain and its private key, as PEM files.
    Files {
        /// The certificate chain.
        cert: PathBuf,
        /// Its private key.
        key: PathBuf,
    },
    /// A certificate generated at start for `localhost`, `127.0.0.1` and
    /// `::1`, written to `DIR/cert.pem` (for clients to trust) with its key
    /// in `DIR/key.pem`.
    SelfSigned {
        /// Where `cert.pem` and `key.pem` are written.
        dir: PathBuf,
    },
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
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            registration_rate_limit: None,
            offline_runner_max_age: Some(DEFAULT_OFFLINE_RUNNER_MAX_AGE),
            admin_token: None,
            tls: None,
            hook_timeout: DEFAULT_HOOK_TIMEOUT,
            public_url: None,
        }
    }
}

/// GitHub removes a self-hosted runner that has been offline for 14 days.
pub const DEFAULT_OFFLINE_RUNNER_MAX_AGE: Duration = Duration::from_secs(14 * 24 * 3600);

/// Far above any body the API takes (a runner with a hundred labels is a
/// few kilobytes).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// GHES waits this long for a webhook receiver's answer.
pub const DEFAULT_HOOK_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a request may take before it is answered `504`.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The runner release GHES 3.1 shipped with.
pub const DEFAULT_RUNNER_VERSION: &str = "2.277.1";

/// A personal access token and its OAuth scopes (`T:admin:org,repo`).
///
/// ```
/// let token: ghes_mock::ApiToken = "ci:admin:org,repo".parse().unwrap();
/// assert_eq!(token.scopes, ["admin:org", "repo"]);
/// // A token with no scopes says so with a bare colon; no colon is refused.
/// assert!("ci:".parse::<ghes_mock::ApiToken>().unwrap().scopes.is_empty());
/// assert!("ci".parse::<ghes_mock::ApiToken>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ApiToken {
    /// What clients send in `Authorization`.
    pub token: String,
    /// `admin:enterprise`, `manage_runners:enterprise`, `admin:org`, `repo`, ...
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// How `--token` is written, for the message that refuses another form.
const TOKEN_FORM: &str = "give the token's scopes after a colon, as TOKEN:SCOPE,SCOPE \
     (e.g. TOKEN:repo,admin:org), or TOKEN: for a token with no scopes";

impl FromStr for ApiToken {
    type Err = String;

    /// `TOKEN:scope1,scope2`, or `TOKEN:` for a token with no scopes; the
    /// token may not contain `:`, scopes may (`admin:org`), so the split is
    /// at the first colon. A bare `TOKEN` is refused: it would be a token
    /// that every endpoint answers 403. The error never repeats the token.
    fn from_str(s: &str) -> Result<Self, String> {
        if s.trim().is_empty() {
            return Err(format!("an empty token: {TOKEN_FORM}"));
        }
        let Some((token, scopes)) = s.split_once(':') else {
            return Err(TOKEN_FORM.to_owned());
        };
        if token.trim().is_empty() {
            return Err(format!("no token before the colon: {TOKEN_FORM}"));
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
            "bare:".parse::<ApiToken>().unwrap(),
            ApiToken {
                token: "bare".to_owned(),
                scopes: Vec::new()
            }
        );
        assert!(":repo".parse::<ApiToken>().is_err());
    }

    #[test]
    fn a_token_without_a_colon_is_refused_showing_the_form_but_not_the_token() {
        let error = "justtoken".parse::<ApiToken>().unwrap_err();
        assert!(error.contains("TOKEN:SCOPE,SCOPE"), "{error}");
        assert!(
            error.contains("TOKEN: for a token with no scopes"),
            "{error}"
        );
        assert!(!error.contains("justtoken"), "{error}");
    }
}
