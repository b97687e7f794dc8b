//! Command-line flags, each with an environment twin.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use ghes_mock::{ApiToken, Config, DEFAULT_MAX_BODY_BYTES, DEFAULT_RUNNER_VERSION, Seed, Tls};

#[derive(Debug, Parser)]
#[command(
    name = "ghes-mock",
    version,
    about = "A stateful mock of GitHub Enterprise Server's self-hosted runners API"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The command line, as [`Parser::parse`] reads it, noting whether the
    /// tokens came from `--token` or from its environment twin.
    pub fn parse_noting_sources() -> Cli {
        let matches = Cli::command().get_matches();
        let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
        if let (Command::Serve(args), Some(serve)) =
            (&mut cli.command, matches.subcommand_matches("serve"))
        {
            args.tokens_from_env = serve.value_source("tokens") == Some(ValueSource::EnvVariable);
        }
        cli
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API until SIGINT or SIGTERM.
    Serve(ServeArgs),
    /// Ask a running server's /_mock/health: exit 0 when it answers 200, 1
    /// otherwise. For container health checks, which then need no shell or
    /// curl.
    Healthcheck(HealthcheckArgs),
    /// Register or remove a runner on a running server, as the runner's own
    /// config.sh does.
    #[command(subcommand)]
    Runner(crate::runner::RunnerCommand),
    /// Queue, complete or cancel simulated workflow jobs on a running
    /// server.
    #[command(subcommand)]
    Job(crate::job::JobCommand),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "GHES_MOCK_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,

    /// Keep state in this SQLite file across restarts (in memory otherwise).
    #[arg(long, env = "GHES_MOCK_DATABASE", value_name = "PATH")]
    database: Option<PathBuf>,

    /// Fixture file with tokens, scopes and runners to start from.
    #[arg(long, env = "GHES_MOCK_SEED", value_name = "FILE")]
    seed: Option<PathBuf>,

    /// A personal access token and its scopes, as TOKEN:scope,scope, or
    /// TOKEN: for one with no scopes (repeatable; the environment variable
    /// takes several separated by spaces). Any token given turns on strict
    /// mode.
    #[arg(
        long = "token",
        env = "GHES_MOCK_TOKENS",
        value_name = "TOKEN:SCOPES",
        value_delimiter = ' '
    )]
    tokens: Vec<String>,

    /// Whether `tokens` came from GHES_MOCK_TOKENS, to name it in errors.
    #[arg(skip)]
    tokens_from_env: bool,

    /// GHES version to present, 3.1 to 3.22: its runner operations and
    /// fields, `installed_version` and `X-GitHub-Enterprise-Version`.
    #[arg(
        long,
        env = "GHES_MOCK_GHES_VERSION",
        default_value = "3.1",
        value_parser = parse_version
    )]
    ghes_version: String,

    /// Runner application version offered by the downloads endpoints.
    #[arg(long, env = "GHES_MOCK_RUNNER_VERSION", default_value = DEFAULT_RUNNER_VERSION)]
    runner_version: String,

    /// Lifetime of registration and remove tokens, in seconds.
    #[arg(
        long,
        env = "GHES_MOCK_TOKEN_TTL",
        default_value_t = 3600,
        value_name = "SECONDS"
    )]
    token_ttl: u64,

    /// Enforce this many requests per token per hour (GitHub's 5000 is
    /// reported but not enforced otherwise).
    #[arg(long, env = "GHES_MOCK_RATE_LIMIT", value_name = "N")]
    rate_limit: Option<u32>,

    /// Enforce this many registration and remove token requests per token
    /// per hour, GitHub's separate `actions_runner_registration` budget
    /// (10000 is reported but not enforced otherwise).
    #[arg(long, env = "GHES_MOCK_REGISTRATION_RATE_LIMIT", value_name = "N")]
    registration_rate_limit: Option<u32>,

    /// Remove runners that have been offline this long, in seconds, as
    /// GitHub does after 14 days; 0 keeps them.
    #[arg(
        long,
        env = "GHES_MOCK_OFFLINE_RUNNER_MAX_AGE",
        default_value_t = ghes_mock::DEFAULT_OFFLINE_RUNNER_MAX_AGE.as_secs(),
        value_name = "SECONDS"
    )]
    offline_runner_max_age: u64,

    /// Require `Authorization: Bearer TOKEN` on the control API (registering
    /// and removing runners keep needing only their own tokens).
    #[arg(long, env = "GHES_MOCK_ADMIN_TOKEN", value_name = "TOKEN")]
    admin_token: Option<String>,

    /// Log format on stderr: text lines, or one JSON object per line.
    #[arg(
        long,
        env = "GHES_MOCK_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Text
    )]
    pub log_format: LogFormat,

    /// Refuse request bodies larger than this with 413.
    #[arg(
        long,
        env = "GHES_MOCK_MAX_BODY_BYTES",
        value_name = "BYTES",
        default_value_t = DEFAULT_MAX_BODY_BYTES
    )]
    max_body_bytes: usize,

    /// Answer 504 to a request not answered within this many seconds
    /// (fractions allowed: 0.5).
    #[arg(
        long,
        env = "GHES_MOCK_REQUEST_TIMEOUT",
        value_name = "SECONDS",
        default_value = "30",
        value_parser = parse_seconds
    )]
    request_timeout: Duration,

    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
    #[arg(
        long,
        env = "GHES_MOCK_TLS_CERT",
        value_name = "PEM",
        requires = "tls_key"
    )]
    tls_cert: Option<PathBuf>,

    /// The private key (PEM) of --tls-cert.
    #[arg(
        long,
        env = "GHES_MOCK_TLS_KEY",
        value_name = "PEM",
        requires = "tls_cert"
    )]
    tls_key: Option<PathBuf>,

    /// Serve HTTPS with a certificate generated for localhost, 127.0.0.1 and
    /// ::1, written to DIR/cert.pem (for clients to trust) and DIR/key.pem.
    #[arg(
        long,
        env = "GHES_MOCK_TLS_SELF_SIGNED",
        value_name = "DIR",
        conflicts_with_all = ["tls_cert", "tls_key"]
    )]
    tls_self_signed: Option<PathBuf>,

    /// How long a webhook receiver has to answer a delivery, in seconds
    /// (fractions allowed), as GHES's 30.
    #[arg(
        long,
        env = "GHES_MOCK_HOOK_TIMEOUT",
        value_name = "SECONDS",
        default_value = "30",
        value_parser = parse_seconds
    )]
    hook_timeout: Duration,

    /// The address clients reach the mock at, when not the one it listens
    /// on (behind a port mapping, say): the URLs in webhook payloads and
    /// `X-GitHub-Enterprise-Host` use it.
    #[arg(long, env = "GHES_MOCK_PUBLIC_URL", value_name = "URL", value_parser = parse_public_url)]
    public_url: Option<String>,
}

/// An http(s) URL with a host and nothing after it.
fn parse_public_url(text: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(text).map_err(|e| format!("{text:?}: {e}"))?;
    let plain = matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.query().is_none()
        && matches!(url.path(), "" | "/");
    if !plain {
        return Err(format!(
            "{text:?}: expected http(s)://HOST[:PORT], as clients reach the mock"
        ));
    }
    Ok(text.trim_end_matches('/').to_owned())
}

impl ServeArgs {
    /// The server's configuration; a bad token or fixture is refused with
    /// its place and the reason.
    pub fn into_config(self) -> Result<Config, String> {
        let tokens = parse_tokens(&self.tokens, self.tokens_from_env)?;
        let seed = match &self.seed {
            Some(file) => Seed::from_file(file).map_err(|error| error.to_string())?,
            None => Seed::default(),
        };
        Ok(Config {
            bind: self.bind,
            database: self.database,
            seed,
            tokens,
            ghes_version: self.ghes_version,
            runner_version: self.runner_version,
            token_ttl: Duration::from_secs(self.token_ttl),
            rate_limit: self.rate_limit,
            registration_rate_limit: self.registration_rate_limit,
            offline_runner_max_age: (self.offline_runner_max_age > 0)
                .then(|| Duration::from_secs(self.offline_runner_max_age)),
            admin_token: self.admin_token,
            max_body_bytes: self.max_body_bytes,
            request_timeout: self.request_timeout,
            tls: match (self.tls_cert, self.tls_key, self.tls_self_signed) {
                (Some(cert), Some(key), _) => Some(Tls::Files { cert, key }),
                (_, _, Some(dir)) => Some(Tls::SelfSigned { dir }),
                _ => None,
            },
            hook_timeout: self.hook_timeout,
            public_url: self.public_url,
        })
    }
}

/// The tokens of `--token` (or GHES_MOCK_TOKENS). A bad one is named by
/// its place, never shown: tokens are never logged.
fn parse_tokens(values: &[String], from_env: bool) -> Result<Vec<ApiToken>, String> {
    let source = if from_env {
        "GHES_MOCK_TOKENS"
    } else {
        "--token"
    };
    values
        .iter()
        .enumerate()
        .map(|(index, value)| {
            value.parse().map_err(|reason| match values.len() {
                1 => format!("{source}: {reason}"),
                count => format!("{source}, token {} of {count}: {reason}", index + 1),
            })
        })
        .collect()
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// `2024-01-01T00:00:00Z  INFO request{method=GET ...}: answered status=200`
    Text,
    /// `{"timestamp": ..., "level": "INFO", "message": "answered", "span": {...}}`
    Json,
}

#[derive(Debug, Args)]
pub struct HealthcheckArgs {
    /// The URL to ask; by default /_mock/health on loopback at the port of
    /// GHES_MOCK_BIND (8080).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// The address the server was told to listen on; only its port is used.
    #[arg(long, env = "GHES_MOCK_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Give up after this many seconds.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value = "3",
        value_parser = parse_seconds
    )]
    pub timeout: Duration,
}

/// A version the mock serves, kept as written (`3.22`, `3.22.4`).
fn parse_version(text: &str) -> Result<String, String> {
    text.parse::<ghes_mock::GhesVersion>()?;
    Ok(text.trim().to_owned())
}

/// A positive number of seconds, fractions allowed (`30`, `0.05`).
fn parse_seconds(text: &str) -> Result<Duration, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|seconds| *seconds > 0.0)
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .ok_or_else(|| format!("{text:?} is not a positive number of seconds"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_may_be_fractional_but_must_be_positive() {
        assert_eq!(parse_seconds("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_seconds("0.05"), Ok(Duration::from_millis(50)));
        for bad in ["0", "-1", "soon", "NaN", "inf", ""] {
            assert!(parse_seconds(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_bad_token_is_named_by_its_place_and_source() {
        let values = |list: &[&str]| list.iter().map(|v| v.to_string()).collect::<Vec<_>>();
        let one = parse_tokens(&values(&["secret"]), false).unwrap_err();
        let second = parse_tokens(&values(&["a:repo", "secret", "b:"]), true).unwrap_err();
        assert!(one.starts_with("--token: give the token's scopes"), "{one}");
        assert!(
            second.starts_with("GHES_MOCK_TOKENS, token 2 of 3: give"),
            "{second}"
        );
        assert!(!one.contains("secret") && !second.contains("secret"));
        let tokens = parse_tokens(&values(&["a:repo", "b:"]), false).unwrap();
        assert_eq!(tokens[1].scopes, Vec::<String>::new());
    }
}
