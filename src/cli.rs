//! Command-line flags, each with an environment twin.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use ghes_mock::{ApiToken, Config, DEFAULT_RUNNER_VERSION, Seed};

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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API until SIGINT or SIGTERM.
    Serve(ServeArgs),
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

    /// A personal access token and its scopes, as TOKEN:scope,scope (repeatable;
    /// the environment variable takes several separated by spaces). Any token
    /// given turns on strict mode.
    #[arg(
        long = "token",
        env = "GHES_MOCK_TOKENS",
        value_name = "TOKEN:SCOPES",
        value_delimiter = ' '
    )]
    tokens: Vec<ApiToken>,

    /// GHES version to present.
    #[arg(long, env = "GHES_MOCK_GHES_VERSION", default_value = "3.1")]
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
}

impl ServeArgs {
    pub fn into_config(self) -> Result<Config, ghes_mock::SeedError> {
        let seed = match &self.seed {
            Some(file) => Seed::from_file(file)?,
            None => Seed::default(),
        };
        Ok(Config {
            bind: self.bind,
            database: self.database,
            seed,
            tokens: self.tokens,
            ghes_version: self.ghes_version,
            runner_version: self.runner_version,
            token_ttl: Duration::from_secs(self.token_ttl),
            rate_limit: self.rate_limit,
        })
    }
}
