//! Which scenarios an audit of one SP runs, in which order, and which it leaves out and why.
//!
//! - `valid` comes first, always: if the SP refuses it, nothing after it means anything.
//! - Then every login scenario of the catalogue, in its order, or those named by id or family;
//!   names to skip take them out again (they are listed as skipped, so a report says so).
//! - A scenario that answers with something from an earlier login to the same SP (`replay`,
//!   `reused-request-id`) runs right after a `valid` login of its own, the login it replays.
//! - A scenario that encrypts for the SP runs only when the SP has an encryption certificate in
//!   the registry; a logout scenario only when it breaks the LogoutRequests the IdP sends, the
//!   SP has a logout URL, and the check fetches a page that can show the session ended.
//!   Otherwise each is listed as skipped, with the reason.

use crate::saml::scenario::logout::{self as logout_catalogue, LogoutScenario};
use crate::saml::scenario::{self, Family, Scenario, VALID};

/// What the person running the audit chose: scenario ids or family ids (`wrapping`, `logout`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Run only these; empty: every scenario.
    pub only: Vec<String>,
    /// Leave these out.
    pub skip: Vec<String>,
}

/// What the SP under audit has in this IdP's registry, which some scenarios need.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// An encryption certificate, so an assertion can be encrypted for it.
    pub encryption_certificate: bool,
    /// A SingleLogoutService URL, so logout messages can reach it.
    pub logout_url: bool,
    /// The audit's check fetches a page (`--check-url`), so it can see a session end; the
    /// page a login lands on says nothing about a later logout.
    pub check_url: bool,
}

/// Why a scenario is not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// The person running the audit left it out.
    Excluded,
    /// It encrypts the assertion for the SP, which has no encryption certificate registered.
    NoEncryptionCertificate,
    /// It breaks logout messages, and the SP has no logout URL registered.
    NoLogoutUrl,
    /// It breaks logout messages, and the check has no page to tell a session that ended.
    NoCheckUrl,
    /// It breaks only the LogoutResponse to the SP's own LogoutRequest, which the SP sends
    /// after ending its session: what it makes of the answer shows only on its own pages.
    ResponseOnly,
}

impl SkipReason {
    pub fn describe(self) -> &'static str {
        match self {
            SkipReason::Excluded => "left out of this audit",
            SkipReason::NoEncryptionCertificate => {
                "encrypts for the SP, which has no encryption certificate in the registry (`encryption:` in the --sps file, or its metadata's KeyDescriptor use=\"encryption\")"
            }
            SkipReason::NoLogoutUrl => {
                "breaks logout messages, and the SP has no logout URL in the registry (`slo_url:` in the --sps file, or its metadata's SingleLogoutService)"
            }
            SkipReason::NoCheckUrl => {
                "breaks logout messages, and only a page fetched after the logout (--check-url) shows whether the SP ended its session"
            }
            SkipReason::ResponseOnly => {
                "breaks only the IdP's LogoutResponse to a logout the SP started; the SP ends its own session before that answer arrives, so whether it refused the answer shows only on its pages (try it from the picker in a browser)"
            }
        }
    }
}

/// One step of an audit.
#[derive(Debug, Clone, Copy)]
pub enum Step {
    /// A login answered with `scenario`; `after` is the login that must come right before it,
    /// in the same way, because the scenario replays it.
    Login {
        scenario: &'static Scenario,
        after: Option<&'static Scenario>,
    },
    /// A login followed by a logout broken as `scenario` says.
    Logout { scenario: &'static LogoutScenario },
    /// Not run, for this reason.
    Skipped {
        id: &'static str,
        reason: SkipReason,
    },
}

/// Steps are the same when they run the same scenarios (scenarios are known by their ids).
impl PartialEq for Step {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (
                Step::Login { scenario, after },
                Step::Login {
                    scenario: other,
                    after: other_after,
                },
            ) => scenario.id == other.id && after.map(|s| s.id) == other_after.map(|s| s.id),
            (Step::Logout { scenario }, Step::Logout { scenario: other }) => {
                scenario.id == other.id
            }
            (
                Step::Skipped { id, reason },
                Step::Skipped {
                    id: other,
                    reason: other_reason,
                },
            ) => id == other && reason == other_reason,
            _ => false,
        }
    }
}

impl Eq for Step {}

impl Step {
    /// The scenario's id.
    pub fn id(&self) -> &'static str {
        match self {
            Step::Login { scenario, .. } => scenario.id,
            Step::Logout { scenario } => scenario.id,
            Step::Skipped { id, .. } => id,
        }
    }
}

/// A selection that names nothing the catalogue has, or takes away what every audit needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("{0:?} is neither a scenario nor a family; families: {families}; scenarios: GET /api/scenarios lists them", families = family_ids())]
    Unknown(String),
    #[error("`valid` cannot be skipped: it runs first and proves the SP trusts this IdP, without which no other verdict means anything")]
    ValidSkipped,
}

/// The audit's steps for `selection`, against an SP with `capabilities`.
pub fn plan(selection: &Selection, capabilities: Capabilities) -> Result<Vec<Step>, PlanError> {
    for name in selection.only.iter().chain(&selection.skip) {
        if !is_known(name) {
            return Err(PlanError::Unknown(name.clone()));
        }
    }
    if selection
        .skip
        .iter()
        .any(|n| n == VALID.id || n == Family::Valid.id())
    {
        return Err(PlanError::ValidSkipped);
    }
    let chosen = |id: &str, family: &str| {
        selection.only.is_empty() || selection.only.iter().any(|n| n == id || n == family)
    };
    let skipped = |id: &str, family: &str| selection.skip.iter().any(|n| n == id || n == family);

    let mut steps = vec![Step::Login {
        scenario: &VALID,
        after: None,
    }];
    for s in scenario::catalogue().filter(|s| s.id != VALID.id) {
        let family = s.family.id();
        if !chosen(s.id, family) {
            continue;
        }
        steps.push(if skipped(s.id, family) {
            Step::Skipped {
                id: s.id,
                reason: SkipReason::Excluded,
            }
        } else if s.encrypts_for_sp() && !capabilities.encryption_certificate {
            Step::Skipped {
                id: s.id,
                reason: SkipReason::NoEncryptionCertificate,
            }
        } else {
            Step::Login {
                scenario: s,
                after: s.special.map(|_| &VALID),
            }
        });
    }
    for s in logout_catalogue::ALL {
        if !chosen(s.id, logout_catalogue::FAMILY) {
            continue;
        }
        steps.push(if skipped(s.id, logout_catalogue::FAMILY) {
            Step::Skipped {
                id: s.id,
                reason: SkipReason::Excluded,
            }
        } else if !s.requests {
            Step::Skipped {
                id: s.id,
                reason: SkipReason::ResponseOnly,
            }
        } else if !capabilities.logout_url {
            Step::Skipped {
                id: s.id,
                reason: SkipReason::NoLogoutUrl,
            }
        } else if !capabilities.check_url {
            Step::Skipped {
                id: s.id,
                reason: SkipReason::NoCheckUrl,
            }
        } else {
            Step::Logout { scenario: s }
        });
    }
    Ok(steps)
}

fn is_known(name: &str) -> bool {
    Family::ALL.iter().any(|f| f.id() == name)
        || name == logout_catalogue::FAMILY
        || scenario::find(name).is_some()
        || logout_catalogue::find(name).is_some()
}

fn family_ids() -> String {
    Family::ALL
        .iter()
        .map(|f| f.id())
        .chain([logout_catalogue::FAMILY])
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[path = "tests/plan.rs"]
mod tests;
