//! Repository, organization and global webhooks: their settings over REST,
//! pings, and the deliveries API.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::apps::check_hook_url;
use super::deliveries::outgoing_of;
use super::memory::{HookEntry, HookKind, Memory};
use super::{PageRequest, Service};
use crate::error::{Error, FieldError};
use crate::model::Scope;
use crate::shapes::{format_s, path_segment};
use crate::store::hooks::{self as stored, DeliveryQuery, DeliveryRow, HookRow};
use crate::version::Feature;

/// GitHub keeps at most this many hooks on one repository or organization.
const MAX_HOOKS: usize = 250;

/// The events a hook can subscribe to, as GitHub names them.
pub const HOOK_EVENTS: &[&str] = &[
    "branch_protection_rule",
    "check_run",
    "check_suite",
    "code_scanning_alert",
    "commit_comment",
    "create",
    "delete",
    "dependabot_alert",
    "deploy_key",
    "deployment",
    "deployment_protection_rule",
    "deployment_review",
    "deployment_status",
    "discussion",
    "discussion_comment",
    "enterprise",
    "fork",
    "gollum",
    "installation",
    "installation_repositories",
    "issue_comment",
    "issues",
    "label",
    "member",
    "membership",
    "merge_group",
    "meta",
    "milestone",
    "org_block",
    "organization",
    "package",
    "page_build",
    "ping",
    "project",
    "project_card",
    "project_column",
    "public",
    "pull_request",
    "pull_request_review",
    "pull_request_review_comment",
    "pull_request_review_thread",
    "push",
    "registry_package",
    "release",
    "repository",
    "repository_dispatch",
    "repository_vulnerability_alert",
    "secret_scanning_alert",
    "secret_scanning_alert_location",
    "security_advisory",
    "security_and_analysis",
    "star",
    "status",
    "team",
    "team_add",
    "user",
    "watch",
    "workflow_dispatch",
    "workflow_job",
    "workflow_run",
];

/// `insecure_ssl` as GitHub takes it: `"0"`, `"1"`, `0` or `1`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum InsecureSsl {
    Text(String),
    Number(i64),
}

/// A hook's `config`. Other keys GitHub keeps for old services are taken
/// and ignored.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HookConfig {
    pub url: Option<String>,
    pub content_type: Option<String>,
    pub secret: Option<String>,
    pub insecure_ssl: Option<InsecureSsl>,
}

/// A hook to make.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewHook {
    pub name: Option<String>,
    pub config: Option<HookConfig>,
    pub events: Option<Vec<String>>,
    pub active: Option<bool>,
}

/// A change to a hook.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HookUpdate {
    pub name: Option<String>,
    pub config: Option<HookConfig>,
    pub events: Option<Vec<String>>,
    pub add_events: Option<Vec<String>>,
    pub remove_events: Option<Vec<String>>,
    pub active: Option<bool>,
}

/// Where a hook lives: a repository, an organization, or the appliance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookOwner {
    Scope(Scope),
    Global,
}

impl HookOwner {
    fn kind(&self) -> HookKind {
        match self {
            HookOwner::Scope(Scope::Repo { .. }) => HookKind::Repo,
            HookOwner::Scope(_) => HookKind::Org,
            HookOwner::Global => HookKind::Global,
        }
    }
}

/// A page of deliveries, and the cursor of the next.
#[derive(Debug, Clone)]
pub struct DeliveryPage {
    pub items: Vec<Value>,
    pub next_cursor: Option<String>,
}

/// Which deliveries a deliveries list shows.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    pub per_page: Option<i64>,
    pub cursor: Option<String>,
    pub status: Option<String>,
    pub redelivery: Option<String>,
}

fn hook_error(field: &str, message: impl Into<String>) -> Error {
    Error::Validation(vec![
        FieldError::new("Hook", field, "custom").with_message(message),
    ])
}

impl Service {
    /// A hook's events, checked: every name one GitHub knows (`*` for all).
    fn check_events(&self, events: &[String]) -> Result<(), Error> {
        for event in events {
            let known = event == "*"
                || (HOOK_EVENTS.contains(&event.as_str())
                    && (event != "workflow_job" || self.has(Feature::JobRunnerFields)));
            if !known {
                return Err(hook_error(
                    "events",
                    format!("{event:?} is not a valid event name"),
                ));
            }
        }
        Ok(())
    }

    /// Applies a config to a hook's settings, checking each value.
    fn apply_config(hook: &mut HookEntry, config: HookConfig) -> Result<(), Error> {
        if let Some(url) = config.url {
            check_hook_url(&url)?;
            hook.url = url;
        }
        if let Some(content_type) = config.content_type {
            if content_type != "json" && content_type != "form" {
                return Err(hook_error(
                    "content_type",
                    format!("{content_type:?} is not json or form"),
                ));
            }
            hook.content_type = content_type;
        }
        if let Some(secret) = config.secret {
            hook.secret = (!secret.is_empty()).then_some(secret);
        }
        if let Some(insecure) = config.insecure_ssl {
            hook.insecure_ssl = match insecure {
                InsecureSsl::Text(text) if text == "0" || text == "1" => text,
                InsecureSsl::Number(n @ (0 | 1)) => n.to_string(),
                _ => return Err(hook_error("insecure_ssl", "insecure_ssl must be 0 or 1")),
            };
        }
        Ok(())
    }

    /// The scope id a hook of this owner hangs off, the scope being made on
    /// first use.
    async fn owner_id(
        &self,
        writer: &mut super::Writer,
        owner: &HookOwner,
    ) -> Result<Option<i64>, Error> {
        match owner {
            HookOwner::Global => Ok(None),
            HookOwner::Scope(scope) => Ok(Some(writer.ensure_scope(scope).await?)),
        }
    }

    /// A hook of this owner, or not found.
    fn owned_hook(
        &self,
        memory: &Memory,
        owner: &HookOwner,
        hook_id: i64,
    ) -> Result<HookEntry, Error> {
        let scope_id = match owner {
            HookOwner::Global => None,
            HookOwner::Scope(scope) => Some(memory.scope(scope).ok_or(Error::NotFound)?.id),
        };
        memory
            .hook(hook_id)
            .filter(|h| h.kind == owner.kind() && h.scope_id == scope_id)
            .cloned()
            .ok_or(Error::NotFound)
    }

    /// Makes a hook, then pings it, as GitHub does.
    #[tracing::instrument(skip_all, fields(owner = ?owner))]
    pub async fn create_hook(
        &self,
        owner: &HookOwner,
        new: NewHook,
        origin: &str,
    ) -> Result<Value, Error> {
        if let Some(name) = &new.name
            && name != "web"
        {
            return Err(hook_error(
                "name",
                format!("{name:?} is not a valid hook name; use web"),
            ));
        }
        let config = new.config.unwrap_or_default();
        if config.url.is_none() {
            return Err(Error::Validation(vec![
                FieldError::new("Hook", "url", "missing_field")
                    .with_message("config.url is required"),
            ]));
        }
        let kind = owner.kind();
        let events = new.events.unwrap_or_else(|| match kind {
            HookKind::Global => vec!["user".to_owned(), "organization".to_owned()],
            _ => vec!["push".to_owned()],
        });
        self.check_events(&events)?;
        let now = self.clock.now_ms();
        let mut hook = HookEntry {
            id: 0,
            kind,
            scope_id: None,
            active: new.active.unwrap_or(true),
            events: dedup(events),
            url: String::new(),
            content_type: "form".to_owned(),
            secret: None,
            insecure_ssl: "0".to_owned(),
            last_response: Default::default(),
            created_at: now,
            updated_at: now,
        };
        Self::apply_config(&mut hook, config)?;
        let mut writer = self.writer().await?;
        hook.scope_id = self.owner_id(&mut writer, owner).await?;
        if self.memory().hooks_of(kind, hook.scope_id).count() >= MAX_HOOKS {
            return Err(hook_error(
                "hook",
                format!("cannot have more than {MAX_HOOKS} webhooks"),
            ));
        }
        let row: HookRow = stored::insert(writer.conn()?, &hook.row()).await?;
        let hook = HookEntry::from_row(row)?;
        writer.apply(|memory| memory.put_hook(hook.clone()));
        let body = self.hook_json(&self.memory(), &hook, origin);
        if hook.active {
            self.ping_in(&mut writer, &hook).await?;
        }
        Ok(body)
    }

    /// Sends a hook a `ping`, recorded like any delivery.
    async fn ping_in(&self, writer: &mut super::Writer, hook: &HookEntry) -> Result<(), Error> {
        let planned = self.plan_ping(&self.memory(), hook);
        let outgoing = self
            .insert_deliveries(writer.conn()?, vec![planned])
            .await?;
        writer.settle();
        self.send(outgoing);
        Ok(())
    }

    /// A page of an owner's hooks, in id order.
    pub fn list_hooks(
        &self,
        owner: &HookOwner,
        request: PageRequest,
        origin: &str,
    ) -> crate::model::Page<Vec<Value>> {
        let memory = self.memory();
        let scope_id = match owner {
            HookOwner::Global => None,
            HookOwner::Scope(scope) => match memory.scope(scope) {
                Some(entry) => Some(entry.id),
                None => {
                    return crate::model::Page {
                        items: Vec::new(),
                        total_count: 0,
                        page: request.page,
                        per_page: request.per_page,
                    };
                }
            },
        };
        let hooks: Vec<&HookEntry> = memory.hooks_of(owner.kind(), scope_id).collect();
        let items = hooks
            .iter()
            .skip(usize::try_from(request.offset()).unwrap_or(usize::MAX))
            .take(request.per_page as usize)
            .map(|hook| self.hook_json(&memory, hook, origin))
            .collect();
        crate::model::Page {
            items,
            total_count: hooks.len() as i64,
            page: request.page,
            per_page: request.per_page,
        }
    }

    pub fn get_hook(&self, owner: &HookOwner, hook_id: i64, origin: &str) -> Result<Value, Error> {
        let memory = self.memory();
        let hook = self.owned_hook(&memory, owner, hook_id)?;
        Ok(self.hook_json(&memory, &hook, origin))
    }

    /// Changes a hook's settings, events and config.
    #[tracing::instrument(skip_all, fields(owner = ?owner, hook_id))]
    pub async fn update_hook(
        &self,
        owner: &HookOwner,
        hook_id: i64,
        update: HookUpdate,
        origin: &str,
    ) -> Result<Value, Error> {
        if let Some(name) = &update.name
            && name != "web"
        {
            return Err(hook_error(
                "name",
                format!("{name:?} is not a valid hook name; use web"),
            ));
        }
        let mut writer = self.writer().await?;
        let mut hook = self.owned_hook(&self.memory(), owner, hook_id)?;
        if let Some(events) = update.events {
            self.check_events(&events)?;
            hook.events = dedup(events);
        }
        if let Some(add) = update.add_events {
            self.check_events(&add)?;
            hook.events = dedup(hook.events.into_iter().chain(add).collect());
        }
        if let Some(remove) = update.remove_events {
            hook.events.retain(|e| !remove.contains(e));
        }
        if let Some(active) = update.active {
            hook.active = active;
        }
        if let Some(config) = update.config {
            // A config replaces the secret as GitHub documents it: "If you
            // previously had a secret set, you must provide the same secret
            // or set a new secret or the secret will be removed". Only
            // PATCH …/config keeps what it does not name.
            if config.secret.is_none() {
                hook.secret = None;
            }
            Self::apply_config(&mut hook, config)?;
        }
        let global = hook.kind == HookKind::Global;
        let mut body = self.store_hook(&mut writer, hook, origin).await?;
        // GitHub answers a global hook's update without its secret
        // (`global-hook-2`), masked or not.
        if global && let Some(config) = body["config"].as_object_mut() {
            config.remove("secret");
        }
        Ok(body)
    }

    /// Changes a hook's config only.
    pub async fn update_hook_config(
        &self,
        owner: &HookOwner,
        hook_id: i64,
        config: HookConfig,
    ) -> Result<Value, Error> {
        let mut writer = self.writer().await?;
        let mut hook = self.owned_hook(&self.memory(), owner, hook_id)?;
        Self::apply_config(&mut hook, config)?;
        let origin = self.public_url().to_owned();
        let body = self.store_hook(&mut writer, hook, &origin).await?;
        Ok(body["config"].clone())
    }

    async fn store_hook(
        &self,
        writer: &mut super::Writer,
        mut hook: HookEntry,
        origin: &str,
    ) -> Result<Value, Error> {
        hook.updated_at = self.clock.now_ms();
        stored::update(writer.conn()?, &hook.row()).await?;
        writer.apply(|memory| memory.put_hook(hook.clone()));
        Ok(self.hook_json(&self.memory(), &hook, origin))
    }

    pub fn hook_config(&self, owner: &HookOwner, hook_id: i64) -> Result<Value, Error> {
        let memory = self.memory();
        let hook = self.owned_hook(&memory, owner, hook_id)?;
        Ok(config_json(&hook))
    }

    /// Deletes a hook and its deliveries.
    pub async fn delete_hook(&self, owner: &HookOwner, hook_id: i64) -> Result<(), Error> {
        let mut writer = self.writer().await?;
        self.owned_hook(&self.memory(), owner, hook_id)?;
        let mut tx = writer.begin().await?;
        stored::delete(&mut tx, hook_id).await?;
        tx.commit().await?;
        writer.apply(|memory| memory.remove_hook(hook_id));
        Ok(())
    }

    /// `POST …/pings`: a `ping` now.
    pub async fn ping_hook(&self, owner: &HookOwner, hook_id: i64) -> Result<(), Error> {
        let mut writer = self.writer().await?;
        let hook = self.owned_hook(&self.memory(), owner, hook_id)?;
        self.ping_in(&mut writer, &hook).await
    }

    /// `POST …/tests`: GitHub resends the latest push to a hook subscribed
    /// to pushes; the mock has no pushes, so nothing is sent.
    pub fn test_hook(&self, owner: &HookOwner, hook_id: i64) -> Result<(), Error> {
        self.owned_hook(&self.memory(), owner, hook_id).map(drop)
    }

    /// A page of a hook's deliveries, newest first, paged by cursor.
    pub async fn list_deliveries(
        &self,
        owner: &HookOwner,
        hook_id: i64,
        filter: &DeliveryFilter,
    ) -> Result<DeliveryPage, Error> {
        self.owned_hook(&self.memory(), owner, hook_id)?;
        let per_page = filter
            .per_page
            .map_or(30, |n| if n < 1 { 30 } else { n.min(100) });
        let before = match filter.cursor.as_deref() {
            None | Some("") => None,
            Some(cursor) => Some(
                cursor
                    .strip_prefix("v1_")
                    .and_then(|id| id.parse::<i64>().ok())
                    .ok_or_else(|| {
                        Error::invalid("Delivery", "cursor", format!("{cursor:?} is not a cursor"))
                    })?,
            ),
        };
        let success = match filter.status.as_deref() {
            None => None,
            Some(_) if !self.has(Feature::DeliveryStatusFilter) => None,
            Some("success") => Some(true),
            Some("failure") => Some(false),
            Some(other) => {
                return Err(Error::invalid(
                    "Delivery",
                    "status",
                    format!("{other:?} is not success or failure"),
                ));
            }
        };
        let redelivery_filter =
            self.has(Feature::JobRunnerFields) && !self.has(Feature::DeliveryThrottledAt);
        let redelivery = match filter.redelivery.as_deref() {
            Some("true") if redelivery_filter => Some(true),
            Some("false") if redelivery_filter => Some(false),
            _ => None,
        };
        let query = DeliveryQuery {
            hook_id: Some(hook_id),
            sent_only: true,
            before,
            success,
            redelivery,
            limit: per_page + 1,
            ..DeliveryQuery::default()
        };
        let mut writer = self.writer().await?;
        let mut rows = stored::list(writer.conn()?, &query).await?;
        writer.settle();
        drop(writer);
        let more = rows.len() as i64 > per_page;
        rows.truncate(usize::try_from(per_page).unwrap_or(30));
        let next_cursor = more
            .then(|| rows.last().map(|r| format!("v1_{}", r.delivery_id)))
            .flatten();
        Ok(DeliveryPage {
            items: rows.iter().map(|row| self.delivery_item(row)).collect(),
            next_cursor,
        })
    }

    /// A delivery made to a hook, or not found.
    async fn hook_delivery(
        &self,
        owner: &HookOwner,
        hook_id: i64,
        delivery_id: i64,
    ) -> Result<DeliveryRow, Error> {
        self.owned_hook(&self.memory(), owner, hook_id)?;
        let mut writer = self.writer().await?;
        let row = stored::get(writer.conn()?, delivery_id).await?;
        writer.settle();
        row.filter(|r| r.hook_id == Some(hook_id) && r.state == "sent")
            .ok_or(Error::NotFound)
    }

    /// One delivery with its request and response.
    pub async fn get_delivery(
        &self,
        owner: &HookOwner,
        hook_id: i64,
        delivery_id: i64,
    ) -> Result<Value, Error> {
        let row = self.hook_delivery(owner, hook_id, delivery_id).await?;
        Ok(self.delivery_full(&row))
    }

    /// Sends a delivery again: a new delivery with the same GUID and bytes.
    pub async fn redeliver(
        &self,
        owner: &HookOwner,
        hook_id: i64,
        delivery_id: i64,
    ) -> Result<(), Error> {
        let row = self.hook_delivery(owner, hook_id, delivery_id).await?;
        self.redeliver_row(row).await
    }

    /// A delivery of any hook or App, sent again.
    pub(super) async fn redeliver_row(&self, row: DeliveryRow) -> Result<(), Error> {
        let again = DeliveryRow {
            delivery_id: 0,
            redelivery: true,
            state: "pending".to_owned(),
            status: None,
            status_code: None,
            duration: None,
            delivered_at: None,
            response_headers: None,
            response_body: None,
            created_at: self.clock.now_ms(),
            ..row
        };
        let mut writer = self.writer().await?;
        let delivery_id = stored::insert_delivery(writer.conn()?, &again).await?;
        writer.settle();
        let outgoing = outgoing_of(
            &self.memory(),
            DeliveryRow {
                delivery_id,
                ..again
            },
        );
        drop(writer);
        self.send(outgoing.into_iter().collect());
        Ok(())
    }

    /// A hook as GitHub shows it: `hook`, `org-hook` or `global-hook`.
    pub(super) fn hook_json(&self, memory: &Memory, hook: &HookEntry, origin: &str) -> Value {
        let base = match (
            hook.kind,
            hook.scope_id.and_then(|id| memory.scope_by_id(id)),
        ) {
            (HookKind::Repo, Some(entry)) => match &entry.scope {
                Scope::Repo { owner, repo } => format!(
                    "{origin}/api/v3/repos/{}/{}/hooks",
                    path_segment(owner),
                    path_segment(repo)
                ),
                _ => String::new(),
            },
            (HookKind::Org, Some(entry)) => format!(
                "{origin}/api/v3/orgs/{}/hooks",
                path_segment(&entry.scope.name())
            ),
            _ => format!("{origin}/api/v3/admin/hooks"),
        };
        let url = format!("{base}/{}", hook.id);
        let deliveries = self.has(Feature::HookDeliveries);
        let mut body = Map::new();
        let mut put = |key: &str, value: Value| {
            body.insert(key.to_owned(), value);
        };
        match hook.kind {
            HookKind::Repo => {
                put("type", json!("Repository"));
                put("id", json!(hook.id));
                put("name", json!("web"));
                put("active", json!(hook.active));
                put("events", json!(hook.events));
                put("config", config_json(hook));
                put("updated_at", json!(format_s(hook.updated_at)));
                put("created_at", json!(format_s(hook.created_at)));
                put("url", json!(url));
                put("test_url", json!(format!("{url}/tests")));
                put("ping_url", json!(format!("{url}/pings")));
                if deliveries {
                    put("deliveries_url", json!(format!("{url}/deliveries")));
                }
                put("last_response", json!(hook.last_response));
            }
            HookKind::Org => {
                put("id", json!(hook.id));
                put("url", json!(url));
                put("ping_url", json!(format!("{url}/pings")));
                if deliveries {
                    put("deliveries_url", json!(format!("{url}/deliveries")));
                }
                put("name", json!("web"));
                put("events", json!(hook.events));
                put("active", json!(hook.active));
                put("config", config_json(hook));
                put("updated_at", json!(format_s(hook.updated_at)));
                put("created_at", json!(format_s(hook.created_at)));
                put("type", json!("Organization"));
            }
            HookKind::Global => {
                put("type", json!("Global"));
                put("id", json!(hook.id));
                put("name", json!("web"));
                put("active", json!(hook.active));
                put("events", json!(hook.events));
                put("config", config_json(hook));
                put("updated_at", json!(format_s(hook.updated_at)));
                put("created_at", json!(format_s(hook.created_at)));
                put("url", json!(url));
                put("ping_url", json!(format!("{url}/pings")));
            }
        }
        Value::Object(body)
    }

    /// A delivery as a list shows it (`hook-delivery-item`).
    pub(super) fn delivery_item(&self, row: &DeliveryRow) -> Value {
        let mut body = json!({
            "id": row.delivery_id,
            "guid": row.guid,
            "delivered_at": format_s(row.delivered_at.unwrap_or(row.created_at)),
            "redelivery": row.redelivery,
            "duration": row.duration.unwrap_or(0.0),
            "status": row.status.as_deref().unwrap_or("pending"),
            "status_code": row.status_code.unwrap_or(0),
            "event": row.event,
            "action": row.action,
            "installation_id": row.installation_id,
            "repository_id": row.repository_id,
        });
        if self.has(Feature::DeliveryThrottledAt) {
            body["throttled_at"] = Value::Null;
        }
        body
    }

    /// A delivery with its request and response (`hook-delivery`).
    pub(super) fn delivery_full(&self, row: &DeliveryRow) -> Value {
        let mut body = self.delivery_item(row);
        let pairs = |text: Option<&str>| -> Map<String, Value> {
            let pairs: Vec<(String, String)> = text
                .and_then(|t| serde_json::from_str(t).ok())
                .unwrap_or_default();
            pairs
                .into_iter()
                .map(|(name, value)| (name, Value::String(value)))
                .collect()
        };
        body["url"] = json!(row.url);
        body["request"] = json!({
            "headers": pairs(Some(&row.request_headers)),
            "payload": payload_of(&row.request_body),
        });
        body["response"] = json!({
            "headers": pairs(row.response_headers.as_deref()),
            "payload": row.response_body,
        });
        body
    }
}

/// A hook's `config`: the secret is never shown, only that there is one.
fn config_json(hook: &HookEntry) -> Value {
    let mut config = json!({
        "content_type": hook.content_type,
        "insecure_ssl": hook.insecure_ssl,
        "url": hook.url,
    });
    if hook.secret.is_some() {
        config["secret"] = json!("********");
    }
    config
}

/// The JSON a delivery carried: the body, or a form body's `payload`.
pub(super) fn payload_of(body: &[u8]) -> Value {
    if let Ok(value) = serde_json::from_slice(body) {
        return value;
    }
    form_urlencoded::parse(body)
        .find(|(key, _)| key == "payload")
        .and_then(|(_, json)| serde_json::from_str(&json).ok())
        .unwrap_or(Value::Null)
}

/// Each name once, in the order given.
fn dedup(names: Vec<String>) -> Vec<String> {
    let mut seen = Vec::with_capacity(names.len());
    for name in names {
        if !seen.contains(&name) {
            seen.push(name);
        }
    }
    seen
}
