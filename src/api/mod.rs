//! The GitHub surface under `/api/v3`: thin handlers over the service.

mod apps;
mod docs;
mod extract;
pub(crate) mod github;
mod groups;
mod hooks;
mod meta;
mod pagination;
mod runners;
mod runs;
mod scope;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;

pub(crate) use extract::{Captures, JsonBody, Origin, Query, RunnerId, from_json};
pub(crate) use github::credential;
pub(crate) use meta::organization;

use crate::app::{AppState, not_found};
use crate::service::GroupKind;

/// The routes of the version the service presents.
pub fn routes(state: AppState) -> Router<AppState> {
    let version = state.service.settings().version;
    Router::new()
        .nest(
            "/enterprises/{enterprise}/actions/runners",
            runners::routes(version),
        )
        .nest("/orgs/{org}/actions/runners", runners::routes(version))
        .nest(
            "/repos/{owner}/{repo}/actions/runners",
            runners::routes(version),
        )
        .nest(
            "/enterprises/{enterprise}/actions/runner-groups",
            groups::routes(GroupKind::Enterprise),
        )
        .nest(
            "/orgs/{org}/actions/runner-groups",
            groups::routes(GroupKind::Org),
        )
        .merge(apps::routes())
        .merge(runs::routes(version))
        .merge(hooks::routes(version))
        .route("/meta", get(meta::get_meta))
        .route("/rate_limit", get(meta::get_rate_limit))
        .route("/orgs/{org}", get(meta::get_org))
        .route("/repos/{owner}/{repo}", get(meta::get_repo))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(from_fn(crate::app::run_to_completion))
        .layer(from_fn_with_state(state, github::layer))
}
