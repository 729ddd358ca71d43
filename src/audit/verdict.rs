//! What an SP's answer to one scenario means, against what the scenario expects of a correct
//! SP and the identity it forges.
//!
//! - A `reject` scenario the SP accepted is a finding of the scenario's severity, unless the
//!   check shows the SP took the signed user's identity where the scenario forged another
//!   (it accepted a wrapped response yet logged in the user the IdP signed): harmless.
//! - Whatever the expectation, an SP seen logging in a forged identity (the attacker's subject,
//!   or the user's NameID cut short at an injected node) is a critical finding; one seen logging
//!   in someone other than the user a response names (and does not forge), a high one.
//! - An `accept` probe the SP refused is a compatibility failure.
//! - A `policy` scenario reports the SP's choice.

use crate::saml::scenario::logout::LogoutScenario;
use crate::saml::scenario::{Expected, Forged, Scenario, Severity};

/// What the audit saw the SP do with one response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    /// The check found the user logged in.
    pub logged_in: bool,
    /// The identity the check's capture group read, if it has one and it matched.
    pub identity: Option<String>,
    /// The response named someone (it carried a NameID): an SP that shows another identity
    /// read it wrong.
    pub named: bool,
}

/// Whose identity the SP took, where the check can see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Took {
    /// The identity the IdP signed.
    Signed,
    /// The identity the scenario forged.
    Forged,
    /// Neither: the SP shows someone else.
    Other,
    /// The check captures no identity, or nobody is logged in.
    Unseen,
}

/// The verdict on one scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The SP did what a correct SP does.
    Passed,
    /// The SP accepted what a correct SP refuses, or took a forged identity.
    Finding { severity: Severity },
    /// The SP accepted a response that forges an identity, but took the signed one: the
    /// defect let nobody in as someone else.
    Harmless,
    /// The SP refused a response a correct SP accepts.
    Incompatible,
    /// The catalogue leaves the decision to the SP; this is what it decided.
    Policy { accepted: bool },
}

impl Took {
    pub fn id(self) -> &'static str {
        match self {
            Took::Signed => "signed",
            Took::Forged => "forged",
            Took::Other => "other",
            Took::Unseen => "unseen",
        }
    }
}

impl Verdict {
    pub fn id(&self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Finding { .. } => "finding",
            Verdict::Harmless => "harmless",
            Verdict::Incompatible => "incompatible",
            Verdict::Policy { .. } => "policy",
        }
    }
}

/// The identities an SP may show for one scenario, as the SP shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identities {
    /// What the check read for the user after the `valid` login: the user as this SP shows
    /// them. `None` when the check captures no identity.
    pub user: Option<String>,
}

/// The identity a vulnerable SP shows for `forged`, given how the SP shows the user.
///
/// For [`Forged::Attacker`] the attacker's subject; for [`Forged::Truncated`] the user
/// themself (the victim), since the signed identity is the user's NameID with a suffix.
fn took(forged: Option<Forged>, user: Option<&str>, shown: Option<&str>) -> Took {
    let (Some(user), Some(shown)) = (user, shown) else {
        return Took::Unseen;
    };
    let same = same_identity;
    match forged {
        None if same(shown, user) => Took::Signed,
        None => Took::Other,
        Some(Forged::Attacker) if same(shown, user) => Took::Signed,
        Some(Forged::Attacker) if shown.contains(ATTACKER_SUBJECT) => Took::Forged,
        Some(Forged::Attacker) => Took::Other,
        // The signed identity is the user's with a suffix; the victim is the user.
        Some(Forged::Truncated) if same(shown, user) => Took::Forged,
        Some(Forged::Truncated) if shown.contains(TRUNCATED_SUFFIX) => Took::Signed,
        Some(Forged::Truncated) => Took::Other,
    }
}

/// Whether an SP shows the same identity twice: case and surrounding blanks do not count.
pub fn same_identity(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// The subject of the attacker's assertions in the catalogue.
pub const ATTACKER_SUBJECT: &str = "admin@acme-support.example";
/// What the injection scenarios append to the signed NameID.
pub const TRUNCATED_SUFFIX: &str = ".evil.example";

/// The verdict on `scenario` given what the SP did, and whose identity it took.
pub fn judge(scenario: &Scenario, observed: &Observed, identities: &Identities) -> (Verdict, Took) {
    let took = if observed.logged_in {
        took(
            scenario.forged,
            identities.user.as_deref(),
            observed.identity.as_deref(),
        )
    } else {
        Took::Unseen
    };
    if observed.logged_in && took == Took::Forged {
        return (
            Verdict::Finding {
                severity: Severity::Critical,
            },
            took,
        );
    }
    // A response that forges nobody and names the user, accepted as someone else: the SP read
    // the identity wrong (a CDATA or blank-padded NameID read as another account).
    if observed.logged_in
        && took == Took::Other
        && observed.named
        && scenario.forged.is_none()
        && !matches!(scenario.verdict, Expected::Reject(_))
    {
        return (
            Verdict::Finding {
                severity: Severity::High,
            },
            took,
        );
    }
    let verdict = match (scenario.verdict, observed.logged_in) {
        (Expected::Accept, true) | (Expected::Reject(_), false) => Verdict::Passed,
        (Expected::Accept, false) => Verdict::Incompatible,
        (Expected::Reject(_), true) if scenario.forged.is_some() && took == Took::Signed => {
            Verdict::Harmless
        }
        (Expected::Reject(_), true) => Verdict::Finding {
            severity: scenario.severity.unwrap_or(Severity::Medium),
        },
        (Expected::Policy(_), accepted) => Verdict::Policy { accepted },
    };
    (verdict, took)
}

/// The verdict on a logout scenario given whether the SP ended its session when told of the
/// logout with the scenario's LogoutRequest.
pub fn judge_logout(scenario: &LogoutScenario, ended: bool) -> Verdict {
    match (scenario.verdict, ended) {
        (Expected::Reject(_), true) => Verdict::Finding {
            severity: scenario.severity,
        },
        (Expected::Reject(_), false) | (Expected::Accept, true) => Verdict::Passed,
        (Expected::Accept, false) => Verdict::Incompatible,
        (Expected::Policy(_), accepted) => Verdict::Policy { accepted },
    }
}

#[cfg(test)]
#[path = "tests/verdict.rs"]
mod tests;
