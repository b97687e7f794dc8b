//! The control API under `/_mock`: what a test can make the mock do that a
//! real GHES cannot. It goes through the same service as the GitHub surface.

mod admin;
mod runners;

use axum::Router;
use axum::routing::{get, patch, post, put};

use crate::app::{AppState, not_found};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(admin::health))
        .route("/runners", post(runners::register))
        .route("/runners/{runner_id}", patch(runners::update))
        .route("/runners/{runner_id}/remove", post(runners::remove))
        .route("/reset", post(admin::reset))
        .route("/state", get(admin::state))
        .route("/clock", put(admin::set_clock).get(admin::clock))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
}
