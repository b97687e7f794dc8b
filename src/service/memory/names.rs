//! A scope's runners by name, for the `name` filter and name checks: a hash
//! table of runner ids, the names themselves read from the runners, so that
//! a lookup costs the same at any number of runners and the index costs a
//! few bytes a runner.

use std::hash::{BuildHasher, Hasher, RandomState};

use hashbrown::HashTable;

use super::RunnerEntry;

#[derive(Debug, Default)]
pub struct NameIndex {
    ids: HashTable<i64>,
}

/// Runner names compare as SQLite's NOCASE does: ASCII case folded.
fn hash(state: &RandomState, name: &str) -> u64 {
    let mut hasher = state.build_hasher();
    for byte in name.bytes() {
        hasher.write_u8(byte.to_ascii_lowercase());
    }
    hasher.finish()
}

/// The runner with this id among runners in id order.
fn by_id(runners: &[RunnerEntry], id: i64) -> Option<&RunnerEntry> {
    runners
        .binary_search_by_key(&id, |r| r.id)
        .ok()
        .map(|at| &runners[at])
}

impl NameIndex {
    /// The id of the runner called `name`, any case.
    pub fn find(&self, state: &RandomState, runners: &[RunnerEntry], name: &str) -> Option<i64> {
        self.ids
            .find(hash(state, name), |&id| {
                by_id(runners, id).is_some_and(|r| r.name.eq_ignore_ascii_case(name))
            })
            .copied()
    }

    /// Adds a runner already in `runners`.
    pub fn insert(&mut self, state: &RandomState, runners: &[RunnerEntry], runner: &RunnerEntry) {
        let rehash = |&id: &i64| by_id(runners, id).map_or(0, |r| hash(state, &r.name));
        self.ids
            .insert_unique(hash(state, &runner.name), runner.id, rehash);
    }

    /// Makes room for `additional` more runners.
    pub fn reserve(&mut self, state: &RandomState, runners: &[RunnerEntry], additional: usize) {
        let rehash = |&id: &i64| by_id(runners, id).map_or(0, |r| hash(state, &r.name));
        self.ids.reserve(additional, rehash);
    }

    /// Drops a runner, which may already be gone from the runners.
    pub fn remove(&mut self, state: &RandomState, name: &str, id: i64) {
        if let Ok(entry) = self.ids.find_entry(hash(state, name), |&other| other == id) {
            entry.remove();
        }
    }
}
