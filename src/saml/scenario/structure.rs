//! Scenarios of the structure family.

use super::Scenario;

pub const ALL: &[Scenario] = &[];
