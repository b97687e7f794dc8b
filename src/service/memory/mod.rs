//! What every read is answered from: the scopes, each with its runners in id
//! order, the runner groups, the labels and the live tokens, held in memory.
//!
//! SQLite stays the record: memory is loaded from it at start-up and on
//! reset, and changes only after SQLite has committed the same change, in
//! the turn of the one writer connection (see [`super::Service::writer`]).
//! A reader therefore never sees a change that is not durable, and a client
//! that got an answer sees its change in the next read. A write cut off
//! half-way has memory read again from SQLite before the next write.

mod apps;
mod groups;
mod hooks;
mod jobs;
mod names;

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::RandomState;
use std::sync::Arc;

use serde::Serialize;
use serde::ser::{SerializeSeq, SerializeStruct, Serializer};
use serde_json::value::RawValue;

pub use apps::{AccountKind, AppEntry, InstallationEntry, InstallationTokenEntry};
pub use groups::GroupEntry;
pub use hooks::{HookEntry, HookKind, LastResponse};
pub use jobs::{JobChange, JobEntry, Jobs, RunEntry, RunnerEffect};
use names::NameIndex;

use crate::model::{Label, LabelKind, Os, Runner, RunnerStatus, Scope, TokenKind};
use crate::store::labels::LabelRow;
use crate::store::runners::RunnerRow;
use crate::store::scopes::ScopeRow;
use crate::store::tokens::TokenRow;
use crate::store::{
    apps as stored_apps, groups as stored_groups, hooks as stored_hooks, jobs as stored_jobs,
    labels, runners, scopes, tokens,
};
use crate::version::{Feature, GhesVersion};

/// Live tokens kept per scope and kind. Asking for one more pushes out the
/// oldest, so a client asking in a loop cannot grow the mock without bound.
pub const MAX_LIVE_TOKENS: usize = 10_000;

/// Runners read from SQLite per query when loading: small enough that the
/// rows read are little beside the runners kept.
const LOAD_SLICE: u32 = 2_000;

#[derive(Debug, Default)]
pub struct Memory {
    /// The runner fields the presented version shows.
    shown: Shown,
    /// In id order (ids only grow until a reset clears them all).
    scopes: Vec<ScopeEntry>,
    /// Scope key (`org:octo-org`) to its place in `scopes`.
    by_key: HashMap<String, usize>,
    labels: Labels,
    /// Runner groups by their stored id.
    groups: HashMap<i64, GroupEntry>,
    /// Runner versions, each kept once; a runner holds its place here.
    versions: Vec<Arc<str>>,
    version_places: HashMap<Arc<str>, u32>,
    /// Hashes runner names for every scope's [`NameIndex`].
    hasher: RandomState,
    tokens: HashMap<Arc<str>, TokenEntry>,
    apps: apps::Apps,
    jobs: Jobs,
    hooks: hooks::Hooks,
}

/// Which of the fields later versions added to a runner are shown.
#[derive(Debug, Clone, Copy, Default)]
struct Shown {
    runner_group_id: bool,
    ephemeral: bool,
    version: bool,
}

impl Shown {
    fn of(version: GhesVersion) -> Shown {
        Shown {
            runner_group_id: version.has(Feature::RunnerGroupId),
            ephemeral: version.has(Feature::Ephemeral),
            version: version.has(Feature::RunnerVersion),
        }
    }
}

#[derive(Debug)]
pub struct ScopeEntry {
    pub id: i64,
    pub scope: Scope,
    /// The enterprise an organization belongs to.
    pub enterprise_id: Option<i64>,
    /// In id order.
    runners: Vec<RunnerEntry>,
    /// The stored ids of its runner groups in id order, the default first.
    groups: Vec<i64>,
    names: NameIndex,
    /// Live tokens of each kind, oldest first.
    tokens: [VecDeque<Arc<str>>; 2],
}

/// A runner, small (48 bytes and its name): a few flags, its group and
/// version as small numbers, and a label set shared with every runner that
/// has the same labels.
#[derive(Debug, Clone)]
pub struct RunnerEntry {
    pub id: i64,
    pub name: Box<str>,
    /// Interned: runners with the same labels share one set.
    labels: Arc<LabelSet>,
    /// The stored id of its group; 0 for none (a repository's runner).
    group: u32,
    /// Its version's place in [`Memory::versions`] plus one; 0 for none.
    version: u32,
    pub os: Os,
    pub status: RunnerStatus,
    pub busy: bool,
    pub ephemeral: bool,
}

impl RunnerEntry {
    /// The stored id of its group; none for a repository's runner.
    pub fn group(&self) -> Option<i64> {
        (self.group != 0).then_some(i64::from(self.group))
    }
}

/// A group's stored id as a runner holds it. Ids come from SQLite's sequence
/// and stay far below 2^32; one beyond would read as no group.
fn group_slot(group: Option<i64>) -> u32 {
    group.and_then(|id| u32::try_from(id).ok()).unwrap_or(0)
}

/// A list of labels, in display order, with its JSON written once: label
/// names never change, so neither does the JSON of a set.
#[derive(Debug)]
struct LabelSet {
    ids: Box<[i64]>,
    json: Box<RawValue>,
}

#[derive(Debug, Clone, Copy)]
pub struct TokenEntry {
    pub scope_id: i64,
    pub kind: TokenKind,
    pub expires_at: i64,
}

#[derive(Debug, Default)]
struct Labels {
    by_id: HashMap<i64, Label>,
    /// ASCII-lowercased name to id, as SQLite's NOCASE compares them.
    by_name: HashMap<String, i64>,
    sets: HashMap<Box<[i64]>, Arc<LabelSet>>,
}

fn kind_slot(kind: TokenKind) -> usize {
    match kind {
        TokenKind::Registration => 0,
        TokenKind::Remove => 1,
    }
}

fn decode(reason: String) -> sqlx::Error {
    sqlx::Error::Decode(reason.into())
}

impl Labels {
    fn insert(&mut self, row: LabelRow) {
        let kind = if row.kind == "read-only" {
            LabelKind::ReadOnly
        } else {
            LabelKind::Custom
        };
        self.by_name
            .insert(row.name.to_ascii_lowercase(), row.label_id);
        self.by_id.insert(
            row.label_id,
            Label {
                id: row.label_id,
                name: row.name,
                kind,
            },
        );
    }

    /// The shared set of these labels, which must all be known.
    fn intern(&mut self, ids: &[i64]) -> Arc<LabelSet> {
        if let Some(set) = self.sets.get(ids) {
            return set.clone();
        }
        let labels: Vec<&Label> = ids.iter().filter_map(|id| self.by_id.get(id)).collect();
        // Labels are plain strings and numbers: writing them cannot fail.
        let json =
            serde_json::value::to_raw_value(&labels).unwrap_or_else(|_| RawValue::NULL.to_owned());
        let set = Arc::new(LabelSet {
            ids: ids.into(),
            json,
        });
        self.sets.insert(ids.into(), set.clone());
        set
    }
}

impl Memory {
    /// Nothing yet, showing runners as `version` does.
    pub fn new(version: GhesVersion) -> Memory {
        Memory {
            shown: Shown::of(version),
            ..Memory::default()
        }
    }

    /// Reads the whole state from the database.
    pub async fn load(
        conn: &mut sqlx::SqliteConnection,
        version: GhesVersion,
    ) -> Result<Memory, sqlx::Error> {
        let mut memory = Memory::new(version);
        for row in scopes::all(&mut *conn).await? {
            memory.add_scope(&row);
        }
        for row in stored_groups::all(&mut *conn).await? {
            memory.add_group(row)?;
        }
        for row in labels::all(&mut *conn).await? {
            memory.labels.insert(row);
        }
        // Lists of the right size, rather than grown by doubling with the
        // old and the new copy held at once.
        let counts = runners::counts(&mut *conn).await?;
        let mut per_scope: HashMap<i64, usize> = HashMap::new();
        for row in &counts {
            let count = usize::try_from(row.count).unwrap_or(0);
            *per_scope.entry(row.scope_id).or_default() += count;
            if let Some(group) = row
                .runner_group_id
                .and_then(|id| memory.groups.get_mut(&id))
            {
                group.reserve(count);
            }
        }
        for (scope_id, count) in per_scope {
            memory.reserve(scope_id, count);
        }
        let mut last = 0;
        loop {
            let rows = runners::after(&mut *conn, last, LOAD_SLICE).await?;
            let Some(row) = rows.last() else { break };
            last = row.runner_id;
            for row in &rows {
                memory.load_runner(row)?;
            }
        }
        for row in tokens::live(&mut *conn, i64::MIN).await? {
            memory.load_token(&row);
        }
        for row in stored_apps::all_apps(&mut *conn).await? {
            memory.add_app(AppEntry::from_row(row)?);
        }
        for row in stored_apps::all_installations(&mut *conn).await? {
            memory.add_installation(InstallationEntry::from_row(&row)?);
        }
        for row in stored_apps::live_tokens(&mut *conn, i64::MIN).await? {
            memory.add_installation_token(&row.token, InstallationTokenEntry::from_row(&row)?);
        }
        let runs = stored_jobs::all_runs(&mut *conn).await?;
        let jobs = stored_jobs::all_jobs(&mut *conn).await?;
        memory.load_jobs(runs, jobs)?;
        for row in stored_hooks::all(&mut *conn).await? {
            memory.put_hook(HookEntry::from_row(row)?);
        }
        Ok(memory)
    }

    fn load_runner(&mut self, row: &RunnerRow) -> Result<(), sqlx::Error> {
        let ids: Vec<i64> =
            serde_json::from_str(&row.label_ids).map_err(|e| decode(e.to_string()))?;
        let entry = NewEntry {
            id: row.runner_id,
            name: &row.name,
            os: row.os.parse().map_err(decode)?,
            status: row.status.parse().map_err(decode)?,
            busy: row.busy,
            ephemeral: row.ephemeral,
            group: row.runner_group_id,
            version: row.version.as_deref(),
            label_ids: &ids,
        };
        // Rows come in id order, so each lands at the end of its scope.
        self.add_runner(row.scope_id, entry)
            .map(drop)
            .ok_or_else(|| decode(format!("runner {} has no scope", row.runner_id)))
    }

    /// Makes room in a scope for `count` more runners.
    fn reserve(&mut self, scope_id: i64, count: usize) {
        if let Some(index) = self.scope_index_by_id(scope_id) {
            let ScopeEntry { runners, names, .. } = &mut self.scopes[index];
            runners.reserve(count);
            names.reserve(&self.hasher, runners, count);
        }
    }

    fn load_token(&mut self, row: &TokenRow) {
        let Ok(kind) = row.kind.parse::<TokenKind>() else {
            return;
        };
        self.insert_token(
            &row.token,
            TokenEntry {
                scope_id: row.scope_id,
                kind,
                expires_at: row.expires_at,
            },
        );
    }

    // --- reads ---------------------------------------------------------------

    pub fn scope(&self, scope: &Scope) -> Option<&ScopeEntry> {
        self.by_key.get(&scope.key()).map(|&i| &self.scopes[i])
    }

    pub fn scopes(&self) -> &[ScopeEntry] {
        &self.scopes
    }

    fn scope_index_by_id(&self, scope_id: i64) -> Option<usize> {
        self.scopes.binary_search_by_key(&scope_id, |s| s.id).ok()
    }

    pub fn scope_by_id(&self, scope_id: i64) -> Option<&ScopeEntry> {
        self.scope_index_by_id(scope_id).map(|i| &self.scopes[i])
    }

    /// A runner of any scope, with its scope.
    pub fn find_runner(&self, runner_id: i64) -> Option<(&ScopeEntry, &RunnerEntry)> {
        self.scopes
            .iter()
            .find_map(|scope| Some((scope, scope.runner(runner_id)?)))
    }

    /// The runner called `name` (any case) in a scope.
    pub fn runner_named<'s>(&self, scope: &'s ScopeEntry, name: &str) -> Option<&'s RunnerEntry> {
        let id = scope.names.find(&self.hasher, &scope.runners, name)?;
        scope.runner(id)
    }

    /// The runner as GitHub shows it.
    pub fn runner(&self, entry: &RunnerEntry) -> Runner {
        let shown = self.shown;
        Runner {
            id: entry.id,
            runner_group_id: shown
                .runner_group_id
                .then(|| self.group_number(entry))
                .flatten(),
            name: entry.name.to_string(),
            os: entry.os,
            status: entry.status,
            busy: entry.busy,
            ephemeral: shown.ephemeral.then_some(entry.ephemeral),
            version: shown
                .version
                .then(|| self.version_of(entry).map(str::to_owned)),
            labels: self.labels_of(entry),
        }
    }

    /// A runner's labels, in display order.
    pub fn labels_of(&self, entry: &RunnerEntry) -> Vec<Label> {
        entry
            .labels
            .ids
            .iter()
            .filter_map(|id| self.labels.by_id.get(id).cloned())
            .collect()
    }

    /// The runner application version a runner reported, if any.
    pub fn version_of(&self, entry: &RunnerEntry) -> Option<&str> {
        let place = usize::try_from(entry.version.checked_sub(1)?).ok()?;
        self.versions.get(place).map(|v| &**v)
    }

    /// The runner group id GitHub shows on a runner.
    fn group_number(&self, entry: &RunnerEntry) -> Option<i64> {
        match entry.group() {
            Some(id) => self.groups.get(&id).map(GroupEntry::number),
            // A repository's runners are in no group of their own; GitHub
            // shows them in the default one.
            None => Some(groups::DEFAULT_GROUP_NUMBER),
        }
    }

    /// A scope's runner count and one page of its runners as a JSON array,
    /// written straight from memory.
    pub fn page(
        &self,
        scope: &Scope,
        limit: u32,
        offset: u64,
    ) -> Result<(i64, Box<RawValue>), serde_json::Error> {
        let runners = self.scope(scope).map_or(&[][..], |s| &s.runners[..]);
        let page = slice(runners, limit, offset);
        let json = serde_json::value::to_raw_value(&RunnersJson {
            runners: page.iter(),
            memory: self,
        })?;
        Ok((runners.len() as i64, json))
    }

    /// The runners `runner_ids` of a scope as a JSON array.
    pub fn runners_json<'a>(
        &self,
        scope: &ScopeEntry,
        runner_ids: impl Iterator<Item = &'a i64> + Clone,
    ) -> Result<Box<RawValue>, serde_json::Error> {
        serde_json::value::to_raw_value(&RunnersJson {
            runners: runner_ids.filter_map(|&id| scope.runner(id)),
            memory: self,
        })
    }

    /// The label with this name (any case), if any runner ever used it.
    pub fn label_id(&self, name: &str) -> Option<i64> {
        self.labels.by_name.get(&name.to_ascii_lowercase()).copied()
    }

    /// The label with this id.
    pub fn label(&self, label_id: i64) -> Option<&Label> {
        self.labels.by_id.get(&label_id)
    }

    pub fn token(&self, token: &str) -> Option<TokenEntry> {
        self.tokens.get(token).copied()
    }

    /// Live tokens at `now_ms`, with their entries.
    pub fn tokens(&self, now_ms: i64) -> impl Iterator<Item = (&str, &TokenEntry)> {
        self.tokens
            .iter()
            .filter(move |(_, t)| t.expires_at > now_ms)
            .map(|(token, entry)| (&**token, entry))
    }

    /// The tokens that new ones of these scopes and kinds would push out,
    /// oldest first in each scope and kind.
    pub fn tokens_to_evict(&self, new: impl Iterator<Item = (i64, TokenKind)>) -> Vec<Arc<str>> {
        let mut added: HashMap<(i64, usize), usize> = HashMap::new();
        for (scope_id, kind) in new {
            *added.entry((scope_id, kind_slot(kind))).or_default() += 1;
        }
        let mut evicted = Vec::new();
        for ((scope_id, slot), count) in added {
            let Some(scope) = self.scope_by_id(scope_id) else {
                continue;
            };
            let live = &scope.tokens[slot];
            let over = (live.len() + count).saturating_sub(MAX_LIVE_TOKENS);
            evicted.extend(live.iter().take(over).cloned());
        }
        evicted
    }

    // --- changes, each after SQLite has committed it -------------------------

    pub fn add_scope(&mut self, row: &ScopeRow) {
        let Some(scope) = row.scope() else { return };
        let key = scope.key();
        if self.by_key.contains_key(&key) {
            return;
        }
        let entry = ScopeEntry {
            id: row.scope_id,
            scope,
            enterprise_id: row.enterprise_id,
            runners: Vec::new(),
            groups: Vec::new(),
            names: NameIndex::default(),
            tokens: Default::default(),
        };
        let at = self.scopes.partition_point(|s| s.id < row.scope_id);
        self.scopes.insert(at, entry);
        if at + 1 < self.scopes.len() {
            // Only after a reload out of order; reindex.
            self.by_key = self
                .scopes
                .iter()
                .enumerate()
                .map(|(i, s)| (s.scope.key(), i))
                .collect();
        } else {
            self.by_key.insert(key, at);
        }
    }

    /// Makes an organization a member of an enterprise, or of none.
    pub fn set_enterprise(&mut self, org_id: i64, enterprise_id: Option<i64>) {
        if let Some(index) = self.scope_index_by_id(org_id) {
            self.scopes[index].enterprise_id = enterprise_id;
        }
        self.jobs.rescan();
    }

    pub fn add_labels(&mut self, rows: Vec<LabelRow>) {
        for row in rows {
            self.labels.insert(row);
        }
    }

    /// A runner version's place plus one, the version kept once; 0 for none.
    fn intern_version(&mut self, version: Option<&str>) -> u32 {
        let Some(version) = version else { return 0 };
        if let Some(&place) = self.version_places.get(version) {
            return place;
        }
        let version: Arc<str> = version.into();
        self.versions.push(version.clone());
        let place = u32::try_from(self.versions.len()).unwrap_or(u32::MAX);
        self.version_places.insert(version, place);
        place
    }

    /// Adds a runner to its scope, in id order, and to its group.
    pub fn add_runner(&mut self, scope_id: i64, runner: NewEntry<'_>) -> Option<&RunnerEntry> {
        let labels = self.labels.intern(runner.label_ids);
        let version = self.intern_version(runner.version);
        let index = self.scope_index_by_id(scope_id)?;
        let group = group_slot(runner.group);
        if let Some(group) = runner.group.and_then(|id| self.groups.get_mut(&id)) {
            group.add_runner(runner.id);
        }
        let hasher = &self.hasher;
        let ScopeEntry { runners, names, .. } = &mut self.scopes[index];
        let at = runners.partition_point(|r| r.id < runner.id);
        runners.insert(
            at,
            RunnerEntry {
                id: runner.id,
                name: runner.name.into(),
                labels,
                group,
                version,
                os: runner.os,
                status: runner.status,
                busy: runner.busy,
                ephemeral: runner.ephemeral,
            },
        );
        names.insert(hasher, runners, &runners[at]);
        let scope_id = self.scopes[index].id;
        let entry = &self.scopes[index].runners[at];
        self.jobs.runner_in(Memory::pool_of(scope_id, entry), entry);
        Some(entry)
    }

    pub fn remove_runner(&mut self, runner_id: i64) -> Option<RunnerEntry> {
        let hasher = &self.hasher;
        let jobs = &mut self.jobs;
        let removed = self.scopes.iter_mut().find_map(|scope| {
            let at = scope
                .runners
                .binary_search_by_key(&runner_id, |r| r.id)
                .ok()?;
            let removed = scope.runners.remove(at);
            scope.names.remove(hasher, &removed.name, removed.id);
            jobs.runner_gone(Memory::pool_of(scope.id, &removed), &removed);
            Some(removed)
        })?;
        if let Some(group) = removed.group().and_then(|id| self.groups.get_mut(&id)) {
            group.remove_runner(runner_id);
        }
        Some(removed)
    }

    /// Removes many runners in one pass over each scope.
    pub fn remove_runners(&mut self, runner_ids: &[i64]) {
        let gone: HashSet<i64> = runner_ids.iter().copied().collect();
        let hasher = &self.hasher;
        let jobs = &mut self.jobs;
        let mut groups = HashSet::new();
        for scope in &mut self.scopes {
            let ScopeEntry {
                id, runners, names, ..
            } = scope;
            runners.retain(|r| {
                let keep = !gone.contains(&r.id);
                if !keep {
                    names.remove(hasher, &r.name, r.id);
                    groups.extend(r.group());
                    jobs.runner_gone(Memory::pool_of(*id, r), r);
                }
                keep
            });
        }
        for id in groups {
            if let Some(group) = self.groups.get_mut(&id) {
                group.retain_runners(|id| !gone.contains(id));
            }
        }
    }

    /// Changes a runner, keeping the index of idle runners in step.
    fn change_runner(
        &mut self,
        runner_id: i64,
        change: impl FnOnce(&mut RunnerEntry),
    ) -> Option<&RunnerEntry> {
        let jobs = &mut self.jobs;
        let (scope_id, entry) = self.scopes.iter_mut().find_map(|scope| {
            let at = scope
                .runners
                .binary_search_by_key(&runner_id, |r| r.id)
                .ok()?;
            Some((scope.id, &mut scope.runners[at]))
        })?;
        jobs.runner_out(Memory::pool_of(scope_id, entry), entry);
        change(entry);
        jobs.runner_in(Memory::pool_of(scope_id, entry), entry);
        Some(entry)
    }

    pub fn update_runner(
        &mut self,
        runner_id: i64,
        status: Option<RunnerStatus>,
        busy: Option<bool>,
    ) -> Option<&RunnerEntry> {
        self.change_runner(runner_id, |entry| {
            if let Some(status) = status {
                entry.status = status;
            }
            if let Some(busy) = busy {
                entry.busy = busy;
            }
        })
    }

    /// Gives a runner new labels (ids in display order, all known).
    pub fn set_runner_labels(&mut self, runner_id: i64, label_ids: &[i64]) -> Option<&RunnerEntry> {
        let labels = self.labels.intern(label_ids);
        self.change_runner(runner_id, |entry| entry.labels = labels)
    }

    /// A JIT runner started: online, with the OS and version it reported.
    pub fn start_runner(&mut self, runner_id: i64, os: Os, version: &str) -> Option<&RunnerEntry> {
        let version = self.intern_version(Some(version));
        self.change_runner(runner_id, |entry| {
            entry.status = RunnerStatus::Online;
            entry.os = os;
            entry.version = version;
        })
    }

    pub fn insert_token(&mut self, token: &str, entry: TokenEntry) {
        let Some(index) = self.scope_index_by_id(entry.scope_id) else {
            return;
        };
        let token: Arc<str> = token.into();
        self.scopes[index].tokens[kind_slot(entry.kind)].push_back(token.clone());
        self.tokens.insert(token, entry);
    }

    pub fn remove_token(&mut self, token: &str) {
        let Some(entry) = self.tokens.remove(token) else {
            return;
        };
        if let Some(index) = self.scope_index_by_id(entry.scope_id) {
            let live = &mut self.scopes[index].tokens[kind_slot(entry.kind)];
            if let Some(at) = live.iter().position(|t| &**t == token) {
                live.remove(at);
            }
        }
    }

    /// Forgets the tokens expired at `now_ms`.
    pub fn remove_expired_tokens(&mut self, now_ms: i64) {
        self.tokens.retain(|_, t| t.expires_at > now_ms);
        let tokens = &self.tokens;
        for scope in &mut self.scopes {
            for live in &mut scope.tokens {
                live.retain(|t| tokens.contains_key(t));
            }
        }
    }
}

/// What [`Memory::add_runner`] needs of a runner SQLite has just stored.
#[derive(Debug, Clone, Copy)]
pub struct NewEntry<'a> {
    pub id: i64,
    pub name: &'a str,
    pub os: Os,
    pub status: RunnerStatus,
    pub busy: bool,
    pub ephemeral: bool,
    pub group: Option<i64>,
    pub version: Option<&'a str>,
    pub label_ids: &'a [i64],
}

impl ScopeEntry {
    pub fn runner(&self, runner_id: i64) -> Option<&RunnerEntry> {
        let at = self
            .runners
            .binary_search_by_key(&runner_id, |r| r.id)
            .ok()?;
        Some(&self.runners[at])
    }

    pub fn runners(&self) -> &[RunnerEntry] {
        &self.runners
    }
}

/// `limit` items from `offset` on, as many as there are.
fn slice<T>(items: &[T], limit: u32, offset: u64) -> &[T] {
    let start = usize::try_from(offset).map_or(items.len(), |o| o.min(items.len()));
    let end = start.saturating_add(limit as usize).min(items.len());
    &items[start..end]
}

/// Runners written as a JSON array straight from memory.
struct RunnersJson<'a, I> {
    runners: I,
    memory: &'a Memory,
}

impl<'a, I: Iterator<Item = &'a RunnerEntry> + Clone> Serialize for RunnersJson<'a, I> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_seq(None)?;
        for entry in self.runners.clone() {
            out.serialize_element(&RunnerJson {
                entry,
                memory: self.memory,
            })?;
        }
        out.end()
    }
}

/// A runner written as GitHub's JSON without building a [`Runner`]: the same
/// keys in the same order, its label set's JSON copied as written.
struct RunnerJson<'a> {
    entry: &'a RunnerEntry,
    memory: &'a Memory,
}

impl Serialize for RunnerJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (entry, shown) = (self.entry, self.memory.shown);
        let mut out = serializer.serialize_struct("Runner", 9)?;
        out.serialize_field("id", &entry.id)?;
        if shown.runner_group_id {
            out.serialize_field("runner_group_id", &self.memory.group_number(entry))?;
        }
        out.serialize_field("name", &*entry.name)?;
        out.serialize_field("os", &entry.os)?;
        out.serialize_field("status", &entry.status)?;
        out.serialize_field("busy", &entry.busy)?;
        if shown.ephemeral {
            out.serialize_field("ephemeral", &entry.ephemeral)?;
        }
        if shown.version {
            out.serialize_field("version", &self.memory.version_of(entry))?;
        }
        out.serialize_field("labels", &*entry.labels.json)?;
        out.end()
    }
}

#[cfg(test)]
mod tests;
