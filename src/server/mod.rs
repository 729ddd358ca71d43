//! The service around the engine: configuration, the users file, the signing key on disk, the
//! clock and randomness, and the web layer.

pub mod clock;
pub mod config;
pub mod files;
pub mod flow;
pub mod healthcheck;
pub mod history;
pub mod inspector;
pub mod keys;
pub mod reviews;
pub mod sessions;
pub mod sps;
pub mod state;
pub mod users;
pub mod web;
mod yaml;
