//! Hooks through which a scenario changes what one login sends.
//!
//! A Response is produced in stages (see [`crate::saml::issue`]); a scenario may step in at
//! each one, and implements only the hooks it needs:
//! - [`Scenario::shape`]: change values before anything is signed (the signature stays valid);
//! - [`Scenario::signing`]: change what is signed and how;
//! - [`Scenario::tamper`]: change the signed tree (the signature no longer matches);
//! - [`Scenario::encode`]: change the bytes on their way out.
//!
//! [`Valid`] changes nothing; it is what every ordinary login uses.

use super::dsig::{Algorithms, KeyInfoStyle};
use super::response::ResponseSpec;
use super::xml::Element;

/// What gets signed, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigningPlan {
    pub assertion: bool,
    pub response: bool,
    pub algorithms: Algorithms,
    pub key_info: KeyInfoStyle,
}

pub trait Scenario: Sync {
    /// Stable kebab-case id.
    fn id(&self) -> &'static str;
    fn shape(&self, _spec: &mut ResponseSpec) {}
    fn signing(&self, _plan: &mut SigningPlan) {}
    fn tamper(&self, _doc: &mut Element) {}
    fn encode(&self, _xml: &mut String) {}
}

/// The honest response.
pub struct Valid;

impl Scenario for Valid {
    fn id(&self) -> &'static str {
        "valid"
    }
}
