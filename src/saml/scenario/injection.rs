//! Scenarios of the injection family.

use super::Scenario;

pub const ALL: &[Scenario] = &[];
