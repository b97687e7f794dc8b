//! The deliveries a change causes: which hooks and Apps hear of it, the
//! payload each gets, and the rows that record them.
//!
//! A delivery is decided in the writer's turn and stored `pending` in the
//! same transaction as the change that caused it, so that an acknowledged
//! change never loses its webhook; once committed it goes to the engine
//! ([`crate::delivery`]), which sends it apart from the API. Each attempt
//! comes back as an outcome that [`Service::record_outcomes`] writes, a
//! batch at a time. A delivery still `pending` when the server stopped is
//! sent when it starts again.

use std::collections::HashMap;
use std::sync::PoisonError;

use serde_json::{Map, Value, json};
use sqlx::SqliteConnection;
use tokio::sync::mpsc;

use super::memory::{HookEntry, HookKind, JobChange, LastResponse, Memory, RunEntry};
use super::runs::repo_ref;
use super::{Service, Stretch, Writer};
use crate::delivery::{self, ContentType, Outcome, Outgoing, Request, Target, TargetKey};
use crate::error::Error;
use crate::model::{JobStatus, Scope};
use crate::shapes::{self, JobFields, JobShape};
use crate::store::hooks::{self as stored, Attempt, DeliveryRow};
use crate::version::Feature;

/// Outcomes written in one transaction, at most.
const RECORD_BATCH: usize = 64;

/// How long the recorder waits for more outcomes once one has come.
const RECORD_LINGER: std::time::Duration = std::time::Duration::from_millis(5);

/// The deliveries of this many job changes go to SQLite in one statement.
const JOBS_PER_INSERT: usize = 8;

/// A delivery decided in the writer's turn, not stored yet.
#[derive(Debug)]
pub(super) struct PlannedDelivery {
    row: DeliveryRow,
    target: TargetKey,
    insecure_ssl: bool,
    request: Request,
}

/// Who hears of an event, and what sets their payload apart.
struct Hearer {
    target: Target,
    insecure_ssl: bool,
    hook_id: Option<i64>,
    /// `installation` of an App's payload.
    installation_id: Option<i64>,
}

/// Who hears of a repository's jobs, and the end of their payloads
/// (`repository`, `organization`, …) as compact JSON.
struct RepoHearing {
    hearers: Vec<Hearer>,
    context: Vec<u8>,
}

/// An App's webhook settings as stored with the App.
#[derive(serde::Deserialize)]
struct AppHook {
    url: String,
    secret: Option<String>,
    content_type: Option<String>,
}

fn hook_target(hook: &HookEntry, enterprise_id: Option<i64>) -> Target {
    let (target_type, target_id) = match hook.kind {
        HookKind::Repo => ("repository", hook.scope_id.unwrap_or(0)),
        HookKind::Org => ("organization", hook.scope_id.unwrap_or(0)),
        HookKind::Global => ("business", enterprise_id.unwrap_or(1)),
    };
    Target {
        key: TargetKey::Hook(hook.id),
        url: hook.url.clone(),
        secret: hook.secret.clone(),
        content_type: ContentType::parse(&hook.content_type).unwrap_or(ContentType::Form),
        target_type,
        target_id,
    }
}

impl Service {
    /// What payloads and hooks point back at: the mock's own address, as
    /// clients reach it.
    pub(super) fn public_url(&self) -> &str {
        &self.settings.public_url
    }

    /// Who hears of `event` in a repository: its hooks, its organization's,
    /// the global ones, and the Apps installed where they reach it.
    fn hearers(&self, memory: &Memory, event: &str, repo_id: i64) -> Vec<Hearer> {
        let org = memory
            .scope_by_id(repo_id)
            .and_then(|repo| match &repo.scope {
                Scope::Repo { owner, .. } => memory.scope(&Scope::Org(owner.clone())),
                _ => None,
            });
        let enterprise_id = org.and_then(|o| o.enterprise_id);
        let mut hearers: Vec<Hearer> = memory
            .hooks_hearing(event, Some(repo_id), org.map(|o| o.id))
            .into_iter()
            .map(|hook| Hearer {
                target: hook_target(hook, enterprise_id),
                insecure_ssl: hook.insecure_ssl == "1",
                hook_id: Some(hook.id),
                installation_id: None,
            })
            .collect();
        let Some(org) = org else { return hearers };
        for app in memory.apps() {
            let Some(hook) = app
                .webhook
                .as_ref()
                .and_then(|w| serde_json::from_value::<AppHook>(w.clone()).ok())
            else {
                continue;
            };
            if !app.events.iter().any(|e| e == event) {
                continue;
            }
            let installation = memory.installations_of(app.id).find(|i| {
                i.account_id == org.id
                    && i.repository_ids
                        .as_ref()
                        .is_none_or(|ids| ids.contains(&repo_id))
            });
            let Some(installation) = installation else {
                continue;
            };
            let content_type = hook.content_type.as_deref().unwrap_or("json");
            hearers.push(Hearer {
                target: Target {
                    key: TargetKey::App(app.id),
                    url: hook.url,
                    secret: hook.secret,
                    content_type: ContentType::parse(content_type).unwrap_or(ContentType::Json),
                    target_type: "integration",
                    target_id: app.id,
                },
                insecure_ssl: false,
                hook_id: None,
                installation_id: Some(installation.id),
            });
        }
        hearers
    }

    /// The deliveries of one repository event to everyone who hears of it,
    /// with one GUID. `json` is the compact payload without `installation`,
    /// which an App's payload gets last.
    fn plan_event(
        &self,
        hearers: &[Hearer],
        event: &str,
        action: Option<&str>,
        repo_id: i64,
        json: &[u8],
    ) -> Vec<PlannedDelivery> {
        let guid = uuid::Uuid::new_v4().to_string();
        hearers
            .iter()
            .map(|hearer| match hearer.installation_id {
                None => self.planned(hearer, &guid, event, action, Some(repo_id), json),
                Some(id) => {
                    let installation =
                        json!({"id": id, "node_id": shapes::node_id("Installation", id)});
                    let json = with_last_field(json, "installation", &installation);
                    self.planned(hearer, &guid, event, action, Some(repo_id), &json)
                }
            })
            .collect()
    }

    /// One delivery's request and row.
    fn planned(
        &self,
        hearer: &Hearer,
        guid: &str,
        event: &str,
        action: Option<&str>,
        repository_id: Option<i64>,
        json: &[u8],
    ) -> PlannedDelivery {
        let request =
            delivery::build_request(&hearer.target, self.engine.settings(), guid, event, json);
        let row = DeliveryRow {
            hook_id: hearer.hook_id,
            app_id: match hearer.target.key {
                TargetKey::App(id) => Some(id),
                TargetKey::Hook(_) => None,
            },
            guid: guid.to_owned(),
            event: event.to_owned(),
            action: action.map(str::to_owned),
            installation_id: hearer.installation_id,
            repository_id,
            url: hearer.target.url.clone(),
            request_headers: serde_json::to_string(&request.headers)
                .unwrap_or_else(|_| "[]".to_owned()),
            request_body: request.body.to_vec(),
            state: "pending".to_owned(),
            created_at: self.clock.now_ms(),
            ..DeliveryRow::default()
        };
        PlannedDelivery {
            row,
            target: hearer.target.key,
            insecure_ssl: hearer.insecure_ssl,
            request,
        }
    }

    /// Plans and stores the `workflow_job` deliveries of job changes;
    /// `new_run` is the run of jobs just queued, not in memory yet. Payloads
    /// are made a job at a time, giving way between two (see [`Stretch`]),
    /// and stored
    /// [`JOBS_PER_INSERT`] jobs' worth to a statement.
    pub(super) async fn store_job_deliveries(
        &self,
        conn: &mut SqliteConnection,
        changes: &[JobChange],
        new_run: Option<&RunEntry>,
    ) -> Result<Vec<Outgoing>, sqlx::Error> {
        let mut repos = HashMap::new();
        let mut outgoing = Vec::new();
        let mut stretch = Stretch::start();
        for part in changes.chunks(JOBS_PER_INSERT) {
            let mut planned = Vec::new();
            for change in part {
                planned.extend(self.plan_job_delivery(&self.memory(), change, new_run, &mut repos));
                stretch.tick().await;
            }
            outgoing.extend(self.insert_deliveries(conn, planned).await?);
        }
        Ok(outgoing)
    }

    /// The `workflow_job` deliveries of one job change. `repos` keeps who
    /// hears of each repository's jobs, and the end of their payloads, found
    /// once: hooks and Apps change only in a writer's turn of their own.
    fn plan_job_delivery(
        &self,
        memory: &Memory,
        change: &JobChange,
        new_run: Option<&RunEntry>,
        repos: &mut HashMap<i64, Option<RepoHearing>>,
    ) -> Vec<PlannedDelivery> {
        if !self.has(Feature::JobRunnerFields) {
            return Vec::new();
        }
        let origin = self.public_url();
        let job = &change.job;
        let Some(run) = new_run
            .filter(|r| r.id == job.run_id)
            .or_else(|| memory.jobs().run(job.run_id))
        else {
            return Vec::new();
        };
        // `None` when no one hears: no payload is made.
        let heard = repos.entry(run.repo_id).or_insert_with(|| {
            let hearers = self.hearers(memory, "workflow_job", run.repo_id);
            if hearers.is_empty() {
                return None;
            }
            let mut context = Map::new();
            self.add_context(memory, &mut context, run.repo_id, origin);
            let context = serde_json::to_vec(&context).ok()?;
            Some(RepoHearing { hearers, context })
        });
        let Some(RepoHearing { hearers, context }) = heard else {
            return Vec::new();
        };
        let Some(repo) = repo_ref(memory, run.repo_id) else {
            return Vec::new();
        };
        let action = match job.status {
            JobStatus::Queued => "queued",
            JobStatus::InProgress => "in_progress",
            JobStatus::Completed => "completed",
        };
        let workflow_job = shapes::job(origin, JobShape { repo, run, job }, JobFields::ALL);
        // {"action":…,"workflow_job":…, then the context's fields}
        let mut json = Vec::with_capacity(4096 + context.len());
        json.extend_from_slice(b"{\"action\":\"");
        json.extend_from_slice(action.as_bytes());
        json.extend_from_slice(b"\",\"workflow_job\":");
        if serde_json::to_writer(&mut json, &workflow_job).is_err() {
            return Vec::new();
        }
        match context.get(1..) {
            Some(rest) if rest != b"}" => {
                json.push(b',');
                json.extend_from_slice(rest);
            }
            _ => json.push(b'}'),
        }
        self.plan_event(hearers, "workflow_job", Some(action), run.repo_id, &json)
    }

    /// `repository`, `organization`, `enterprise` and `sender`, as every
    /// repository event carries them.
    fn add_context(
        &self,
        memory: &Memory,
        payload: &mut Map<String, Value>,
        repo_id: i64,
        origin: &str,
    ) {
        let Some(repo) = repo_ref(memory, repo_id) else {
            return;
        };
        payload.insert("repository".into(), repo.json(origin));
        let org = memory.scope(&Scope::Org(repo.owner.to_owned()));
        if let Some(org) = org {
            payload.insert(
                "organization".into(),
                shapes::organization(origin, org.id, repo.owner),
            );
            if let Some(enterprise) = org.enterprise_id.and_then(|id| memory.scope_by_id(id)) {
                payload.insert(
                    "enterprise".into(),
                    shapes::enterprise(origin, enterprise.id, &enterprise.scope.name()),
                );
            }
        }
        payload.insert("sender".into(), shapes::actor(origin));
    }

    /// The `ping` a hook gets when it is made, or asked for one.
    pub(super) fn plan_ping(&self, memory: &Memory, hook: &HookEntry) -> PlannedDelivery {
        let origin = self.public_url();
        let mut payload = Map::new();
        payload.insert("zen".into(), json!(zen(hook.id)));
        payload.insert("hook_id".into(), json!(hook.id));
        payload.insert("hook".into(), self.hook_json(memory, hook, origin));
        let (repository_id, enterprise_id) = match (hook.kind, hook.scope_id) {
            (HookKind::Repo, Some(repo_id)) => {
                self.add_context(memory, &mut payload, repo_id, origin);
                payload.remove("enterprise");
                payload.remove("organization");
                (Some(repo_id), None)
            }
            (HookKind::Org, Some(org_id)) => {
                if let Some(org) = memory.scope_by_id(org_id) {
                    payload.insert(
                        "organization".into(),
                        shapes::organization(origin, org.id, &org.scope.name()),
                    );
                }
                payload.insert("sender".into(), shapes::actor(origin));
                (None, None)
            }
            _ => {
                payload.insert("sender".into(), shapes::actor(origin));
                (None, None)
            }
        };
        let hearer = Hearer {
            target: hook_target(hook, enterprise_id),
            insecure_ssl: hook.insecure_ssl == "1",
            hook_id: Some(hook.id),
            installation_id: None,
        };
        let json = serde_json::to_vec(&payload).unwrap_or_default();
        let guid = uuid::Uuid::new_v4().to_string();
        self.planned(&hearer, &guid, "ping", None, repository_id, &json)
    }

    /// Stores planned deliveries as `pending`; returns them ready for the
    /// engine.
    pub(super) async fn insert_deliveries(
        &self,
        conn: &mut SqliteConnection,
        planned: Vec<PlannedDelivery>,
    ) -> Result<Vec<Outgoing>, sqlx::Error> {
        let rows: Vec<&DeliveryRow> = planned.iter().map(|d| &d.row).collect();
        let ids = stored::insert_deliveries(&mut *conn, &rows).await?;
        let mut outgoing = Vec::with_capacity(planned.len());
        for (delivery, delivery_id) in planned.into_iter().zip(ids) {
            outgoing.push(Outgoing {
                delivery_id,
                target: delivery.target,
                url: delivery.row.url,
                insecure_ssl: delivery.insecure_ssl,
                guid: delivery.row.guid,
                event: delivery.row.event,
                action: delivery.row.action,
                hook_id: delivery.row.hook_id,
                request: delivery.request,
            });
        }
        Ok(outgoing)
    }

    /// Hands stored deliveries to the engine, once committed.
    pub(super) fn send(&self, outgoing: Vec<Outgoing>) {
        for delivery in outgoing {
            self.engine.enqueue(delivery);
        }
    }

    /// Sends again what the server stopped before sending.
    pub(super) async fn send_pending(&self, writer: &mut Writer) -> Result<(), Error> {
        let rows = stored::pending(writer.conn()?).await?;
        writer.settle();
        if !rows.is_empty() {
            tracing::info!(deliveries = rows.len(), "sending deliveries left pending");
        }
        let memory = self.memory();
        let outgoing: Vec<Outgoing> = rows
            .into_iter()
            .filter_map(|row| outgoing_of(&memory, row))
            .collect();
        drop(memory);
        self.send(outgoing);
        Ok(())
    }

    /// Writes the outcomes of attempts as they come back, a batch per
    /// writer's turn, until the engine stops.
    pub async fn record_outcomes(&self) {
        let Some(mut outcomes) = self
            .outcomes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        else {
            return;
        };
        let mut batch = Vec::with_capacity(RECORD_BATCH);
        loop {
            let stopping = tokio::select! {
                received = outcomes.recv_many(&mut batch, RECORD_BATCH) => received == 0,
                () = self.deliveries_stopped.notified() => {
                    while let Ok(outcome) = outcomes.try_recv() {
                        batch.push(outcome);
                    }
                    true
                }
            };
            if !stopping && batch.len() < RECORD_BATCH {
                // Outcomes come in bursts: a moment's wait gathers many
                // into one turn, instead of a turn (and a transaction)
                // each.
                tokio::time::sleep(RECORD_LINGER).await;
                while batch.len() < RECORD_BATCH {
                    let Ok(outcome) = outcomes.try_recv() else {
                        break;
                    };
                    batch.push(outcome);
                }
            }
            if !batch.is_empty()
                && let Err(error) = self.record(&batch).await
            {
                tracing::error!(%error, "recording webhook deliveries failed");
            }
            batch.clear();
            if stopping {
                return;
            }
            // SQLite's answers can all be ready when looked at, and a
            // stream of outcomes would then be recorded without a break.
            tokio::task::yield_now().await;
        }
    }

    async fn record(&self, outcomes: &[Outcome]) -> Result<(), Error> {
        let mut writer = self.writer().await?;
        let mut tx = writer.begin().await?;
        let attempts: Vec<Attempt> = outcomes
            .iter()
            .map(|outcome| Attempt {
                delivery_id: outcome.delivery_id,
                state: if outcome.dropped { "dropped" } else { "sent" },
                status: outcome.status.clone(),
                status_code: i64::from(outcome.status_code),
                duration: outcome.duration_secs,
                delivered_at: outcome.delivered_at_ms,
                response_headers: serde_json::to_string(&outcome.response_headers)
                    .unwrap_or_else(|_| "[]".to_owned()),
                response_body: outcome.response_body.clone(),
            })
            .collect();
        // First attempts, many to a statement; a duplicate's is a row of
        // its own, below.
        let firsts: Vec<&Attempt> = outcomes
            .iter()
            .zip(&attempts)
            .filter(|(outcome, _)| outcome.duplicate_of.is_none())
            .map(|(_, attempt)| attempt)
            .collect();
        let hooks: HashMap<i64, Option<i64>> = stored::record_all(&mut tx, &firsts)
            .await?
            .into_iter()
            .collect();
        let mut last: Vec<(i64, LastResponse)> = Vec::new();
        for (outcome, attempt) in outcomes.iter().zip(&attempts) {
            let hook_id = if outcome.duplicate_of.is_some() {
                let Some(mut row) = stored::get(&mut *tx, outcome.delivery_id).await? else {
                    // Its hook was deleted meanwhile.
                    continue;
                };
                row.state = attempt.state.to_owned();
                row.status = Some(attempt.status.clone());
                row.status_code = Some(attempt.status_code);
                row.duration = Some(attempt.duration);
                row.delivered_at = Some(attempt.delivered_at);
                row.response_headers = Some(attempt.response_headers.clone());
                row.response_body = Some(attempt.response_body.clone());
                row.created_at = self.clock.now_ms();
                stored::insert_delivery(&mut *tx, &row).await?;
                row.hook_id
            } else {
                match hooks.get(&outcome.delivery_id) {
                    Some(hook_id) => *hook_id,
                    // Its hook was deleted meanwhile.
                    None => continue,
                }
            };
            if let (Some(hook_id), false) = (hook_id, outcome.dropped) {
                let ok = outcome.status == delivery::status::OK;
                let response = LastResponse {
                    code: (outcome.status_code != 0).then_some(i64::from(outcome.status_code)),
                    status: if ok { "active" } else { "failed" }.to_owned(),
                    message: Some(outcome.status.clone()),
                };
                last.retain(|(id, _)| *id != hook_id);
                last.push((hook_id, response));
            }
        }
        // A hook's last answer is the last of the batch.
        for (hook_id, response) in &last {
            let text = serde_json::to_string(response).unwrap_or_default();
            stored::set_last_response(&mut *tx, *hook_id, &text).await?;
        }
        tx.commit().await?;
        writer.apply(|memory| {
            for (hook_id, response) in last {
                memory.set_last_response(hook_id, response);
            }
        });
        Ok(())
    }

    /// The delivery faults planned.
    pub fn delivery_faults(&self) -> &crate::delivery::DeliveryFaults {
        self.engine.faults()
    }

    /// Stops the engine: what is queued stays `pending`, to be sent when the
    /// server starts again on the same database.
    pub async fn stop_deliveries(&self) {
        self.engine.shutdown().await;
        self.deliveries_stopped.notify_one();
    }
}

/// A delivery as the control API shows it: every attempt, those a fault
/// dropped and those not made yet included.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mock = ghes_mock::GhesMock::start().await;
/// assert!(mock.deliveries(&ghes_mock::DeliveryQuery::default()).await.unwrap().is_empty());
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Delivery {
    /// Unique among deliveries; a redelivery has its own.
    pub id: i64,
    /// `X-GitHub-Delivery`: the same for every delivery of one event.
    pub guid: String,
    /// The hook it went to; none for an App's.
    pub hook_id: Option<i64>,
    /// The App it went to.
    pub app_id: Option<i64>,
    /// `workflow_job`, `ping`, …
    pub event: String,
    /// `queued`, `in_progress`, `completed`; none for a ping.
    pub action: Option<String>,
    /// `pending` (not attempted yet), `sent`, or `dropped` (by a fault).
    pub state: String,
    /// `OK`, `Invalid HTTP Response: 500`, `timed out`, …, once attempted.
    pub status: Option<String>,
    /// The receiver's answer; 0 when there was none.
    pub status_code: Option<i64>,
    /// Seconds the attempt took.
    pub duration: Option<f64>,
    /// When it was attempted, on the mock clock.
    pub delivered_at: Option<String>,
    /// Whether it was asked for again.
    pub redelivery: bool,
    /// Where it went.
    pub url: String,
    /// The installation of an App's delivery.
    pub installation_id: Option<i64>,
    /// The repository the event happened in.
    pub repository_id: Option<i64>,
    /// The payload sent.
    pub payload: Value,
}

/// Which deliveries [`crate::GhesMock::deliveries`] lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    /// Only those of this hook.
    pub hook_id: Option<i64>,
    /// Only those of this App.
    pub app_id: Option<i64>,
    /// Only this event.
    pub event: Option<String>,
    /// Only this action.
    pub action: Option<String>,
}

/// The control API shows this many deliveries at most, the oldest first.
pub const MAX_LISTED_DELIVERIES: i64 = 100_000;

impl Service {
    /// Every delivery matching a query, oldest first.
    pub async fn list_all_deliveries(&self, query: &DeliveryQuery) -> Result<Vec<Delivery>, Error> {
        let stored = stored::DeliveryQuery {
            hook_id: query.hook_id,
            app_id: query.app_id,
            event: query.event.clone(),
            action: query.action.clone(),
            oldest_first: true,
            limit: MAX_LISTED_DELIVERIES,
            ..stored::DeliveryQuery::default()
        };
        let mut writer = self.writer().await?;
        let rows = stored::list(writer.conn()?, &stored).await?;
        writer.settle();
        drop(writer);
        Ok(rows
            .into_iter()
            .map(|row| Delivery {
                id: row.delivery_id,
                payload: super::hooks::payload_of(&row.request_body),
                guid: row.guid,
                hook_id: row.hook_id,
                app_id: row.app_id,
                event: row.event,
                action: row.action,
                state: row.state,
                status: row.status,
                status_code: row.status_code,
                duration: row.duration,
                delivered_at: row.delivered_at.map(shapes::format_s),
                redelivery: row.redelivery,
                url: row.url,
                installation_id: row.installation_id,
                repository_id: row.repository_id,
            })
            .collect())
    }
}

/// A stored delivery as the engine takes it again.
pub(super) fn outgoing_of(memory: &Memory, row: DeliveryRow) -> Option<Outgoing> {
    let headers: Vec<(String, String)> = serde_json::from_str(&row.request_headers).ok()?;
    let (target, insecure_ssl) = match (row.hook_id, row.app_id) {
        (Some(id), _) => (
            TargetKey::Hook(id),
            memory.hook(id).is_some_and(|h| h.insecure_ssl == "1"),
        ),
        (None, Some(id)) => (TargetKey::App(id), false),
        (None, None) => return None,
    };
    Some(Outgoing {
        delivery_id: row.delivery_id,
        target,
        url: row.url,
        insecure_ssl,
        guid: row.guid,
        event: row.event,
        action: row.action,
        hook_id: row.hook_id,
        request: Request {
            headers,
            body: row.request_body.into(),
        },
    })
}

/// The channel outcomes come back on.
pub(super) fn outcome_channel() -> (
    mpsc::UnboundedSender<Outcome>,
    mpsc::UnboundedReceiver<Outcome>,
) {
    mpsc::unbounded_channel()
}

/// A compact JSON object with one more field, last.
fn with_last_field(json: &[u8], name: &str, value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len() + 128);
    match json.strip_suffix(b"}") {
        Some(open) => {
            out.extend_from_slice(open);
            if open != b"{" {
                out.push(b',');
            }
        }
        None => out.push(b'{'),
    }
    // Writing a string or a `Value` into a `Vec` cannot fail.
    let _ = serde_json::to_writer(&mut out, name);
    out.push(b':');
    let _ = serde_json::to_writer(&mut out, value);
    out.push(b'}');
    out
}

/// A line of GitHub's zen, as pings carry.
fn zen(seed: i64) -> &'static str {
    const ZEN: &[&str] = &[
        "Non-blocking is better than blocking.",
        "Design for failure.",
        "Half measures are as bad as nothing at all.",
        "Favor focus over features.",
        "Avoid administrative distraction.",
        "Approachable is better than simple.",
        "Mind your words, they are important.",
        "Speak like a human.",
        "Keep it logically awesome.",
        "Anything added dilutes everything else.",
        "Practicality beats purity.",
        "Responsive is better than fast.",
        "It's not fully shipped until it's fast.",
        "Encourage flow.",
    ];
    ZEN[usize::try_from(seed.rem_euclid(ZEN.len() as i64)).unwrap_or(0)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_goes_last_as_serde_json_would_put_it() {
        let mut payload = Map::new();
        payload.insert("action".into(), json!("queued"));
        payload.insert("sender".into(), json!({"login": "ghost"}));
        let compact = serde_json::to_vec(&payload).unwrap();
        let installation = json!({"id": 7, "node_id": "MDEy"});
        payload.insert("installation".into(), installation.clone());
        assert_eq!(
            with_last_field(&compact, "installation", &installation),
            serde_json::to_vec(&payload).unwrap()
        );
        assert_eq!(with_last_field(b"{}", "a", &json!(1)), br#"{"a":1}"#);
    }
}
