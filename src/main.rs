//! The `ghes-mock` binary: flags and environment in, a server out.

mod cli;
mod healthcheck;
mod job;
mod runner;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use tracing_subscriber::EnvFilter;

use ghes_mock::GhesMock;

use cli::LogFormat;

fn main() -> ExitCode {
    let cli = cli::Cli::parse_noting_sources();
    match cli.command {
        cli::Command::Serve(args) => {
            init_logs(args.log_format);
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(runtime) => runtime,
                Err(error) => {
                    report(args.log_format, &format!("cannot start: {error}"));
                    return ExitCode::FAILURE;
                }
            };
            runtime.block_on(serve(args))
        }
        cli::Command::Healthcheck(args) => healthcheck(&args),
        cli::Command::Runner(command) => in_runtime("ghes-mock runner", runner::run(command)),
        cli::Command::Job(command) => in_runtime("ghes-mock job", job::run(command)),
    }
}

/// Runs a client command on a small runtime of its own.
fn in_runtime(program: &str, command: impl std::future::Future<Output = ExitCode>) -> ExitCode {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(command),
        Err(error) => {
            eprintln!("{program}: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr; stdout carries only the ready line. Text has colours
/// only on a terminal: a log file or CI capture gets plain, greppable lines.
fn init_logs(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
        // One object per line; the event's fields at the top level, the
        // request's span (method, path, request_id) under `span`.
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
}

/// A start-up failure, in the log format asked for.
fn report(format: LogFormat, message: &str) {
    match format {
        LogFormat::Text => eprintln!("ghes-mock: {message}"),
        LogFormat::Json => tracing::error!("{message}"),
    }
}

fn healthcheck(args: &cli::HealthcheckArgs) -> ExitCode {
    let url = match &args.url {
        Some(url) => match healthcheck::parse_url(url) {
            Ok(url) => url,
            Err(error) => {
                eprintln!("ghes-mock healthcheck: {error}");
                return ExitCode::from(2);
            }
        },
        None => healthcheck::health_url(args.bind),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let checked = match runtime {
        Ok(runtime) => runtime.block_on(healthcheck::check(&url, args.timeout)),
        Err(error) => Err(error.to_string()),
    };
    match checked {
        Ok(()) => {
            println!("healthy: {url}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("unhealthy: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: cli::ServeArgs) -> ExitCode {
    let format = args.log_format;
    let config = match args.into_config() {
        Ok(config) => config,
        Err(error) => {
            report(format, &error);
            return ExitCode::from(2);
        }
    };
    let mock = match GhesMock::builder().config(config).try_start().await {
        Ok(mock) => mock,
        Err(error) => {
            report(format, &error.to_string());
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
