//! Integration tests: one binary (linking many is slow) that starts the real `mock-idp` on a
//! free port and drives it over HTTP, as a service provider and a browser would.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic in a test is its failure message"
)]

mod boundary;
mod endpoints;
mod registry;
mod scenarios;
mod sessions;
mod slo;
mod sso;
mod support;
