//! Who is calling, and whether their token may use an endpoint (SPEC §3).

use std::collections::HashMap;

use crate::config::ApiToken;
use crate::error::Error;
use crate::model::Scope;

/// The tokens the server knows. With none, it runs in open mode: any
/// non-empty token is accepted with every scope.
#[derive(Debug, Default)]
pub struct Auth {
    tokens: HashMap<String, Vec<String>>,
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
    pub fn new<'a>(tokens: impl IntoIterator<Item = &'a ApiToken>) -> Auth {
        Auth {
            tokens: tokens
                .into_iter()
                .map(|t| (t.token.clone(), t.scopes.clone()))
                .collect(),
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
        if self.is_open() {
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
        Auth::new(&tokens)
    }

    #[test]
    fn open_mode_accepts_any_token_but_not_none() {
        let auth = Auth::default();
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
