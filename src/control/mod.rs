//! The control API under `/_mock`: what a test can make the mock do that a
//! real GHES cannot. It goes through the same service as the GitHub surface.

mod admin;
mod apps;
mod deliveries;
mod faults;
mod jobs;
mod orgs;
mod runners;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};

use crate::app::{AppState, not_found, run_to_completion, time_limit};

pub fn routes(state: AppState) -> Router<AppState> {
    let timeout = state.request_timeout;
    // What a runner does with its own registration or remove token, and the
    // health probe, stay open when an admin token guards the rest.
    let open = Router::new()
        .route("/health", get(admin::health))
        .route("/runners", post(runners::register))
        .route("/runners/remove", post(runners::remove_by_name))
        .route("/runners/jit", post(runners::start_jit))
        .route("/runners/{runner_id}/remove", post(runners::remove));
    let guarded = Router::new()
        .route("/runners/{runner_id}", patch(runners::update))
        .route("/orgs/{org}", put(orgs::set))
        .route("/runs", post(jobs::queue))
        .route("/runs/{run_id}", get(jobs::get_run))
        .route("/jobs/{job_id}", get(jobs::get_job))
        .route("/jobs/{job_id}/complete", post(jobs::complete))
        .route("/jobs/{job_id}/cancel", post(jobs::cancel))
        .route("/apps", post(apps::create).get(apps::list))
        .route("/apps/{app_id}/installations", post(apps::install))
        .route("/apps/{app_id}/jwt", post(apps::jwt))
        .route("/reset", post(admin::reset))
        .route("/state", get(admin::state))
        .route("/clock", put(admin::set_clock).get(admin::clock))
        .route(
            "/faults",
            post(faults::add).get(faults::list).delete(faults::clear),
        )
        .route("/requests", get(admin::requests))
        .route("/deliveries", get(deliveries::list))
        .route_layer(from_fn_with_state(state, require_admin));
    open.merge(guarded)
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(from_fn(run_to_completion))
        .layer(from_fn_with_state(timeout, time_limit))
}

/// `Authorization: Bearer T` with the admin token, when one is configured.
async fn require_admin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let token = crate::api::credential(request.headers());
    let checked = token.and_then(|token| state.service.auth().check_admin(token.as_deref()));
    match checked {
        Ok(()) => next.run(request).await,
        Err(error) => error.into_response(),
    }
}
