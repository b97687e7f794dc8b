//! The clients people really use, against a real server: octokit, PyGithub
//! and the gh CLI each walk the runner lifecycle in every scope (registration
//! token, a runner registered through the control API, list and get, remove
//! token, delete, 404), page through lists and read GitHub's errors their own
//! way, then walk the runner groups, labels and JIT configurations of a
//! server presenting GHES 3.22, each with what it has for them; go-github,
//! the client of Go runner managers, does the same at 3.22; octokit,
//! PyGithub and go-github then receive real webhook deliveries on a loopback
//! port, check their signatures with what managers check them with
//! (`@octokit/webhooks`, `hmac.compare_digest`, `github.ValidatePayload`) and
//! walk the hooks, runs and jobs over REST; the example runner manager runs
//! its whole loop against the server (`manager`); schemathesis fuzzes every
//! operation against GitHub's own descriptions; and the server is checked
//! over HTTPS.
//!
//! Each client program lives beside this file and prints one line per check
//! and a closing `N passed, M failed`. The clients are installed on first use
//! (see `install`), never beside the sources: octokit with `npm ci` into
//! `target/tmp/clients/node/node_modules`, PyGithub and schemathesis with pip
//! into the virtualenv `target/tmp/clients/python/.venv` (both under
//! `CARGO_TARGET_DIR` when set), gh, Go and go-github from Debian's packages;
//! each install prints a line saying what it installs where, which cargo
//! shows without `--nocapture`. A test fails, never skips, when its client
//! cannot be had.
//!
//! Run one suite with its output: `cargo test --test clients gh -- --nocapture`.

mod gh;
mod gogithub;
mod install;
mod manager;
mod octokit;
mod process;
mod pygithub;
mod schemathesis;
mod suite;
mod tls;
