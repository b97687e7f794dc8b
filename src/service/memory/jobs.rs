//! Workflow runs and jobs in memory, and what finds a runner for a job.
//!
//! Idle runners are indexed by the pool they serve from (a runner group, or
//! a repository's own runners) and, within a pool, by their label set, the
//! set shared by every runner with the same labels. Finding a runner for a
//! job looks at the pools that may serve its repository and, in each, at
//! the label sets, never at runners one by one: idle runners that cannot
//! take the job cost nothing however many there are.
//!
//! Memory only records what changed: which jobs were queued, whether a
//! runner became free, which running jobs lost their runner. The service
//! reads that in the writer's turn, plans what follows ([`Memory::plan_finishes`],
//! [`Memory::plan_starts`]), stores it, and brings memory in step with
//! [`Memory::apply_jobs`].

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::Bound::{Excluded, Unbounded};
use std::sync::Arc;

use super::{LabelSet, Memory, RunnerEntry, decode};
use crate::model::{Conclusion, JobStatus, RunnerStatus, Scope};
use crate::store::jobs::{JobRow, RunRow};

/// Where idle runners wait: a runner group (by stored id), or the runners of
/// one repository (by its scope id), which are in no group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pool {
    Group(i64),
    Repo(i64),
}

#[derive(Debug, Clone)]
pub struct RunEntry {
    pub id: i64,
    pub repo_id: i64,
    pub run_number: i64,
    pub workflow_name: String,
    pub head_branch: String,
    pub head_sha: String,
    pub event: String,
    pub created_at: i64,
    /// In id order.
    pub jobs: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobEntry {
    pub id: i64,
    pub run_id: i64,
    pub repo_id: i64,
    pub name: String,
    /// As given, in order.
    pub labels: Vec<String>,
    /// Only runners of the group of this name may take it.
    pub runner_group: Option<String>,
    pub duration_ms: Option<i64>,
    /// What it concludes with when its time is up.
    pub planned: Conclusion,
    pub status: JobStatus,
    pub conclusion: Option<Conclusion>,
    /// The runner that took it, as it was then.
    pub runner: Option<JobRunner>,
    pub created_at: i64,
    pub started_at: i64,
    pub completed_at: Option<i64>,
}

/// A job's runner as GitHub shows it on the job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRunner {
    pub id: i64,
    pub name: String,
    /// The group's id as GitHub shows it (1 for a default group).
    pub group_id: i64,
    pub group_name: String,
}

impl JobEntry {
    /// When a running job's time is up.
    fn due(&self) -> Option<i64> {
        match self.status {
            JobStatus::InProgress => self.duration_ms.map(|d| self.started_at.saturating_add(d)),
            _ => None,
        }
    }

    pub fn from_row(row: JobRow, repo_id: i64) -> Result<JobEntry, sqlx::Error> {
        let runner = match (row.runner_id, row.runner_name) {
            (Some(id), Some(name)) => Some(JobRunner {
                id,
                name,
                group_id: row.runner_group_id.unwrap_or(1),
                group_name: row.runner_group_name.unwrap_or_default(),
            }),
            _ => None,
        };
        Ok(JobEntry {
            id: row.job_id,
            run_id: row.run_id,
            repo_id,
            name: row.name,
            labels: serde_json::from_str(&row.labels).map_err(|e| decode(e.to_string()))?,
            runner_group: row.runner_group,
            duration_ms: row.duration_ms,
            planned: row.planned_conclusion.parse().map_err(decode)?,
            status: row.status.parse().map_err(decode)?,
            conclusion: row
                .conclusion
                .map(|c| c.parse())
                .transpose()
                .map_err(decode)?,
            runner,
            created_at: row.created_at,
            started_at: row.started_at,
            completed_at: row.completed_at,
        })
    }
}

impl RunEntry {
    pub fn from_row(row: RunRow) -> RunEntry {
        RunEntry {
            id: row.run_id,
            repo_id: row.repo_id,
            run_number: row.run_number,
            workflow_name: row.workflow_name,
            head_branch: row.head_branch,
            head_sha: row.head_sha,
            event: row.event,
            created_at: row.created_at,
            jobs: Vec::new(),
        }
    }
}

/// A runner's part in a job change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunnerEffect {
    None,
    /// It took the job: busy.
    Busy(i64),
    /// Its job ended: idle again.
    Free(i64),
    /// Its job ended and it was ephemeral: deleted.
    Delete(i64),
}

/// A job as it is after a change, and what happens to its runner.
#[derive(Debug, Clone)]
pub struct JobChange {
    pub job: JobEntry,
    pub runner: RunnerEffect,
}

#[derive(Debug, Default)]
pub struct Jobs {
    runs: BTreeMap<i64, RunEntry>,
    jobs: BTreeMap<i64, JobEntry>,
    /// Each repository's runs, in id order.
    by_repo: HashMap<i64, Vec<i64>>,
    /// Queued jobs, in queue order (their ids grow).
    queued: BTreeSet<i64>,
    /// Runner id to the job it runs.
    running: HashMap<i64, i64>,
    /// Running jobs with a duration, by when their time is up.
    due: BTreeSet<(i64, i64)>,
    idle: Idle,
    /// Jobs queued since the last plan.
    fresh: Vec<i64>,
    /// Whether a runner became free since the last plan.
    freed: bool,
    /// Whether which runners may serve which repositories changed.
    rescan: bool,
    /// Running jobs whose runner is gone or offline.
    orphaned: BTreeSet<i64>,
}

/// Idle runners by pool, then by label set.
#[derive(Debug, Default)]
struct Idle {
    pools: HashMap<Pool, PoolSets>,
    count: usize,
}

/// A pool's idle runners, by label set, and the sets that carry each label:
/// a job looks only at the sets carrying the rarest of its labels, so sets
/// of runners that cannot take it cost nothing, however many there are.
#[derive(Debug, Default)]
struct PoolSets {
    /// By the label set's address: label sets are shared, one per distinct
    /// list of labels, and the set held here keeps its address taken.
    sets: HashMap<usize, IdleSet>,
    /// Label id to the sets (by address) carrying it.
    by_label: HashMap<i64, HashSet<usize>>,
}

#[derive(Debug)]
struct IdleSet {
    labels: Arc<LabelSet>,
    runners: BTreeSet<i64>,
}

fn set_key(labels: &Arc<LabelSet>) -> usize {
    Arc::as_ptr(labels) as usize
}

/// The runners a plan has handed out so far. A plan takes from a label set
/// its lowest runner not taken yet, so what it took from a set is always
/// the set's first runners: a cursor per set says where the rest begins.
#[derive(Debug, Default)]
struct Taken {
    after: HashMap<(Pool, usize), i64>,
    count: usize,
}

impl Taken {
    fn take(&mut self, pool: Pool, set: usize, runner_id: i64) {
        self.after.insert((pool, set), runner_id);
        self.count += 1;
    }
}

impl Idle {
    fn insert(&mut self, pool: Pool, labels: &Arc<LabelSet>, runner_id: i64) {
        let sets = self.pools.entry(pool).or_default();
        let key = set_key(labels);
        let set = sets.sets.entry(key).or_insert_with(|| {
            for &label in labels.ids.iter() {
                sets.by_label.entry(label).or_default().insert(key);
            }
            IdleSet {
                labels: labels.clone(),
                runners: BTreeSet::new(),
            }
        });
        if set.runners.insert(runner_id) {
            self.count += 1;
        }
    }

    fn remove(&mut self, pool: Pool, labels: &Arc<LabelSet>, runner_id: i64) {
        let Some(sets) = self.pools.get_mut(&pool) else {
            return;
        };
        let key = set_key(labels);
        let Some(set) = sets.sets.get_mut(&key) else {
            return;
        };
        if set.runners.remove(&runner_id) {
            self.count -= 1;
        }
        if set.runners.is_empty() {
            for label in labels.ids.iter() {
                if let Some(keys) = sets.by_label.get_mut(label) {
                    keys.remove(&key);
                    if keys.is_empty() {
                        sets.by_label.remove(label);
                    }
                }
            }
            sets.sets.remove(&key);
            if sets.sets.is_empty() {
                self.pools.remove(&pool);
            }
        }
    }

    /// The lowest idle runner of a pool that carries every label wanted and
    /// is not taken already, with its label set.
    fn first(&self, pool: Pool, wanted: &[i64], taken: &Taken) -> Option<(i64, usize)> {
        let sets = self.pools.get(&pool)?;
        let rarest = wanted
            .iter()
            .map(|label| sets.by_label.get(label).map_or(0, HashSet::len))
            .zip(wanted)
            .min()?;
        let candidates = sets.by_label.get(rarest.1)?;
        candidates
            .iter()
            .filter_map(|key| Some((*key, sets.sets.get(key)?)))
            .filter(|(_, set)| wanted.iter().all(|id| set.labels.ids.contains(id)))
            .filter_map(|(key, set)| {
                let next = match taken.after.get(&(pool, key)) {
                    Some(&last) => set.runners.range((Excluded(last), Unbounded)).next(),
                    None => set.runners.first(),
                };
                Some((*next?, key))
            })
            .min()
    }
}

impl Jobs {
    /// A runner is no longer where the index has it (it changed or is gone).
    pub(super) fn runner_out(&mut self, pool: Pool, entry: &RunnerEntry) {
        self.idle.remove(pool, &entry.labels, entry.id);
    }

    /// A runner as it is now: idle ones join the index, and a running job
    /// whose runner went offline is orphaned.
    pub(super) fn runner_in(&mut self, pool: Pool, entry: &RunnerEntry) {
        let running = self.running.get(&entry.id).copied();
        if let Some(job) = running {
            if entry.status == RunnerStatus::Offline {
                self.orphaned.insert(job);
            }
            return;
        }
        if entry.status == RunnerStatus::Online && !entry.busy {
            self.idle.insert(pool, &entry.labels, entry.id);
            self.freed = true;
        }
    }

    /// A runner removed: its running job, if any, is orphaned.
    pub(super) fn runner_gone(&mut self, pool: Pool, entry: &RunnerEntry) {
        self.runner_out(pool, entry);
        if let Some(&job) = self.running.get(&entry.id) {
            self.orphaned.insert(job);
        }
    }

    /// Which runners may serve which repositories changed.
    pub(super) fn rescan(&mut self) {
        self.rescan = true;
    }

    pub fn run(&self, run_id: i64) -> Option<&RunEntry> {
        self.runs.get(&run_id)
    }

    pub fn job(&self, job_id: i64) -> Option<&JobEntry> {
        self.jobs.get(&job_id)
    }

    /// A repository's runs, newest first.
    pub fn runs_of(&self, repo_id: i64) -> impl DoubleEndedIterator<Item = &RunEntry> {
        self.by_repo
            .get(&repo_id)
            .into_iter()
            .flatten()
            .rev()
            .filter_map(|id| self.runs.get(id))
    }

    /// A run's jobs, in id order.
    pub fn jobs_of<'a>(&'a self, run: &'a RunEntry) -> impl Iterator<Item = &'a JobEntry> {
        run.jobs.iter().filter_map(|id| self.jobs.get(id))
    }

    /// Every job, in id order.
    pub fn all_jobs(&self) -> impl Iterator<Item = &JobEntry> {
        self.jobs.values()
    }

    /// When the next running job's time is up.
    pub fn next_due(&self) -> Option<i64> {
        self.due.first().map(|&(at, _)| at)
    }

    /// Whether there is anything to plan.
    pub fn has_work(&self, now_ms: i64) -> bool {
        let waiting = !self.queued.is_empty() && (self.freed || self.rescan);
        waiting
            || !self.fresh.is_empty()
            || !self.orphaned.is_empty()
            || self.next_due().is_some_and(|at| at <= now_ms)
    }

    /// How many jobs wait, and how many runners are idle.
    pub fn counts(&self) -> (usize, usize) {
        (self.queued.len(), self.idle.count)
    }

    pub(super) fn add_run(&mut self, run: RunEntry) {
        self.by_repo.entry(run.repo_id).or_default().push(run.id);
        self.runs.insert(run.id, run);
    }

    /// A job as stored or planned: its indexes follow its status.
    fn put(&mut self, job: JobEntry) {
        if let Some(old) = self.jobs.get(&job.id) {
            if let Some(at) = old.due() {
                self.due.remove(&(at, old.id));
            }
            if let Some(runner) = &old.runner
                && old.status == JobStatus::InProgress
            {
                self.running.remove(&runner.id);
            }
        } else if let Some(run) = self.runs.get_mut(&job.run_id)
            && let Err(at) = run.jobs.binary_search(&job.id)
        {
            run.jobs.insert(at, job.id);
        }
        self.orphaned.remove(&job.id);
        match job.status {
            JobStatus::Queued => {
                if self.queued.insert(job.id) {
                    self.fresh.push(job.id);
                }
            }
            JobStatus::InProgress => {
                self.queued.remove(&job.id);
                if let Some(runner) = &job.runner {
                    self.running.insert(runner.id, job.id);
                }
                if let Some(at) = job.due() {
                    self.due.insert((at, job.id));
                }
            }
            JobStatus::Completed => {
                self.queued.remove(&job.id);
            }
        }
        self.jobs.insert(job.id, job);
    }

    /// Forgets a run and its jobs.
    pub(super) fn remove_run(&mut self, run_id: i64) {
        let Some(run) = self.runs.remove(&run_id) else {
            return;
        };
        if let Some(runs) = self.by_repo.get_mut(&run.repo_id) {
            runs.retain(|&id| id != run_id);
        }
        for job_id in run.jobs {
            if let Some(job) = self.jobs.remove(&job_id) {
                self.queued.remove(&job_id);
                if let Some(at) = job.due() {
                    self.due.remove(&(at, job_id));
                }
                if let (JobStatus::InProgress, Some(runner)) = (job.status, &job.runner) {
                    self.running.remove(&runner.id);
                }
                self.orphaned.remove(&job_id);
            }
        }
    }
}

impl Memory {
    pub fn jobs(&self) -> &Jobs {
        &self.jobs
    }

    /// The pool a runner of this scope waits in.
    pub(super) fn pool_of(scope_id: i64, entry: &RunnerEntry) -> Pool {
        match entry.group() {
            Some(group) => Pool::Group(group),
            None => Pool::Repo(scope_id),
        }
    }

    /// Loads the runs and jobs as stored.
    pub(super) fn load_jobs(
        &mut self,
        runs: Vec<RunRow>,
        jobs: Vec<JobRow>,
    ) -> Result<(), sqlx::Error> {
        for run in runs {
            self.jobs.add_run(RunEntry::from_row(run));
        }
        for row in jobs {
            let repo_id = self
                .jobs
                .run(row.run_id)
                .map(|run| run.repo_id)
                .ok_or_else(|| decode(format!("job {} has no run", row.job_id)))?;
            let job = JobEntry::from_row(row, repo_id)?;
            // A job whose runner is gone or offline fails at the next plan.
            let orphan = job.status == JobStatus::InProgress
                && job
                    .runner
                    .as_ref()
                    .is_none_or(|r| !self.runner_is_online(r.id));
            let id = job.id;
            self.jobs.put(job);
            if orphan {
                self.jobs.orphaned.insert(id);
            }
        }
        // Runners loaded before their jobs were indexed as idle.
        let running: Vec<i64> = self.jobs.running.keys().copied().collect();
        for runner_id in running {
            self.change_runner(runner_id, |_| ());
        }
        Ok(())
    }

    fn runner_is_online(&self, runner_id: i64) -> bool {
        self.find_runner(runner_id)
            .is_some_and(|(_, r)| r.status == RunnerStatus::Online)
    }

    /// A new run and its queued jobs, as stored.
    pub fn add_run(&mut self, run: RunEntry, jobs: Vec<JobEntry>) {
        self.jobs.add_run(run);
        for job in jobs {
            self.jobs.put(job);
        }
    }

    /// Forgets a run and its jobs.
    pub fn remove_run(&mut self, run_id: i64) {
        self.jobs.remove_run(run_id);
    }

    /// Jobs that end now, at most `limit`: those whose runner went away or
    /// offline fail, those whose time is up end as planned.
    pub fn plan_finishes(&self, now_ms: i64, limit: usize) -> Vec<JobChange> {
        let jobs = &self.jobs;
        let orphaned = jobs
            .orphaned
            .iter()
            .map(|&id| (id, Some(Conclusion::Failure)));
        let due = jobs
            .due
            .iter()
            .take_while(|&&(at, _)| at <= now_ms)
            .map(|&(_, id)| (id, None));
        let mut seen = HashSet::new();
        orphaned
            .chain(due)
            .filter(|(id, _)| seen.insert(*id))
            .filter_map(|(id, conclusion)| {
                let job = jobs.job(id)?;
                let conclusion = conclusion.unwrap_or(job.planned);
                Some(self.finish(job, conclusion, now_ms))
            })
            .take(limit)
            .collect()
    }

    /// A job ended now with a conclusion, and its runner freed or deleted.
    pub fn finish(&self, job: &JobEntry, conclusion: Conclusion, now_ms: i64) -> JobChange {
        let runner = match (job.status, &job.runner) {
            (JobStatus::InProgress, Some(runner)) => match self.find_runner(runner.id) {
                Some((_, entry)) if entry.ephemeral => RunnerEffect::Delete(runner.id),
                Some(_) => RunnerEffect::Free(runner.id),
                None => RunnerEffect::None,
            },
            _ => RunnerEffect::None,
        };
        let mut after = job.clone();
        after.status = JobStatus::Completed;
        after.conclusion = Some(conclusion);
        after.completed_at = Some(now_ms);
        if job.status == JobStatus::Queued {
            // Never started: it starts and ends at once.
            after.started_at = now_ms;
        }
        JobChange { job: after, runner }
    }

    /// Queued jobs that idle runners take now, in queue order, one job per
    /// runner: at most `limit`, of the jobs after `after`. Runners are only
    /// taken until the plan is done ([`Memory::planned`]), so a job passed
    /// over once cannot be taken by a later part of the same plan.
    pub fn plan_starts(&self, now_ms: i64, after: Option<i64>, limit: usize) -> Vec<JobChange> {
        let jobs = &self.jobs;
        if jobs.idle.count == 0 {
            return Vec::new();
        }
        let everything = jobs.freed || jobs.rescan;
        let candidates: Vec<i64> = if everything {
            let after = after.map_or(Unbounded, Excluded);
            jobs.queued.range((after, Unbounded)).copied().collect()
        } else {
            let mut fresh: Vec<i64> = jobs
                .fresh
                .iter()
                .copied()
                .filter(|id| jobs.queued.contains(id))
                .filter(|&id| after.is_none_or(|after| id > after))
                .collect();
            fresh.sort_unstable();
            fresh.dedup();
            fresh
        };
        let mut taken = Taken::default();
        let mut pools: HashMap<(i64, Option<&str>), Vec<Pool>> = HashMap::new();
        let mut changes = Vec::new();
        for id in candidates {
            if taken.count == jobs.idle.count || changes.len() == limit {
                break;
            }
            let Some(job) = jobs.job(id) else { continue };
            let Some(wanted) = self.label_ids_of(&job.labels) else {
                continue;
            };
            let pools = pools
                .entry((job.repo_id, job.runner_group.as_deref()))
                .or_insert_with(|| self.pools_for(job.repo_id, job.runner_group.as_deref()));
            let found = pools
                .iter()
                .filter_map(|&pool| Some((jobs.idle.first(pool, &wanted, &taken)?, pool)))
                .min();
            let Some(((runner_id, set), pool)) = found else {
                continue;
            };
            taken.take(pool, set, runner_id);
            let Some(runner) = self.job_runner(runner_id, pool) else {
                continue;
            };
            let mut after = job.clone();
            after.status = JobStatus::InProgress;
            after.started_at = now_ms;
            after.runner = Some(runner);
            changes.push(JobChange {
                job: after,
                runner: RunnerEffect::Busy(runner_id),
            });
        }
        changes
    }

    /// The ids of these label names (any case); `None` when a name is on no
    /// runner, so that no runner can take the job yet.
    fn label_ids_of(&self, names: &[String]) -> Option<Vec<i64>> {
        names.iter().map(|name| self.label_id(name)).collect()
    }

    /// The pools whose runners may serve a repository: its own runners, its
    /// organization's groups that serve it, and its enterprise's groups
    /// shared with that organization; only the group named, when one is.
    pub fn pools_for(&self, repo_id: i64, group: Option<&str>) -> Vec<Pool> {
        let named = |name: &str| group.is_none_or(|g| g.eq_ignore_ascii_case(name));
        let mut pools = Vec::new();
        let Some(repo) = self.scope_by_id(repo_id) else {
            return pools;
        };
        if named("Default") {
            pools.push(Pool::Repo(repo_id));
        }
        let Scope::Repo { owner, .. } = &repo.scope else {
            return pools;
        };
        let Some(org) = self.scope(&Scope::Org(owner.clone())) else {
            return pools;
        };
        pools.extend(
            self.groups_of(org)
                .filter(|g| g.serves(repo_id) && named(&g.name))
                .map(|g| Pool::Group(g.id)),
        );
        if let Some(enterprise) = org.enterprise_id.and_then(|id| self.scope_by_id(id)) {
            pools.extend(
                self.groups_of(enterprise)
                    .filter(|g| g.serves(org.id) && named(&g.name))
                    .map(|g| Pool::Group(g.id)),
            );
        }
        pools
    }

    /// A runner as a job shows it.
    fn job_runner(&self, runner_id: i64, pool: Pool) -> Option<JobRunner> {
        let (_, entry) = self.find_runner(runner_id)?;
        let (group_id, group_name) = match pool {
            Pool::Group(id) => {
                let group = self.group(id)?;
                (group.number(), group.name.to_string())
            }
            Pool::Repo(_) => (super::groups::DEFAULT_GROUP_NUMBER, "Default".to_owned()),
        };
        Some(JobRunner {
            id: runner_id,
            name: entry.name.to_string(),
            group_id,
            group_name,
        })
    }

    /// Brings memory in step with job changes SQLite has committed, runners
    /// included.
    pub fn apply_jobs(&mut self, changes: &[JobChange]) {
        for change in changes {
            self.jobs.put(change.job.clone());
            match change.runner {
                RunnerEffect::None => {}
                RunnerEffect::Busy(id) => {
                    self.change_runner(id, |r| r.busy = true);
                }
                RunnerEffect::Free(id) => {
                    self.change_runner(id, |r| r.busy = false);
                }
                RunnerEffect::Delete(id) => {
                    self.remove_runner(id);
                }
            }
        }
    }

    /// Says the last plan has been carried out.
    pub fn planned(&mut self) {
        let jobs = &mut self.jobs;
        jobs.fresh.clear();
        jobs.freed = false;
        jobs.rescan = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[i64]) -> Arc<LabelSet> {
        Arc::new(LabelSet {
            ids: ids.into(),
            json: serde_json::value::RawValue::from_string("[]".to_owned()).unwrap(),
        })
    }

    #[test]
    fn idle_runners_are_found_by_their_rarest_label() {
        let (plain, gpu, big) = (set(&[1, 2]), set(&[1, 2, 7]), set(&[1, 7, 8]));
        let pool = Pool::Group(3);
        let mut idle = Idle::default();
        for (labels, runners) in [(&plain, 10..20), (&gpu, 30..33), (&big, 20..22)] {
            for id in runners {
                idle.insert(pool, labels, id);
            }
        }
        assert_eq!(idle.count, 15);
        let mut taken = Taken::default();
        let mut order = Vec::new();
        while let Some((id, key)) = idle.first(pool, &[7], &taken) {
            taken.take(pool, key, id);
            order.push(id);
        }
        assert_eq!(order, [20, 21, 30, 31, 32]);
        assert_eq!(
            idle.first(pool, &[1], &Taken::default()),
            Some((10, set_key(&plain)))
        );
        assert_eq!(idle.first(pool, &[2, 8], &Taken::default()), None);
        assert_eq!(idle.first(pool, &[9], &Taken::default()), None);
        assert_eq!(idle.first(Pool::Repo(3), &[1], &Taken::default()), None);

        idle.remove(pool, &big, 20);
        idle.remove(pool, &big, 21);
        assert_eq!(idle.pools[&pool].sets.len(), 2);
        assert_eq!(idle.pools[&pool].by_label[&7].len(), 1);
        assert!(!idle.pools[&pool].by_label.contains_key(&8));
        assert_eq!(
            idle.first(pool, &[7], &Taken::default()).map(|f| f.0),
            Some(30)
        );
        for id in (10..20).chain(30..33) {
            idle.remove(pool, if id < 20 { &plain } else { &gpu }, id);
        }
        assert_eq!(idle.count, 0);
        assert!(idle.pools.is_empty());
    }
}
