//! Scenarios of the wrapping family.

use super::Scenario;

pub const ALL: &[Scenario] = &[];
