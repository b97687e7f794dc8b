//! The `ghes-mock` binary: flags and environment in, a server out.

mod cli;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use ghes_mock::GhesMock;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // Logs go to stderr; stdout carries only the ready line. Colours only on
    // a terminal: a log file or CI capture gets plain, greppable lines.
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
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
    // Listen for signals before the ready line: a script may send one as
    // soon as it has read it.
    let stop = shutdown_signal();
    println!("ghes-mock listening on {}", mock.api_url());
    let _ = std::io::stdout().flush();
    stop.await;
    tracing::info!("shutting down");
    mock.shutdown().await;
    ExitCode::SUCCESS
}

/// SIGINT or SIGTERM. The handlers are installed when this is called, not
/// when the future is first polled.
#[cfg(unix)]
fn shutdown_signal() -> impl Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let interrupt = signal(SignalKind::interrupt());
    let terminate = signal(SignalKind::terminate());
    async move {
        match (interrupt, terminate) {
            (Ok(mut interrupt), Ok(mut terminate)) => {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            }
            _ => tokio::signal::ctrl_c().await.unwrap_or_default(),
        }
    }
}

/// Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> impl Future<Output = ()> {
    async { tokio::signal::ctrl_c().await.unwrap_or_default() }
}
