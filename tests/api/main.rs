//! Integration tests: each starts a real server on a free port with its own
//! in-memory database and speaks HTTP to it, the way a client would. Every
//! `/api/v3` body a test receives through `helpers` is checked against
//! GitHub's contract, every answer against GHES's headers, and every webhook
//! payload received through `helpers::next_delivery` against GitHub's
//! description of its webhook.

mod admin_token;
mod apps;
mod auth;
mod binary;
mod concurrency;
mod contract;
mod control;
mod deliveries;
mod delivery_faults;
mod durability;
mod endpoints;
mod errors;
mod faults;
mod groups;
mod helpers;
mod hooks;
mod jit;
mod jobs;
mod labels;
mod library;
mod meta;
mod operations;
mod pagination;
mod rate_limits;
mod request_log;
mod runner_cli;
mod scopes;
mod server_process;
mod storage;
mod sweeper;
mod versions;
