//! Scenarios of the probes family.

use super::Scenario;

pub const ALL: &[Scenario] = &[];
