//! Reading runs and jobs as GitHub's REST shows them, straight from memory.

use serde_json::Value;

use super::jobs::{RUN_STATUS_FILTERS, find_run, run_status};
use super::memory::{JobEntry, Memory, RunEntry};
use super::{PageRequest, Service};
use crate::error::Error;
use crate::model::{JobStatus, Page, Scope};
use crate::shapes::{self, JobFields, JobShape, RepoRef, RunFields, RunShape};
use crate::version::Feature;

/// The filters of `GET /repos/{owner}/{repo}/actions/runs`.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    /// A run's status or conclusion.
    pub status: Option<String>,
    pub branch: Option<String>,
    pub event: Option<String>,
    pub head_sha: Option<String>,
    pub actor: Option<String>,
    pub check_suite_id: Option<i64>,
}

/// The repository of a run, as shapes need it; `None` if it is not known.
pub(super) fn repo_ref(memory: &Memory, repo_id: i64) -> Option<RepoRef<'_>> {
    let entry = memory.scope_by_id(repo_id)?;
    let Scope::Repo { owner, repo } = &entry.scope else {
        return None;
    };
    let owner_id = memory.scope(&Scope::Org(owner.clone())).map_or(0, |o| o.id);
    Some(RepoRef {
        id: repo_id,
        owner_id,
        owner,
        name: repo,
    })
}

impl Service {
    fn job_fields(&self) -> JobFields {
        JobFields {
            runner: self.has(Feature::JobRunnerFields),
            workflow: self.has(Feature::JobWorkflowName),
            created_at: self.has(Feature::JobCreatedAt),
        }
    }

    fn run_fields(&self) -> RunFields {
        RunFields {
            attempts: self.has(Feature::RunAttempts),
            path: self.has(Feature::RunPath),
            display_title: self.has(Feature::JobWorkflowName),
        }
    }

    /// A job as the version presented shows it.
    pub(super) fn job_json(&self, memory: &Memory, job: &JobEntry, origin: &str) -> Option<Value> {
        let run = memory.jobs().run(job.run_id)?;
        let repo = repo_ref(memory, run.repo_id)?;
        Some(shapes::job(
            origin,
            JobShape { repo, run, job },
            self.job_fields(),
        ))
    }

    /// A run as the version presented shows it.
    pub(super) fn run_json(&self, memory: &Memory, run: &RunEntry, origin: &str) -> Option<Value> {
        let repo = repo_ref(memory, run.repo_id)?;
        let jobs: Vec<&JobEntry> = memory.jobs().jobs_of(run).collect();
        let (status, conclusion) = run_status(&jobs);
        let updated_at = jobs
            .iter()
            .flat_map(|j| [Some(j.created_at), Some(j.started_at), j.completed_at])
            .flatten()
            .fold(run.created_at, i64::max);
        Some(shapes::run(
            origin,
            RunShape {
                repo,
                run,
                status,
                conclusion,
                updated_at,
            },
            self.run_fields(),
        ))
    }

    /// A page of a repository's runs, newest first.
    #[tracing::instrument(skip(self, origin))]
    pub fn list_runs(
        &self,
        repo: &Scope,
        filter: &RunFilter,
        request: PageRequest,
        origin: &str,
    ) -> Result<Page<Vec<Value>>, Error> {
        if let Some(status) = &filter.status {
            let known = RUN_STATUS_FILTERS.contains(&status.as_str())
                && (status != "pending" || self.has(Feature::RunPath));
            if !known {
                return Err(Error::invalid(
                    "WorkflowRun",
                    "status",
                    format!("{status:?} is not a status or conclusion a run can have"),
                ));
            }
        }
        let memory = self.memory();
        let Some(entry) = memory.scope(repo) else {
            return Ok(empty_page(request));
        };
        let jobs = memory.jobs();
        let matching: Vec<&RunEntry> = jobs
            .runs_of(entry.id)
            .filter(|run| {
                let run_jobs: Vec<&JobEntry> = jobs.jobs_of(run).collect();
                let (status, conclusion) = run_status(&run_jobs);
                let same = |wanted: &Option<String>, value: &str| {
                    wanted.as_deref().is_none_or(|w| w == value)
                };
                filter.status.as_deref().is_none_or(|wanted| {
                    wanted == status || conclusion.is_some_and(|c| c.as_str() == wanted)
                }) && same(&filter.branch, &run.head_branch)
                    && same(&filter.event, &run.event)
                    && same(&filter.head_sha, &run.head_sha)
                    && same(&filter.actor, "ghes-admin")
                    && filter.check_suite_id.is_none_or(|id| id == run.id)
            })
            .collect();
        let items = matching
            .iter()
            .skip(usize::try_from(request.offset()).unwrap_or(usize::MAX))
            .take(request.per_page as usize)
            .filter_map(|run| self.run_json(&memory, run, origin))
            .collect();
        Ok(Page {
            items,
            total_count: matching.len() as i64,
            page: request.page,
            per_page: request.per_page,
        })
    }

    #[tracing::instrument(skip(self, origin))]
    pub fn get_run(&self, repo: &Scope, run_id: i64, origin: &str) -> Result<Value, Error> {
        let memory = self.memory();
        let run = find_run(&memory, repo, run_id)?;
        self.run_json(&memory, run, origin).ok_or(Error::NotFound)
    }

    /// A page of a run's jobs, in id order. Every run has one attempt, so
    /// `latest` and `all` list the same jobs.
    #[tracing::instrument(skip(self, origin))]
    pub fn list_run_jobs(
        &self,
        repo: &Scope,
        run_id: i64,
        request: PageRequest,
        origin: &str,
    ) -> Result<Page<Vec<Value>>, Error> {
        let memory = self.memory();
        let run = find_run(&memory, repo, run_id)?;
        let items = memory
            .jobs()
            .jobs_of(run)
            .skip(usize::try_from(request.offset()).unwrap_or(usize::MAX))
            .take(request.per_page as usize)
            .filter_map(|job| self.job_json(&memory, job, origin))
            .collect();
        Ok(Page {
            items,
            total_count: run.jobs.len() as i64,
            page: request.page,
            per_page: request.per_page,
        })
    }

    #[tracing::instrument(skip(self, origin))]
    pub fn get_job(&self, repo: &Scope, job_id: i64, origin: &str) -> Result<Value, Error> {
        let memory = self.memory();
        let repo_id = memory.scope(repo).ok_or(Error::NotFound)?.id;
        let job = memory
            .jobs()
            .job(job_id)
            .filter(|job| job.repo_id == repo_id)
            .ok_or(Error::NotFound)?;
        self.job_json(&memory, job, origin).ok_or(Error::NotFound)
    }

    /// A job of any repository, for the control API.
    pub fn job_by_id(&self, job_id: i64, origin: &str) -> Result<Value, Error> {
        let memory = self.memory();
        let job = memory.jobs().job(job_id).ok_or(Error::NotFound)?;
        self.job_json(&memory, job, origin).ok_or(Error::NotFound)
    }

    /// A run of any repository with its jobs, for the control API and the
    /// library, as compact JSON. It is written a few jobs at a time with a
    /// yield between: a run of a thousand jobs takes tens of milliseconds to
    /// write, and requests that come meanwhile are answered between two
    /// parts. A job that moves meanwhile is shown as it is when its part is
    /// written.
    pub async fn run_with_jobs(&self, run_id: i64, origin: &str) -> Result<Vec<u8>, Error> {
        const PART: usize = 16;
        let (run, job_ids) = {
            let memory = self.memory();
            let run = memory.jobs().run(run_id).ok_or(Error::NotFound)?;
            let body = self.run_json(&memory, run, origin).ok_or(Error::NotFound)?;
            let ids: Vec<i64> = memory.jobs().jobs_of(run).map(|job| job.id).collect();
            (body, ids)
        };
        // Writing a `Value` into a `Vec` cannot fail.
        let mut json = serde_json::to_vec(&run).unwrap_or_default();
        // The run's object, reopened for `jobs` last.
        json.pop();
        if json.len() > 1 {
            json.push(b',');
        }
        json.extend_from_slice(b"\"jobs\":[");
        let mut first = true;
        for part in job_ids.chunks(PART) {
            {
                let memory = self.memory();
                for job in part.iter().filter_map(|id| memory.jobs().job(*id)) {
                    let Some(job) = self.job_json(&memory, job, origin) else {
                        continue;
                    };
                    if !first {
                        json.push(b',');
                    }
                    first = false;
                    let _ = serde_json::to_writer(&mut json, &job);
                }
            }
            tokio::task::yield_now().await;
        }
        json.extend_from_slice(b"]}");
        Ok(json)
    }

    /// How many jobs are queued, running and completed, and how many
    /// runners are idle.
    pub fn job_counts(&self) -> JobCounts {
        let memory = self.memory();
        let jobs = memory.jobs();
        let count = |status| jobs.all_jobs().filter(|j| j.status == status).count();
        JobCounts {
            queued: count(JobStatus::Queued),
            in_progress: count(JobStatus::InProgress),
            completed: count(JobStatus::Completed),
            idle_runners: jobs.counts().1,
        }
    }
}

/// What `GET /_mock/state` tells of jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct JobCounts {
    pub queued: usize,
    pub in_progress: usize,
    pub completed: usize,
    pub idle_runners: usize,
}

fn empty_page(request: PageRequest) -> Page<Vec<Value>> {
    Page {
        items: Vec::new(),
        total_count: 0,
        page: request.page,
        per_page: request.per_page,
    }
}
