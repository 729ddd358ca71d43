//! Scenarios of the time family.

use super::Scenario;

pub const ALL: &[Scenario] = &[];
