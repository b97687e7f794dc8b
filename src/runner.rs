//! `ghes-mock runner register|remove|start`: a runner's own `config.sh` and
//! `run.sh --jitconfig`, for demos and shell tests, speaking to a running
//! ghes-mock's control API.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use reqwest::Url;
use serde_json::{Value, json};

#[derive(Debug, Subcommand)]
pub enum RunnerCommand {
    /// Register a runner, as `config.sh --url URL --token TOKEN` does.
    Register(RegisterArgs),
    /// Remove a runner, as `config.sh remove --token TOKEN` does.
    Remove(RemoveArgs),
    /// Start the runner of a JIT configuration, as `run.sh --jitconfig`
    /// does: the configuration names the server.
    Start(StartArgs),
}

#[derive(Debug, Args)]
pub struct Target {
    /// Where the runner belongs, as config.sh takes it:
    /// http://HOST:PORT/ORG, http://HOST:PORT/OWNER/REPO or
    /// http://HOST:PORT/enterprises/ENTERPRISE.
    #[arg(long)]
    url: String,

    /// A registration token (register) or remove token (remove) of that scope.
    #[arg(long)]
    token: String,

    /// The runner's name.
    #[arg(long)]
    name: String,

    /// A PEM certificate to trust when the URL is https (for a server started
    /// with --tls-self-signed DIR: DIR/cert.pem).
    #[arg(long, env = "SSL_CERT_FILE", value_name = "PEM")]
    ca_cert: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RegisterArgs {
    #[command(flatten)]
    target: Target,

    /// Custom labels, comma-separated.
    #[arg(long, value_delimiter = ',')]
    labels: Vec<String>,

    /// linux, macos or windows (default linux).
    #[arg(long)]
    os: Option<String>,

    /// x64, arm or arm64 (default x64).
    #[arg(long)]
    architecture: Option<String>,

    /// Replace a runner of the same name, keeping its id.
    #[arg(long)]
    replace: bool,

    /// The runner group to join (default: the scope's default group).
    #[arg(long, value_name = "NAME")]
    runnergroup: Option<String>,

    /// Register an ephemeral runner, removed once its one job is done.
    #[arg(long)]
    ephemeral: bool,
}

#[derive(Debug, Args)]
pub struct StartArgs {
    /// The `encoded_jit_config` that generate-jitconfig answered.
    #[arg(long, value_name = "CONFIG")]
    jitconfig: String,

    /// linux, macos or windows (default linux).
    #[arg(long)]
    os: Option<String>,

    /// x64, arm or arm64 (default x64).
    #[arg(long)]
    architecture: Option<String>,

    /// A PEM certificate to trust when the server is https.
    #[arg(long, env = "SSL_CERT_FILE", value_name = "PEM")]
    ca_cert: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    #[command(flatten)]
    target: Target,
}

pub async fn run(command: RunnerCommand) -> ExitCode {
    let outcome = match command {
        RunnerCommand::Register(args) => register(args).await,
        RunnerCommand::Remove(args) => remove(args).await,
        RunnerCommand::Start(args) => start(args).await,
    };
    report("ghes-mock runner", outcome)
}

/// Prints what a command did, or why it failed, and its exit code: 2 for a
/// command line that cannot work, 1 for a refusal.
pub(crate) fn report(program: &str, outcome: Result<String, Failure>) -> ExitCode {
    match outcome {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(Failure::Usage(message)) => {
            eprintln!("{program}: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Refused(message)) => {
            eprintln!("{program}: {message}");
            ExitCode::FAILURE
        }
    }
}

pub(crate) enum Failure {
    /// The command line cannot work (a URL config.sh would refuse).
    Usage(String),
    /// The server said no, or could not be reached.
    Refused(String),
}

async fn register(args: RegisterArgs) -> Result<String, Failure> {
    let (base, scope) = parse_url(&args.target.url)?;
    let mut body = json!({
        "token": args.target.token,
        "name": args.target.name,
        "labels": args.labels,
        "replace": args.replace,
        "scope": scope,
        "ephemeral": args.ephemeral,
    });
    if let Some(group) = &args.runnergroup {
        body["runner_group"] = json!(group);
    }
    if let Some(os) = &args.os {
        body["os"] = json!(os);
    }
    if let Some(architecture) = &args.architecture {
        body["architecture"] = json!(architecture);
    }
    let answer = send(
        args.target.ca_cert.as_deref(),
        &base,
        "_mock/runners",
        &body,
    )
    .await?;
    let runner = match answer {
        Ok(runner) => runner,
        // The server's advice names the control API's `replace` field; here
        // it is a flag.
        Err((status, refusal)) if name_taken(&refusal) => {
            return Err(Failure::Refused(format!(
                "A runner named {:?} already exists in {scope}; register again with \
                 --replace to take its place (HTTP {status})",
                args.target.name
            )));
        }
        Err((status, refusal)) => return Err(Failure::Refused(describe(status, &refusal))),
    };
    Ok(format!(
        "√ Runner successfully added: {} (id {}) in {scope}",
        runner["name"].as_str().unwrap_or_default(),
        runner["id"]
    ))
}

async fn remove(args: RemoveArgs) -> Result<String, Failure> {
    let (base, scope) = parse_url(&args.target.url)?;
    let body = json!({"token": args.target.token, "name": args.target.name, "scope": scope});
    post(
        args.target.ca_cert.as_deref(),
        &base,
        "_mock/runners/remove",
        &body,
    )
    .await?;
    Ok(format!(
        "√ Runner removed successfully: {} from {scope}",
        args.target.name
    ))
}

async fn start(args: StartArgs) -> Result<String, Failure> {
    let base = server_of(&args.jitconfig)?;
    let mut body = json!({"encoded_jit_config": args.jitconfig.trim()});
    if let Some(os) = &args.os {
        body["os"] = json!(os);
    }
    if let Some(architecture) = &args.architecture {
        body["architecture"] = json!(architecture);
    }
    let runner = post(args.ca_cert.as_deref(), &base, "_mock/runners/jit", &body).await?;
    Ok(format!(
        "√ Connected to GitHub\n√ Runner {} (id {}) is listening for jobs",
        runner["name"].as_str().unwrap_or_default(),
        runner["id"]
    ))
}

/// The server a JIT configuration belongs to: the origin of its
/// `.runner`'s `GitHubUrl`.
fn server_of(config: &str) -> Result<Url, Failure> {
    use base64::Engine;
    let usage = |why: &str| Failure::Usage(format!("not a JIT configuration: {why}"));
    let b64 = base64::engine::general_purpose::STANDARD;
    let files: Value = b64
        .decode(config.trim())
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| usage("not base64 of JSON"))?;
    let settings: Value = files[".runner"]
        .as_str()
        .and_then(|file| b64.decode(file).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| usage("it has no .runner file"))?;
    let url = settings["GitHubUrl"]
        .as_str()
        .or_else(|| settings["gitHubUrl"].as_str())
        .and_then(|url| Url::parse(url).ok())
        .ok_or_else(|| usage(".runner has no GitHubUrl"))?;
    let mut base = url;
    base.set_path("/");
    base.set_query(None);
    Ok(base)
}

/// Splits config.sh's URL into the server's base URL and the runner's scope
/// (`orgs/octo-org`).
fn parse_url(url: &str) -> Result<(Url, String), Failure> {
    let usage = |why: &str| {
        Failure::Usage(format!(
            "{why}: {url:?} (expected http://HOST:PORT/ORG, http://HOST:PORT/OWNER/REPO \
             or http://HOST:PORT/enterprises/ENTERPRISE)"
        ))
    };
    let parsed = Url::parse(url).map_err(|_| usage("not a URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(usage("not an http(s) URL"));
    }
    let segments: Vec<&str> = parsed
        .path_segments()
        .map(|s| s.filter(|segment| !segment.is_empty()).collect())
        .unwrap_or_default();
    let scope = match segments.as_slice() {
        ["enterprises", enterprise] => format!("enterprises/{enterprise}"),
        ["enterprises"] | [] => {
            return Err(usage(
                "the URL names no organization, repository or enterprise",
            ));
        }
        [org] => format!("orgs/{org}"),
        [owner, repo] => format!("repos/{owner}/{repo}"),
        _ => return Err(usage("the URL has too many parts")),
    };
    let mut base = parsed;
    base.set_path("/");
    base.set_query(None);
    Ok((base, scope))
}

/// POSTs `body` to the server; a refusal is told with the server's message.
pub(crate) async fn post(
    ca_cert: Option<&std::path::Path>,
    base: &Url,
    path: &str,
    body: &Value,
) -> Result<Value, Failure> {
    send(ca_cert, base, path, body)
        .await?
        .map_err(|(status, refusal)| Failure::Refused(describe(status, &refusal)))
}

/// POSTs `body` to the server: its answer on success, or the status and
/// body of its refusal.
async fn send(
    ca_cert: Option<&std::path::Path>,
    base: &Url,
    path: &str,
    body: &Value,
) -> Result<Result<Value, (u16, Value)>, Failure> {
    let url = base.join(path).map_err(|e| Failure::Usage(e.to_string()))?;
    let mut client = reqwest::Client::builder();
    if let Some(file) = ca_cert {
        let pem = std::fs::read(file)
            .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", file.display())))?;
        let certificate = reqwest::Certificate::from_pem(&pem).map_err(|e| {
            Failure::Usage(format!("{} is not a PEM certificate: {e}", file.display()))
        })?;
        client = client.add_root_certificate(certificate);
    }
    let client = client
        .build()
        .map_err(|e| Failure::Refused(e.to_string()))?;
    let response = client
        .post(url)
        .json(body)
        .send()
        .await
        .map_err(|e| Failure::Refused(unreachable(base, &e)))?;
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    if status.is_success() {
        Ok(Ok(answer))
    } else {
        Ok(Err((status.as_u16(), answer)))
    }
}

/// Why the server could not be reached: a refused connection said plainly
/// (nothing listens there), anything else by its innermost cause. Only the
/// server's origin is shown, never credentials a URL may carry.
fn unreachable(base: &Url, error: &reqwest::Error) -> String {
    let server = base.origin().ascii_serialization();
    let mut cause: &dyn std::error::Error = error;
    let mut refused = false;
    while let Some(next) = cause.source() {
        refused |= next
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused);
        cause = next;
    }
    if refused {
        format!("cannot reach {server}: connection refused — is `ghes-mock serve` running there?")
    } else {
        format!("cannot reach {server}: {cause}")
    }
}

/// Whether a refusal is the registration's "name already taken".
fn name_taken(refusal: &Value) -> bool {
    refusal["errors"].as_array().is_some_and(|errors| {
        errors
            .iter()
            .any(|e| e["field"] == "name" && e["code"] == "already_exists")
    })
}

/// A refusal as one line: the server's message, its details, the status.
fn describe(status: u16, answer: &Value) -> String {
    let message = answer["message"].as_str().unwrap_or("no message");
    let details: Vec<&str> = answer["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["message"].as_str())
                .collect()
        })
        .unwrap_or_default();
    let details = if details.is_empty() {
        String::new()
    } else {
        format!(": {}", details.join("; "))
    };
    format!("{message}{details} (HTTP {status})")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope_of(url: &str) -> Result<String, String> {
        parse_url(url).map(|(_, scope)| scope).map_err(|f| match f {
            Failure::Usage(m) | Failure::Refused(m) => m,
        })
    }

    #[test]
    fn urls_take_the_forms_config_sh_accepts() {
        assert_eq!(
            scope_of("http://127.0.0.1:8080/octo-org").unwrap(),
            "orgs/octo-org"
        );
        assert_eq!(
            scope_of("http://127.0.0.1:8080/octo-org/").unwrap(),
            "orgs/octo-org"
        );
        assert_eq!(
            scope_of("https://ghes.local/octo-org/octo-repo").unwrap(),
            "repos/octo-org/octo-repo"
        );
        assert_eq!(
            scope_of("http://h:1/enterprises/octo").unwrap(),
            "enterprises/octo"
        );
        let (base, _) = parse_url("http://127.0.0.1:8080/octo-org?x=1")
            .ok()
            .unwrap();
        assert_eq!(base.as_str(), "http://127.0.0.1:8080/");
    }

    #[test]
    fn other_urls_are_refused_with_the_forms_expected() {
        for bad in [
            "octo-org",
            "ftp://h/o",
            "http://h:1/",
            "http://h:1/a/b/c",
            "http://h/enterprises",
        ] {
            let message = scope_of(bad).unwrap_err();
            assert!(
                message.contains("expected http://HOST:PORT/ORG"),
                "{bad}: {message}"
            );
        }
    }
}
