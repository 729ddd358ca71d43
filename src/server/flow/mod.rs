//! The use cases between the web layer and the engine: a login, a logout, the judgement of a
//! received request's signature, a review. A flow takes what a request said (already parsed out
//! of HTTP), the server's state and one `now`, calls the engine, and returns a value to render
//! or an error of its own type. It names no web framework and no template engine
//! (`tests/it/boundary.rs` checks that), so a login can be run without HTTP.
//!
//! Every flow error is [`fault::Classified`]: the web layer turns that one classification into
//! a status code and a page or JSON body, without knowing which flow failed.

pub mod choices;
pub mod destination;
pub mod fault;
pub mod judged;
pub mod login;
pub mod login_error;
pub mod logout;
pub mod logout_error;
pub mod plain_logout;
pub mod review;
pub mod select;
pub mod sso;
#[cfg(test)]
#[path = "tests/testkit.rs"]
pub(crate) mod testkit;

pub use fault::{Classified, Fault, FaultKind};
