//! What the test binaries share: starting `mock-idp` and the other programs a test runs as
//! child processes, waiting for them to say they are ready or to finish, and shortening long
//! outputs for failure messages. `it`, `interop`, `scenarios` and `browser` include it with
//! `#[path = "../common/mod.rs"] mod common;`.
#![allow(
    dead_code,
    reason = "each test binary includes all of it and uses only part"
)]

pub mod process;
pub mod server;
pub mod text;

use std::path::Path;

/// The repository's root.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}
