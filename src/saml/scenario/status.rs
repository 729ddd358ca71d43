//! Scenarios of the status family.

use super::Scenario;

pub const ALL: &[Scenario] = &[];
