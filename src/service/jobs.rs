//! Simulated workflow runs and their jobs: queued through the control API,
//! taken by a matching idle runner, completed on the mock clock, and
//! announced by `workflow_job` webhooks.
//!
//! Every change of a job happens in the writer's turn, in one transaction
//! with the deliveries it causes. After any write that could let a job
//! move (a job queued, a runner free, a runner gone, the clock moved) the
//! service *settles*: jobs whose runner went away fail, jobs whose time is
//! up complete, then queued jobs go to idle runners, in queue order.

use serde::{Deserialize, Serialize};

use super::memory::{JobChange, JobEntry, Memory, RunEntry, RunnerEffect};
use super::{Service, Stretch, Writer, check_label};
use crate::error::Error;
use crate::model::{Conclusion, JobStatus, Scope};
use crate::store::jobs::{self as stored, Completion, JobRow, RunRow, Start};
use crate::store::runners;

/// At most this many jobs in one run.
pub const MAX_JOBS_PER_RUN: usize = 1_000;

/// At most this many labels on one job.
const MAX_LABELS: usize = 100;

/// A job may run for at most five days, as on GitHub.
const MAX_DURATION_SECONDS: f64 = 5.0 * 24.0 * 3600.0;

/// Jobs that start or end together are planned, committed and brought
/// into memory this many at a time: a thousand at once would keep the
/// server's core, and readers from memory, for milliseconds.
const CHANGES_PER_COMMIT: usize = 64;

/// Settling goes round at most this many times in one turn (a job that
/// ends at once frees a runner for the next); the rest is left to the clock
/// task.
const SETTLE_ROUNDS: usize = 8;

/// A run to queue, as `POST /_mock/runs` and fixtures take it.
///
/// ```
/// let run = ghes_mock::NewRun::new("octo-org/hello")
///     .job(ghes_mock::NewJob::new(["self-hosted", "linux"]).duration_seconds(30.0));
/// assert_eq!(run.jobs[0].labels, ["self-hosted", "linux"]);
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewRun {
    /// `owner/name` of the repository it runs for.
    pub repo: String,
    /// Default `CI`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_name: Option<String>,
    /// Default `main`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_branch: Option<String>,
    /// Default a random commit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_sha: Option<String>,
    /// Default `push`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// At least one.
    pub jobs: Vec<NewJob>,
}

/// One job of a [`NewRun`].
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewJob {
    /// Default `build`, numbered when a run has several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `runs-on`: a runner must carry every one (any case).
    pub labels: Vec<String>,
    /// Only runners of the runner group of this name may take it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runner_group: Option<String>,
    /// How long it runs once taken, on the mock clock; without, it runs
    /// until completed or cancelled through the control API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<f64>,
    /// What it ends with when its time is up; default `success`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conclusion: Option<Conclusion>,
}

impl NewRun {
    /// A run of the repository `owner/name`, with no job yet.
    pub fn new(repo: impl Into<String>) -> NewRun {
        NewRun {
            repo: repo.into(),
            workflow_name: None,
            head_branch: None,
            head_sha: None,
            event: None,
            jobs: Vec::new(),
        }
    }

    /// Adds a job.
    ///
    /// ```
    /// let run = ghes_mock::NewRun::new("o/r").job(ghes_mock::NewJob::new(["gpu"]));
    /// assert_eq!(run.jobs.len(), 1);
    /// ```
    pub fn job(mut self, job: NewJob) -> NewRun {
        self.jobs.push(job);
        self
    }

    /// Names the workflow.
    ///
    /// ```
    /// let run = ghes_mock::NewRun::new("o/r").workflow_name("Release");
    /// assert_eq!(run.workflow_name.as_deref(), Some("Release"));
    /// ```
    pub fn workflow_name(mut self, name: impl Into<String>) -> NewRun {
        self.workflow_name = Some(name.into());
        self
    }
}

impl NewJob {
    /// A job that runs on a runner carrying all these labels.
    pub fn new<L: Into<String>>(labels: impl IntoIterator<Item = L>) -> NewJob {
        NewJob {
            name: None,
            labels: labels.into_iter().map(Into::into).collect(),
            runner_group: None,
            duration_seconds: None,
            conclusion: None,
        }
    }

    /// Names the job.
    ///
    /// ```
    /// let job = ghes_mock::NewJob::new(["linux"]).name("test");
    /// assert_eq!(job.name.as_deref(), Some("test"));
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> NewJob {
        self.name = Some(name.into());
        self
    }

    /// Runs for this long, on the mock clock, once a runner takes it.
    ///
    /// ```
    /// assert_eq!(ghes_mock::NewJob::new(["linux"]).duration_seconds(2.5).duration_seconds, Some(2.5));
    /// ```
    pub fn duration_seconds(mut self, seconds: f64) -> NewJob {
        self.duration_seconds = Some(seconds);
        self
    }

    /// Only runners of this runner group may take it.
    ///
    /// ```
    /// let job = ghes_mock::NewJob::new(["linux"]).runner_group("gpu");
    /// assert_eq!(job.runner_group.as_deref(), Some("gpu"));
    /// ```
    pub fn runner_group(mut self, group: impl Into<String>) -> NewJob {
        self.runner_group = Some(group.into());
        self
    }

    /// Ends with this conclusion when its time is up.
    ///
    /// ```
    /// use ghes_mock::{Conclusion, NewJob};
    /// assert_eq!(NewJob::new(["linux"]).conclusion(Conclusion::Failure).conclusion, Some(Conclusion::Failure));
    /// ```
    pub fn conclusion(mut self, conclusion: Conclusion) -> NewJob {
        self.conclusion = Some(conclusion);
        self
    }
}

/// A run's rows, checked, ready to store.
struct CheckedRun {
    scope: Scope,
    run: RunRow,
    jobs: Vec<JobRow>,
}

fn invalid(field: &str, reason: impl Into<String>) -> Error {
    Error::invalid("WorkflowRun", field, reason)
}

/// Checks a run of a fixture: the field at fault and why.
pub fn check_new_run(new: &NewRun) -> Result<(), (String, String)> {
    check_run(new, 0).map(drop).map_err(|error| match error {
        Error::Validation(errors) => errors
            .into_iter()
            .next()
            .map(|e| (e.field, e.message.unwrap_or_default()))
            .unwrap_or_default(),
        other => (String::new(), other.to_string()),
    })
}

/// The rows of a fixture's run, to store as they are: queued, announced to
/// no one.
pub(super) async fn store_seeded_run(
    conn: &mut sqlx::SqliteConnection,
    new: &NewRun,
    repo_id: i64,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    let refused = |e: Error| sqlx::Error::Protocol(e.to_string());
    let mut checked = check_run(new, now_ms).map_err(refused)?;
    checked.run.repo_id = repo_id;
    let (run_id, _) = stored::insert_run(&mut *conn, &checked.run).await?;
    let mut jobs = checked.jobs;
    for job in &mut jobs {
        job.run_id = run_id;
    }
    stored::insert_jobs(conn, &jobs).await?;
    Ok(())
}

/// Checks a run as a client gave it and fills in GitHub's defaults.
fn check_run(new: &NewRun, now_ms: i64) -> Result<CheckedRun, Error> {
    let (scope, run) = check_run_head(new, now_ms)?;
    let several = new.jobs.len() > 1;
    let jobs = new
        .jobs
        .iter()
        .enumerate()
        .map(|(i, job)| check_job(job, i, several, now_ms))
        .collect::<Result<_, _>>()?;
    Ok(CheckedRun { scope, run, jobs })
}

/// [`check_run`], giving way while it checks the jobs: a run may have a
/// thousand (half a millisecond).
async fn check_run_giving_way(new: &NewRun, now_ms: i64) -> Result<CheckedRun, Error> {
    let (scope, run) = check_run_head(new, now_ms)?;
    let several = new.jobs.len() > 1;
    let mut jobs = Vec::with_capacity(new.jobs.len());
    let mut stretch = Stretch::start();
    for (i, job) in new.jobs.iter().enumerate() {
        jobs.push(check_job(job, i, several, now_ms)?);
        stretch.tick().await;
    }
    Ok(CheckedRun { scope, run, jobs })
}

/// Checks a run's repository, its fields and how many jobs it has; the
/// jobs themselves are checked by the caller.
fn check_run_head(new: &NewRun, now_ms: i64) -> Result<(Scope, RunRow), Error> {
    let scope: Scope = format!("repos/{}", new.repo)
        .parse()
        .map_err(|_| invalid("repo", format!("{:?} is not owner/name", new.repo)))?;
    if new.jobs.is_empty() {
        return Err(invalid("jobs", "a run has at least one job"));
    }
    if new.jobs.len() > MAX_JOBS_PER_RUN {
        return Err(invalid(
            "jobs",
            format!("a run has at most {MAX_JOBS_PER_RUN} jobs"),
        ));
    }
    let text = |field: &str, value: &Option<String>, default: &str| -> Result<String, Error> {
        match value {
            None => Ok(default.to_owned()),
            Some(v) if v.trim().is_empty() || v.chars().any(char::is_control) => {
                Err(invalid(field, format!("{v:?} is not a valid {field}")))
            }
            Some(v) => Ok(v.clone()),
        }
    };
    let head_sha = match &new.head_sha {
        None => random_sha(),
        Some(sha) if sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()) => {
            sha.to_ascii_lowercase()
        }
        Some(sha) => return Err(invalid("head_sha", format!("{sha:?} is not a commit SHA"))),
    };
    let run = RunRow {
        run_id: 0,
        repo_id: 0,
        run_number: 0,
        workflow_name: text("workflow_name", &new.workflow_name, "CI")?,
        head_branch: text("head_branch", &new.head_branch, "main")?,
        head_sha,
        event: text("event", &new.event, "push")?,
        created_at: now_ms,
    };
    Ok((scope, run))
}

fn check_job(job: &NewJob, index: usize, several: bool, now_ms: i64) -> Result<JobRow, Error> {
    let at = |field: &str| format!("jobs[{index}].{field}");
    if job.labels.is_empty() {
        return Err(invalid(&at("labels"), "a job runs on at least one label"));
    }
    if job.labels.len() > MAX_LABELS {
        return Err(invalid(
            &at("labels"),
            format!("a job runs on at most {MAX_LABELS} labels"),
        ));
    }
    for label in &job.labels {
        check_label(label).map_err(|reason| invalid(&at("labels"), reason))?;
    }
    let name = match &job.name {
        Some(name) if name.trim().is_empty() || name.chars().any(char::is_control) => {
            return Err(invalid(
                &at("name"),
                format!("{name:?} is not a valid job name"),
            ));
        }
        Some(name) => name.clone(),
        None if several => format!("build ({})", index + 1),
        None => "build".to_owned(),
    };
    if let Some(group) = &job.runner_group
        && group.trim().is_empty()
    {
        return Err(invalid(&at("runner_group"), "must not be empty"));
    }
    let duration_ms = match job.duration_seconds {
        None => None,
        Some(s) if s.is_finite() && (0.0..=MAX_DURATION_SECONDS).contains(&s) => {
            Some((s * 1000.0).round() as i64)
        }
        Some(s) => {
            return Err(invalid(
                &at("duration_seconds"),
                format!("{s} is not between 0 and {MAX_DURATION_SECONDS} seconds"),
            ));
        }
    };
    let labels: Vec<&str> = job.labels.iter().map(|l| l.trim()).collect();
    Ok(JobRow {
        job_id: 0,
        run_id: 0,
        name,
        labels: serde_json::to_string(&labels).unwrap_or_else(|_| "[]".to_owned()),
        runner_group: job.runner_group.as_ref().map(|g| g.trim().to_owned()),
        duration_ms,
        planned_conclusion: job.conclusion.unwrap_or(Conclusion::Success).to_string(),
        status: JobStatus::Queued.to_string(),
        conclusion: None,
        runner_id: None,
        runner_name: None,
        runner_group_id: None,
        runner_group_name: None,
        created_at: now_ms,
        started_at: now_ms,
        completed_at: None,
    })
}

/// 40 hex digits, as a commit's SHA.
fn random_sha() -> String {
    let a = uuid::Uuid::new_v4().simple().to_string();
    let b = uuid::Uuid::new_v4().simple().to_string();
    format!("{a}{}", &b[..8])
}

/// Which runs a list shows: GitHub's `status` filter matches a run's status
/// or its conclusion.
pub const RUN_STATUS_FILTERS: &[&str] = &[
    "completed",
    "action_required",
    "cancelled",
    "failure",
    "neutral",
    "skipped",
    "stale",
    "success",
    "timed_out",
    "in_progress",
    "queued",
    "requested",
    "waiting",
    "pending",
];

/// A run's status and conclusion, as its jobs make them.
pub fn run_status(jobs: &[&JobEntry]) -> (&'static str, Option<Conclusion>) {
    let all = |status| jobs.iter().all(|j| j.status == status);
    if all(JobStatus::Queued) {
        return ("queued", None);
    }
    if !all(JobStatus::Completed) {
        return ("in_progress", None);
    }
    let any = |c| jobs.iter().any(|j| j.conclusion == Some(c));
    let conclusion = if any(Conclusion::Failure) || any(Conclusion::TimedOut) {
        Conclusion::Failure
    } else if any(Conclusion::Cancelled) {
        Conclusion::Cancelled
    } else if any(Conclusion::ActionRequired) {
        Conclusion::ActionRequired
    } else if jobs
        .iter()
        .all(|j| j.conclusion == Some(Conclusion::Skipped))
    {
        Conclusion::Skipped
    } else if jobs
        .iter()
        .all(|j| j.conclusion == Some(Conclusion::Neutral))
    {
        Conclusion::Neutral
    } else {
        Conclusion::Success
    };
    ("completed", Some(conclusion))
}

impl Service {
    /// Queues a run and its jobs, then lets idle runners take them.
    #[tracing::instrument(skip_all, fields(repo = %new.repo))]
    pub async fn queue_run(&self, new: &NewRun) -> Result<i64, Error> {
        let now = self.clock.now_ms();
        // The body was read in this turn: checking its jobs starts another.
        tokio::task::yield_now().await;
        let mut checked = check_run_giving_way(new, now).await?;
        let mut writer = self.writer().await?;
        let Scope::Repo { owner, .. } = &checked.scope else {
            return Err(Error::NotFound);
        };
        writer.ensure_scope(&Scope::Org(owner.clone())).await?;
        let repo_id = writer.ensure_scope(&checked.scope).await?;
        checked.run.repo_id = repo_id;
        let mut tx = writer.begin().await?;
        let (run_id, run_number) = stored::insert_run(&mut tx, &checked.run).await?;
        checked.run.run_id = run_id;
        checked.run.run_number = run_number;
        let mut rows = checked.jobs;
        for row in &mut rows {
            row.run_id = run_id;
        }
        let ids = stored::insert_jobs(&mut tx, &rows).await?;
        let mut jobs = Vec::with_capacity(rows.len());
        let mut changes = Vec::with_capacity(rows.len());
        let mut stretch = Stretch::start();
        for (mut row, job_id) in rows.into_iter().zip(ids) {
            row.job_id = job_id;
            let job = JobEntry::from_row(row, repo_id)?;
            changes.push(JobChange {
                job: job.clone(),
                runner: RunnerEffect::None,
            });
            jobs.push(job);
            stretch.tick().await;
        }
        let run = RunEntry::from_row(checked.run);
        let deliveries = self
            .store_job_deliveries(&mut tx, &changes, Some(&run))
            .await?;
        tx.commit().await?;
        writer.apply(|memory| memory.add_run(run, jobs));
        self.send(deliveries);
        self.settle(&mut writer).await?;
        Ok(run_id)
    }

    /// Ends a job now: `completed` with a conclusion (default `success`), or
    /// `cancelled`. A job that has ended already cannot end again.
    #[tracing::instrument(skip(self))]
    pub async fn finish_job(
        &self,
        job_id: i64,
        conclusion: Option<Conclusion>,
    ) -> Result<(), Error> {
        let mut writer = self.writer().await?;
        let change = {
            let memory = writer.memory();
            let job = memory.jobs().job(job_id).ok_or(Error::NotFound)?;
            if job.status == JobStatus::Completed {
                return Err(Error::Unprocessable(format!(
                    "Job {job_id} has already completed"
                )));
            }
            let conclusion = conclusion.unwrap_or(Conclusion::Success);
            memory.finish(job, conclusion, self.clock.now_ms())
        };
        self.store_changes(&mut writer, vec![change]).await?;
        self.settle(&mut writer).await
    }

    /// Deletes a run and its jobs. A run with a job still going cannot be
    /// deleted.
    #[tracing::instrument(skip(self))]
    pub async fn delete_run(&self, repo: &Scope, run_id: i64) -> Result<(), Error> {
        let mut writer = self.writer().await?;
        {
            let memory = writer.memory();
            let run = find_run(&memory, repo, run_id)?;
            let going = memory
                .jobs()
                .jobs_of(run)
                .any(|j| j.status != JobStatus::Completed);
            if going {
                return Err(Error::Conflict(
                    "Cannot delete a workflow run that is in progress".to_owned(),
                ));
            }
        }
        let mut tx = writer.begin().await?;
        stored::delete_run(&mut tx, run_id).await?;
        tx.commit().await?;
        writer.apply(|memory| memory.remove_run(run_id));
        Ok(())
    }

    /// Carries out what the last writes let happen: failed and finished jobs
    /// first, then starts, until nothing moves. Each is planned, stored and
    /// applied [`CHANGES_PER_COMMIT`] jobs at a time.
    pub(super) async fn settle(&self, writer: &mut Writer) -> Result<(), Error> {
        for _ in 0..SETTLE_ROUNDS {
            let now = self.clock.now_ms();
            let mut finished = false;
            loop {
                let finishes = writer.memory().plan_finishes(now, CHANGES_PER_COMMIT);
                if finishes.is_empty() {
                    break;
                }
                finished = true;
                self.store_changes(writer, finishes).await?;
            }
            if finished {
                continue;
            }
            let mut started = false;
            let mut after = None;
            loop {
                let starts = writer.memory().plan_starts(now, after, CHANGES_PER_COMMIT);
                let more = starts.len() == CHANGES_PER_COMMIT;
                let Some(last) = starts.last() else { break };
                after = Some(last.job.id);
                started = true;
                self.store_changes(writer, starts).await?;
                if !more {
                    break;
                }
            }
            writer.apply(Memory::planned);
            if !started || writer.memory().jobs().next_due().is_none_or(|at| at > now) {
                break;
            }
        }
        self.jobs_clock.notify_one();
        Ok(())
    }

    /// Settles in a turn of its own: what the clock task does when a job's
    /// time is up or a write left work behind.
    pub async fn settle_now(&self) -> Result<(), Error> {
        let mut writer = self.writer().await?;
        self.settle(&mut writer).await
    }

    /// Stores job changes with the runner changes and deliveries they
    /// cause, in one transaction, then brings memory in step.
    async fn store_changes(
        &self,
        writer: &mut Writer,
        changes: Vec<JobChange>,
    ) -> Result<(), Error> {
        let now = self.clock.now_ms();
        let mut starts = Vec::new();
        let mut completions = Vec::new();
        // What becomes of each runner, the last change saying.
        let mut runner_ends: Vec<(i64, RunnerEffect)> = Vec::new();
        for change in &changes {
            let job = &change.job;
            let mut end = change.runner;
            match (job.status, &job.runner) {
                (JobStatus::InProgress, Some(runner)) => {
                    starts.push(Start {
                        job_id: job.id,
                        runner_id: runner.id,
                        runner_name: runner.name.clone(),
                        runner_group_id: runner.group_id,
                        runner_group_name: runner.group_name.clone(),
                        started_at: job.started_at,
                    });
                    end = RunnerEffect::Busy(runner.id);
                }
                (JobStatus::Completed, _) => completions.push(Completion {
                    job_id: job.id,
                    conclusion: job.conclusion.unwrap_or(Conclusion::Success).as_str(),
                    completed_at: job.completed_at.unwrap_or(now),
                }),
                _ => {}
            }
            if let RunnerEffect::Busy(id) | RunnerEffect::Free(id) | RunnerEffect::Delete(id) = end
            {
                runner_ends.retain(|(other, _)| *other != id);
                runner_ends.push((id, end));
            }
        }
        let ending = |wanted: fn(&RunnerEffect) -> bool| -> Vec<i64> {
            runner_ends
                .iter()
                .filter(|(_, end)| wanted(end))
                .map(|(id, _)| *id)
                .collect()
        };
        let busy = ending(|end| matches!(end, RunnerEffect::Busy(_)));
        let freed = ending(|end| matches!(end, RunnerEffect::Free(_)));
        let deleted = ending(|end| matches!(end, RunnerEffect::Delete(_)));
        let mut tx = writer.begin().await?;
        stored::start_all(&mut tx, &starts).await?;
        stored::complete_all(&mut tx, &completions).await?;
        runners::set_busy(&mut tx, &busy, true).await?;
        runners::set_busy(&mut tx, &freed, false).await?;
        runners::delete_all(&mut tx, &deleted).await?;
        let deliveries = self.store_job_deliveries(&mut tx, &changes, None).await?;
        tx.commit().await?;
        writer.apply(|memory| memory.apply_jobs(&changes));
        self.send(deliveries);
        Ok(())
    }
}

/// A run of a repository, or not found.
pub(super) fn find_run<'m>(
    memory: &'m Memory,
    repo: &Scope,
    run_id: i64,
) -> Result<&'m RunEntry, Error> {
    let repo_id = memory.scope(repo).ok_or(Error::NotFound)?.id;
    memory
        .jobs()
        .run(run_id)
        .filter(|run| run.repo_id == repo_id)
        .ok_or(Error::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(status: JobStatus, conclusion: Option<Conclusion>) -> JobEntry {
        JobEntry {
            id: 1,
            run_id: 1,
            repo_id: 1,
            name: "build".into(),
            labels: vec!["linux".into()],
            runner_group: None,
            duration_ms: None,
            planned: Conclusion::Success,
            status,
            conclusion,
            runner: None,
            created_at: 0,
            started_at: 0,
            completed_at: None,
        }
    }

    #[test]
    fn a_run_follows_its_jobs() {
        let queued = job(JobStatus::Queued, None);
        let running = job(JobStatus::InProgress, None);
        let ok = job(JobStatus::Completed, Some(Conclusion::Success));
        let failed = job(JobStatus::Completed, Some(Conclusion::Failure));
        let cancelled = job(JobStatus::Completed, Some(Conclusion::Cancelled));
        assert_eq!(run_status(&[&queued, &queued]), ("queued", None));
        assert_eq!(run_status(&[&queued, &running]), ("in_progress", None));
        assert_eq!(run_status(&[&queued, &ok]), ("in_progress", None));
        assert_eq!(
            run_status(&[&ok, &cancelled]),
            ("completed", Some(Conclusion::Cancelled))
        );
        assert_eq!(
            run_status(&[&cancelled, &failed]),
            ("completed", Some(Conclusion::Failure))
        );
        assert_eq!(
            run_status(&[&ok, &ok]),
            ("completed", Some(Conclusion::Success))
        );
    }

    #[test]
    fn runs_are_checked_and_given_githubs_defaults() {
        let run = NewRun::new("octo-org/hello").job(NewJob::new(["self-hosted", " gpu "]));
        let checked = check_run(&run, 5).unwrap();
        assert_eq!(checked.run.workflow_name, "CI");
        assert_eq!(checked.run.head_sha.len(), 40);
        assert_eq!(checked.jobs[0].name, "build");
        assert_eq!(checked.jobs[0].labels, r#"["self-hosted","gpu"]"#);
        let bad = [
            NewRun::new("octo-org").job(NewJob::new(["x"])),
            NewRun::new("o/r"),
            NewRun::new("o/r").job(NewJob::new(Vec::<String>::new())),
            NewRun::new("o/r").job(NewJob::new(["a,b"])),
            NewRun::new("o/r").job(NewJob::new(["x"]).duration_seconds(-1.0)),
            NewRun::new("o/r").job(NewJob::new(["x"]).duration_seconds(f64::NAN)),
            NewRun::new("o/r").job(NewJob::new(["x"]).runner_group(" ")),
        ];
        for run in bad {
            assert!(check_run(&run, 0).is_err(), "{run:?}");
        }
    }
}
