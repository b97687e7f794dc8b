//! The `Scope` extractor: which enterprise, organization or repository a
//! runner route was called for, and whether the caller may use it.

use std::collections::HashMap;
use std::marker::PhantomData;

use axum::extract::{FromRequestParts, Path};
use axum::http::Method;
use axum::http::request::Parts;

use crate::app::AppState;
use crate::error::Error;
use crate::model::Scope;
use crate::service::{Need, Principal};

impl FromRequestParts<AppState> for Scope {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let Requested { scope, write } = Requested::of(parts, state).await?;
        state.service.authorize(principal(parts), &scope, write)?;
        tracing::Span::current().record("scope", tracing::field::display(&scope));
        Ok(scope)
    }
}

/// The scope a route was called for, and whether the call writes.
struct Requested {
    scope: Scope,
    write: bool,
}

impl Requested {
    async fn of(parts: &mut Parts, state: &AppState) -> Result<Requested, Error> {
        // Nested routes see the outer captures, so the keys present tell the
        // scope: `enterprise`, `org`, or `owner` and `repo`.
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| Error::NotFound)?;
        Ok(Requested {
            scope: from_params(&params).ok_or(Error::NotFound)?,
            write: parts.method != Method::GET && parts.method != Method::HEAD,
        })
    }
}

/// Who is calling, as the auth layer found.
fn principal(parts: &Parts) -> &Principal {
    parts
        .extensions
        .get::<Principal>()
        .unwrap_or(&Principal::Anonymous)
}

/// What a surface beside the runners needs of its callers.
pub trait Needs {
    /// The need of a request to `scope`, reading or writing.
    fn need(scope: &Scope, write: bool) -> Need;
}

/// Runs and jobs.
#[derive(Debug)]
pub struct ActionsAccess;

impl Needs for ActionsAccess {
    fn need(_: &Scope, write: bool) -> Need {
        Need::Actions { write }
    }
}

/// Repository and organization webhooks.
#[derive(Debug)]
pub struct HooksAccess;

impl Needs for HooksAccess {
    fn need(scope: &Scope, write: bool) -> Need {
        match scope {
            Scope::Repo { .. } => Need::RepoHooks { write },
            _ => Need::OrgHooks { write },
        }
    }
}

/// The repository or organization a route was called for, once the caller
/// is known to have what `N` needs.
#[derive(Debug)]
pub struct Authorized<N>(pub Scope, pub PhantomData<N>);

impl<N: Needs> FromRequestParts<AppState> for Authorized<N> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let Requested { scope, write } = Requested::of(parts, state).await?;
        state
            .service
            .authorize_for(principal(parts), &scope, N::need(&scope, write))?;
        tracing::Span::current().record("scope", tracing::field::display(&scope));
        Ok(Authorized(scope, PhantomData))
    }
}

fn from_params(params: &HashMap<String, String>) -> Option<Scope> {
    let get = |key: &str| params.get(key).cloned();
    match (get("enterprise"), get("org"), get("owner"), get("repo")) {
        (Some(enterprise), None, None, None) => Some(Scope::Enterprise(enterprise)),
        (None, Some(org), None, None) => Some(Scope::Org(org)),
        (None, None, Some(owner), Some(repo)) => Some(Scope::Repo { owner, repo }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_captured_keys_tell_the_scope() {
        assert_eq!(
            from_params(&params(&[("org", "o"), ("runner_id", "1")])),
            Some(Scope::Org("o".into()))
        );
        assert_eq!(
            from_params(&params(&[("owner", "o"), ("repo", "r")])),
            Some(Scope::Repo {
                owner: "o".into(),
                repo: "r".into()
            })
        );
        assert_eq!(
            from_params(&params(&[("enterprise", "e")])),
            Some(Scope::Enterprise("e".into()))
        );
        assert_eq!(from_params(&params(&[("owner", "o")])), None);
    }
}
