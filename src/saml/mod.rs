//! The SAML engine: everything between the bytes an SP sends and the bytes we post back.
//!
//! ```text
//! binding::decode ─> authn_request::parse ─> issue::{plan, sign, encode} ─> IssuedResponse
//!                                             │ nameid, response, dsig, xml::c14n
//!                                             └ scenario hooks at each stage
//! metadata::idp_metadata
//! ```
//! It does no I/O, never reads the clock and draws no randomness: the web layer passes `now`,
//! an ID source and the signer in. `tests/it/boundary.rs` fails if this tree names actix,
//! handlebars, serde_yaml, std::fs or std::net.

pub mod authn_request;
pub mod b64;
pub mod binding;
pub mod browser_url;
pub mod compare;
pub mod dsig;
pub mod escape;
pub mod issue;
pub mod logout;
pub mod metadata;
pub mod nameid;
pub mod ns;
pub mod presets;
pub mod principal;
pub mod received;
pub mod request_signature;
pub mod response;
pub mod review;
pub mod scenario;
pub mod slo;
pub mod sp;
pub mod sp_metadata;
pub mod xml;
pub mod xmlenc;

#[cfg(test)]
#[path = "tests/golden.rs"]
pub(crate) mod golden;
