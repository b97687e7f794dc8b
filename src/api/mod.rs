//! The GitHub surface under `/api/v3`: thin handlers over the service.

mod docs;
mod extract;
pub(crate) mod github;
mod meta;
mod pagination;
mod runners;
mod scope;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::get;

pub(crate) use extract::{JsonBody, Query, RunnerId};
pub(crate) use github::credential;

use crate::app::{AppState, not_found};

pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .nest(
            "/enterprises/{enterprise}/actions/runners",
            runners::routes(),
        )
        .nest("/orgs/{org}/actions/runners", runners::routes())
        .nest("/repos/{owner}/{repo}/actions/runners", runners::routes())
        .route("/meta", get(meta::get_meta))
        .route("/rate_limit", get(meta::get_rate_limit))
        .route("/orgs/{org}", get(meta::get_org))
        .route("/repos/{owner}/{repo}", get(meta::get_repo))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(from_fn_with_state(state, github::layer))
}
