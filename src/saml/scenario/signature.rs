//! Scenarios of the signature family.

use super::Scenario;

pub const ALL: &[Scenario] = &[];
