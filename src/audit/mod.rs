//! The audit of a live service provider: the whole catalogue run through the SP's own login,
//! each outcome judged against what the scenario expects of a correct SP. It stands on the
//! flows of [`crate::server::flow`], which issue a login's response without HTTP; nothing here
//! serves HTTP, it only makes requests, as a browser without JavaScript does.
//!
//! - [`args`]: the command lines of `mock-idp audit` and `mock-idp login`.
//! - [`cli`]: from a command line to an exit status: the IdP prepared without a listener, the
//!   run, the reports.
//! - [`plan`]: which scenarios run against one SP, in which order, and which are left out and
//!   why.
//! - [`run`]: an audit from `valid` to the last scenario, each login judged as it ends.
//! - [`drive`]: one login (or logout) through the SP, the IdP's part answered in-process.
//! - [`browser`]: HTTP with one cookie jar per login, redirects checked against the allowed
//!   origins and recorded.
//! - [`jar`]: the cookies of one login, sent back as a browser would.
//! - [`form`]: the forms of an HTML page (the SP's auto-submitting HTTP-POST form).
//! - [`check`]: how the audit tells that the SP logged the user in, and as whom.
//! - [`verdict`]: what the SP's answer to one scenario means, and whose identity it took.
//! - [`report`]: what an audit found, the one value every report is written from, and its
//!   renderings (terminal, JSON, JUnit, HTML).

pub mod args;
pub mod browser;
pub mod check;
pub mod cli;
pub mod drive;
pub mod form;
pub mod jar;
pub mod plan;
pub mod report;
pub mod run;
pub mod verdict;
