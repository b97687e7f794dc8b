//! Runner groups in memory: each with its settings and its runners' ids in
//! id order, so that a page of a group's runners is a slice too.

use super::{Memory, ScopeEntry, decode, slice};
use crate::model::Visibility;
use crate::store::groups::GroupRow;

/// GitHub shows every scope's default group with this id.
pub const DEFAULT_GROUP_NUMBER: i64 = 1;

#[derive(Debug, Clone)]
pub struct GroupEntry {
    /// The stored id; see [`GroupEntry::number`] for the one GitHub shows.
    pub id: i64,
    pub scope_id: i64,
    pub name: Box<str>,
    pub is_default: bool,
    pub visibility: Visibility,
    pub allows_public_repositories: bool,
    pub restricted_to_workflows: bool,
    pub selected_workflows: Vec<String>,
    /// The organizations or repositories a `selected` group serves, by
    /// scope id, in the order given.
    pub selected_ids: Vec<i64>,
    /// In id order.
    runners: Vec<i64>,
}

impl GroupEntry {
    /// The id GitHub shows: 1 for a default group, the stored id otherwise
    /// (never 1, see the migration).
    pub fn number(&self) -> i64 {
        if self.is_default {
            DEFAULT_GROUP_NUMBER
        } else {
            self.id
        }
    }

    /// Its runners' ids, in id order.
    pub fn runner_ids(&self) -> &[i64] {
        &self.runners
    }

    /// One page of its runners' ids.
    pub fn runner_page(&self, limit: u32, offset: u64) -> &[i64] {
        slice(&self.runners, limit, offset)
    }

    pub(super) fn reserve(&mut self, additional: usize) {
        self.runners.reserve(additional);
    }

    pub(super) fn add_runner(&mut self, runner_id: i64) {
        if let Err(at) = self.runners.binary_search(&runner_id) {
            self.runners.insert(at, runner_id);
        }
    }

    pub(super) fn remove_runner(&mut self, runner_id: i64) {
        if let Ok(at) = self.runners.binary_search(&runner_id) {
            self.runners.remove(at);
        }
    }

    pub(super) fn retain_runners(&mut self, keep: impl FnMut(&i64) -> bool) {
        self.runners.retain(keep);
    }

    /// The row that stores it.
    pub fn row(&self) -> GroupRow {
        GroupRow {
            runner_group_id: self.id,
            scope_id: self.scope_id,
            name: self.name.to_string(),
            is_default: self.is_default,
            visibility: self.visibility.as_str().to_owned(),
            allows_public_repositories: self.allows_public_repositories,
            restricted_to_workflows: self.restricted_to_workflows,
            selected_workflows: serde_json::to_string(&self.selected_workflows)
                .unwrap_or_else(|_| "[]".to_owned()),
            selected_ids: serde_json::to_string(&self.selected_ids)
                .unwrap_or_else(|_| "[]".to_owned()),
        }
    }

    /// Whether it serves the organization or repository `scope_id`.
    pub fn serves(&self, scope_id: i64) -> bool {
        match self.visibility {
            Visibility::All | Visibility::Private => true,
            Visibility::Selected => self.selected_ids.contains(&scope_id),
        }
    }
}

impl Memory {
    /// A group by its stored id.
    pub fn group(&self, id: i64) -> Option<&GroupEntry> {
        self.groups.get(&id)
    }

    /// A scope's own groups, in id order, the default first.
    pub fn groups_of<'a>(&'a self, scope: &'a ScopeEntry) -> impl Iterator<Item = &'a GroupEntry> {
        scope.groups.iter().filter_map(|id| self.groups.get(id))
    }

    /// A scope's default group.
    pub fn default_group<'a>(&'a self, scope: &'a ScopeEntry) -> Option<&'a GroupEntry> {
        self.groups_of(scope).find(|g| g.is_default)
    }

    /// The group of a scope that GitHub shows with this id.
    pub fn group_numbered<'a>(
        &'a self,
        scope: &'a ScopeEntry,
        number: i64,
    ) -> Option<&'a GroupEntry> {
        if number == DEFAULT_GROUP_NUMBER {
            return self.default_group(scope);
        }
        self.groups
            .get(&number)
            .filter(|g| g.scope_id == scope.id && !g.is_default)
    }

    /// The group of a scope with this name (any case).
    pub fn group_named<'a>(&'a self, scope: &'a ScopeEntry, name: &str) -> Option<&'a GroupEntry> {
        self.groups_of(scope)
            .find(|g| g.name.eq_ignore_ascii_case(name))
    }

    /// The enterprise groups an organization inherits: those of its
    /// enterprise that serve it, the enterprise's default group aside (its
    /// id would be the organization's own default's).
    pub fn inherited_groups<'a>(
        &'a self,
        org: &'a ScopeEntry,
    ) -> impl Iterator<Item = &'a GroupEntry> + 'a {
        let enterprise = org.enterprise_id.and_then(|id| self.scope_by_id(id));
        enterprise
            .into_iter()
            .flat_map(|enterprise| self.groups_of(enterprise))
            .filter(|g| !g.is_default && g.serves(org.id))
    }

    /// Adds a group as stored; a default group takes the first place in its
    /// scope.
    pub fn add_group(&mut self, row: GroupRow) -> Result<(), sqlx::Error> {
        let group = GroupEntry {
            id: row.runner_group_id,
            scope_id: row.scope_id,
            name: row.name.into_boxed_str(),
            is_default: row.is_default,
            visibility: row.visibility.parse().map_err(decode)?,
            allows_public_repositories: row.allows_public_repositories,
            restricted_to_workflows: row.restricted_to_workflows,
            selected_workflows: serde_json::from_str(&row.selected_workflows)
                .map_err(|e| decode(e.to_string()))?,
            selected_ids: serde_json::from_str(&row.selected_ids)
                .map_err(|e| decode(e.to_string()))?,
            runners: Vec::new(),
        };
        let index = self
            .scope_index_by_id(group.scope_id)
            .ok_or_else(|| decode(format!("runner group {} has no scope", group.id)))?;
        let ids = &mut self.scopes[index].groups;
        if let Err(at) = ids.binary_search(&group.id) {
            ids.insert(at, group.id);
        }
        self.groups.insert(group.id, group);
        Ok(())
    }

    /// Writes a group's settings (not its runners) as stored.
    pub fn update_group(&mut self, row: GroupRow) -> Result<(), sqlx::Error> {
        let id = row.runner_group_id;
        let runners = self
            .groups
            .get_mut(&id)
            .map(|g| std::mem::take(&mut g.runners))
            .unwrap_or_default();
        self.add_group(row)?;
        if let Some(group) = self.groups.get_mut(&id) {
            group.runners = runners;
        }
        self.jobs.rescan();
        Ok(())
    }

    /// Deletes a group, its runners moved to `to` first.
    pub fn remove_group(&mut self, id: i64, to: i64) {
        let moved: Vec<i64> = self
            .groups
            .get(&id)
            .map(|g| g.runners.clone())
            .unwrap_or_default();
        self.move_runners(&moved, to);
        self.jobs.rescan();
        if let Some(group) = self.groups.remove(&id)
            && let Some(index) = self.scope_index_by_id(group.scope_id)
        {
            self.scopes[index].groups.retain(|&g| g != id);
        }
    }

    /// Puts runners into a group.
    pub fn move_runners(&mut self, runner_ids: &[i64], to: i64) {
        for &runner_id in runner_ids {
            let mut from = None;
            let moved = self.change_runner(runner_id, |entry| {
                from = entry.group();
                entry.group = super::group_slot(Some(to));
            });
            if moved.is_none() {
                continue;
            }
            if let Some(group) = from.and_then(|id| self.groups.get_mut(&id)) {
                group.remove_runner(runner_id);
            }
            if let Some(group) = self.groups.get_mut(&to) {
                group.add_runner(runner_id);
            }
        }
    }
}
