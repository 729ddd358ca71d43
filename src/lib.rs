//! mock-idp: a mock SAML 2.0 Identity Provider for testing service providers end to end.
//!
//! The crate is split in two on purpose:
//! - [`saml`] is the engine: parsing AuthnRequests, building and signing Responses, metadata.
//!   It does no I/O, never reads the clock and draws no randomness; all of that is passed in.
//! - [`server`] is the service around it: configuration, the users file, the signing key on disk,
//!   the clock, and the actix-web layer that turns HTTP into engine calls.
//! - [`audit`] acts on a service provider: the catalogue run through its login (in progress).
#![forbid(unsafe_code)]

pub mod audit;
pub mod saml;
pub mod server;
