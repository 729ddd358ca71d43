//! The audit of a live service provider: the whole catalogue run through the SP's own login,
//! each outcome judged against what the scenario expects of a correct SP. It stands on the
//! flows of [`crate::server::flow`], which issue a login's response without HTTP.
//!
//! - [`plan`]: which scenarios run against one SP, in which order, and which are left out and
//!   why.
//! - [`jar`]: the cookies of one login, sent back as a browser would.
//! - [`verdict`]: what the SP's answer to one scenario means, and whose identity it took.
//! - [`report`]: what an audit found, the one value every report is written from.

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
