//! An audit from start to end: `valid` first (if the SP refuses it, the audit stops with a
//! diagnosis instead of a list of misleading findings), then the plan for what the SP's
//! registry entry allows, each login judged as it ends.

use std::time::Instant;

use super::browser::HttpError;
use super::drive::{DriveError, Driver, Finished, LoggedOut, Start};
use super::plan::{self, Capabilities, PlanError, Selection, Step};
use super::report::{IdpFacts, Login, Outcome, Report, ScenarioResult, SpFacts, Summary};
use super::verdict::{self, Identities, Observed, Took, Verdict};
use crate::saml::scenario::logout::LogoutScenario;
use crate::saml::scenario::{self, Expected, Scenario, VALID};
use crate::server::clock;

/// Logins in a row that fail to reach the SP before the audit stops trying.
const GIVE_UP_AFTER: usize = 3;

/// What stops an audit before its verdicts mean anything.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("the `valid` login did not run to the end, so nothing can be judged: {0}")]
    ValidFailed(DriveError),
    #[error(
        "the SP refused the `valid` response, so nothing else can be judged: {why}\n{answer}\n{trust}"
    )]
    ValidRefused {
        why: String,
        answer: String,
        trust: String,
    },
}

/// Where the audit stands, for a live progress line.
pub struct Progress<'a> {
    pub done: usize,
    pub total: usize,
    pub current: &'a str,
    pub summary: &'a Summary,
}

/// Runs `selection` through the SP `driver` logs in to.
pub fn run(
    driver: &Driver<'_>,
    selection: &Selection,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<Report, AuditError> {
    // Checked before any login, so a typo costs no time.
    plan::plan(selection, Capabilities::default())?;
    let started = clock::now();
    let clock_started = Instant::now();
    let idp = idp_facts(driver);

    let summary = Summary::default();
    progress(Progress {
        done: 0,
        total: 1,
        current: VALID.id,
        summary: &summary,
    });
    let begun = Instant::now();
    let valid = match driver.log_in(VALID.id) {
        Ok(finished) => finished,
        Err((error, _)) => return Err(AuditError::ValidFailed(error)),
    };
    if !valid.seen.logged_in {
        return Err(AuditError::ValidRefused {
            why: valid.seen.failed.clone().unwrap_or_default(),
            answer: sp_answer(&valid.login),
            trust: trust(&idp),
        });
    }
    let (identities, warnings) = identities(driver, &valid);
    let mut results = vec![judged(&VALID, valid_result(&valid), &identities, begun)];

    let steps = plan::plan(selection, capabilities(driver, &valid.login))?;
    let total = steps.len();
    // Whether a valid LogoutRequest ends the SP's session, found out before the first logout
    // scenario: if it does not, none of them can be judged.
    let mut logout_works: Option<Result<(), String>> = None;
    // Logins in a row that could not reach the SP, and the last error: past GIVE_UP_AFTER the
    // rest are recorded as not run instead of each waiting for its timeout.
    let mut unreachable: Option<(usize, String)> = None;
    for step in steps.iter().skip(1) {
        let summary = Summary::of(&results);
        progress(Progress {
            done: results.len(),
            total,
            current: step.id(),
            summary: &summary,
        });
        let begun = Instant::now();
        let gone = unreachable
            .as_ref()
            .filter(|(count, _)| *count >= GIVE_UP_AFTER)
            .map(|(_, last)| {
                format!(
                    "not run: the SP stopped answering ({GIVE_UP_AFTER} logins in a row could \
                     not reach it; the last: {last})"
                )
            });
        let result = match *step {
            Step::Login { scenario, .. } if gone.is_some() => judged(
                scenario,
                Err((gone.unwrap_or_default(), Box::default())),
                &identities,
                begun,
            ),
            Step::Logout { scenario } if gone.is_some() => judged_logout(
                scenario,
                Err((gone.unwrap_or_default(), Box::default())),
                begun,
            ),
            Step::Login { scenario, after } => {
                let attempt = match after.map(|a| driver.log_in(a.id)) {
                    Some(Err((error, login))) => Err((error, login, true)),
                    _ => driver
                        .log_in(scenario.id)
                        .map_err(|(error, login)| (error, login, false)),
                };
                // Only a login whose very first request got no answer says the SP is gone; a
                // scenario that makes the SP drop one connection does not.
                unreachable = match &attempt {
                    Err((error @ DriveError::Http(HttpError::Failed { .. }), login, _))
                        if login.exchanges.len() <= 1 =>
                    {
                        Some((
                            unreachable.map_or(1, |(count, _)| count + 1),
                            error.to_string(),
                        ))
                    }
                    _ => None,
                };
                let outcome = attempt.map_err(|(error, login, replayed)| {
                    if replayed {
                        (
                            format!("the login it replays ({}) failed: {error}", VALID.id),
                            login,
                        )
                    } else {
                        (error.to_string(), login)
                    }
                });
                judged(scenario, outcome, &identities, begun)
            }
            Step::Logout { scenario } => {
                let control = logout_works.get_or_insert_with(|| valid_logout(driver));
                let ran = match control {
                    Ok(()) => logout(driver, Some(scenario)),
                    Err(why) => Err((why.clone(), Box::default())),
                };
                judged_logout(scenario, ran, begun)
            }
            Step::Skipped { id, reason } => {
                let (family, title, explanation, rule) = describe(id);
                skipped(id, family, title, explanation, rule, reason.describe())
            }
        };
        results.push(result);
    }
    let summary = Summary::of(&results);
    progress(Progress {
        done: total,
        total,
        current: "",
        summary: &summary,
    });
    Ok(Report {
        tool: concat!("mock-idp ", env!("CARGO_PKG_VERSION")).to_owned(),
        idp,
        sp: sp_facts(driver, &valid),
        user: driver.user.clone(),
        name_id: valid.name_id.clone(),
        user_as_shown: valid.seen.identity.clone(),
        warnings,
        started: started
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        seconds: clock_started.elapsed().as_secs_f64(),
        results,
        summary,
    })
}

/// The user as the SP shows them, if identities can be compared, and what limits the verdicts.
///
/// A forged response changes exactly the text equal to the user's NameID (the email attribute
/// too), nothing else: only an SP that shows the NameID, or a value equal to it, shows whose
/// identity it took. Anything else (a display name) would make a login as the attacker look
/// like the user's.
fn identities(driver: &Driver<'_>, valid: &Finished) -> (Identities, Vec<String>) {
    let mut warnings = Vec::new();
    if !driver.check.reads_identity() {
        warnings.push(
            "the check reads no identity (--check-body has no capture group): a forged \
             response the SP accepts counts by its acceptance alone, and the injection \
             scenarios (nameid-comment) by the SP's policy, though they may log in the victim's \
             account; capture the NameID to tell"
                .to_owned(),
        );
        return (Identities { user: None }, warnings);
    }
    let shown = valid.seen.identity.as_deref();
    let user = match (shown, valid.name_id.as_deref()) {
        (Some(shown), Some(name_id)) if verdict::same_identity(shown, name_id) => {
            Some(shown.to_owned())
        }
        (shown, name_id) => {
            warnings.push(format!(
                "the SP shows the user as {:?}, not as the NameID {:?}: a forged response \
                 changes only the NameID (and values equal to it), so whose identity the SP took \
                 cannot be told from what it shows, and identities are not compared; capture \
                 the NameID, or a value equal to it such as the email",
                shown.unwrap_or(""),
                name_id.unwrap_or("")
            ));
            None
        }
    };
    (Identities { user }, warnings)
}

type Ran = Result<Finished, (String, Box<Login>)>;

fn valid_result(valid: &Finished) -> Ran {
    Ok(valid.clone())
}

/// The result of a login scenario.
fn judged(
    scenario: &Scenario,
    ran: Ran,
    identities: &Identities,
    begun: Instant,
) -> ScenarioResult {
    let outcome = match ran {
        Err((error, login)) => Outcome::Error {
            error,
            login: *login,
        },
        Ok(finished) => {
            let observed = Observed {
                logged_in: finished.seen.logged_in,
                identity: finished.seen.identity.clone(),
                named: finished.name_id.is_some(),
            };
            let (verdict, took) = verdict::judge(scenario, &observed, identities);
            let summary = summary_line(scenario, &verdict, took, &finished);
            Outcome::judged(
                verdict,
                summary,
                observed.logged_in,
                observed.identity,
                took,
                finished.login,
            )
        }
    };
    ScenarioResult {
        id: scenario.id,
        family: scenario.family.id(),
        title: scenario.title,
        explanation: scenario.explanation,
        rule: scenario.rule,
        expected: scenario.verdict.id(),
        correct_sp: scenario.verdict.reason(),
        severity: scenario.severity.map(|s| s.id()),
        forged: scenario.forged.map(|f| f.id()),
        outcome,
        seconds: begun.elapsed().as_secs_f64(),
    }
}

/// A valid login, then a valid LogoutRequest: the control of the logout scenarios.
fn valid_logout(driver: &Driver<'_>) -> Result<(), String> {
    let out = logout(driver, None)
        .map_err(|(e, _)| format!("the valid logout before the logout scenarios failed: {e}"))?;
    if out.seen.logged_in {
        return Err(format!(
            "a valid LogoutRequest did not end the SP's session either (the check still sees the \
             user logged in{}), so no logout scenario can be judged: check the SP's logout URL \
             in --sps and that it trusts this IdP's signature on logout messages",
            answered(&out)
        ));
    }
    Ok(())
}

/// A valid login, then a logout broken as `scenario` says (`None`: a valid one).
fn logout(
    driver: &Driver<'_>,
    scenario: Option<&'static LogoutScenario>,
) -> Result<LoggedOut, (String, Box<Login>)> {
    let finished = driver
        .log_in(VALID.id)
        .map_err(|(e, login)| (format!("the login to log out failed: {e}"), login))?;
    if !finished.seen.logged_in {
        return Err((
            format!(
                "the login to log out was refused: {}",
                finished.seen.failed.as_deref().unwrap_or("not logged in")
            ),
            Box::new(finished.login),
        ));
    }
    driver
        .log_out(finished, scenario)
        .map_err(|(e, login)| (e.to_string(), login))
}

/// ` (its LogoutResponse says <status>)`, or nothing.
fn answered(out: &LoggedOut) -> String {
    out.answer_status
        .as_deref()
        .map(|s| {
            format!(
                "; its LogoutResponse says {}",
                s.rsplit(':').next().unwrap_or(s)
            )
        })
        .unwrap_or_default()
}

/// The result of a logout scenario.
fn judged_logout(
    scenario: &'static LogoutScenario,
    ran: Result<LoggedOut, (String, Box<Login>)>,
    begun: Instant,
) -> ScenarioResult {
    let outcome = match ran {
        Err((error, login)) => Outcome::Error {
            error,
            login: *login,
        },
        Ok(out) => {
            let ended = !out.seen.logged_in;
            let verdict = verdict::judge_logout(scenario, ended);
            let summary = match (&verdict, ended) {
                (Verdict::Finding { severity }, _) => format!(
                    "ended its session on this LogoutRequest{}; a correct SP refuses it ({} finding)",
                    answered(&out),
                    severity.id()
                ),
                (_, false) => format!(
                    "kept its session: the LogoutRequest was refused{}, as a correct SP does",
                    answered(&out)
                ),
                (_, true) => format!("ended its session{}", answered(&out)),
            };
            Outcome::judged(
                verdict,
                summary,
                out.seen.logged_in,
                out.seen.identity,
                Took::Unseen,
                out.login,
            )
        }
    };
    ScenarioResult {
        id: scenario.id,
        family: scenario::logout::FAMILY,
        title: scenario.title,
        explanation: scenario.explanation,
        rule: scenario.rule,
        expected: scenario.verdict.id(),
        correct_sp: scenario.verdict.reason(),
        severity: Some(scenario.severity.id()),
        forged: None,
        outcome,
        seconds: begun.elapsed().as_secs_f64(),
    }
}

fn skipped(
    id: &'static str,
    family: &'static str,
    title: &'static str,
    explanation: &'static str,
    rule: &'static str,
    reason: &'static str,
) -> ScenarioResult {
    let scenario = scenario::find(id);
    ScenarioResult {
        id,
        family,
        title,
        explanation,
        rule,
        expected: scenario.map_or("reject", |s| s.verdict.id()),
        correct_sp: scenario.and_then(|s| s.verdict.reason()),
        severity: scenario.and_then(|s| s.severity.map(|s| s.id())),
        forged: scenario.and_then(|s| s.forged.map(|f| f.id())),
        outcome: Outcome::Skipped { reason },
        seconds: 0.0,
    }
}

/// Family, title, explanation and rule of a login or logout scenario.
fn describe(id: &str) -> (&'static str, &'static str, &'static str, &'static str) {
    if let Some(s) = scenario::find(id) {
        return (s.family.id(), s.title, s.explanation, s.rule);
    }
    match scenario::logout::find(id) {
        Some(s) => (scenario::logout::FAMILY, s.title, s.explanation, s.rule),
        None => ("", "", "", ""),
    }
}

/// One line on what happened, for people.
fn summary_line(scenario: &Scenario, verdict: &Verdict, took: Took, finished: &Finished) -> String {
    let shown = finished.seen.identity.as_deref().map(|id| {
        if id.is_empty() {
            "an empty identity".to_owned()
        } else {
            id.to_owned()
        }
    });
    let who = match (&shown, took) {
        (Some(id), Took::Forged) => format!(" as {id}, the identity the response forges"),
        (Some(id), Took::Signed) if scenario.forged.is_some() => {
            format!(" as {id}, the identity the IdP signed")
        }
        (Some(id), _) => format!(" as {id}"),
        (None, _) => String::new(),
    };
    let refused = || {
        let why = finished.seen.failed.as_deref().unwrap_or("not logged in");
        format!("refused ({why})")
    };
    match verdict {
        Verdict::Passed if finished.seen.logged_in => format!("logged in{who}, as expected"),
        Verdict::Passed => format!("{}, as a correct SP does", refused()),
        Verdict::Finding { severity } if took == Took::Forged => format!(
            "logged in{who}: a correct SP never takes it ({} finding)",
            severity.id()
        ),
        Verdict::Finding { severity } if !matches!(scenario.verdict, Expected::Reject(_)) => {
            format!(
                "logged in{who}, not the user the response names ({} finding)",
                severity.id()
            )
        }
        Verdict::Finding { severity } => format!(
            "accepted: logged in{who}; a correct SP refuses it ({} finding)",
            severity.id()
        ),
        Verdict::Harmless => format!(
            "accepted, but logged in{who}: the forged identity was not taken, the defect let nobody in as someone else"
        ),
        Verdict::Incompatible => format!(
            "{}; a correct SP accepts this response: {}",
            refused(),
            scenario.title
        ),
        Verdict::Policy { accepted: true } => format!("accepts: {} (logged in{who})", scenario.title),
        Verdict::Policy { accepted: false } => format!("refuses: {}", scenario.title),
    }
}

/// What the SP has in the registry, from the `valid` login's request (or the IdP-initiated
/// entity ID).
fn capabilities(driver: &Driver<'_>, valid: &Login) -> Capabilities {
    let entity_id = match &driver.start {
        Start::IdpInitiated { entity_id } => Some(entity_id.clone()),
        Start::SpInitiated { .. } => valid.saml_request.as_deref().and_then(request_issuer),
    };
    let Some(sp) = entity_id.and_then(|id| driver.state.registry.get(&id)) else {
        return Capabilities::default();
    };
    Capabilities {
        encryption_certificate: sp.encryption.certificate.is_some(),
        logout_url: sp.slo_url.is_some(),
        check_url: driver.check.url.is_some(),
    }
}

/// The Issuer of an AuthnRequest, as the IdP read it.
fn request_issuer(xml: &str) -> Option<String> {
    crate::saml::authn_request::parse(xml)
        .ok()
        .and_then(|r| r.issuer)
}

fn idp_facts(driver: &Driver<'_>) -> IdpFacts {
    IdpFacts {
        entity_id: driver.state.endpoints.entity_id.clone(),
        sso_url: driver.state.sso_url(),
        certificate_sha1: driver.state.signer.sha1_fingerprint(),
        certificate_sha256: driver.state.signer.sha256_fingerprint(),
    }
}

fn sp_facts(driver: &Driver<'_>, valid: &Finished) -> SpFacts {
    let (start, login_url, entity_id) = match &driver.start {
        // The entity ID is the Issuer of the SP's AuthnRequest.
        Start::SpInitiated { login_url } => (
            "sp-initiated",
            Some(login_url.to_string()),
            valid.participation.as_ref().map(|p| p.sp_entity_id.clone()),
        ),
        Start::IdpInitiated { entity_id } => ("idp-initiated", None, Some(entity_id.clone())),
    };
    SpFacts {
        start,
        login_url,
        entity_id,
        check: driver.check.describe(),
    }
}

/// What the SP must trust, for a diagnosis.
fn trust(idp: &IdpFacts) -> String {
    format!(
        "The SP must trust this IdP: entity ID {}, SSO URL {}, signing certificate SHA-1 {} \
         (SHA-256 {}), the certificate in --certs.",
        idp.entity_id, idp.sso_url, idp.certificate_sha1, idp.certificate_sha256
    )
}

/// What the SP answered to the ACS post, as text.
fn sp_answer(login: &Login) -> String {
    let Some(post) = login.exchanges.iter().find(|e| e.method == "POST") else {
        return "The response was never posted.".into();
    };
    let status = post
        .status
        .map_or("no answer".into(), |s| format!("HTTP {s}"));
    let text = text_of(&post.body);
    let answer = if text.is_empty() {
        format!("The ACS {} answered {status}.", post.url)
    } else {
        format!("The ACS {} answered {status}: {text}", post.url)
    };
    if post.withheld_cookies.is_empty() {
        return answer;
    }
    format!(
        "{answer}\nThe post carried no {cookies}: the SP set {them} with SameSite=Lax or Strict, \
         which browsers keep from the cross-site POST the IdP's page makes to the ACS (this IdP \
         and the SP are different sites). An SP that keeps its login state in such a cookie \
         fails for its users too: it needs SameSite=None; Secure on that cookie, or the IdP and \
         SP on one site.",
        cookies = post.withheld_cookies.join(", "),
        them = if post.withheld_cookies.len() == 1 {
            "it"
        } else {
            "them"
        },
    )
}

/// The text of an HTML page: tags, scripts and styles out, blanks collapsed, 400 characters.
pub fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        out.push(' ');
        let lower = rest[at..].get(..7).unwrap_or("").to_ascii_lowercase();
        let close = if lower.starts_with("<script") {
            "</script>"
        } else if lower.starts_with("<style") {
            "</style>"
        } else {
            ">"
        };
        rest = match super::form::find_ci(&rest[at..], close) {
            Some(end) => &rest[at + end + close.len()..],
            None => "",
        };
    }
    out.push_str(rest);
    let text = super::form::decode(&out)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    match text.char_indices().nth(400) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

#[cfg(test)]
#[path = "tests/run.rs"]
mod tests;
