//! What an audit found, as one value every report is written from: the JSON report is this
//! value serialised, the terminal summary, the JUnit file and the HTML page are views of it.
//!
//! - [`terminal`]: the live progress line and the plain-text summary.
//! - [`json`]: this value, serialised.
//! - [`junit`]: JUnit XML for CI dashboards, one test case per scenario.
//! - [`html`]: one self-contained HTML page, findings first with their messages.
//! - [`indent`]: the exchanged messages laid out for reading, their text unchanged.

pub mod html;
pub mod indent;
pub mod json;
pub mod junit;
pub mod terminal;

/// Reports the renderer tests share.
#[cfg(test)]
#[path = "tests/sample.rs"]
pub mod sample;

use serde::Serialize;

use super::verdict::{Took, Verdict};
use crate::saml::scenario::Severity;

/// The whole audit.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `mock-idp <version>`.
    pub tool: String,
    pub idp: IdpFacts,
    pub sp: SpFacts,
    /// The user every login is for (users.yaml id) and the NameID the IdP signs for them.
    pub user: String,
    pub name_id: Option<String>,
    /// The identity the check read after the `valid` login: the user as this SP shows them.
    pub user_as_shown: Option<String>,
    /// What limits the verdicts, in words (a check that reads no identity, or one that reads
    /// something other than the NameID).
    pub warnings: Vec<String>,
    /// RFC 3339.
    pub started: String,
    pub seconds: f64,
    pub results: Vec<ScenarioResult>,
    pub summary: Summary,
}

impl Report {
    /// The findings, worst first, in catalogue (run) order within a severity.
    pub fn findings(&self) -> Vec<(Severity, &ScenarioResult)> {
        let mut found: Vec<_> = self
            .results
            .iter()
            .filter_map(|r| match r.verdict() {
                Some(Verdict::Finding { severity }) => Some((*severity, r)),
                _ => None,
            })
            .collect();
        // Stable: equal severities keep the order they ran in.
        found.sort_by_key(|f| std::cmp::Reverse(f.0));
        found
    }

    /// The results judged `verdict` (by [`Verdict::id`]), in the order they ran.
    pub fn judged(&self, verdict: &str) -> Vec<&ScenarioResult> {
        self.results
            .iter()
            .filter(|r| r.verdict().is_some_and(|v| v.id() == verdict))
            .collect()
    }
}

/// What the SP must trust, as the audit used it.
#[derive(Debug, Clone, Serialize)]
pub struct IdpFacts {
    pub entity_id: String,
    pub sso_url: String,
    pub certificate_sha1: String,
    pub certificate_sha256: String,
}

/// The SP under audit and how its logins were judged.
#[derive(Debug, Clone, Serialize)]
pub struct SpFacts {
    /// `sp-initiated` or `idp-initiated`.
    pub start: &'static str,
    /// SP-initiated: the URL that starts a login.
    pub login_url: Option<String>,
    /// IdP-initiated: the registered entity ID.
    pub entity_id: Option<String>,
    /// How "logged in" was decided, in words.
    pub check: String,
}

impl SpFacts {
    /// What names the SP: the URL that starts its login, else its entity ID.
    pub fn target(&self) -> &str {
        self.login_url
            .as_deref()
            .or(self.entity_id.as_deref())
            .unwrap_or("the SP")
    }
}

/// Counts by outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub total: usize,
    pub passed: usize,
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub harmless: usize,
    pub incompatible: usize,
    pub policy: usize,
    pub errors: usize,
    pub skipped: usize,
}

impl Summary {
    pub fn of(results: &[ScenarioResult]) -> Summary {
        let mut s = Summary {
            total: results.len(),
            ..Summary::default()
        };
        for r in results {
            match &r.outcome {
                Outcome::Judged { verdict, .. } => match verdict {
                    Verdict::Passed => s.passed += 1,
                    Verdict::Finding { severity } => match severity {
                        Severity::Critical => s.critical += 1,
                        Severity::High => s.high += 1,
                        Severity::Medium => s.medium += 1,
                    },
                    Verdict::Harmless => s.harmless += 1,
                    Verdict::Incompatible => s.incompatible += 1,
                    Verdict::Policy { .. } => s.policy += 1,
                },
                Outcome::Error { .. } => s.errors += 1,
                Outcome::Skipped { .. } => s.skipped += 1,
            }
        }
        s
    }

    /// Findings at `at_least` or above.
    pub fn findings_from(&self, at_least: Severity) -> usize {
        match at_least {
            Severity::Critical => self.critical,
            Severity::High => self.critical + self.high,
            Severity::Medium => self.critical + self.high + self.medium,
        }
    }
}

/// One scenario of the audit.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioResult {
    pub id: &'static str,
    /// Family id (`wrapping`, `logout`, ...).
    pub family: &'static str,
    pub title: &'static str,
    pub explanation: &'static str,
    /// The rule, specification section or CVE it exercises.
    pub rule: &'static str,
    /// `accept`, `reject` or `policy`.
    pub expected: &'static str,
    /// What a correct SP must do (or, for a policy, may choose).
    pub correct_sp: Option<&'static str>,
    /// The catalogue's severity for a `reject` scenario.
    pub severity: Option<&'static str>,
    /// `attacker` or `truncated`: whose identity the response forges.
    pub forged: Option<&'static str>,
    #[serde(flatten)]
    pub outcome: Outcome,
    pub seconds: f64,
}

impl ScenarioResult {
    /// The verdict, when the login ran and was judged.
    pub fn verdict(&self) -> Option<&Verdict> {
        match &self.outcome {
            Outcome::Judged { verdict, .. } => Some(verdict),
            _ => None,
        }
    }

    /// The one line that says what happened: the judged summary, the error, or why it was
    /// skipped.
    pub fn one_line(&self) -> &str {
        match &self.outcome {
            Outcome::Judged { summary, .. } => summary,
            Outcome::Error { error, .. } => error,
            Outcome::Skipped { reason } => reason,
        }
    }

    /// The identity the SP was seen to take, and whose it is: `None` when nobody was seen
    /// logged in or the check captures no identity.
    pub fn identity_taken(&self) -> Option<String> {
        let Outcome::Judged { identity, took, .. } = &self.outcome else {
            return None;
        };
        let whose = match took {
            // Only a response that forges an identity has a signed one to tell from it.
            Took::Signed if self.forged.is_some() => "the signed user",
            Took::Signed => "the user",
            Took::Forged => "forged",
            Took::Other => "someone else",
            Took::Unseen => return None,
        };
        identity.as_ref().map(|i| format!("{i} ({whose})"))
    }
}

/// How one scenario ended.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Outcome {
    /// The login ran and was judged.
    Judged {
        #[serde(serialize_with = "verdict_id")]
        verdict: Verdict,
        /// The severity of a finding.
        #[serde(skip_serializing_if = "Option::is_none")]
        finding_severity: Option<&'static str>,
        /// For a policy: whether the SP accepted.
        #[serde(skip_serializing_if = "Option::is_none")]
        accepted: Option<bool>,
        /// One line: what happened, for people.
        summary: String,
        logged_in: bool,
        /// The identity the check read, if any.
        identity: Option<String>,
        #[serde(serialize_with = "took_id")]
        took: Took,
        login: Login,
    },
    /// The login could not be run to the end (the SP is down, a redirect left the allowed
    /// origins, the IdP could not answer the request).
    Error { error: String, login: Login },
    /// Not run.
    Skipped { reason: &'static str },
}

impl Outcome {
    /// A judged login; the finding's severity and the policy's choice are read off `verdict`.
    pub fn judged(
        verdict: Verdict,
        summary: String,
        logged_in: bool,
        identity: Option<String>,
        took: Took,
        login: Login,
    ) -> Outcome {
        Outcome::Judged {
            finding_severity: match &verdict {
                Verdict::Finding { severity } => Some(severity.id()),
                _ => None,
            },
            accepted: match &verdict {
                Verdict::Policy { accepted } => Some(*accepted),
                _ => None,
            },
            verdict,
            summary,
            logged_in,
            identity,
            took,
            login,
        }
    }

    pub fn login(&self) -> Option<&Login> {
        match self {
            Outcome::Judged { login, .. } | Outcome::Error { login, .. } => Some(login),
            Outcome::Skipped { .. } => None,
        }
    }
}

fn verdict_id<S: serde::Serializer>(v: &Verdict, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.id())
}

fn took_id<S: serde::Serializer>(t: &Took, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(t.id())
}

/// What was exchanged during one login.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Login {
    /// The AuthnRequest the SP sent, decoded (SP-initiated).
    pub saml_request: Option<String>,
    /// The Response the IdP posted, as sent (decoded from base64).
    pub saml_response: Option<String>,
    pub relay_state: Option<String>,
    /// Every HTTP request the audit made for this login, in order.
    pub exchanges: Vec<Exchange>,
    /// What the check saw: status and the start of the body.
    pub check: Option<Exchange>,
}

/// One HTTP request and its answer.
#[derive(Debug, Clone, Serialize)]
pub struct Exchange {
    pub method: &'static str,
    pub url: String,
    /// The form fields posted (names only for the SAML messages, which [`Login`] holds).
    pub form: Vec<(String, String)>,
    /// `None`: no answer (refused, timed out).
    pub status: Option<u16>,
    pub location: Option<String>,
    /// Names of the cookies the answer set.
    pub set_cookies: Vec<String>,
    /// Cookies the jar held for this URL but withheld, as a browser does: SameSite=Lax or
    /// Strict cookies on the cross-site POST of the IdP's auto-post page.
    pub withheld_cookies: Vec<String>,
    /// The start of the body, as text.
    pub body: String,
}
