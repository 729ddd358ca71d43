//! Scenarios of the replay family.

use super::Scenario;

pub const ALL: &[Scenario] = &[];
