//! Integration tests: one binary (linking many is slow) that starts the real `mock-idp` on a
//! free port and drives it over HTTP, as a service provider and a browser would.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic in a test is its failure message"
)]

#[path = "../common/mod.rs"]
mod common;

mod boundary;
mod encryption;
mod endpoints;
mod examples;
mod fuzz_corpus;
#[path = "../../fuzz/targets.rs"]
mod fuzz_targets;
mod helpdesks_guide;
mod hostile;
mod plain_logout;
mod registry;
mod review;
mod scenarios;
mod sessions;
mod signed_requests;
mod slo;
mod sp_settings;
mod sso;
mod support;
