//! Who is calling, and whether their token may use an endpoint (SPEC §3).

use std::collections::HashMap;
use std::sync::Arc;

use super::Service;
use super::apps::Grant;
use super::jwt;
use crate::config::ApiToken;
use crate::error::Error;
use crate::model::Scope;

/// The tokens the server knows. With none, it runs in open mode: any
/// non-empty token is accepted with every scope.
#[derive(Debug)]
pub struct Auth {
    tokens: HashMap<String, Vec<String>>,
    /// Guards the control API when set.
    admin_token: Option<String>,
    /// A token with every scope that the in-process handle gives to tests,
    /// whatever tokens are configured. Random, never shown outside.
    internal: String,
}

/// The caller of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Anonymous,
    /// In open mode every token has every scope.
    AnyScope,
    Scoped(Vec<String>),
    /// A GitHub App, by a JWT it signed: its id.
    App(i64),
    /// An App's installation, by one of its tokens.
    Installation(Arc<Grant>),
}

/// The OAuth scopes that open each kind of scope's runner endpoints.
pub fn accepted_scopes(scope_kind: &str) -> &'static [&'static str] {
    match scope_kind {
        "enterprise" => &["admin:enterprise", "manage_runners:enterprise"],
        "org" => &["admin:org"],
        "repo" => &["repo"],
        _ => &[],
    }
}

const ALL_SCOPES: &str = "admin:enterprise, admin:org, admin:org_hook, admin:repo_hook, \
                          manage_runners:enterprise, repo, site_admin";

/// What an endpoint outside the runner surface needs of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Workflow runs and jobs of a repository: `repo`, or an
    /// installation's `actions`.
    Actions { write: bool },
    /// A repository's webhooks: `admin:repo_hook` (or `repo`), or an
    /// installation's `repository_hooks`.
    RepoHooks { write: bool },
    /// An organization's webhooks: `admin:org_hook`, or an installation's
    /// `organization_hooks`.
    OrgHooks { write: bool },
    /// Global webhooks: a site administrator's `site_admin`; no App.
    SiteAdmin,
}

impl Need {
    /// The OAuth scopes that open it.
    pub fn accepted_scopes(self) -> &'static [&'static str] {
        match self {
            Need::Actions { .. } => &["repo"],
            Need::RepoHooks { write: false } => &[
                "admin:repo_hook",
                "write:repo_hook",
                "read:repo_hook",
                "repo",
            ],
            Need::RepoHooks { write: true } => &["admin:repo_hook", "write:repo_hook", "repo"],
            Need::OrgHooks { .. } => &["admin:org_hook"],
            Need::SiteAdmin => &["site_admin"],
        }
    }

    /// The installation permission that opens it, and its level.
    fn permission(self) -> Option<(&'static str, &'static str)> {
        let level = |write| if write { "write" } else { "read" };
        match self {
            Need::Actions { write } => Some(("actions", level(write))),
            Need::RepoHooks { write } => Some(("repository_hooks", level(write))),
            Need::OrgHooks { write } => Some(("organization_hooks", level(write))),
            Need::SiteAdmin => None,
        }
    }
}

impl Auth {
    pub fn new<'a>(
        tokens: impl IntoIterator<Item = &'a ApiToken>,
        admin_token: Option<String>,
    ) -> Auth {
        Auth {
            tokens: tokens
                .into_iter()
                .map(|t| (t.token.clone(), t.scopes.clone()))
                .collect(),
            admin_token: admin_token.filter(|t| !t.is_empty()),
            internal: format!("ghm_{}", uuid::Uuid::new_v4().simple()),
        }
    }

    /// A token the API accepts with every scope, in open and strict mode.
    pub fn internal_token(&self) -> &str {
        &self.internal
    }

    /// Whether a caller of the control API may use its guarded endpoints.
    pub fn check_admin(&self, token: Option<&str>) -> Result<(), Error> {
        match (&self.admin_token, token) {
            (None, _) => Ok(()),
            (Some(_), None) => Err(Error::RequiresAuthentication),
            (Some(admin), Some(token)) if admin == token => Ok(()),
            (Some(_), Some(_)) => Err(Error::BadCredentials),
        }
    }

    pub fn is_open(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The caller behind a token (`None` when the request carried none).
    pub fn authenticate(&self, token: Option<&str>) -> Result<Principal, Error> {
        let Some(token) = token else {
            return Ok(Principal::Anonymous);
        };
        if token.trim().is_empty() {
            return Err(Error::BadCredentials);
        }
        if self.is_open() || token == self.internal {
            return Ok(Principal::AnyScope);
        }
        match self.tokens.get(token) {
            Some(scopes) => Ok(Principal::Scoped(scopes.clone())),
            None => Err(Error::BadCredentials),
        }
    }
}

impl Principal {
    /// Whether this caller may use the runner endpoints of `scope`, as far
    /// as its token's OAuth scopes tell; an installation's grant is checked
    /// by [`Service::authorize`].
    pub fn authorize(&self, scope: &Scope) -> Result<(), Error> {
        self.authorize_scopes(accepted_scopes(scope.kind()))
    }

    /// Whether this caller's token carries one of these OAuth scopes.
    fn authorize_scopes(&self, accepted: &[&str]) -> Result<(), Error> {
        match self {
            Principal::Anonymous => Err(Error::RequiresAuthentication),
            Principal::AnyScope | Principal::Installation(_) => Ok(()),
            Principal::Scoped(have) if have.iter().any(|s| accepted.contains(&s.as_str())) => {
                Ok(())
            }
            Principal::Scoped(_) => Err(Error::MissingScope),
            // An App signs in to the App endpoints only.
            Principal::App(_) => Err(Error::BadCredentials),
        }
    }

    /// `X-OAuth-Scopes`: the scopes the token has; none for Apps.
    pub fn oauth_scopes(&self) -> String {
        match self {
            Principal::Anonymous | Principal::App(_) | Principal::Installation(_) => String::new(),
            Principal::AnyScope => ALL_SCOPES.to_owned(),
            Principal::Scoped(scopes) => scopes.join(", "),
        }
    }

    /// Who it is, for the request log: never the credential itself.
    pub fn actor(&self) -> String {
        match self {
            Principal::Anonymous => "none".to_owned(),
            Principal::AnyScope | Principal::Scoped(_) => "token".to_owned(),
            Principal::App(id) => format!("app:{id}"),
            Principal::Installation(grant) => format!("installation:{}", grant.installation_id),
        }
    }

    /// Whose rate-limit budget a request draws on, when not its token's:
    /// an installation's or an App's, whatever token it used.
    pub fn budget(&self) -> Option<String> {
        match self {
            Principal::App(id) => Some(format!("app:{id}")),
            Principal::Installation(grant) => {
                Some(format!("installation:{}", grant.installation_id))
            }
            _ => None,
        }
    }
}

impl Service {
    /// The caller behind a credential: an installation token (`ghs_…`), a
    /// JWT an App signed, or a personal access token. Installation tokens
    /// and JWTs are checked in open mode too.
    pub fn authenticate(&self, token: Option<&str>) -> Result<Principal, Error> {
        match token {
            Some(token) if token.starts_with("ghs_") => self
                .authenticate_installation(token)
                .map(Principal::Installation),
            Some(token) if jwt::looks_like_jwt(token) => {
                self.authenticate_app(token).map(Principal::App)
            }
            token => self.auth.authenticate(token),
        }
    }

    /// Whether the caller may use the runner endpoints of `scope`, reading
    /// (`write` false) or changing them. An installation needs
    /// `organization_self_hosted_runners` for an organization of its
    /// account, `administration` for a repository it reaches; enterprises
    /// are not for Apps.
    pub fn authorize(
        &self,
        principal: &Principal,
        scope: &Scope,
        write: bool,
    ) -> Result<(), Error> {
        principal.authorize(scope)?;
        let Principal::Installation(grant) = principal else {
            return Ok(());
        };
        let level = if write { "write" } else { "read" };
        let memory = self.memory();
        match scope {
            Scope::Enterprise(_) => Err(Error::NotAccessibleByIntegration),
            Scope::Org(_) => {
                let own = memory
                    .scope(scope)
                    .is_some_and(|s| s.id == grant.account_id)
                    && grant.account_kind == super::AccountKind::Org;
                if own && grant.allows("organization_self_hosted_runners", level) {
                    Ok(())
                } else {
                    Err(Error::NotAccessibleByIntegration)
                }
            }
            Scope::Repo { owner, .. } => {
                // A repository the installation does not reach does not
                // exist for it.
                let reached = owner.eq_ignore_ascii_case(&grant.account)
                    && grant.account_kind != super::AccountKind::Enterprise
                    && memory.scope(scope).is_some_and(|s| grant.reaches(s.id));
                if !reached {
                    return Err(Error::NotFound);
                }
                if grant.allows("administration", level) {
                    Ok(())
                } else {
                    Err(Error::NotAccessibleByIntegration)
                }
            }
        }
    }
}

impl Service {
    /// Whether the caller may use an endpoint of `scope` that needs `need`.
    /// A repository an installation does not reach does not exist for it.
    pub fn authorize_for(
        &self,
        principal: &Principal,
        scope: &Scope,
        need: Need,
    ) -> Result<(), Error> {
        principal.authorize_scopes(need.accepted_scopes())?;
        let Principal::Installation(grant) = principal else {
            return Ok(());
        };
        let Some((permission, level)) = need.permission() else {
            return Err(Error::NotAccessibleByIntegration);
        };
        let memory = self.memory();
        let reached = match scope {
            Scope::Enterprise(_) => false,
            Scope::Org(_) => {
                memory
                    .scope(scope)
                    .is_some_and(|s| s.id == grant.account_id)
                    && grant.account_kind == super::AccountKind::Org
            }
            Scope::Repo { owner, .. } => {
                let reached = owner.eq_ignore_ascii_case(&grant.account)
                    && grant.account_kind != super::AccountKind::Enterprise
                    && memory.scope(scope).is_some_and(|s| grant.reaches(s.id));
                if !reached {
                    return Err(Error::NotFound);
                }
                true
            }
        };
        if reached && grant.allows(permission, level) {
            Ok(())
        } else {
            Err(Error::NotAccessibleByIntegration)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict() -> Auth {
        let tokens = [ApiToken {
            token: "org-admin".into(),
            scopes: vec!["admin:org".into()],
        }];
        Auth::new(&tokens, None)
    }

    #[test]
    fn open_mode_accepts_any_token_but_not_none() {
        let auth = Auth::new(&[], None);
        let org = Scope::Org("o".into());
        assert!(
            auth.authenticate(Some("anything"))
                .unwrap()
                .authorize(&org)
                .is_ok()
        );
        assert!(matches!(
            auth.authenticate(None).unwrap().authorize(&org),
            Err(Error::RequiresAuthentication)
        ));
    }

    #[test]
    fn the_control_api_is_open_unless_an_admin_token_is_set() {
        assert!(Auth::new(&[], None).check_admin(None).is_ok());
        let guarded = Auth::new(&[], Some("root".into()));
        assert!(matches!(
            guarded.check_admin(None),
            Err(Error::RequiresAuthentication)
        ));
        assert!(matches!(
            guarded.check_admin(Some("guess")),
            Err(Error::BadCredentials)
        ));
        assert!(guarded.check_admin(Some("root")).is_ok());
    }

    #[test]
    fn strict_mode_checks_the_token_and_its_scopes() {
        let auth = strict();
        assert!(matches!(
            auth.authenticate(Some("guess")),
            Err(Error::BadCredentials)
        ));
        let admin = auth.authenticate(Some("org-admin")).unwrap();
        assert!(admin.authorize(&Scope::Org("o".into())).is_ok());
        let repo = Scope::Repo {
            owner: "o".into(),
            repo: "r".into(),
        };
        assert!(matches!(admin.authorize(&repo), Err(Error::MissingScope)));
    }
}
