//! What every read is answered from: the scopes, each with its runners in id
//! order, the labels and the live tokens, held in memory.
//!
//! SQLite stays the record: memory is loaded from it at start-up and on
//! reset, and changes only after SQLite has committed the same change, in
//! the turn of the one writer connection (see [`super::Service::writer`]).
//! A reader therefore never sees a change that is not durable, and a client
//! that got an answer sees its change in the next read. A write cut off
//! half-way has memory read again from SQLite before the next write.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};
use serde_json::value::RawValue;

use crate::model::{Label, LabelKind, Os, Runner, RunnerStatus, Scope, TokenKind};
use crate::store::labels::LabelRow;
use crate::store::runners::RunnerRow;
use crate::store::scopes::ScopeRow;
use crate::store::tokens::TokenRow;
use crate::store::{labels, runners, scopes, tokens};

/// Live tokens kept per scope and kind. Asking for one more pushes out the
/// oldest, so a client asking in a loop cannot grow the mock without bound.
pub const MAX_LIVE_TOKENS: usize = 10_000;

/// Runners read from SQLite per query when loading.
const LOAD_SLICE: u32 = 10_000;

#[derive(Debug, Default)]
pub struct Memory {
    /// In id order (ids only grow until a reset clears them all).
    scopes: Vec<ScopeEntry>,
    /// Scope key (`org:octo-org`) to its place in `scopes`.
    by_key: HashMap<String, usize>,
    labels: Labels,
    tokens: HashMap<Arc<str>, TokenEntry>,
}

#[derive(Debug)]
pub struct ScopeEntry {
    pub id: i64,
    pub scope: Scope,
    /// In id order.
    runners: Vec<RunnerEntry>,
    /// Live tokens of each kind, oldest first.
    tokens: [VecDeque<Arc<str>>; 2],
}

/// A runner, small: a name, three flags and a label set shared with every
/// runner that has the same labels.
#[derive(Debug, Clone)]
pub struct RunnerEntry {
    pub id: i64,
    pub name: Box<str>,
    pub os: Os,
    pub status: RunnerStatus,
    pub busy: bool,
    /// Interned: runners with the same labels share one set.
    labels: Arc<LabelSet>,
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
    /// Reads the whole state from the database.
    pub async fn load(conn: &mut sqlx::SqliteConnection) -> Result<Memory, sqlx::Error> {
        let mut memory = Memory::default();
        for row in scopes::all(&mut *conn).await? {
            memory.add_scope(&row);
        }
        for row in labels::all(&mut *conn).await? {
            memory.labels.insert(row);
        }
        let mut last = 0;
        loop {
            let rows = runners::after(&mut *conn, last, LOAD_SLICE).await?;
            let Some(row) = rows.last() else { break };
            last = row.runner_id;
            for row in rows {
                memory.load_runner(row)?;
            }
        }
        for row in tokens::live(&mut *conn, i64::MIN).await? {
            memory.load_token(&row);
        }
        Ok(memory)
    }

    fn load_runner(&mut self, row: RunnerRow) -> Result<(), sqlx::Error> {
        let decode = |e: String| sqlx::Error::Decode(e.into());
        let ids: Vec<i64> =
            serde_json::from_str(&row.label_ids).map_err(|e| decode(e.to_string()))?;
        let entry = RunnerEntry {
            id: row.runner_id,
            name: row.name.into_boxed_str(),
            os: row.os.parse().map_err(decode)?,
            status: row.status.parse().map_err(decode)?,
            busy: row.busy,
            labels: self.labels.intern(&ids),
        };
        let index = self
            .scope_index_by_id(row.scope_id)
            .ok_or_else(|| decode(format!("runner {} has no scope", row.runner_id)))?;
        // Rows come in id order, so each lands at the end of its scope.
        self.scopes[index].runners.push(entry);
        Ok(())
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

    /// The runner as GitHub shows it.
    pub fn runner(&self, entry: &RunnerEntry) -> Runner {
        Runner {
            id: entry.id,
            name: entry.name.to_string(),
            os: entry.os,
            status: entry.status,
            busy: entry.busy,
            labels: entry
                .labels
                .ids
                .iter()
                .filter_map(|id| self.labels.by_id.get(id).cloned())
                .collect(),
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
        let start = usize::try_from(offset).map_or(runners.len(), |o| o.min(runners.len()));
        let end = start.saturating_add(limit as usize).min(runners.len());
        let page = serde_json::value::to_raw_value(&runners[start..end])?;
        Ok((runners.len() as i64, page))
    }

    /// The label with this name (any case), if any runner ever used it.
    pub fn label_id(&self, name: &str) -> Option<i64> {
        self.labels.by_name.get(&name.to_ascii_lowercase()).copied()
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
            runners: Vec::new(),
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

    pub fn add_labels(&mut self, rows: Vec<LabelRow>) {
        for row in rows {
            self.labels.insert(row);
        }
    }

    /// Adds a runner to its scope, in id order.
    pub fn add_runner(&mut self, scope_id: i64, runner: NewEntry<'_>) -> Option<&RunnerEntry> {
        let labels = self.labels.intern(runner.label_ids);
        let index = self.scope_index_by_id(scope_id)?;
        let runners = &mut self.scopes[index].runners;
        let at = runners.partition_point(|r| r.id < runner.id);
        runners.insert(
            at,
            RunnerEntry {
                id: runner.id,
                name: runner.name.into(),
                os: runner.os,
                status: runner.status,
                busy: runner.busy,
                labels,
            },
        );
        Some(&runners[at])
    }

    pub fn remove_runner(&mut self, runner_id: i64) -> Option<RunnerEntry> {
        self.scopes.iter_mut().find_map(|scope| {
            let at = scope
                .runners
                .binary_search_by_key(&runner_id, |r| r.id)
                .ok()?;
            Some(scope.runners.remove(at))
        })
    }

    /// Removes many runners in one pass over each scope.
    pub fn remove_runners(&mut self, runner_ids: &[i64]) {
        let gone: HashSet<i64> = runner_ids.iter().copied().collect();
        for scope in &mut self.scopes {
            scope.runners.retain(|r| !gone.contains(&r.id));
        }
    }

    pub fn update_runner(
        &mut self,
        runner_id: i64,
        status: Option<RunnerStatus>,
        busy: Option<bool>,
    ) -> Option<&RunnerEntry> {
        let entry = self.scopes.iter_mut().find_map(|scope| {
            let at = scope
                .runners
                .binary_search_by_key(&runner_id, |r| r.id)
                .ok()?;
            Some(&mut scope.runners[at])
        })?;
        if let Some(status) = status {
            entry.status = status;
        }
        if let Some(busy) = busy {
            entry.busy = busy;
        }
        Some(entry)
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

/// A runner written as GitHub's JSON without building a [`Runner`]: the same
/// keys in the same order, its label set's JSON copied as written.
impl Serialize for RunnerEntry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("Runner", 6)?;
        out.serialize_field("id", &self.id)?;
        out.serialize_field("name", &*self.name)?;
        out.serialize_field("os", &self.os)?;
        out.serialize_field("status", &self.status)?;
        out.serialize_field("busy", &self.busy)?;
        out.serialize_field("labels", &*self.labels.json)?;
        out.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory_with_runners(count: i64) -> Memory {
        let mut memory = Memory::default();
        memory.add_scope(&ScopeRow {
            scope_id: 1,
            kind: "org".to_owned(),
            name: "Octo-Org".to_owned(),
        });
        memory.add_labels(vec![
            LabelRow {
                label_id: 1,
                name: "self-hosted".to_owned(),
                kind: "read-only".to_owned(),
            },
            LabelRow {
                label_id: 8,
                name: "gpu".to_owned(),
                kind: "custom".to_owned(),
            },
        ]);
        for id in 1..=count {
            let name = format!("runner-{id}");
            memory.add_runner(
                1,
                NewEntry {
                    id,
                    name: &name,
                    os: Os::Linux,
                    status: RunnerStatus::Online,
                    busy: id % 2 == 0,
                    label_ids: if id % 2 == 0 { &[1, 8] } else { &[1] },
                },
            );
        }
        memory
    }

    #[test]
    fn a_page_is_the_same_json_as_the_runners_it_holds() {
        let memory = memory_with_runners(5);
        let org = Scope::Org("octo-org".to_owned());
        let (total, json) = memory.page(&org, 2, 2).unwrap();
        assert_eq!(total, 5);
        let scope = memory.scope(&org).unwrap();
        let expected: Vec<Runner> = [3, 4]
            .iter()
            .map(|&id| memory.runner(scope.runner(id).unwrap()))
            .collect();
        let page: Vec<Runner> = serde_json::from_str(json.get()).unwrap();
        assert_eq!(page, expected);
        assert_eq!(page[1].labels[1].name, "gpu");
        assert_eq!(
            json.get(),
            serde_json::to_string(&expected).unwrap(),
            "same keys in the same order"
        );
    }

    #[test]
    fn pages_past_the_end_and_unknown_scopes_are_empty() {
        let memory = memory_with_runners(3);
        let org = Scope::Org("octo-org".to_owned());
        assert_eq!(memory.page(&org, 30, 30).unwrap().1.get(), "[]");
        assert_eq!(memory.page(&org, 30, u64::MAX).unwrap().1.get(), "[]");
        let other = Scope::Org("other".to_owned());
        assert_eq!(memory.page(&other, 30, 0).unwrap().0, 0);
    }

    #[test]
    fn runners_stay_in_id_order_and_share_label_lists() {
        let mut memory = memory_with_runners(4);
        let removed = memory.remove_runner(2).unwrap();
        assert_eq!(&*removed.name, "runner-2");
        // A replaced runner comes back under its old id, in its old place.
        memory.add_runner(
            1,
            NewEntry {
                id: 2,
                name: "again",
                os: Os::Macos,
                status: RunnerStatus::Offline,
                busy: false,
                label_ids: &[1, 8],
            },
        );
        let scope = memory.scope_by_id(1).unwrap();
        let ids: Vec<i64> = scope.runners().iter().map(|r| r.id).collect();
        assert_eq!(ids, [1, 2, 3, 4]);
        assert!(Arc::ptr_eq(
            &scope.runners()[1].labels,
            &scope.runners()[3].labels
        ));
        assert_eq!(memory.find_runner(3).unwrap().0.id, 1);
        assert!(memory.update_runner(3, None, Some(true)).unwrap().busy);
        assert!(memory.update_runner(99, None, Some(true)).is_none());
    }

    #[test]
    fn a_full_scope_pushes_out_its_oldest_token() {
        let mut memory = memory_with_runners(0);
        let entry = TokenEntry {
            scope_id: 1,
            kind: TokenKind::Registration,
            expires_at: 10,
        };
        let registration = |n| std::iter::repeat_n((1, TokenKind::Registration), n);
        for i in 0..MAX_LIVE_TOKENS {
            assert!(memory.tokens_to_evict(registration(1)).is_empty());
            memory.insert_token(&format!("T{i}"), entry);
        }
        let evicted = memory.tokens_to_evict(registration(2));
        let evicted: Vec<&str> = evicted.iter().map(|t| &**t).collect();
        assert_eq!(evicted, ["T0", "T1"]);
        let remove = std::iter::once((1, TokenKind::Remove));
        assert!(memory.tokens_to_evict(remove).is_empty());
        memory.remove_token("T0");
        assert!(memory.token("T0").is_none());
        assert_eq!(memory.tokens_to_evict(registration(1)).len(), 0);
        memory.remove_expired_tokens(10);
        assert_eq!(memory.tokens(0).count(), 0);
        assert!(memory.scopes()[0].tokens[0].is_empty());
    }
}
