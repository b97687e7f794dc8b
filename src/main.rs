//! The `ghes-mock` binary: flags and environment in, a server out.

mod cli;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use ghes_mock::GhesMock;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // Logs go to stderr; stdout carries only the ready line.
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        cli::Command::Serve(args) => serve(args).await,
    }
}

async fn serve(args: cli::ServeArgs) -> ExitCode {
    let config = match args.into_config() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("ghes-mock: {error}");
            return ExitCode::from(2);
        }
    };
    let mock = match GhesMock::builder().config(config).try_start().await {
        Ok(mock) => mock,
        Err(error) => {
            eprintln!("ghes-mock: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("ghes-mock listening on {}", mock.api_url());
    let _ = std::io::stdout().flush();
    shutdown_signal().await;
    tracing::info!("shutting down");
    mock.shutdown().await;
    ExitCode::SUCCESS
}

/// SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => return interrupt.await.unwrap_or_default(),
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    interrupt.await.unwrap_or_default();
}
