//! Who is calling, and whether their token may use an endpoint (SPEC §3).

use std::collections::HashMap;

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

const ALL_SCOPES: &str = "admin:enterprise, admin:org, manage_runners:enterprise, repo";

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
    /// Whether this caller may use the runner endpoints of `scope`.
    pub fn authorize(&self, scope: &Scope) -> Result<(), Error> {
        let accepted = accepted_scopes(scope.kind());
        match self {
            Principal::Anonymous => Err(Error::RequiresAuthentication),
            Principal::AnyScope => Ok(()),
            Principal::Scoped(have) if have.iter().any(|s| accepted.contains(&s.as_str())) => {
                Ok(())
            }
            Principal::Scoped(_) => Err(Error::MissingScope),
        }
    }

    /// `X-OAuth-Scopes`: the scopes the token has.
    pub fn oauth_scopes(&self) -> String {
        match self {
            Principal::Anonymous => String::new(),
            Principal::AnyScope => ALL_SCOPES.to_owned(),
            Principal::Scoped(scopes) => scopes.join(", "),
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
