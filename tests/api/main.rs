//! Integration tests: each starts a real server on a free port with its own
//! in-memory database and speaks HTTP to it, the way a client would. Every
//! `/api/v3` body a test receives through `helpers` is checked against
//! GitHub's contract, and every answer against GHES's headers.

mod auth;
mod binary;
mod contract;
mod control;
mod endpoints;
mod errors;
mod helpers;
mod meta;
mod pagination;
mod scopes;
mod storage;
