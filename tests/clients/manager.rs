//! The example runner manager (`examples/runner-manager/manager.py`) end to
//! end: ghes-mock in process, the manager as a child process, an
//! organization hook pointing at it with a secret, and jobs queued. Every job
//! must complete with success on an ephemeral runner of its own that the
//! manager made from a signed `workflow_job` delivery, and nothing may be
//! left behind: no runner, no queued job, no failed delivery.
//!
//! Twice: with just-in-time runners at GHES 3.22, and with registration
//! tokens at GHES 3.9, which has no JIT configurations (and no `ephemeral`
//! field on runners, though ephemeral registration is honoured).
//!
//! The manager needs Python 3's standard library only: `python3` on the PATH.
//! Run with its summary: `cargo test --test clients manager -- --nocapture`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ghes_mock::{Conclusion, DeliveryQuery, GhesMock, JobStatus, NewJob, NewRun, Seed};
use serde_json::{Value, json};

/// The manager's token: what it needs of the API (organization runners, the
/// jobs of the repository).
const TOKEN: &str = "ghp_runner_manager";
const SECRET: &str = "It's a Secret to Everybody";
const ORG: &str = "octo-org";
const REPO: &str = "octo-org/octo-repo";
/// The labels the manager serves and the jobs ask for.
const LABELS: [&str; 2] = ["self-hosted", "linux"];
/// How long each job runs once a runner has it (on the mock clock).
const JOB_SECONDS: f64 = 0.2;
/// Every job done and everything cleaned up within this, or the test fails.
const DEADLINE: Duration = Duration::from_secs(60);
/// How long the manager may take to say where it listens, and to stop.
const MANAGER_DEADLINE: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread")]
async fn the_example_manager_runs_fifty_jobs_on_fifty_jit_runners_at_ghes_3_22() {
    end_to_end(Mode::Jit, "3.22", 5, 10).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_example_manager_runs_ten_jobs_on_registered_ephemeral_runners_at_ghes_3_9() {
    end_to_end(Mode::Registration, "3.9", 2, 5).await;
}

#[derive(Debug, Clone, Copy)]
enum Mode {
    Jit,
    Registration,
}

impl Mode {
    fn flag(self) -> &'static str {
        match self {
            Mode::Jit => "jit",
            Mode::Registration => "registration",
        }
    }
}

async fn end_to_end(mode: Mode, version: &str, runs: usize, jobs_per_run: usize) {
    // Arrange: the mock with the organization and its repository; the
    // manager listening; an organization hook pointing at it, signed with
    // the manager's secret.
    let seed = Seed::from_json(&format!(r#"{{"orgs": ["{ORG}"], "repos": ["{REPO}"]}}"#))
        .expect("the fixture is valid");
    let mock = GhesMock::builder()
        .token(TOKEN, &["admin:org", "admin:org_hook", "repo"])
        .ghes_version(version)
        .seed(seed)
        .start()
        .await;
    let manager = Manager::start(&mock, mode);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let hook: Value = http
        .post(format!("{}/orgs/{ORG}/hooks", mock.api_url()))
        .bearer_auth(TOKEN)
        .json(&json!({
            "name": "web",
            "config": {"url": format!("{}hook", manager.url), "content_type": "json", "secret": SECRET},
            "events": ["workflow_job"],
        }))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .expect("the organization hook is made")
        .json()
        .await
        .unwrap();
    let hook_id = hook["id"].as_i64().expect("the hook's id");

    // Act: queue the runs, then wait until every job is done and the
    // manager's runners are gone.
    let started = Instant::now();
    let mut job_ids = Vec::new();
    for n in 0..runs {
        let mut run = NewRun::new(REPO).workflow_name(format!("manager-{n}"));
        for _ in 0..jobs_per_run {
            run = run.job(NewJob::new(LABELS).duration_seconds(JOB_SECONDS));
        }
        let run = mock.queue_run(run).await.expect("the run is queued");
        job_ids.extend(run.jobs.iter().map(|job| job.id));
    }
    let total = job_ids.len();
    let settled = loop {
        let seen = Observation::take(&mock, &http, &manager, hook_id).await;
        if seen.settled(total) {
            break seen;
        }
        if started.elapsed() > DEADLINE {
            let (_, log) = manager.stop();
            panic!(
                "not settled after {DEADLINE:?}: {seen:#?}\n--- the manager's log\n{log}",
                seen = seen.summary()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let elapsed = started.elapsed();
    let (exit, log) = manager.stop();
    assert!(
        exit.is_some_and(|status| status.success()),
        "SIGTERM should end the manager cleanly: {exit:?}\n{log}"
    );

    // Assert: every job succeeded, each on a runner of its own made by the
    // manager; no runner and no queued job is left; every delivery reached
    // the manager, which refused none and made no runner twice.
    let mut runner_names = BTreeSet::new();
    for id in &job_ids {
        let job = mock.job(*id).await.expect("the job");
        assert_eq!(
            (job.status, job.conclusion),
            (JobStatus::Completed, Some(Conclusion::Success)),
            "job {id}: {job:?}\n{log}"
        );
        let name = job.runner_name.clone().unwrap_or_default();
        assert!(name.starts_with("mgr-"), "job {id} ran on {name:?}\n{log}");
        runner_names.insert(name);
    }
    assert_eq!(runner_names.len(), total, "one runner per job\n{log}");
    let status = &settled.manager;
    for (counter, want) in [
        ("queued_seen", total),
        ("in_progress_seen", total),
        ("completed_seen", total),
        ("runners_made", total),
        ("errors", 0),
        ("bad_signatures", 0),
        ("duplicates", 0),
        ("skipped_labels", 0),
        ("skipped_other_owner", 0),
        ("skipped_not_queued", 0),
    ] {
        assert_eq!(
            status[counter].as_u64(),
            Some(want as u64),
            "the manager's {counter}: {status}\n{log}"
        );
    }
    let by_action = &settled.by_action;
    for action in ["queued", "in_progress", "completed"] {
        assert_eq!(
            by_action.get(action).copied(),
            Some(total),
            "{action} deliveries: {by_action:?}"
        );
    }
    assert_eq!(by_action.get("ping").copied(), Some(1), "{by_action:?}");
    assert!(
        settled.failed.is_empty(),
        "failed deliveries: {:?}",
        settled.failed
    );
    assert_eq!(settled.runners_left, 0);
    assert_eq!(settled.queued, 0);

    println!(
        "manager --mode {} at GHES {version}: {total} jobs in {runs} runs completed with success in \
         {:.1}s; {} runners made, {} distinct runner names, none left; {} deliveries ({}), none failed",
        mode.flag(),
        elapsed.as_secs_f64(),
        status["runners_made"],
        runner_names.len(),
        settled.deliveries,
        by_action
            .iter()
            .map(|(action, n)| format!("{n} {action}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
}

/// What the test looks at while it waits.
#[derive(Debug)]
struct Observation {
    /// `GET /status` of the manager.
    manager: Value,
    /// Jobs by status, from `GET /_mock/state`.
    queued: usize,
    in_progress: usize,
    completed: usize,
    /// `GET /orgs/{org}/actions/runners` `total_count`.
    runners_left: i64,
    /// The hook's deliveries: how many, by action (`ping` for the ping),
    /// how many not attempted yet, and those that did not get a 2xx.
    deliveries: usize,
    by_action: BTreeMap<String, usize>,
    pending: usize,
    failed: Vec<String>,
}

impl Observation {
    async fn take(
        mock: &GhesMock,
        http: &reqwest::Client,
        manager: &Manager,
        hook_id: i64,
    ) -> Observation {
        let state = mock.state().await;
        let runners: Value = http
            .get(format!("{}/orgs/{ORG}/actions/runners", mock.api_url()))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .error_for_status()
            .expect("the organization's runners")
            .json()
            .await
            .unwrap();
        let status: Value = http
            .get(format!("{}status", manager.url))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .expect("the manager's status")
            .json()
            .await
            .unwrap();
        let deliveries = mock
            .deliveries(&DeliveryQuery {
                hook_id: Some(hook_id),
                ..DeliveryQuery::default()
            })
            .await
            .expect("the hook's deliveries");
        let mut by_action = BTreeMap::new();
        let mut pending = 0;
        let mut failed = Vec::new();
        for delivery in &deliveries {
            let action = delivery.action.clone().unwrap_or(delivery.event.clone());
            *by_action.entry(action).or_insert(0) += 1;
            match delivery.state.as_str() {
                "pending" => pending += 1,
                "sent" if delivery.status.as_deref() == Some("OK") => {}
                _ => failed.push(format!(
                    "{} {} {:?}: {} {:?}",
                    delivery.event, delivery.guid, delivery.action, delivery.state, delivery.status
                )),
            }
        }
        Observation {
            manager: status,
            queued: state.jobs.queued,
            in_progress: state.jobs.in_progress,
            completed: state.jobs.completed,
            runners_left: runners["total_count"].as_i64().unwrap_or(-1),
            deliveries: deliveries.len(),
            by_action,
            pending,
            failed,
        }
    }

    /// Every job completed, its three deliveries sent, no runner left.
    fn settled(&self, total: usize) -> bool {
        self.completed == total
            && self.queued == 0
            && self.in_progress == 0
            && self.runners_left == 0
            && self.pending == 0
            && self.by_action.get("completed").copied() == Some(total)
            && self.manager["completed_seen"].as_u64() == Some(total as u64)
    }

    fn summary(&self) -> String {
        format!(
            "jobs queued {}, in progress {}, completed {}; runners left {}; deliveries {} {:?}, \
             {} pending, failed {:?}; manager {}",
            self.queued,
            self.in_progress,
            self.completed,
            self.runners_left,
            self.deliveries,
            self.by_action,
            self.pending,
            self.failed,
            self.manager
        )
    }
}

/// `python3 examples/runner-manager/manager.py`, listening on a free
/// loopback port; killed when dropped.
struct Manager {
    child: Child,
    /// `http://127.0.0.1:PORT/`, from its first line.
    url: String,
    stderr: Option<JoinHandle<String>>,
}

impl Manager {
    fn start(mock: &GhesMock, mode: Mode) -> Manager {
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/runner-manager/manager.py");
        let mut child = Command::new("python3")
            .arg(&script)
            .args(["--api-url", &mock.api_url()])
            .args(["--mock-url", &mock.uri()])
            .args(["--org", ORG])
            .args(["--labels", &LABELS.join(",")])
            .args(["--mode", mode.flag()])
            .args(["--listen", "127.0.0.1:0"])
            // The token and the secret through the environment, as the
            // README says, never on the command line.
            .env("GITHUB_TOKEN", TOKEN)
            .env("WEBHOOK_SECRET", SECRET)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "python3 could not start ({e}): the example manager needs Python 3 \
                     (its standard library only) on the PATH"
                )
            });
        let stdout = child.stdout.take().expect("piped stdout");
        let (lines, first) = mpsc::channel();
        std::thread::spawn(move || {
            let mut stdout = BufReader::new(stdout);
            let mut line = String::new();
            let _ = stdout.read_line(&mut line);
            let _ = lines.send(line);
            // Nothing else comes on stdout; drain it anyway.
            let _ = std::io::copy(&mut stdout, &mut std::io::sink());
        });
        let mut stderr = child.stderr.take().expect("piped stderr");
        let stderr = Some(std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        }));
        let mut manager = Manager {
            child,
            url: String::new(),
            stderr,
        };
        let line = first.recv_timeout(MANAGER_DEADLINE).unwrap_or_default();
        match line.trim().strip_prefix("listening on ") {
            Some(url) if url.starts_with("http://") => manager.url = url.to_owned(),
            _ => {
                let (_, log) = manager.stop();
                panic!("the manager did not say where it listens (first line {line:?}):\n{log}");
            }
        }
        manager
    }

    /// SIGTERM, a bounded wait for the exit (then SIGKILL): its exit status
    /// (none when it had to be killed) and its log.
    fn stop(mut self) -> (Option<ExitStatus>, String) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let until = Instant::now() + MANAGER_DEADLINE;
        let mut exit = None;
        while Instant::now() < until {
            if let Ok(Some(status)) = self.child.try_wait() {
                exit = Some(status);
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if exit.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let log = self
            .stderr
            .take()
            .and_then(|reader| reader.join().ok())
            .unwrap_or_default();
        let shown = exit.map_or("killed".to_owned(), |status| status.to_string());
        (exit, format!("(the manager exited: {shown})\n{log}"))
    }
}

impl Drop for Manager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
