//! Webhooks in memory: what every event asks, "who hears of this?", is
//! answered without a query.

use std::collections::BTreeMap;

use super::{Memory, decode};
use crate::store::hooks::HookRow;

/// Where a hook was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookKind {
    Repo,
    Org,
    /// `/admin/hooks`: every event of the appliance it subscribes to.
    Global,
}

impl HookKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HookKind::Repo => "repo",
            HookKind::Org => "org",
            HookKind::Global => "global",
        }
    }
}

/// The answer to a hook's last delivery, as `last_response` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LastResponse {
    pub code: Option<i64>,
    pub status: String,
    pub message: Option<String>,
}

impl Default for LastResponse {
    /// A hook nothing was delivered to yet.
    fn default() -> Self {
        LastResponse {
            code: None,
            status: "unused".to_owned(),
            message: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookEntry {
    pub id: i64,
    pub kind: HookKind,
    /// The repository's or organization's scope id; none for a global hook.
    pub scope_id: Option<i64>,
    pub active: bool,
    pub events: Vec<String>,
    pub url: String,
    /// `json` or `form`.
    pub content_type: String,
    pub secret: Option<String>,
    pub insecure_ssl: String,
    pub last_response: LastResponse,
    pub created_at: i64,
    pub updated_at: i64,
}

impl HookEntry {
    pub fn from_row(row: HookRow) -> Result<HookEntry, sqlx::Error> {
        let kind = match row.kind.as_str() {
            "repo" => HookKind::Repo,
            "org" => HookKind::Org,
            "global" => HookKind::Global,
            other => return Err(decode(format!("unknown hook kind {other:?}"))),
        };
        let last_response = match row.last_response {
            None => LastResponse::default(),
            Some(text) => serde_json::from_str(&text).map_err(|e| decode(e.to_string()))?,
        };
        Ok(HookEntry {
            id: row.hook_id,
            kind,
            scope_id: row.scope_id,
            active: row.active,
            events: serde_json::from_str(&row.events).map_err(|e| decode(e.to_string()))?,
            url: row.url,
            content_type: row.content_type,
            secret: row.secret,
            insecure_ssl: row.insecure_ssl,
            last_response,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }

    /// The row that stores it.
    pub fn row(&self) -> HookRow {
        HookRow {
            hook_id: self.id,
            kind: self.kind.as_str().to_owned(),
            scope_id: self.scope_id,
            active: self.active,
            events: serde_json::to_string(&self.events).unwrap_or_else(|_| "[]".to_owned()),
            url: self.url.clone(),
            content_type: self.content_type.clone(),
            secret: self.secret.clone(),
            insecure_ssl: self.insecure_ssl.clone(),
            last_response: serde_json::to_string(&self.last_response).ok(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }

    /// Whether it is subscribed to an event (`*` is every event).
    pub fn wants(&self, event: &str) -> bool {
        self.active && self.events.iter().any(|e| e == event || e == "*")
    }
}

#[derive(Debug, Default)]
pub struct Hooks {
    by_id: BTreeMap<i64, HookEntry>,
}

impl Memory {
    pub fn hook(&self, hook_id: i64) -> Option<&HookEntry> {
        self.hooks.by_id.get(&hook_id)
    }

    /// The hooks of a kind and scope (none for global), in id order.
    pub fn hooks_of(
        &self,
        kind: HookKind,
        scope_id: Option<i64>,
    ) -> impl Iterator<Item = &HookEntry> {
        self.hooks
            .by_id
            .values()
            .filter(move |h| h.kind == kind && h.scope_id == scope_id)
    }

    /// The hooks that hear of `event` in a repository of an organization:
    /// the repository's, the organization's, and the global ones, in that
    /// order.
    pub fn hooks_hearing(
        &self,
        event: &str,
        repo_id: Option<i64>,
        org_id: Option<i64>,
    ) -> Vec<&HookEntry> {
        let mut hearing: Vec<&HookEntry> = self
            .hooks
            .by_id
            .values()
            .filter(|h| h.wants(event))
            .filter(|h| match h.kind {
                HookKind::Repo => h.scope_id.is_some() && h.scope_id == repo_id,
                HookKind::Org => h.scope_id.is_some() && h.scope_id == org_id,
                HookKind::Global => true,
            })
            .collect();
        hearing.sort_by_key(|h| (h.kind as u8, h.id));
        hearing
    }

    /// A hook as stored.
    pub fn put_hook(&mut self, hook: HookEntry) {
        self.hooks.by_id.insert(hook.id, hook);
    }

    pub fn remove_hook(&mut self, hook_id: i64) {
        self.hooks.by_id.remove(&hook_id);
    }

    /// Records a hook's last answer.
    pub fn set_last_response(&mut self, hook_id: i64, last: LastResponse) {
        if let Some(hook) = self.hooks.by_id.get_mut(&hook_id) {
            hook.last_response = last;
        }
    }
}
