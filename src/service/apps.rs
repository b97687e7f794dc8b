//! GitHub Apps (SPEC §8): Apps created through the mock, their
//! installations on organizations, users and enterprises, the JWTs they
//! sign in with, and the installation tokens they trade them for.

use std::collections::BTreeSet;
use std::sync::Arc;

use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey, EncodeRsaPrivateKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey, LineEnding};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::{Deserialize, Serialize};

use super::batch::{Asked, fail_all};
use super::jwt::{self, Issuer};
use super::memory::{AccountKind, AppEntry, InstallationEntry, InstallationTokenEntry, Memory};
use super::{Service, Writer};
use crate::error::{Error, FieldError};
use crate::model::{Permissions, Scope};
use crate::store::{self, apps};

/// How long an installation token lives, on the mock clock.
pub const INSTALLATION_TOKEN_TTL_MS: i64 = 3600 * 1000;

/// An App to create (`POST /_mock/apps`, fixtures, the library).
///
/// ```
/// let app: ghes_mock::NewApp = serde_json::from_str(
///     r#"{"name": "Scaler", "permissions": {"organization_self_hosted_runners": "write"}}"#,
/// ).unwrap();
/// assert_eq!(app.name.as_deref(), Some("Scaler"));
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewApp {
    /// Default `ghes-mock-app-N`; its slug is made from it.
    pub name: Option<String>,
    /// What its installations may do, unless given their own.
    #[serde(default)]
    pub permissions: Permissions,
    /// The webhook events it subscribes to.
    #[serde(default)]
    pub events: Vec<String>,
    /// Where its webhooks go.
    pub webhook: Option<Webhook>,
    /// The key that verifies its JWTs (PEM, SPKI or PKCS#1); the mock makes
    /// a key when neither this nor `private_key_pem` is given.
    pub public_key_pem: Option<String>,
    /// Its private key (PEM, PKCS#1 or PKCS#8), as a fixture may give it.
    pub private_key_pem: Option<String>,
    /// Default `Iv1.` and 16 random hex digits.
    pub client_id: Option<String>,
}

impl NewApp {
    /// An App with a key the mock makes, no permissions and no events.
    ///
    /// ```
    /// let app = ghes_mock::NewApp::new().name("Scaler").permission("administration", "write");
    /// assert_eq!(app.permissions["administration"], "write");
    /// ```
    pub fn new() -> NewApp {
        NewApp::default()
    }

    /// Its name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// One permission and its level (`read`, `write`, `admin`).
    pub fn permission(mut self, name: impl Into<String>, level: impl Into<String>) -> Self {
        self.permissions.insert(name.into(), level.into());
        self
    }
}

/// Where an App's or hook's deliveries go.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    /// An http(s) URL.
    pub url: String,
    /// Signs each delivery when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// `json` or `form`; default `json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
}

/// An App the mock hosts, as the control API shows it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mock = ghes_mock::GhesMock::start().await;
/// let app = mock.create_app(ghes_mock::NewApp::new().name("Scaler")).await.unwrap();
/// assert_eq!(app.slug, "scaler");
/// assert!(app.client_id.starts_with("Iv1."));
/// assert!(app.private_key_pem.unwrap().starts_with("-----BEGIN RSA PRIVATE KEY-----"));
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct App {
    /// What its JWTs name as `iss`.
    pub id: i64,
    /// Also accepted as `iss`.
    pub client_id: String,
    /// Its name in URLs, made from its name.
    pub slug: String,
    /// Its name.
    pub name: String,
    /// What its installations may do, unless given their own.
    pub permissions: Permissions,
    /// The webhook events it subscribes to.
    pub events: Vec<String>,
    /// Where its webhooks go; the secret shows as `********`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook: Option<serde_json::Value>,
    /// SPKI PEM.
    pub public_key_pem: String,
    /// PKCS#1 PEM, when the mock made the key or was given it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_key_pem: Option<String>,
}

impl App {
    fn of(entry: &AppEntry) -> App {
        App {
            id: entry.id,
            client_id: entry.client_id.clone(),
            slug: entry.slug.clone(),
            name: entry.name.clone(),
            permissions: entry.permissions.clone(),
            events: entry.events.clone(),
            webhook: entry.webhook.clone().map(|mut hook| {
                // A secret is never shown back.
                if hook.get("secret").is_some() {
                    hook["secret"] = serde_json::Value::from("********");
                }
                hook
            }),
            public_key_pem: entry.public_key_pem.clone(),
            private_key_pem: entry.private_key_pem.clone(),
        }
    }
}

/// An installation to make (`POST /_mock/apps/{id}/installations`).
///
/// ```
/// let installation = ghes_mock::NewInstallation::new("orgs/octo-org").repositories(["octo-org/app"]);
/// assert_eq!(installation.repositories.unwrap(), ["octo-org/app"]);
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInstallation {
    /// `orgs/O`, `users/U` or `enterprises/E`.
    pub account: String,
    /// `owner/repo` of the account; every repository of the account when
    /// absent.
    pub repositories: Option<Vec<String>>,
    /// Default the App's, taken as given otherwise (the owner's approval
    /// is not modelled).
    pub permissions: Option<Permissions>,
    /// Default the App's.
    pub events: Option<Vec<String>>,
}

impl NewInstallation {
    /// An installation on an account, of every repository, with the App's
    /// permissions.
    pub fn new(account: impl Into<String>) -> NewInstallation {
        NewInstallation {
            account: account.into(),
            repositories: None,
            permissions: None,
            events: None,
        }
    }

    /// Only these repositories (`owner/repo`).
    pub fn repositories<R: Into<String>>(
        mut self,
        repositories: impl IntoIterator<Item = R>,
    ) -> Self {
        self.repositories = Some(repositories.into_iter().map(Into::into).collect());
        self
    }

    /// Its own permissions.
    pub fn permissions(mut self, permissions: Permissions) -> Self {
        self.permissions = Some(permissions);
        self
    }
}

/// An installation, as the control API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Installation {
    /// Its id, as `POST /app/installations/{id}/access_tokens` names it.
    pub id: i64,
    /// The App installed.
    pub app_id: i64,
    /// `orgs/O`, `users/U` or `enterprises/E`.
    pub account: String,
    /// `all` or `selected`.
    pub repository_selection: String,
    /// `owner/repo` of the repositories selected.
    pub repositories: Vec<String>,
    /// What its tokens may do.
    pub permissions: Permissions,
    /// The webhook events it subscribes to.
    pub events: Vec<String>,
}

/// The body of "create an installation access token".
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TokenRequest {
    pub repositories: Option<Vec<String>>,
    pub repository_ids: Option<Vec<i64>>,
    pub permissions: Option<Permissions>,
}

/// An installation token made.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub expires_at: i64,
    pub permissions: Permissions,
    /// The repositories it covers, when they are a selection: id and scope.
    pub repositories: Option<Vec<(i64, Scope)>>,
}

/// An App's or an installation token's caller, once authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub installation_id: i64,
    pub app_id: i64,
    pub account_kind: AccountKind,
    pub account_id: i64,
    /// The account's login or slug.
    pub account: String,
    pub permissions: Permissions,
    /// The repositories it may reach; none for all of the account's.
    pub repository_ids: Option<Vec<i64>>,
}

/// A level's rank: `read` < `write` < `admin`.
fn rank(level: &str) -> Option<u8> {
    match level {
        "read" => Some(1),
        "write" => Some(2),
        "admin" => Some(3),
        _ => None,
    }
}

impl Grant {
    /// Whether it has `permission` at `level` or above.
    pub fn allows(&self, permission: &str, level: &str) -> bool {
        let have = self.permissions.get(permission).and_then(|l| rank(l));
        have.is_some() && have >= rank(level)
    }

    /// Whether it reaches a repository of its account.
    pub fn reaches(&self, repository_id: i64) -> bool {
        self.repository_ids
            .as_ref()
            .is_none_or(|ids| ids.contains(&repository_id))
    }
}

fn invalid(resource: &str, field: &str, message: impl Into<String>) -> Error {
    Error::Validation(vec![
        FieldError::new(resource, field, "invalid").with_message(message),
    ])
}

pub fn check_permissions(permissions: &Permissions) -> Result<(), Error> {
    for (name, level) in permissions {
        if rank(level).is_none() {
            return Err(invalid(
                "Integration",
                "permissions",
                format!("{name}: {level:?} is not read, write or admin"),
            ));
        }
    }
    Ok(())
}

/// `Iv1.` and 16 hex digits.
pub fn new_client_id() -> String {
    let bits = uuid::Uuid::new_v4().as_u128();
    format!("Iv1.{:016x}", bits as u64)
}

/// `ghs_` and 36 letters and digits.
fn new_installation_token() -> String {
    const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bits = [
        uuid::Uuid::new_v4().as_u128(),
        uuid::Uuid::new_v4().as_u128(),
    ];
    let mut token = String::from("ghs_");
    for i in 0..36 {
        let word = &mut bits[i % 2];
        token.push(char::from(ALPHABET[(*word % 62) as usize]));
        *word /= 62;
    }
    token
}

/// A slug as GitHub makes one from a name: lowercase, runs of anything but
/// letters and digits as one dash.
fn slug_of(name: &str) -> String {
    let mut slug = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

/// The keys of an App: the public one always, the private one when known.
pub fn keys_of(new: &NewApp) -> Result<(RsaPublicKey, Option<RsaPrivateKey>), Error> {
    let bad = |field: &str, e: String| invalid("Integration", field, e);
    if let Some(pem) = &new.private_key_pem {
        let key = RsaPrivateKey::from_pkcs1_pem(pem)
            .or_else(|_| RsaPrivateKey::from_pkcs8_pem(pem))
            .map_err(|e| bad("private_key_pem", format!("not an RSA private key: {e}")))?;
        return Ok((key.to_public_key(), Some(key)));
    }
    if let Some(pem) = &new.public_key_pem {
        let key = RsaPublicKey::from_public_key_pem(pem)
            .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem))
            .map_err(|e| bad("public_key_pem", format!("not an RSA public key: {e}")))?;
        return Ok((key, None));
    }
    Err(bad("public_key_pem", "no key".to_owned()))
}

impl Service {
    /// Creates an App; the mock makes its key unless one is given.
    #[tracing::instrument(skip_all)]
    pub async fn create_app(&self, mut new: NewApp) -> Result<App, Error> {
        if new.public_key_pem.is_none() && new.private_key_pem.is_none() {
            new.private_key_pem = Some(generate_key_pem().await?);
        }
        let row = app_row(&new, self.clock.now_ms())?;
        let name = row.name.clone();
        let mut writer = self.writer().await?;
        let id = match apps::insert_app(writer.conn()?, &row).await {
            Ok(id) => id,
            Err(error) if store::is_unique_violation(&error) => {
                writer.settle();
                return Err(Error::Validation(vec![
                    FieldError::new("Integration", "name", "already_exists")
                        .with_message(format!("An App named {name:?} already exists")),
                ]));
            }
            Err(error) => return Err(error.into()),
        };
        let entry = AppEntry::from_row(apps::AppRow { app_id: id, ..row })?;
        let app = App::of(&entry);
        writer.apply(|memory| memory.add_app(entry));
        Ok(app)
    }

    /// Installs an App on an account, of every repository or of those
    /// named.
    #[tracing::instrument(skip(self))]
    pub async fn install_app(
        &self,
        app_id: i64,
        new: NewInstallation,
    ) -> Result<Installation, Error> {
        let (kind, account) = parse_account(&new.account)?;
        if let Some(permissions) = &new.permissions {
            check_permissions(permissions)?;
        }
        let repositories: Vec<Scope> = match &new.repositories {
            None => Vec::new(),
            Some(names) => names
                .iter()
                .map(|name| repository_of(kind, &account, name))
                .collect::<Result<_, _>>()?,
        };
        let mut writer = self.writer().await?;
        let app = self.memory().app(app_id).cloned().ok_or(Error::NotFound)?;
        let account_id = writer.ensure_scope(&account).await?;
        let mut repository_ids = Vec::new();
        for repository in &repositories {
            let id = writer.ensure_scope(repository).await?;
            if !repository_ids.contains(&id) {
                repository_ids.push(id);
            }
        }
        let row = apps::InstallationRow {
            installation_id: 0,
            app_id,
            account_kind: kind.as_str().to_owned(),
            account_id,
            repository_ids: new.repositories.is_some().then(|| to_json(&repository_ids)),
            permissions: to_json(new.permissions.as_ref().unwrap_or(&app.permissions)),
            events: to_json(new.events.as_ref().unwrap_or(&app.events)),
            created_at: self.clock.now_ms(),
        };
        let id = match apps::insert_installation(writer.conn()?, &row).await {
            Ok(id) => id,
            Err(error) if store::is_unique_violation(&error) => {
                writer.settle();
                return Err(Error::Validation(vec![
                    FieldError::new("Installation", "account", "already_exists").with_message(
                        format!("App {app_id} is already installed on {}", new.account),
                    ),
                ]));
            }
            Err(error) => return Err(error.into()),
        };
        let entry = InstallationEntry::from_row(&apps::InstallationRow {
            installation_id: id,
            ..row
        })?;
        Ok(writer.apply(|memory| {
            let view = installation_view(memory, &entry);
            memory.add_installation(entry);
            view
        }))
    }

    /// A JWT the App would sign now (see [`jwt::sign`]), when the mock
    /// holds its private key.
    pub fn app_jwt(&self, app_id: i64) -> Result<String, Error> {
        let pem = {
            let memory = self.memory();
            let app = memory.app(app_id).ok_or(Error::NotFound)?;
            app.private_key_pem.clone().ok_or_else(|| {
                invalid(
                    "Integration",
                    "private_key_pem",
                    format!("App {app_id} was given only its public key: sign its JWTs with your private key"),
                )
            })?
        };
        let key = RsaPrivateKey::from_pkcs1_pem(&pem)
            .map_err(|e| Error::Internal(sqlx::Error::Decode(e.to_string().into())))?;
        Ok(jwt::sign(&key, app_id, self.clock.now().timestamp()))
    }

    /// The App a JWT signs in as, checked as GitHub checks it against the
    /// mock clock.
    pub fn authenticate_app(&self, credential: &str) -> Result<i64, Error> {
        let unverified = jwt::read(credential).map_err(|m| Error::Unauthorized(m.to_owned()))?;
        let memory = self.memory();
        let app = match &unverified.issuer {
            Some(Issuer::Id(id)) => memory.app(*id).ok_or(Error::IntegrationNotFound)?,
            Some(Issuer::ClientId(client_id)) => memory
                .app_by_client_id(client_id)
                .ok_or_else(|| Error::Unauthorized(jwt::BAD_ISSUER.to_owned()))?,
            None => return Err(Error::Unauthorized(jwt::BAD_ISSUER.to_owned())),
        };
        let now = self.clock.now().timestamp();
        unverified
            .verify(&app.key, now)
            .map_err(|m| Error::Unauthorized(m.to_owned()))?;
        Ok(app.id)
    }

    /// The installation an installation token opens, if it is live.
    pub fn authenticate_installation(&self, token: &str) -> Result<Arc<Grant>, Error> {
        let memory = self.memory();
        memory
            .installation_token(token)
            .filter(|t| t.expires_at > self.clock.now_ms())
            .and_then(|t| t.grant.clone())
            .ok_or(Error::BadCredentials)
    }

    /// The App, as `GET /app` shows it, with how many installations it has.
    pub fn app_view(&self, app_id: i64) -> Result<(AppEntry, usize), Error> {
        let memory = self.memory();
        let app = memory.app(app_id).ok_or(Error::NotFound)?;
        Ok((app.clone(), memory.installations_of(app_id).count()))
    }

    /// An App's installations, in id order.
    pub fn installations(&self, app_id: i64) -> Vec<InstallationEntry> {
        self.memory().installations_of(app_id).cloned().collect()
    }

    /// One of an App's installations.
    pub fn installation(
        &self,
        app_id: i64,
        installation_id: i64,
    ) -> Result<InstallationEntry, Error> {
        self.memory()
            .installation(installation_id)
            .filter(|i| i.app_id == app_id)
            .cloned()
            .ok_or(Error::NotFound)
    }

    /// The App's installation on an organization or user (any case), or on
    /// the owner of a repository it reaches.
    pub fn installation_for(&self, app_id: i64, scope: &Scope) -> Result<InstallationEntry, Error> {
        let memory = self.memory();
        let login = match scope {
            Scope::Repo { owner, .. } => owner.clone(),
            other => other.name(),
        };
        let account = memory.scope(&Scope::Org(login)).ok_or(Error::NotFound)?.id;
        let installation = memory
            .installations_of(app_id)
            .find(|i| i.account_id == account && i.account_kind != AccountKind::Enterprise)
            .ok_or(Error::NotFound)?;
        if let Scope::Repo { .. } = scope {
            let repository = memory.scope(scope).ok_or(Error::NotFound)?.id;
            if installation
                .repository_ids
                .as_ref()
                .is_some_and(|ids| !ids.contains(&repository))
            {
                return Err(Error::NotFound);
            }
        }
        Ok(installation.clone())
    }

    /// The account of an installation: its scope, kind and login.
    pub fn account_of(&self, installation: &InstallationEntry) -> Option<(Scope, i64)> {
        let memory = self.memory();
        let scope = memory.scope_by_id(installation.account_id)?.scope.clone();
        Some((scope, installation.account_id))
    }

    /// The repositories an installation (narrowed by a token's grant)
    /// reaches, in id order: id and scope.
    pub fn repositories_of(&self, grant: &Grant) -> Vec<(i64, Scope)> {
        let memory = self.memory();
        repositories_reached(&memory, grant.account_id, grant.repository_ids.as_deref())
    }

    /// Makes an installation token, narrowed as asked; asking for more than
    /// the installation has is 422. Requests that arrive together are
    /// written together.
    #[tracing::instrument(skip(self, request))]
    pub async fn create_installation_token(
        &self,
        app_id: i64,
        installation_id: i64,
        request: TokenRequest,
    ) -> Result<IssuedToken, Error> {
        let ask = {
            let memory = self.memory();
            let installation = memory
                .installation(installation_id)
                .filter(|i| i.app_id == app_id)
                .ok_or(Error::NotFound)?;
            narrow(&memory, installation, request)?
        };
        let ask = TokenAsk {
            installation_id,
            expires_at: self
                .clock
                .now_ms()
                .saturating_add(INSTALLATION_TOKEN_TTL_MS),
            ..ask
        };
        self.batched(&self.installation_token_asks, ask, create_tokens)
            .await
    }

    /// Uninstalls an App from an account; its tokens stop working.
    #[tracing::instrument(skip(self))]
    pub async fn delete_installation(
        &self,
        app_id: i64,
        installation_id: i64,
    ) -> Result<(), Error> {
        let mut writer = self.writer().await?;
        self.installation(app_id, installation_id)?;
        apps::delete_installation(writer.conn()?, installation_id).await?;
        writer.apply(|memory| memory.remove_installation(installation_id));
        Ok(())
    }

    /// Revokes an installation token.
    #[tracing::instrument(skip_all)]
    pub async fn revoke_installation_token(&self, token: &str) -> Result<(), Error> {
        let mut writer = self.writer().await?;
        apps::delete_token(writer.conn()?, token).await?;
        writer.apply(|memory| memory.remove_installation_token(token));
        Ok(())
    }
}

/// A new 2048-bit key, as PKCS#1 PEM. Slow (a fraction of a second): made
/// on a blocking thread.
pub async fn generate_key_pem() -> Result<String, Error> {
    let internal = |e: String| Error::Internal(sqlx::Error::Protocol(e));
    let key = tokio::task::spawn_blocking(|| RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048))
        .await
        .map_err(|e| internal(e.to_string()))?
        .map_err(|e| internal(e.to_string()))?;
    let pem = key
        .to_pkcs1_pem(LineEnding::LF)
        .map_err(|e| internal(e.to_string()))?;
    Ok(pem.to_string())
}

/// The row that stores a new App, which must come with a key.
pub fn app_row(new: &NewApp, now_ms: i64) -> Result<apps::AppRow, Error> {
    check_permissions(&new.permissions)?;
    if let Some(hook) = &new.webhook {
        check_hook_url(&hook.url)?;
    }
    let (public, private) = keys_of(new)?;
    jwt::VerifyingKey::new(&public)
        .map_err(|reason| invalid("Integration", "public_key_pem", reason))?;
    let encode = |e: String| Error::Internal(sqlx::Error::Encode(e.into()));
    let public_key_pem = public
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| encode(e.to_string()))?;
    let private_key_pem = private
        .map(|key| key.to_pkcs1_pem(LineEnding::LF).map(|pem| pem.to_string()))
        .transpose()
        .map_err(|e| encode(e.to_string()))?;
    let name = new
        .name
        .clone()
        .unwrap_or_else(|| format!("ghes-mock-app-{}", &new_client_id()[4..10]));
    let slug = slug_of(&name);
    if slug.is_empty() {
        return Err(invalid(
            "Integration",
            "name",
            "name must hold a letter or digit",
        ));
    }
    let client_id = match &new.client_id {
        Some(id) if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') => {
            return Err(invalid(
                "Integration",
                "client_id",
                format!("{id:?} is not a client id (letters, digits and dots)"),
            ));
        }
        Some(id) => id.clone(),
        None => new_client_id(),
    };
    Ok(apps::AppRow {
        app_id: 0,
        client_id,
        slug,
        name: name.trim().to_owned(),
        public_key_pem,
        private_key_pem,
        permissions: to_json(&new.permissions),
        events: to_json(&new.events),
        webhook: new.webhook.as_ref().map(to_json),
        created_at: now_ms,
    })
}

/// `orgs/O`, `users/U` or `enterprises/E`, and the scope that stores the
/// account (a user's is stored as an organization's: they share logins).
pub fn parse_account(account: &str) -> Result<(AccountKind, Scope), Error> {
    let bad = || {
        invalid(
            "Installation",
            "account",
            format!("{account:?} is not orgs/O, users/U or enterprises/E"),
        )
    };
    let (kind, rest) = account.split_once('/').ok_or_else(bad)?;
    let (kind, scope) = match kind {
        "orgs" => (AccountKind::Org, format!("orgs/{rest}")),
        "users" => (AccountKind::User, format!("orgs/{rest}")),
        "enterprises" => (AccountKind::Enterprise, format!("enterprises/{rest}")),
        _ => return Err(bad()),
    };
    Ok((kind, scope.parse().map_err(|_| bad())?))
}

/// A repository (`owner/repo`) of the account.
pub fn repository_of(kind: AccountKind, account: &Scope, name: &str) -> Result<Scope, Error> {
    let scope: Scope = format!("repos/{name}")
        .parse()
        .map_err(|reason: String| invalid("Installation", "repositories", reason))?;
    match (&scope, kind) {
        (Scope::Repo { owner, .. }, AccountKind::Org | AccountKind::User)
            if owner.eq_ignore_ascii_case(&account.name()) =>
        {
            Ok(scope)
        }
        _ => Err(invalid(
            "Installation",
            "repositories",
            format!("{name:?} is not a repository of {account}"),
        )),
    }
}

pub(super) fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

/// A webhook URL GitHub takes: http or https.
pub fn check_hook_url(url: &str) -> Result<(), Error> {
    match reqwest::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => {
            Ok(())
        }
        _ => Err(invalid(
            "Hook",
            "url",
            format!("{url:?} is not an http(s) URL"),
        )),
    }
}

/// The repositories of an account an installation or token reaches.
fn repositories_reached(
    memory: &Memory,
    account_id: i64,
    selected: Option<&[i64]>,
) -> Vec<(i64, Scope)> {
    let Some(account) = memory.scope_by_id(account_id) else {
        return Vec::new();
    };
    let login = account.scope.name();
    memory
        .scopes()
        .iter()
        .filter(|s| match &s.scope {
            Scope::Repo { owner, .. } => {
                owner.eq_ignore_ascii_case(&login) && selected.is_none_or(|ids| ids.contains(&s.id))
            }
            _ => false,
        })
        .map(|s| (s.id, s.scope.clone()))
        .collect()
}

/// The installation as the control API shows it.
fn installation_view(memory: &Memory, entry: &InstallationEntry) -> Installation {
    let account = memory
        .scope_by_id(entry.account_id)
        .map(|s| s.scope.name())
        .unwrap_or_default();
    let prefix = match entry.account_kind {
        AccountKind::Org => "orgs",
        AccountKind::User => "users",
        AccountKind::Enterprise => "enterprises",
    };
    let repositories = entry
        .repository_ids
        .iter()
        .flatten()
        .filter_map(|id| memory.scope_by_id(*id).map(|s| s.scope.name()))
        .collect();
    Installation {
        id: entry.id,
        app_id: entry.app_id,
        account: format!("{prefix}/{account}"),
        repository_selection: selection(entry.repository_ids.as_deref()).to_owned(),
        repositories,
        permissions: entry.permissions.clone(),
        events: entry.events.clone(),
    }
}

/// `selected` for a list of repositories, `all` otherwise.
pub fn selection(repository_ids: Option<&[i64]>) -> &'static str {
    if repository_ids.is_some() {
        "selected"
    } else {
        "all"
    }
}

impl Service {
    /// Installations as the control API shows them.
    pub fn installation_views(&self) -> Vec<Installation> {
        let memory = self.memory();
        memory
            .apps()
            .flat_map(|app| memory.installations_of(app.id))
            .map(|i| installation_view(&memory, i))
            .collect()
    }

    /// Apps as the control API shows them.
    pub fn app_views(&self) -> Vec<App> {
        self.memory().apps().map(App::of).collect()
    }
}

/// An installation token asked for, waiting for the writer's turn.
#[derive(Debug)]
pub(super) struct TokenAsk {
    installation_id: i64,
    permissions: Permissions,
    /// Narrowed to these, with their scopes; none for all the
    /// installation's.
    repositories: Option<Vec<(i64, Scope)>>,
    expires_at: i64,
}

/// What a token asked for may hold: the installation's permissions and
/// repositories, or fewer; more is 422.
fn narrow(
    memory: &Memory,
    installation: &InstallationEntry,
    request: TokenRequest,
) -> Result<TokenAsk, Error> {
    let permissions = match request.permissions {
        // PyGithub sends `{}` with every request: no narrowing.
        Some(asked) if !asked.is_empty() => {
            check_permissions(&asked)?;
            for (name, level) in &asked {
                let have = installation.permissions.get(name).and_then(|l| rank(l));
                if have.is_none() || have < rank(level) {
                    return Err(invalid(
                        "InstallationToken",
                        "permissions",
                        format!(
                            "The permissions requested are not granted to this installation: {name} {level}"
                        ),
                    ));
                }
            }
            asked
        }
        _ => installation.permissions.clone(),
    };
    let reachable = repositories_reached(
        memory,
        installation.account_id,
        installation.repository_ids.as_deref(),
    );
    let mut wanted: BTreeSet<i64> = BTreeSet::new();
    for name in request.repositories.iter().flatten() {
        let found = reachable.iter().find(|(_, scope)| match scope {
            Scope::Repo { repo, .. } => repo.eq_ignore_ascii_case(name),
            _ => false,
        });
        let (id, _) = found.ok_or_else(|| {
            invalid(
                "InstallationToken",
                "repositories",
                format!("There is at least one repository that does not exist or is not accessible to the parent installation: {name}"),
            )
        })?;
        wanted.insert(*id);
    }
    for id in request.repository_ids.iter().flatten() {
        if !reachable.iter().any(|(reached, _)| reached == id) {
            return Err(invalid(
                "InstallationToken",
                "repository_ids",
                format!(
                    "There is at least one repository that does not exist or is not accessible to the parent installation: {id}"
                ),
            ));
        }
        wanted.insert(*id);
    }
    let narrowed = request.repositories.is_some() || request.repository_ids.is_some();
    let repositories = if narrowed {
        Some(
            reachable
                .into_iter()
                .filter(|(id, _)| wanted.contains(id))
                .collect(),
        )
    } else {
        installation.repository_ids.as_ref().map(|_| reachable)
    };
    Ok(TokenAsk {
        installation_id: installation.id,
        permissions,
        repositories,
        expires_at: 0,
    })
}

/// Writes the asked tokens in the writer's turn and answers each ask.
async fn create_tokens(mut writer: Writer, asks: Vec<Asked<TokenAsk, IssuedToken>>) {
    let rows: Vec<apps::TokenRow> = asks
        .iter()
        .map(|asked| {
            let ask = &asked.ask;
            apps::TokenRow {
                token: new_installation_token(),
                installation_id: ask.installation_id,
                permissions: to_json(&ask.permissions),
                repository_ids: ask.repositories.as_ref().map(|repositories| {
                    let ids: Vec<i64> = repositories.iter().map(|(id, _)| *id).collect();
                    to_json(&ids)
                }),
                expires_at: ask.expires_at,
            }
        })
        .collect();
    let written = async {
        apps::insert_tokens(writer.conn()?, &rows).await?;
        Ok::<_, sqlx::Error>(())
    };
    if let Err(error) = written.await {
        fail_all(asks, &error);
        return;
    }
    let entries: Result<Vec<InstallationTokenEntry>, sqlx::Error> =
        rows.iter().map(InstallationTokenEntry::from_row).collect();
    let entries = match entries {
        Ok(entries) => entries,
        Err(error) => {
            fail_all(asks, &error);
            return;
        }
    };
    writer.apply(|memory| {
        for (row, entry) in rows.iter().zip(entries) {
            memory.add_installation_token(&row.token, entry);
        }
    });
    for (asked, row) in asks.into_iter().zip(rows) {
        asked.answer_with(|ask| {
            Ok(IssuedToken {
                token: row.token,
                expires_at: row.expires_at,
                permissions: ask.permissions,
                repositories: ask.repositories,
            })
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_client_ids_and_slugs_look_like_githubs() {
        let token = new_installation_token();
        assert_eq!(token.len(), 40);
        assert!(
            token[4..].chars().all(|c| c.is_ascii_alphanumeric()),
            "{token}"
        );
        assert_ne!(token, new_installation_token());
        let client_id = new_client_id();
        assert_eq!(client_id.len(), 20);
        assert_eq!(slug_of(" My  Runner App! "), "my-runner-app");
        assert_eq!(slug_of("!!"), "");
    }

    #[test]
    fn levels_rank_read_below_write_below_admin() {
        let grant = Grant {
            installation_id: 1,
            app_id: 1,
            account_kind: AccountKind::Org,
            account_id: 1,
            account: "o".to_owned(),
            permissions: [("administration".to_owned(), "write".to_owned())].into(),
            repository_ids: Some(vec![3]),
        };
        assert!(grant.allows("administration", "read"));
        assert!(grant.allows("administration", "write"));
        assert!(!grant.allows("administration", "admin"));
        assert!(!grant.allows("metadata", "read"));
        assert!(grant.reaches(3) && !grant.reaches(4));
    }
}
