//! One login, as the picker form and the API both perform it: take the judged request (or,
//! IdP-initiated, find the SP), resolve where the answer goes, apply the SP's settings and the
//! tester's choices, look up the user, and run the engine at the request's one `now`, with random IDs.
//! A browser's login runs inside its IdP session, which continues when the same user logs in
//! again; an `IsPassive` request is answered from that session or with NoPassive.

use crate::saml::compare::{self, Recorder};
use crate::saml::issue::{self, IdSource, IssuedResponse, Login, SessionInfo};
use crate::saml::scenario::{Special, VALID};
use crate::server::clock::{self, RandomIds};
use crate::server::inspector::Exchange;
use crate::server::sessions::{Participation, Session};
use crate::server::state::AppState;
use std::sync::Arc;
use time::OffsetDateTime;

pub use super::choices::{parse_binding, Choices};
pub use super::destination::{destination_for_request, destination_for_sp, Destination};
pub use super::login_error::{check_relay_state, LoginError, MAX_RELAY_STATE};

use super::judged::{JudgedRequest, ReceivedRequest};

/// When one request is answered, and where the response's IDs and random bytes come from (the
/// IdP session's id and SessionIndex, a review's token and the logout messages' IDs are always
/// random). The clock is read once per request, where it arrives, and this is handed down to
/// every step of it.
pub struct Now<I = RandomIds> {
    pub time: OffsetDateTime,
    pub ids: I,
}

impl Now {
    /// `time` with fresh random IDs.
    pub fn at(time: OffsetDateTime) -> Self {
        Now {
            time,
            ids: RandomIds,
        }
    }
}

/// Issues the signed response for `user`, broken as the chosen scenario says.
pub fn answer(
    state: &AppState,
    received: Option<&JudgedRequest>,
    destination: &Destination<'_>,
    user: Option<&str>,
    choices: &Choices,
    session: Option<&SessionInfo>,
    now: Now<impl IdSource>,
) -> Result<Arc<IssuedResponse>, LoginError> {
    let request = received.map(JudgedRequest::request);
    let profile = choices.profile(destination.sp, state.signer.kind())?;
    let scenario = choices.scenario()?;
    let user = user
        .filter(|u| !u.is_empty())
        .ok_or_else(|| LoginError::MissingUser(known_users(state)))?;
    let principal = state
        .directory
        .get(user)
        .ok_or_else(|| LoginError::UnknownUser(user.to_owned(), known_users(state)))?;
    let answered = Answered {
        received,
        destination,
        user,
        scenario: scenario.id,
        at: now.time,
    };
    let sp = destination.resolution.target.sp_entity_id.as_str();
    if scenario.special == Some(Special::Replay) {
        let issued = state
            .history
            .last_response(sp)
            .ok_or_else(|| LoginError::NothingToReplay(sp.to_owned()))?;
        record(state, &answered, &issued, None);
        return Ok(issued);
    }
    let previous = state.history.previous_request(sp);
    if scenario.special == Some(Special::PreviousRequest) && previous.is_none() {
        return Err(LoginError::NoPreviousRequest(sp.to_owned()));
    }
    let idp = state.idp();
    let login = Login {
        request,
        target: &destination.resolution.target,
        principal,
        profile: &profile,
        previous_request_id: previous.as_deref(),
        session,
    };
    let mut ids = Recorder::new(now.ids);
    let issued = Arc::new(issue::issue(&login, &idp, now.time, &mut ids, scenario)?);
    // For the inspector, which marks what the scenario changed: the same login, valid.
    let valid_xml = (scenario.id != VALID.id)
        .then(|| compare::valid_counterpart(&login, &idp, now.time, ids.into_drawn()))
        .flatten();
    state
        .history
        .record(sp, request.map(|r| r.id.as_str()), &issued);
    record(state, &answered, &issued, valid_xml);
    Ok(issued)
}

/// Who was answered, for whom and how: what [`record`] logs.
#[derive(Clone, Copy)]
struct Answered<'a> {
    received: Option<&'a JudgedRequest>,
    destination: &'a Destination<'a>,
    user: &'a str,
    scenario: &'static str,
    at: OffsetDateTime,
}

/// One log line and one inspector entry per answered login.
fn record(
    state: &AppState,
    answered: &Answered<'_>,
    issued: &IssuedResponse,
    valid_xml: Option<String>,
) {
    let Answered {
        received,
        destination,
        user,
        scenario,
        at,
    } = *answered;
    let sp = destination.resolution.target.sp_entity_id.as_str();
    let binding = received.map_or("idp-initiated", |r| r.binding().id());
    let status = issued
        .status
        .code
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_owned();
    let request_signature =
        received.map_or_else(|| "no request".to_owned(), |r| r.judgement().summary());
    tracing::info!(sp, user, scenario, binding, status = %status, acs = %issued.acs_url, request_signature = %request_signature, "login answered");
    state.inspector.record(Exchange {
        seq: 0,
        at,
        sp: sp.to_owned(),
        user: user.to_owned(),
        scenario,
        binding,
        request_signature,
        request_xml: received.map(|r| r.xml().to_owned()),
        response_xml: issued.xml.clone(),
        acs_url: issued.acs_url.clone(),
        status,
        valid_xml,
        review: None,
    });
}

/// The answer to an `IsPassive` request when there is no IdP session: the status
/// Responder/NoPassive and no assertion (saml-core 3.4.1), signed like any response.
pub fn answer_no_passive(
    state: &AppState,
    received: &JudgedRequest,
    destination: &Destination<'_>,
    now: Now<impl IdSource>,
) -> Result<Arc<IssuedResponse>, LoginError> {
    let choices = Choices {
        scenario: Some(NO_PASSIVE.to_owned()),
        ..Choices::default()
    };
    // The scenario drops the assertion, so whose it would have been does not matter; the
    // pipeline needs a user to plan one, and the first is as good as any.
    let anyone = state.directory.users().first().map(|u| u.id.clone());
    answer(
        state,
        Some(received),
        destination,
        anyone.as_deref(),
        &choices,
        None,
        now,
    )
}

/// The catalogue's Responder/NoPassive response.
const NO_PASSIVE: &str = "status-no-passive";

/// An AuthnRequest as it reached `/sso`, judged, with where its answer goes and what the picker
/// warns about.
pub struct Arrival<'s> {
    pub request: JudgedRequest,
    pub destination: Destination<'s>,
    /// Besides the destination's own: a Destination that is not this endpoint, the signature's
    /// warning, a ForceAuthn that sets the IdP session aside.
    pub warnings: Vec<String>,
}

/// Receives the request that reached `/sso` (`redirect_query`: the raw query string of an
/// HTTP-Redirect request, `None` for HTTP-POST) and judges it.
pub fn arrive<'s>(
    state: &'s AppState,
    saml_request: Option<&str>,
    redirect_query: Option<&str>,
    relay_state: Option<&str>,
) -> Result<Arrival<'s>, LoginError> {
    check_relay_state(relay_state)?;
    let (request, destination) =
        ReceivedRequest::arrived(saml_request, redirect_query)?.judge(state)?;
    let r = request.request();
    let mut warnings = Vec::new();
    let ours = [
        state.sso_url(),
        format!("{}/adfs/ls/", state.endpoints.base_url),
    ];
    if let Some(d) = r
        .destination
        .as_deref()
        .filter(|d| !ours.iter().any(|o| o == d))
    {
        warnings.push(format!(
            "The request's Destination is {d}, not this endpoint ({}); a strict IdP would refuse it.",
            ours[0]
        ));
    }
    warnings.extend(request.judgement().warning());
    if r.force_authn {
        warnings.push("ForceAuthn=\"true\": the service provider asks for a fresh login, so the IdP session is not reused.".to_owned());
    }
    Ok(Arrival {
        request,
        destination,
        warnings,
    })
}

/// Answers a browser login inside the IdP session `session_id` (the browser's cookie): the
/// session continues when the same user logs in again and the SP does not demand a fresh
/// authentication (ForceAuthn); otherwise a new one starts now. The SP joins the session when
/// the response logs the user in. Returns the response and the session's id.
pub fn answer_in_session(
    state: &AppState,
    session_id: Option<&str>,
    received: Option<&JudgedRequest>,
    destination: &Destination<'_>,
    user: &str,
    choices: &Choices,
    now: Now<impl IdSource>,
) -> Result<(Arc<IssuedResponse>, String), LoginError> {
    let current = current_session(state, session_id, now.time);
    login_in_session(state, current, received, destination, user, choices, now)
}

/// The live session `session_id` names, if any.
pub fn current_session(
    state: &AppState,
    session_id: Option<&str>,
    now: OffsetDateTime,
) -> Option<Session> {
    state.sessions.get(session_id?, now)
}

fn login_in_session(
    state: &AppState,
    current: Option<Session>,
    received: Option<&JudgedRequest>,
    destination: &Destination<'_>,
    user: &str,
    choices: &Choices,
    now: Now<impl IdSource>,
) -> Result<(Arc<IssuedResponse>, String), LoginError> {
    let force = received.is_some_and(|r| r.request().force_authn);
    let session = match current {
        Some(s) if s.user == user && !force => s,
        _ => {
            let mut ids = clock::RandomIds;
            state
                .sessions
                .start(ids.next_id(), user, ids.next_id(), now.time)
        }
    };
    let issued = answer(
        state,
        received,
        destination,
        Some(user),
        choices,
        Some(&session.info),
        now,
    )?;
    if let (true, Some(name_id), Some(session_index)) = (
        issued.status.is_success(),
        issued.name_id.clone(),
        issued.session_index.clone(),
    ) {
        let sp_entity_id = destination.resolution.target.sp_entity_id.clone();
        state.sessions.joined(
            &session.id,
            Participation {
                sp_entity_id,
                name_id,
                session_index,
            },
        );
    }
    Ok((issued, session.id))
}

/// The answer to an `IsPassive="true"` request (saml-core 3.4.1).
pub struct PassiveAnswer {
    pub issued: Arc<IssuedResponse>,
    /// The session's user and id when answered from it; `None` when answered NoPassive.
    pub session: Option<(String, String)>,
}

/// `IsPassive="true"`: answers from the IdP session `session_id` without showing anything, or,
/// with no session (or ForceAuthn), with the status Responder/NoPassive, never with a page to
/// fill in.
pub fn answer_passive(
    state: &AppState,
    session_id: Option<&str>,
    received: &JudgedRequest,
    destination: &Destination<'_>,
    now: Now<impl IdSource>,
) -> Result<PassiveAnswer, LoginError> {
    match current_session(state, session_id, now.time) {
        Some(s) if !received.request().force_authn => {
            let user = s.user.clone();
            let (issued, id) = login_in_session(
                state,
                Some(s),
                Some(received),
                destination,
                &user,
                &Choices::default(),
                now,
            )?;
            Ok(PassiveAnswer {
                issued,
                session: Some((user, id)),
            })
        }
        _ => Ok(PassiveAnswer {
            issued: answer_no_passive(state, received, destination, now)?,
            session: None,
        }),
    }
}

/// The ids of the users one may log in as, for the messages that say whom to choose.
pub fn known_users(state: &AppState) -> String {
    state
        .directory
        .users()
        .iter()
        .map(|u| u.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[path = "tests/login.rs"]
mod tests;
