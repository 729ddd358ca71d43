//! Single logout as use cases (saml-profiles 4.4, front channel), without HTTP: a logout
//! message arrives ([`receive`]), the browser's own logout starts ([`start`]), gives up on SPs
//! that never answer ([`finish_now`]) or is looked at ([`in_progress`]). Each reads the server's
//! state, runs the engine's [`Logout`] state machine one step at the request's one `now`, keeps
//! the logout in [`Sessions`](crate::server::sessions::Sessions) between requests, and says
//! what to show: a logout message to send the browser on with, or the summary.

use crate::saml::binding::{self, Binding};
use crate::saml::dsig::SignatureAlgorithm;
use crate::saml::issue::IdSource;
use crate::saml::logout::{self, LogoutResponse};
use crate::saml::ns;
use crate::saml::scenario::logout::{self as scenarios, LogoutScenario};
use crate::saml::slo::{
    self, Initiator, Logout, MessageSignature, Next, Outcome, Outgoing, Recipient,
};
use crate::saml::sp::{Policy, ResponseStyle, ServiceProvider};
use crate::saml::xml::reader::{self, Limits};
use crate::server::clock::RandomIds;
use crate::server::inspector::Exchange;
use crate::server::sessions::{Participation, Session};
use crate::server::state::AppState;

use super::login::MAX_RELAY_STATE;

pub use super::logout_error::LogoutFlowError;

use time::OffsetDateTime;

type Result<T, E = LogoutFlowError> = std::result::Result<T, E>;

/// The parameters of an incoming logout message, by either binding.
#[derive(Debug, Default)]
pub struct Message {
    pub saml_request: Option<String>,
    pub saml_response: Option<String>,
    pub relay_state: Option<String>,
}

impl Message {
    /// A LogoutResponse, or a SAMLRequest whose root element is a LogoutRequest. Anything
    /// that does not decode is left to single sign-on, which says what is wrong with it (the
    /// AD FS paths take both).
    pub fn is_logout(&self) -> bool {
        if self.saml_response.is_some() {
            return true;
        }
        self.saml_request
            .as_deref()
            .and_then(|r| binding::decode(r).ok())
            .and_then(|d| reader::parse(d.xml.as_bytes(), Limits::default()).ok())
            .is_some_and(|root| root.name.is(ns::PROTOCOL, "LogoutRequest"))
    }
}

/// What this browser's cookies say: its IdP session, and the logout scenario it chose
/// (`<id>` for the next logout only, `<id>;sticky` for every one).
#[derive(Debug, Default, Clone, Copy)]
pub struct Browser<'a> {
    pub session: Option<&'a str>,
    pub scenario: Option<&'a str>,
}

/// What to show the browser.
#[derive(Debug)]
pub enum Show {
    /// Send it on with this logout message (a redirect, or an auto-submitting form), on
    /// behalf of `user` if a session's user is known.
    Message { out: Outgoing, user: Option<String> },
    /// The summary of the logout: finished, or still waiting for answers.
    Summary { logout: Logout, finished: bool },
}

/// A flow's result: what to show, and what becomes of the browser's cookies.
#[derive(Debug)]
pub struct Answer {
    pub show: Show,
    /// The browser's session ended with this logout: its session cookie goes.
    pub end_session_cookie: bool,
    /// The scenario cookie chose this logout's scenario for once: it goes.
    pub spend_scenario_cookie: bool,
}

impl Answer {
    fn new(show: Show) -> Self {
        Answer {
            show,
            end_session_cookie: false,
            spend_scenario_cookie: false,
        }
    }
}

/// A logout message arrived at `/slo` (or an AD FS path) by `arrived`; `raw_query` is the
/// query string as sent (HTTP-Redirect signatures are over it).
pub fn receive(
    state: &AppState,
    message: Message,
    arrived: Binding,
    raw_query: &str,
    browser: Browser<'_>,
    now: OffsetDateTime,
) -> Result<Answer> {
    let relay_state = message.relay_state.filter(|r| !r.is_empty());
    if let Some(r) = relay_state.as_deref().filter(|r| r.len() > MAX_RELAY_STATE) {
        return Err(LogoutFlowError::RelayStateTooLong(r.len()));
    }
    let present = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
    match (
        present(message.saml_request),
        present(message.saml_response),
    ) {
        (Some(r), None) => {
            let xml = decode(&r, "SAMLRequest")?;
            let received = Received {
                xml: &xml,
                arrived,
                raw_query,
            };
            logout_request(state, received, relay_state, browser, now)
        }
        (None, Some(r)) => {
            let xml = decode(&r, "SAMLResponse")?;
            let received = Received {
                xml: &xml,
                arrived,
                raw_query,
            };
            logout_response(state, received, browser, now)
        }
        (Some(_), Some(_)) => Err(LogoutFlowError::TwoMessages),
        (None, None) => Err(LogoutFlowError::NoMessage),
    }
}

/// This browser's session logs out of every SP (the home page's button), with the form's
/// scenario or else the cookie's.
pub fn start(
    state: &AppState,
    browser: Browser<'_>,
    form_scenario: Option<&str>,
    now: OffsetDateTime,
) -> Result<Answer> {
    let session = browser
        .session
        .and_then(|id| state.sessions.get(id, now))
        .ok_or(LogoutFlowError::NoSession)?;
    let (scenario, spend) = chosen_scenario(form_scenario, browser.scenario)?;
    let logout = Logout {
        id: RandomIds.next_id(),
        session_id: session.id.clone(),
        user: session.user.clone(),
        started: now,
        initiator: None,
        scenario,
        recipients: recipients(state, session.sps.iter()),
    };
    state.sessions.end(&session.id);
    let mut answer = drive(state, logout, true, now)?;
    answer.spend_scenario_cookie = spend;
    Ok(answer)
}

/// The SPs of this browser's logout that have not answered are given up on, and it ends.
pub fn finish_now(state: &AppState, browser: Browser<'_>, now: OffsetDateTime) -> Result<Answer> {
    let mut logout = in_progress(state, browser, now)?;
    logout.give_up();
    finish(state, logout, true, now)
}

/// This browser's logout in progress.
pub fn in_progress(state: &AppState, browser: Browser<'_>, now: OffsetDateTime) -> Result<Logout> {
    let id = browser.session.ok_or(LogoutFlowError::NoLogout)?;
    state
        .sessions
        .logout(id, now)
        .ok_or(LogoutFlowError::NoLogout)
}

/// The logout scenario named `id` (`valid` or nothing: none).
pub fn find_scenario(id: &str) -> Result<Option<&'static LogoutScenario>> {
    match id {
        "" | "valid" => Ok(None),
        id => scenarios::find(id)
            .map(Some)
            .ok_or_else(|| LogoutFlowError::BadScenario(id.to_owned(), known_scenarios())),
    }
}

/// Every logout scenario's id, for error messages.
pub fn known_scenarios() -> String {
    scenarios::ALL
        .iter()
        .map(|s| s.id)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The scenario of this logout: the form's choice, else the browser's cookie. Also says
/// whether the cookie is spent by it (it is unless sticky).
fn chosen_scenario(
    from_form: Option<&str>,
    cookie: Option<&str>,
) -> Result<(Option<&'static LogoutScenario>, bool)> {
    if let Some(id) = from_form.filter(|s| !s.is_empty()) {
        return Ok((find_scenario(id)?, false));
    }
    let Some(value) = cookie else {
        return Ok((None, false));
    };
    let (id, sticky) = match value.split_once(';') {
        Some((id, "sticky")) => (id, true),
        _ => (value, false),
    };
    Ok((find_scenario(id).unwrap_or(None), !sticky))
}

/// A decoded logout message and how it arrived.
#[derive(Clone, Copy)]
struct Received<'a> {
    xml: &'a str,
    arrived: Binding,
    raw_query: &'a str,
}

impl Received<'_> {
    fn signature(&self, sp: Option<&ServiceProvider>, enveloped: bool) -> MessageSignature {
        let certificate = sp.and_then(|s| s.certificate.as_deref());
        MessageSignature::check(
            certificate,
            self.arrived,
            self.raw_query,
            self.xml,
            enveloped,
        )
    }
}

fn decode(param: &str, name: &'static str) -> Result<String> {
    binding::decode(param)
        .map(|d| d.xml)
        .map_err(|source| LogoutFlowError::Binding {
            param: name,
            source,
        })
}

/// An IdP-initiated logout of one login at one SP, outside any IdP session: the LogoutRequest
/// the server would send that SP for it, broken as `scenario` says (an audit tells an SP of a
/// logout this way, then looks whether it ended the SP's session). `None` when the SP has no
/// logout URL in the registry.
pub fn request_to_sp(
    state: &AppState,
    login: &Participation,
    scenario: Option<&'static LogoutScenario>,
    now: OffsetDateTime,
) -> Result<Option<Outgoing>> {
    let mut logout = Logout {
        id: String::new(),
        session_id: String::new(),
        user: String::new(),
        started: now,
        initiator: None,
        scenario,
        recipients: recipients(state, std::iter::once(login)),
    };
    Ok(match logout.advance(&state.signer, now, &mut RandomIds) {
        Next::Send(outgoing) => Some(outgoing),
        Next::Wait | Next::Done => match &logout.recipients[..] {
            [Recipient {
                outcome: Outcome::Failed(reason),
                ..
            }] => return Err(LogoutFlowError::Unsendable(reason.clone())),
            _ => None,
        },
    })
}

/// The issuer our logout messages carry for this SP: the AD FS face for adfs-style SPs.
fn issuer_for(state: &AppState, sp: Option<&ServiceProvider>) -> String {
    match sp.map(|s| s.style) {
        Some(ResponseStyle::Adfs) => state.adfs_entity_id.clone(),
        _ => state.endpoints.entity_id.clone(),
    }
}

/// The SP's signature method as the IdP's key can make it (see
/// [`ResponseProfile::for_sp_and_key`](crate::saml::issue::ResponseProfile::for_sp_and_key)).
fn algorithm_for(state: &AppState, sp: Option<&ServiceProvider>) -> SignatureAlgorithm {
    sp.map(|s| s.algorithms.signature)
        .unwrap_or_default()
        .for_key(state.signer.kind())
}

fn recipients<'a>(
    state: &AppState,
    participants: impl Iterator<Item = &'a Participation>,
) -> Vec<Recipient> {
    participants
        .map(|p| {
            let sp = state.registry.get(&p.sp_entity_id);
            let slo_url = sp.and_then(|s| s.slo_url.clone());
            Recipient {
                sp_entity_id: p.sp_entity_id.clone(),
                outcome: if slo_url.is_some() {
                    Outcome::Waiting
                } else {
                    Outcome::NoEndpoint
                },
                slo_url,
                issuer: issuer_for(state, sp),
                algorithm: algorithm_for(state, sp),
                name_id: p.name_id.clone(),
                session_index: p.session_index.clone(),
                binding: sp.map_or(Binding::Redirect, |s| s.slo_binding),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// SP-initiated: a LogoutRequest arrives

fn logout_request(
    state: &AppState,
    received: Received<'_>,
    relay_state: Option<String>,
    browser: Browser<'_>,
    now: OffsetDateTime,
) -> Result<Answer> {
    let request = logout::parse_logout_request(received.xml)?;
    let issuer = request.issuer.clone();
    let sp = state.registry.get(&issuer);
    let strict = state.policy == Policy::Strict;
    if strict && sp.is_none() {
        return Err(LogoutFlowError::Unregistered { issuer });
    }
    let slo_url = sp
        .and_then(|s| s.slo_url.clone())
        .ok_or_else(|| LogoutFlowError::NoSloUrl {
            issuer: issuer.clone(),
            registered: sp.is_some(),
        })?;
    let signature = received.signature(sp, request.has_signature);
    if strict {
        if let Some(reason) = signature.strict_refusal() {
            return Err(LogoutFlowError::SignatureRefused { issuer, reason });
        }
    }
    let (scenario, spend) = chosen_scenario(None, browser.scenario)?;
    let initiator = Initiator {
        sp_entity_id: issuer.clone(),
        request_id: request.id.clone(),
        slo_url,
        issuer: issuer_for(state, sp),
        binding: received.arrived,
        relay_state,
        algorithm: algorithm_for(state, sp),
        request_xml: kept_request(received.xml),
        signature: signature.describe(),
    };
    tracing::info!(
        sp = %issuer,
        binding = received.arrived.id(),
        signature = %initiator.signature,
        "LogoutRequest received"
    );

    let ours = state.slo_urls();
    let ours: Vec<&str> = ours.iter().map(String::as_str).collect();
    // Refused before any session is looked at, or no session of it here: the initiator is
    // answered at once with the status that says why.
    let found = slo::check_request(&request, &ours, now).and_then(|()| {
        state
            .sessions
            .find_participant(browser.session, &issuer, now, |p| {
                slo::match_participant(&request, &p.name_id, &p.session_index)
            })
            .map_err(|closest| slo::no_session_status(&request, closest))
    });
    let mut answer = match found {
        Ok((session, _)) => start_for(state, session, initiator, scenario, browser, now)?,
        Err(status) => {
            let code = last_segment(&status.code).to_owned();
            let out = initiator.answer(status, scenario, &state.signer, now, &mut RandomIds)?;
            record_answer_sent(state, &initiator, code, &out, None, scenario, now);
            Answer::new(Show::Message { out, user: None })
        }
    };
    answer.spend_scenario_cookie = spend;
    Ok(answer)
}

/// The logout of `session` that `initiator` asked for: every other SP of it is told.
fn start_for(
    state: &AppState,
    session: Session,
    initiator: Initiator,
    scenario: Option<&'static LogoutScenario>,
    browser: Browser<'_>,
    now: OffsetDateTime,
) -> Result<Answer> {
    let others = session
        .sps
        .iter()
        .filter(|p| p.sp_entity_id != initiator.sp_entity_id);
    let logout = Logout {
        id: RandomIds.next_id(),
        session_id: session.id.clone(),
        user: session.user.clone(),
        started: now,
        recipients: recipients(state, others),
        initiator: Some(initiator),
        scenario,
    };
    state.sessions.end(&session.id);
    let ends_cookie_session = browser.session == Some(session.id.as_str());
    drive(state, logout, ends_cookie_session, now)
}

/// Logs and records for the inspector the LogoutResponse `out` sent to the initiator, whose
/// status code (before any scenario changed it) ends in `code`.
fn record_answer_sent(
    state: &AppState,
    initiator: &Initiator,
    code: String,
    out: &Outgoing,
    user: Option<&str>,
    scenario: Option<&'static LogoutScenario>,
    now: OffsetDateTime,
) {
    tracing::info!(
        sp = %initiator.sp_entity_id,
        status = %code,
        scenario = out.scenario.unwrap_or("valid"),
        binding = out.binding.id(),
        "LogoutResponse sent"
    );
    state.inspector.record(Exchange {
        seq: 0,
        at: now,
        sp: initiator.sp_entity_id.clone(),
        user: user.unwrap_or("(no session)").to_owned(),
        scenario: scenario.map_or("valid", |s| s.id),
        binding: out.binding.id(),
        request_signature: initiator.signature.clone(),
        request_xml: Some(initiator.request_xml.clone()),
        response_xml: out.xml.clone(),
        acs_url: out.destination.clone(),
        status: code,
        valid_xml: None,
        review: None,
    });
}

/// The last segment of a status code URN: `Success`, `Requester`, ...
pub fn last_segment(uri: &str) -> &str {
    uri.rsplit(':').next().unwrap_or(uri)
}

/// Runs the logout one step: the next LogoutRequest, the summary while answers are out, or
/// the end.
fn drive(
    state: &AppState,
    mut logout: Logout,
    ends_cookie_session: bool,
    now: OffsetDateTime,
) -> Result<Answer> {
    match logout.advance(&state.signer, now, &mut RandomIds) {
        Next::Send(out) => {
            let sp = logout
                .sent(&out.id)
                .map(|i| logout.recipients[i].sp_entity_id.as_str())
                .unwrap_or_default();
            tracing::info!(
                sp = %sp,
                user = %logout.user,
                scenario = out.scenario.unwrap_or("valid"),
                "LogoutRequest sent"
            );
            let user = logout.user.clone();
            state.sessions.put_logout(logout, now);
            Ok(Answer::new(Show::Message {
                out,
                user: Some(user),
            }))
        }
        Next::Wait => {
            // Waiting for an answer that another request will bring.
            state.sessions.put_logout(logout.clone(), now);
            Ok(Answer::new(Show::Summary {
                logout,
                finished: false,
            }))
        }
        Next::Done => finish(state, logout, ends_cookie_session, now),
    }
}

/// Ends the logout: the initiator's LogoutResponse, or the summary.
fn finish(
    state: &AppState,
    logout: Logout,
    ends_cookie_session: bool,
    now: OffsetDateTime,
) -> Result<Answer> {
    state.sessions.finish_logout(&logout.session_id);
    state.sessions.end(&logout.session_id);
    tracing::info!(
        user = %logout.user,
        told = logout.recipients.len(),
        succeeded = logout.recipients.iter().filter(|r| r.outcome.succeeded()).count(),
        "logout finished"
    );
    let answer = logout.final_answer(&state.signer, now, &mut RandomIds)?;
    let show = match (answer, &logout.initiator) {
        (Some(out), Some(initiator)) => {
            let code = last_segment(&logout.final_status().code).to_owned();
            let user = Some(logout.user.as_str());
            record_answer_sent(state, initiator, code, &out, user, logout.scenario, now);
            Show::Message {
                out,
                user: Some(logout.user.clone()),
            }
        }
        _ => Show::Summary {
            logout,
            finished: true,
        },
    };
    Ok(Answer {
        show,
        end_session_cookie: ends_cookie_session,
        spend_scenario_cookie: false,
    })
}

// ---------------------------------------------------------------------------------------------
// An SP answers one of our LogoutRequests

fn logout_response(
    state: &AppState,
    received: Received<'_>,
    browser: Browser<'_>,
    now: OffsetDateTime,
) -> Result<Answer> {
    let response = logout::parse_logout_response(received.xml)?;
    let in_response_to = response
        .in_response_to
        .clone()
        .ok_or(LogoutFlowError::NoInResponseTo)?;
    let mut logout = state
        .sessions
        .logout_sent(browser.session, &in_response_to, now)
        .ok_or_else(|| LogoutFlowError::UnknownResponse {
            issuer: response.issuer.clone(),
            in_response_to: in_response_to.clone(),
        })?;
    let strict = state.policy == Policy::Strict;
    let outcome = logout
        .record_answer(&response, &state.slo_urls(), strict, |r| {
            received.signature(state.registry.get(&r.sp_entity_id), response.has_signature)
        })
        // Not reached: logout_sent found this logout by the request the answer names.
        .map_err(|_| LogoutFlowError::NoLogout)?;
    log_answer(&response, outcome, received.arrived);
    let ends_cookie_session = browser.session == Some(logout.session_id.as_str());
    drive(state, logout, ends_cookie_session, now)
}

fn log_answer(response: &LogoutResponse, outcome: &Outcome, arrived: Binding) {
    let detail = match outcome {
        Outcome::Answered { signature, .. } => signature.as_str(),
        Outcome::Refused(reason) => reason.as_str(),
        _ => "",
    };
    tracing::info!(
        sp = %response.issuer,
        outcome = outcome.label(),
        status = %response.status.code,
        binding = arrived.id(),
        detail,
        "LogoutResponse received"
    );
}

/// The most of a received LogoutRequest a logout in progress keeps for the inspector (up to
/// [`MAX_LOGOUTS`](crate::server::sessions) of them wait for their SPs); a signed LogoutRequest
/// is a few KiB.
pub const MAX_KEPT_REQUEST: usize = 16 * 1024;

/// `xml` as a logout in progress keeps it: whole up to [`MAX_KEPT_REQUEST`] bytes, else a note
/// saying how large it was (what was read from it is kept apart, in its fields).
pub fn kept_request(xml: &str) -> String {
    if xml.len() <= MAX_KEPT_REQUEST {
        xml.to_owned()
    } else {
        format!(
            "<!-- the LogoutRequest was {} bytes; at most {MAX_KEPT_REQUEST} are kept while the logout is in progress -->",
            xml.len()
        )
    }
}

#[cfg(test)]
#[path = "tests/logout.rs"]
mod tests;
