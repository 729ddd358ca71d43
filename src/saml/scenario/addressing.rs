//! Scenarios of the addressing family.

use super::Scenario;

pub const ALL: &[Scenario] = &[];
