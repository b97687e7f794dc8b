//! `ghes-mock job queue|complete|cancel`: simulated workflow jobs on a
//! running ghes-mock, for demos and shell tests, through its control API.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use reqwest::Url;
use serde_json::{Value, json};

use crate::runner::{Failure, post, report};

#[derive(Debug, Subcommand)]
pub enum JobCommand {
    /// Queue a workflow run of one or more jobs in a repository.
    Queue(QueueArgs),
    /// End a job now with a conclusion (default success).
    Complete(FinishArgs),
    /// Cancel a job now.
    Cancel(FinishArgs),
}

#[derive(Debug, Args)]
pub struct QueueArgs {
    /// The repository, as its URL on the server: http://HOST:PORT/OWNER/REPO.
    #[arg(long)]
    url: String,

    /// The labels a runner must carry, comma-separated (`runs-on`).
    #[arg(long, value_delimiter = ',', required = true)]
    labels: Vec<String>,

    /// How many jobs the run has.
    #[arg(long, default_value_t = 1)]
    count: usize,

    /// Seconds each job runs once a runner takes it, on the mock clock;
    /// without, jobs run until completed or cancelled.
    #[arg(long, value_name = "SECONDS")]
    duration: Option<f64>,

    /// Only runners of this runner group may take the jobs.
    #[arg(long, value_name = "NAME")]
    runner_group: Option<String>,

    /// What the jobs end with when their time is up (default success).
    #[arg(long)]
    conclusion: Option<String>,

    /// The workflow's name (default CI).
    #[arg(long)]
    workflow: Option<String>,

    /// A PEM certificate to trust when the server is https.
    #[arg(long, env = "SSL_CERT_FILE", value_name = "PEM")]
    ca_cert: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FinishArgs {
    /// The server: http://HOST:PORT.
    #[arg(long)]
    url: String,

    /// The job's id.
    #[arg(long)]
    id: i64,

    /// success, failure, cancelled, … (complete only).
    #[arg(long)]
    conclusion: Option<String>,

    /// A PEM certificate to trust when the server is https.
    #[arg(long, env = "SSL_CERT_FILE", value_name = "PEM")]
    ca_cert: Option<PathBuf>,
}

pub async fn run(command: JobCommand) -> ExitCode {
    let outcome = match command {
        JobCommand::Queue(args) => queue(args).await,
        JobCommand::Complete(args) => finish(args, "complete").await,
        JobCommand::Cancel(args) => finish(args, "cancel").await,
    };
    report("ghes-mock job", outcome)
}

async fn queue(args: QueueArgs) -> Result<String, Failure> {
    let usage = |why: &str| {
        Failure::Usage(format!(
            "{why}: {:?} (expected http://HOST:PORT/OWNER/REPO)",
            args.url
        ))
    };
    let parsed = Url::parse(&args.url).map_err(|_| usage("not a URL"))?;
    let segments: Vec<&str> = parsed
        .path_segments()
        .map(|s| s.filter(|segment| !segment.is_empty()).collect())
        .unwrap_or_default();
    let [owner, repo] = segments.as_slice() else {
        return Err(usage("the URL names no repository"));
    };
    if args.count == 0 {
        return Err(Failure::Usage("--count must be at least 1".to_owned()));
    }
    let mut job = json!({"labels": args.labels});
    if let Some(duration) = args.duration {
        job["duration_seconds"] = json!(duration);
    }
    if let Some(group) = &args.runner_group {
        job["runner_group"] = json!(group);
    }
    if let Some(conclusion) = &args.conclusion {
        job["conclusion"] = json!(conclusion);
    }
    let mut body = json!({"repo": format!("{owner}/{repo}"), "jobs": vec![job; args.count]});
    if let Some(workflow) = &args.workflow {
        body["workflow_name"] = json!(workflow);
    }
    let mut base = parsed.clone();
    base.set_path("/");
    base.set_query(None);
    let run = post(args.ca_cert.as_deref(), &base, "_mock/runs", &body).await?;
    let jobs: Vec<String> = run["jobs"]
        .as_array()
        .map(|jobs| {
            jobs.iter()
                .map(|job| format!("  {}", describe(job)))
                .collect()
        })
        .unwrap_or_default();
    Ok(format!(
        "√ Queued run {} of {owner}/{repo}\n{}",
        run["id"],
        jobs.join("\n")
    ))
}

async fn finish(args: FinishArgs, how: &str) -> Result<String, Failure> {
    let base = Url::parse(&args.url)
        .map_err(|_| Failure::Usage(format!("{:?} is not a URL", args.url)))?;
    let mut body = json!({});
    if let Some(conclusion) = &args.conclusion {
        body["conclusion"] = json!(conclusion);
    }
    let path = format!("_mock/jobs/{}/{how}", args.id);
    let job = post(args.ca_cert.as_deref(), &base, &path, &body).await?;
    Ok(format!("√ {}", describe(&job)))
}

/// `job 3 (build): in_progress on runner-1`, as a line.
fn describe(job: &Value) -> String {
    let status = job["status"].as_str().unwrap_or_default();
    let on = job["runner_name"]
        .as_str()
        .map(|name| format!(" on {name}"))
        .unwrap_or_default();
    let conclusion = job["conclusion"]
        .as_str()
        .map(|c| format!(", {c}"))
        .unwrap_or_default();
    format!(
        "job {} ({}): {status}{conclusion}{on}",
        job["id"],
        job["name"].as_str().unwrap_or_default()
    )
}
