//! GitHub Apps in memory: each App with its parsed public key, its
//! installations, and the live installation tokens.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rsa::RsaPublicKey;
use rsa::pkcs8::DecodePublicKey;

use super::{Memory, decode};
use crate::model::Permissions;
use crate::service::apps::Grant;
use crate::service::jwt::VerifyingKey;
use crate::store::apps::{AppRow, InstallationRow, TokenRow};

/// Apps, installations and installation tokens.
#[derive(Debug, Default)]
pub struct Apps {
    apps: BTreeMap<i64, AppEntry>,
    by_client_id: HashMap<String, i64>,
    installations: BTreeMap<i64, InstallationEntry>,
    tokens: HashMap<Arc<str>, InstallationTokenEntry>,
}

#[derive(Debug, Clone)]
pub struct AppEntry {
    pub id: i64,
    pub client_id: String,
    pub slug: String,
    pub name: String,
    /// What verifies its JWTs, parsed once.
    pub key: Arc<VerifyingKey>,
    pub public_key_pem: String,
    pub private_key_pem: Option<String>,
    pub permissions: Permissions,
    pub events: Vec<String>,
    pub webhook: Option<serde_json::Value>,
    pub created_at: i64,
}

/// Whose account an installation is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountKind {
    Org,
    User,
    Enterprise,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Org => "org",
            AccountKind::User => "user",
            AccountKind::Enterprise => "enterprise",
        }
    }

    fn parse(text: &str) -> Option<AccountKind> {
        match text {
            "org" => Some(AccountKind::Org),
            "user" => Some(AccountKind::User),
            "enterprise" => Some(AccountKind::Enterprise),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct InstallationEntry {
    pub id: i64,
    pub app_id: i64,
    pub account_kind: AccountKind,
    /// The scope of the organization, user or enterprise.
    pub account_id: i64,
    /// The repositories selected, by scope id; none for all of the
    /// account's.
    pub repository_ids: Option<Vec<i64>>,
    pub permissions: Permissions,
    pub events: Vec<String>,
    pub created_at: i64,
}

/// A live installation token.
#[derive(Debug, Clone)]
pub struct InstallationTokenEntry {
    pub installation_id: i64,
    /// At most its installation's.
    pub permissions: Permissions,
    /// Narrowed to these repositories; none for all the installation's.
    pub repository_ids: Option<Vec<i64>>,
    pub expires_at: i64,
    /// What it opens, made once when it is added: every request that
    /// carries it shares this.
    pub grant: Option<Arc<Grant>>,
}

fn json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(text).map_err(|e| decode(e.to_string()))
}

impl AppEntry {
    pub fn from_row(row: AppRow) -> Result<AppEntry, sqlx::Error> {
        let key = RsaPublicKey::from_public_key_pem(&row.public_key_pem)
            .map_err(|e| decode(format!("app {}: {e}", row.app_id)))?;
        let key = VerifyingKey::new(&key).map_err(decode)?;
        Ok(AppEntry {
            id: row.app_id,
            client_id: row.client_id,
            slug: row.slug,
            name: row.name,
            key: Arc::new(key),
            public_key_pem: row.public_key_pem,
            private_key_pem: row.private_key_pem,
            permissions: json(&row.permissions)?,
            events: json(&row.events)?,
            webhook: row.webhook.as_deref().map(json).transpose()?,
            created_at: row.created_at,
        })
    }
}

impl InstallationEntry {
    pub fn from_row(row: &InstallationRow) -> Result<InstallationEntry, sqlx::Error> {
        Ok(InstallationEntry {
            id: row.installation_id,
            app_id: row.app_id,
            account_kind: AccountKind::parse(&row.account_kind)
                .ok_or_else(|| decode(format!("account kind {:?}", row.account_kind)))?,
            account_id: row.account_id,
            repository_ids: row.repository_ids.as_deref().map(json).transpose()?,
            permissions: json(&row.permissions)?,
            events: json(&row.events)?,
            created_at: row.created_at,
        })
    }
}

impl InstallationTokenEntry {
    pub fn from_row(row: &TokenRow) -> Result<InstallationTokenEntry, sqlx::Error> {
        Ok(InstallationTokenEntry {
            installation_id: row.installation_id,
            permissions: json(&row.permissions)?,
            repository_ids: row.repository_ids.as_deref().map(json).transpose()?,
            expires_at: row.expires_at,
            grant: None,
        })
    }
}

impl Memory {
    pub fn app(&self, app_id: i64) -> Option<&AppEntry> {
        self.apps.apps.get(&app_id)
    }

    pub fn app_by_client_id(&self, client_id: &str) -> Option<&AppEntry> {
        self.app(*self.apps.by_client_id.get(client_id)?)
    }

    pub fn apps(&self) -> impl Iterator<Item = &AppEntry> {
        self.apps.apps.values()
    }

    pub fn installation(&self, installation_id: i64) -> Option<&InstallationEntry> {
        self.apps.installations.get(&installation_id)
    }

    /// An App's installations, in id order.
    pub fn installations_of(&self, app_id: i64) -> impl Iterator<Item = &InstallationEntry> {
        self.apps
            .installations
            .values()
            .filter(move |i| i.app_id == app_id)
    }

    pub fn installation_token(&self, token: &str) -> Option<&InstallationTokenEntry> {
        self.apps.tokens.get(token)
    }

    /// Live installation tokens at `now_ms`.
    pub fn installation_tokens(
        &self,
        now_ms: i64,
    ) -> impl Iterator<Item = (&str, &InstallationTokenEntry)> {
        self.apps
            .tokens
            .iter()
            .filter(move |(_, t)| t.expires_at > now_ms)
            .map(|(token, entry)| (&**token, entry))
    }

    pub fn add_app(&mut self, app: AppEntry) {
        self.apps.by_client_id.insert(app.client_id.clone(), app.id);
        self.apps.apps.insert(app.id, app);
    }

    pub fn add_installation(&mut self, installation: InstallationEntry) {
        self.apps
            .installations
            .insert(installation.id, installation);
    }

    /// Drops an installation and its tokens.
    pub fn remove_installation(&mut self, installation_id: i64) {
        self.apps.installations.remove(&installation_id);
        self.apps
            .tokens
            .retain(|_, t| t.installation_id != installation_id);
    }

    pub fn add_installation_token(&mut self, token: &str, mut entry: InstallationTokenEntry) {
        entry.grant = self.grant_of(&entry).map(Arc::new);
        self.apps.tokens.insert(token.into(), entry);
    }

    /// What a token opens: its installation's account, narrowed as the
    /// token is.
    fn grant_of(&self, token: &InstallationTokenEntry) -> Option<Grant> {
        let installation = self.installation(token.installation_id)?;
        let account = self.scope_by_id(installation.account_id)?.scope.name();
        Some(Grant {
            installation_id: installation.id,
            app_id: installation.app_id,
            account_kind: installation.account_kind,
            account_id: installation.account_id,
            account,
            permissions: token.permissions.clone(),
            repository_ids: token
                .repository_ids
                .clone()
                .or_else(|| installation.repository_ids.clone()),
        })
    }

    pub fn remove_installation_token(&mut self, token: &str) {
        self.apps.tokens.remove(token);
    }

    /// Forgets the installation tokens expired at `now_ms`.
    pub fn remove_expired_installation_tokens(&mut self, now_ms: i64) {
        self.apps.tokens.retain(|_, t| t.expires_at > now_ms);
    }
}
