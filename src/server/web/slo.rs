//! Single logout in the browser (saml-profiles 4.4, front channel):
//! - `GET|POST /slo` with a `SAMLRequest`: an SP's LogoutRequest. Its session part ends, the
//!   other SPs of the session are sent LogoutRequests one after the other (HTTP-Redirect),
//!   and the SP is finally answered with a LogoutResponse at its registered logout URL, by
//!   the binding its request came by.
//! - `GET|POST /slo` with a `SAMLResponse`: an SP's answer to one of our LogoutRequests,
//!   matched by InResponseTo to the logout in progress.
//! - `POST /slo/idp-initiated`: the home page's button; every SP of the browser's session is
//!   sent a LogoutRequest, then a summary page says what each answered.
//! - `POST /slo/finish`: gives up on SPs that never answered and finishes the logout.
//! - `GET /slo/select?scenario=<id>`: the logout scenario for this browser's next logout.
//! - `GET|POST /adfs/ls/`: AD FS takes sign-in and sign-out at one URL, so logout messages
//!   arriving there go to the logout flow and everything else to single sign-on.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::saml::binding::{self, Binding, BindingError};
use crate::saml::dsig::SignatureAlgorithm;
use crate::saml::issue::IdSource;
use crate::saml::logout::{
    self, reason, LogoutError, LogoutRequestSpec, LogoutResponse, LogoutResponseSpec,
};
use crate::saml::ns;
use crate::saml::request_signature::{self, Verdict};
use crate::saml::response::StatusSpec;
use crate::saml::scenario::logout::{self as scenarios, LogoutScenario};
use crate::saml::slo::{
    self, Initiator, Logout, Match, Outcome, Outgoing, Sending, SloError, Step,
};
use crate::saml::sp::{Policy, ResponseStyle, ServiceProvider};
use crate::saml::xml::reader::{self, Limits};
use crate::server::clock;
use crate::server::flow::{Classified, FaultKind};
use crate::server::inspector::Exchange;
use crate::server::sessions::{Participation, COOKIE as SESSION_COOKIE};

use super::error::PageError;
use super::{render, session, AppState};
use crate::server::flow::login::MAX_RELAY_STATE;

/// The cookie holding this browser's logout scenario.
pub const SCENARIO_COOKIE: &str = "mock_idp_logout_scenario";

/// How long the LogoutRequests we send stay valid.
const REQUEST_LIFETIME: time::Duration = time::Duration::minutes(5);

#[derive(Debug, thiserror::Error)]
pub enum LogoutFlowError {
    #[error("the request body or query string could not be read: {0}")]
    Malformed(String),
    #[error("no SAMLRequest or SAMLResponse parameter: service providers send a LogoutRequest (SAMLRequest) or answer ours with a LogoutResponse (SAMLResponse), by HTTP-Redirect or HTTP-POST")]
    NoMessage,
    #[error("the message carries both SAMLRequest and SAMLResponse; send one")]
    TwoMessages,
    #[error("{}", .source.to_string().replacen("SAMLRequest", param, 1))]
    Binding {
        param: &'static str,
        source: BindingError,
    },
    #[error("{0}")]
    Message(#[from] LogoutError),
    #[error("RelayState is {0} bytes; at most {MAX_RELAY_STATE} are carried")]
    RelayStateTooLong(usize),
    #[error("{issuer} is not a registered service provider, and strict mode answers only those")]
    Unregistered { issuer: String },
    #[error("no logout URL is known for {issuer}{}, so the LogoutResponse has nowhere to go; nothing was logged out", if *.registered { " (it is registered without slo_url)" } else { " (it is not registered)" })]
    NoSloUrl { issuer: String, registered: bool },
    #[error(
        "strict mode refuses this LogoutRequest from {issuer}: {reason}; nothing was logged out"
    )]
    SignatureRefused { issuer: String, reason: String },
    #[error(
        "the LogoutResponse has no InResponseTo, so it cannot be matched to a logout in progress"
    )]
    NoInResponseTo,
    #[error("the LogoutResponse from {issuer} answers {in_response_to}, which is no LogoutRequest of a logout in progress here (finished, expired after 15 minutes, or never sent)")]
    UnknownResponse {
        issuer: String,
        in_response_to: String,
    },
    #[error("this browser has no IdP session to log out (no {SESSION_COOKIE} cookie naming a live session)")]
    NoSession,
    #[error("this browser has no logout in progress")]
    NoLogout,
    #[error("scenario {0:?} is not a logout scenario; choose one of: {1}")]
    BadScenario(String, String),
    #[error("{0}")]
    Send(#[from] SloError),
    #[error("{0}")]
    Page(String),
}

impl Classified for LogoutFlowError {
    fn kind(&self) -> FaultKind {
        match self {
            LogoutFlowError::Send(_) | LogoutFlowError::Page(_) => FaultKind::Internal,
            LogoutFlowError::Unregistered { .. } | LogoutFlowError::SignatureRefused { .. } => {
                FaultKind::Refused
            }
            _ => FaultKind::BadInput,
        }
    }

    fn title(&self) -> &'static str {
        match self {
            LogoutFlowError::NoMessage
            | LogoutFlowError::TwoMessages
            | LogoutFlowError::Binding { .. } => "No usable logout message",
            LogoutFlowError::Message(_) => "The logout message is not valid",
            LogoutFlowError::Unregistered { .. } | LogoutFlowError::SignatureRefused { .. } => {
                "Refused in strict mode"
            }
            LogoutFlowError::NoSloUrl { .. } => "No logout URL for this service provider",
            LogoutFlowError::NoInResponseTo | LogoutFlowError::UnknownResponse { .. } => {
                "No logout waits for this answer"
            }
            LogoutFlowError::NoSession | LogoutFlowError::NoLogout => "Nothing to log out",
            LogoutFlowError::Send(_) | LogoutFlowError::Page(_) => {
                "The logout message could not be made"
            }
            LogoutFlowError::Malformed(_)
            | LogoutFlowError::RelayStateTooLong(_)
            | LogoutFlowError::BadScenario(..) => "Bad request",
        }
    }

    fn hint(&self) -> Option<&'static str> {
        match self {
            LogoutFlowError::NoSloUrl { .. } => Some(
                "register the service provider in the file given to --sps with its logout URL: `entity_id: <its entity ID>` and `slo_url: <its SingleLogoutService URL>`, or `metadata: <its metadata file>` with a SingleLogoutService",
            ),
            LogoutFlowError::Unregistered { .. } => {
                Some("register the service provider, its slo_url and certificate in the file given to --sps, or run without --strict")
            }
            LogoutFlowError::SignatureRefused { .. } => Some(
                "strict mode answers only LogoutRequests signed with the certificate registered for the service provider (saml-profiles 4.4.4.1); register it with `certificate:` in --sps, or run without --strict",
            ),
            LogoutFlowError::NoSession => {
                Some("log in to a service provider first; the home page shows this browser's session")
            }
            LogoutFlowError::Binding { .. } => {
                Some("HTTP-Redirect carries base64 of raw DEFLATE; HTTP-POST carries base64 of the XML")
            }
            _ => None,
        }
    }
}

type Result<T, E = PageError> = std::result::Result<T, E>;

/// The query string or form of an incoming logout message.
#[derive(Debug, Default, Deserialize)]
struct Incoming {
    #[serde(rename = "SAMLRequest")]
    saml_request: Option<String>,
    #[serde(rename = "SAMLResponse")]
    saml_response: Option<String>,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

pub async fn redirect_binding(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse> {
    let raw = req.query_string().to_owned();
    let incoming: Incoming =
        serde_urlencoded::from_str(&raw).map_err(|e| LogoutFlowError::Malformed(e.to_string()))?;
    receive(&state, &req, incoming, Binding::Redirect, &raw)
}

pub async fn post_binding(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    let incoming: Incoming = serde_urlencoded::from_bytes(&body)
        .map_err(|e| LogoutFlowError::Malformed(e.to_string()))?;
    receive(&state, &req, incoming, Binding::Post, "")
}

/// `GET /adfs/ls/`: a logout message goes to the logout flow, anything else to sign-on.
pub async fn adfs_redirect_binding(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse> {
    let incoming: Incoming = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    if is_logout(&incoming) {
        redirect_binding(state, req).await
    } else {
        super::sso::redirect_binding(state, req).await
    }
}

/// `POST /adfs/ls/`: as [`adfs_redirect_binding`], for HTTP-POST.
pub async fn adfs_post_binding(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    let incoming: Incoming = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    if is_logout(&incoming) {
        post_binding(state, req, body).await
    } else {
        super::sso::post_binding(state, req, body).await
    }
}

/// A LogoutResponse, or a SAMLRequest whose root element is a LogoutRequest. Anything that
/// does not decode is left to single sign-on, which says what is wrong with it.
fn is_logout(incoming: &Incoming) -> bool {
    if incoming.saml_response.is_some() {
        return true;
    }
    incoming
        .saml_request
        .as_deref()
        .and_then(|r| binding::decode(r).ok())
        .and_then(|d| reader::parse(d.xml.as_bytes(), Limits::default()).ok())
        .is_some_and(|root| root.name.is(ns::PROTOCOL, "LogoutRequest"))
}

fn receive(
    state: &AppState,
    req: &HttpRequest,
    incoming: Incoming,
    arrived: Binding,
    raw_query: &str,
) -> Result<HttpResponse> {
    let relay_state = incoming.relay_state.filter(|r| !r.is_empty());
    if let Some(r) = relay_state.as_deref().filter(|r| r.len() > MAX_RELAY_STATE) {
        return Err(LogoutFlowError::RelayStateTooLong(r.len()).into());
    }
    let present = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
    match (
        present(incoming.saml_request),
        present(incoming.saml_response),
    ) {
        (Some(r), None) => {
            let xml = decode(&r, "SAMLRequest")?;
            logout_request(state, req, &xml, arrived, raw_query, relay_state)
        }
        (None, Some(r)) => {
            let xml = decode(&r, "SAMLResponse")?;
            logout_response(state, req, &xml, arrived, raw_query)
        }
        (Some(_), Some(_)) => Err(LogoutFlowError::TwoMessages.into()),
        (None, None) => Err(LogoutFlowError::NoMessage.into()),
    }
}

fn decode(param: &str, name: &'static str) -> Result<String, LogoutFlowError> {
    binding::decode(param)
        .map(|d| d.xml)
        .map_err(|source| LogoutFlowError::Binding {
            param: name,
            source,
        })
}

/// What is known of an incoming message's signature.
struct SignatureCheck {
    /// `None` when it cannot be checked: no certificate is registered for the SP.
    verdict: Option<Verdict>,
    signed: bool,
}

impl SignatureCheck {
    fn of(
        sp: Option<&ServiceProvider>,
        arrived: Binding,
        raw_query: &str,
        xml: &str,
        enveloped: bool,
    ) -> Self {
        let in_query =
            arrived == Binding::Redirect && request_signature::redirect_is_signed(raw_query);
        let signed = in_query || enveloped;
        let key = sp
            .and_then(|sp| sp.certificate.as_deref())
            .and_then(|der| openssl::x509::X509::from_der(der).ok())
            .and_then(|cert| cert.public_key().ok());
        let verdict = key.map(|key| {
            if in_query || (arrived == Binding::Redirect && !enveloped) {
                request_signature::redirect_verdict(raw_query, &[key])
            } else {
                request_signature::posted_verdict(xml, &[key])
            }
        });
        SignatureCheck { verdict, signed }
    }

    fn describe(&self) -> String {
        match (&self.verdict, self.signed) {
            (Some(v), _) => v.describe(),
            (None, true) => "signed, not checked: no certificate is registered for the SP".into(),
            (None, false) => "unsigned".into(),
        }
    }

    /// Why strict mode refuses it, if it does (saml-profiles 4.4.4.1: a LogoutRequest must be
    /// authenticated).
    fn strict_refusal(&self) -> Option<String> {
        match (&self.verdict, self.signed) {
            (Some(Verdict::Valid { .. }), _) => None,
            (Some(Verdict::Invalid { reason }), _) => Some(format!("invalid signature: {reason}")),
            (Some(Verdict::Unsigned), _) | (None, false) => Some("it is not signed".into()),
            (Some(Verdict::NoCertificate), _) | (None, true) => Some(
                "no certificate is registered for the service provider, so its signature cannot be checked"
                    .into(),
            ),
        }
    }
}

/// The issuer our logout messages carry for this SP: the AD FS face for adfs-style SPs.
fn issuer_for<'a>(state: &'a AppState, sp: Option<&ServiceProvider>) -> &'a str {
    match sp.map(|s| s.style) {
        Some(ResponseStyle::Adfs) => &state.adfs_entity_id,
        _ => &state.endpoints.entity_id,
    }
}

/// The SP's signature method as the IdP's key can make it (see
/// [`ResponseProfile::for_sp_and_key`](crate::saml::issue::ResponseProfile::for_sp_and_key)).
fn algorithm_for(state: &AppState, sp: Option<&ServiceProvider>) -> SignatureAlgorithm {
    sp.map(|s| s.algorithms.signature)
        .unwrap_or_default()
        .for_key(state.signer.kind())
}

// ---------------------------------------------------------------------------------------------
// SP-initiated: a LogoutRequest arrives

fn logout_request(
    state: &AppState,
    req: &HttpRequest,
    xml: &str,
    arrived: Binding,
    raw_query: &str,
    relay_state: Option<String>,
) -> Result<HttpResponse> {
    let request = logout::parse_logout_request(xml).map_err(LogoutFlowError::from)?;
    let issuer = request.issuer.clone();
    let sp = state.registry.get(&issuer);
    let strict = state.policy == Policy::Strict;
    if strict && sp.is_none() {
        return Err(LogoutFlowError::Unregistered { issuer }.into());
    }
    let slo_url = sp
        .and_then(|s| s.slo_url.clone())
        .ok_or_else(|| LogoutFlowError::NoSloUrl {
            issuer: issuer.clone(),
            registered: sp.is_some(),
        })?;
    let signature = SignatureCheck::of(sp, arrived, raw_query, xml, request.has_signature);
    if strict {
        if let Some(reason) = signature.strict_refusal() {
            return Err(LogoutFlowError::SignatureRefused { issuer, reason }.into());
        }
    }
    let (scenario, cookies) = chosen_scenario(req, None)?;
    let initiator = Initiator {
        sp_entity_id: issuer.clone(),
        request_id: request.id.clone(),
        slo_url,
        binding: arrived,
        relay_state,
        algorithm: algorithm_for(state, sp),
        request_xml: xml.to_owned(),
        signature: signature.describe(),
    };
    let now = clock::now();
    tracing::info!(
        sp = %issuer,
        binding = arrived.id(),
        signature = %initiator.signature,
        "LogoutRequest received"
    );

    let ours = state.slo_urls();
    let ours: Vec<&str> = ours.iter().map(String::as_str).collect();
    if let Err(status) = slo::check_request(&request, &ours, now) {
        let mut response = answer_initiator(state, &initiator, status, None, scenario)?;
        add_cookies(&mut response, &cookies)?;
        return Ok(response);
    }
    let cookie_session = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
    let found =
        state
            .sessions
            .find_participant(cookie_session.as_deref(), &issuer, now, |p| {
                match slo::match_participant(&request, &p.name_id, &p.session_index) {
                    Match::Yes => Ok(()),
                    other => Err(other),
                }
            });
    let session = match found {
        Ok((session, _)) => session,
        Err(closest) => {
            let status = slo::no_session_status(&request, closest);
            let mut response = answer_initiator(state, &initiator, status, None, scenario)?;
            add_cookies(&mut response, &cookies)?;
            return Ok(response);
        }
    };
    let others = session
        .sps
        .iter()
        .filter(|p| p.sp_entity_id != issuer)
        .collect::<Vec<_>>();
    let logout = Logout {
        id: clock::RandomIds.next_id(),
        session_id: session.id.clone(),
        user: session.user.clone(),
        started: now,
        initiator: Some(initiator),
        scenario,
        steps: steps(state, others.into_iter()),
    };
    state.sessions.end(&session.id);
    let ends_cookie_session = cookie_session.as_deref() == Some(session.id.as_str());
    let mut response = advance(state, logout, ends_cookie_session)?;
    add_cookies(&mut response, &cookies)?;
    Ok(response)
}

fn steps<'a>(state: &AppState, participants: impl Iterator<Item = &'a Participation>) -> Vec<Step> {
    participants
        .map(|p| {
            let sp = state.registry.get(&p.sp_entity_id);
            let slo_url = sp.and_then(|s| s.slo_url.clone());
            Step {
                sp_entity_id: p.sp_entity_id.clone(),
                outcome: if slo_url.is_some() {
                    Outcome::Waiting
                } else {
                    Outcome::NoEndpoint
                },
                slo_url,
                algorithm: algorithm_for(state, sp),
                name_id: p.name_id.clone(),
                session_index: p.session_index.clone(),
            }
        })
        .collect()
}

/// Answers the SP whose LogoutRequest started this with `status`.
fn answer_initiator(
    state: &AppState,
    initiator: &Initiator,
    status: StatusSpec,
    user: Option<&str>,
    scenario: Option<&'static LogoutScenario>,
) -> Result<HttpResponse> {
    let now = clock::now();
    let sp = state.registry.get(&initiator.sp_entity_id);
    let spec = LogoutResponseSpec {
        id: clock::RandomIds.next_id(),
        version: ns::VERSION_2_0.into(),
        issue_instant: now,
        destination: initiator.slo_url.clone(),
        in_response_to: Some(initiator.request_id.clone()),
        issuer: issuer_for(state, sp).to_owned(),
        status,
    };
    let code = spec
        .status
        .code
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_owned();
    let out = slo::send_response(
        spec,
        &Sending {
            binding: initiator.binding,
            relay_state: initiator.relay_state.as_deref(),
            signer: &state.signer,
            algorithm: initiator.algorithm,
            scenario,
            now,
        },
    )
    .map_err(LogoutFlowError::from)?;
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
    deliver(&out, user)
}

/// Sends the browser on with a logout message: a redirect, or an auto-submitting form.
fn deliver(out: &Outgoing, user: Option<&str>) -> Result<HttpResponse> {
    match (out.binding, out.form_value.as_deref()) {
        (Binding::Post, Some(value)) => {
            let page = PostPage {
                url: &out.url,
                param: out.param.name(),
                value,
                relay_state: out.relay_state.as_deref(),
                user: user.unwrap_or(""),
            };
            html(render::page("slo-post", &page).map_err(LogoutFlowError::Page)?)
        }
        _ => Ok(HttpResponse::Found()
            .insert_header((header::LOCATION, out.url.as_str()))
            .insert_header((header::CACHE_CONTROL, "no-cache, no-store"))
            .insert_header((header::PRAGMA, "no-cache"))
            .finish()),
    }
}

#[derive(Serialize)]
struct PostPage<'a> {
    url: &'a str,
    param: &'a str,
    value: &'a str,
    relay_state: Option<&'a str>,
    user: &'a str,
}

/// Sends the next LogoutRequest of `logout`, or finishes it when every SP has been told.
fn advance(
    state: &AppState,
    mut logout: Logout,
    ends_cookie_session: bool,
) -> Result<HttpResponse> {
    let now = clock::now();
    let entity = state.endpoints.entity_id.clone();
    let scenario = logout.scenario;
    let user = logout.user.clone();
    while let Some(step) = logout.next_waiting() {
        let sp = state.registry.get(&step.sp_entity_id);
        let Some(slo_url) = step.slo_url.clone() else {
            step.outcome = Outcome::NoEndpoint;
            continue;
        };
        let issuer = match sp.map(|s| s.style) {
            Some(ResponseStyle::Adfs) => state.adfs_entity_id.clone(),
            _ => entity.clone(),
        };
        let spec = LogoutRequestSpec {
            id: clock::RandomIds.next_id(),
            version: ns::VERSION_2_0.into(),
            issue_instant: now,
            destination: slo_url,
            issuer,
            name_id: step.name_id.clone(),
            session_indexes: vec![step.session_index.clone()],
            not_on_or_after: Some(now + REQUEST_LIFETIME),
            reason: Some(reason::USER.into()),
        };
        let sending = Sending {
            binding: Binding::Redirect,
            relay_state: None,
            signer: &state.signer,
            algorithm: step.algorithm,
            scenario,
            now,
        };
        match slo::send_request(spec, &sending) {
            Ok(out) => {
                step.outcome = Outcome::Sent {
                    request_id: out.id.clone(),
                };
                tracing::info!(
                    sp = %step.sp_entity_id,
                    user = %user,
                    scenario = out.scenario.unwrap_or("valid"),
                    "LogoutRequest sent"
                );
                state.sessions.put_logout(logout, now);
                return deliver(&out, Some(&user));
            }
            Err(e) => step.outcome = Outcome::Failed(e.to_string()),
        }
    }
    if logout
        .steps
        .iter()
        .any(|s| matches!(s.outcome, Outcome::Sent { .. }))
    {
        // Waiting for an answer that another request will bring.
        state.sessions.put_logout(logout.clone(), now);
        return summary(&logout, false);
    }
    finish(state, logout, ends_cookie_session)
}

/// Ends the logout: the initiator's LogoutResponse, or the summary page.
fn finish(state: &AppState, logout: Logout, ends_cookie_session: bool) -> Result<HttpResponse> {
    state.sessions.finish_logout(&logout.session_id);
    state.sessions.end(&logout.session_id);
    tracing::info!(
        user = %logout.user,
        told = logout.steps.len(),
        succeeded = logout.steps.iter().filter(|s| s.outcome.succeeded()).count(),
        "logout finished"
    );
    let mut response = match &logout.initiator {
        Some(initiator) => answer_initiator(
            state,
            initiator,
            logout.final_status(),
            Some(&logout.user),
            logout.scenario,
        )?,
        None => summary(&logout, true)?,
    };
    if ends_cookie_session {
        let mut c = Cookie::build(SESSION_COOKIE, "").path("/").finish();
        c.make_removal();
        add_cookies(&mut response, &[c])?;
    }
    Ok(response)
}

// ---------------------------------------------------------------------------------------------
// An SP answers one of our LogoutRequests

fn logout_response(
    state: &AppState,
    req: &HttpRequest,
    xml: &str,
    arrived: Binding,
    raw_query: &str,
) -> Result<HttpResponse> {
    let response = logout::parse_logout_response(xml).map_err(LogoutFlowError::from)?;
    let in_response_to = response
        .in_response_to
        .clone()
        .ok_or(LogoutFlowError::NoInResponseTo)?;
    let now = clock::now();
    let cookie_session = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
    let mut logout = state
        .sessions
        .logout_sent(cookie_session.as_deref(), &in_response_to, now)
        .ok_or_else(|| LogoutFlowError::UnknownResponse {
            issuer: response.issuer.clone(),
            in_response_to: in_response_to.clone(),
        })?;
    let Some(index) = logout.sent(&in_response_to) else {
        return Err(LogoutFlowError::NoLogout.into());
    };
    let outcome = judge_answer(
        state,
        &logout.steps[index],
        &response,
        arrived,
        raw_query,
        xml,
    );
    let detail = match &outcome {
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
    logout.steps[index].outcome = outcome;
    let ends_cookie_session = cookie_session.as_deref() == Some(logout.session_id.as_str());
    advance(state, logout, ends_cookie_session)
}

/// What an SP's LogoutResponse says, once its issuer, address and signature are checked.
fn judge_answer(
    state: &AppState,
    step: &Step,
    response: &LogoutResponse,
    arrived: Binding,
    raw_query: &str,
    xml: &str,
) -> Outcome {
    if response.issuer != step.sp_entity_id {
        return Outcome::Refused(format!(
            "the LogoutResponse's Issuer is {}, not {}",
            response.issuer, step.sp_entity_id
        ));
    }
    let ours = state.slo_urls();
    if let Some(d) = response
        .destination
        .as_deref()
        .filter(|d| !ours.iter().any(|o| o == d))
    {
        return Outcome::Refused(format!(
            "the LogoutResponse's Destination is {d}, not this endpoint ({})",
            ours[0]
        ));
    }
    let sp = state.registry.get(&step.sp_entity_id);
    let check = SignatureCheck::of(sp, arrived, raw_query, xml, response.has_signature);
    if state.policy == Policy::Strict {
        if let Some(reason) = check.strict_refusal() {
            return Outcome::Refused(format!("strict mode: {reason}"));
        }
    }
    Outcome::Answered {
        status: response.status.clone(),
        signature: check.describe(),
    }
}

// ---------------------------------------------------------------------------------------------
// IdP-initiated, finishing early, the summary

#[derive(Debug, Default, Deserialize)]
struct StartForm {
    scenario: Option<String>,
}

/// `POST /slo/idp-initiated`: logs this browser's session out of every SP.
pub async fn idp_initiated(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    let form: StartForm = serde_urlencoded::from_bytes(&body)
        .map_err(|e| LogoutFlowError::Malformed(e.to_string()))?;
    let session = session::current(&state, &req).ok_or(LogoutFlowError::NoSession)?;
    let (scenario, cookies) = chosen_scenario(&req, form.scenario.as_deref())?;
    let logout = Logout {
        id: clock::RandomIds.next_id(),
        session_id: session.id.clone(),
        user: session.user.clone(),
        started: clock::now(),
        initiator: None,
        scenario,
        steps: steps(&state, session.sps.iter()),
    };
    state.sessions.end(&session.id);
    let mut response = advance(&state, logout, true)?;
    add_cookies(&mut response, &cookies)?;
    Ok(response)
}

/// `POST /slo/finish`: the SPs that have not answered are given up on.
pub async fn finish_now(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse> {
    let id = req
        .cookie(SESSION_COOKIE)
        .map(|c| c.value().to_owned())
        .ok_or(LogoutFlowError::NoLogout)?;
    let mut logout = state
        .sessions
        .logout(&id, clock::now())
        .ok_or(LogoutFlowError::NoLogout)?;
    logout.give_up();
    finish(&state, logout, true)
}

/// `GET /slo/status`: the logout in progress of this browser, if any.
pub async fn status(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse> {
    let id = req
        .cookie(SESSION_COOKIE)
        .map(|c| c.value().to_owned())
        .ok_or(LogoutFlowError::NoLogout)?;
    let logout = state
        .sessions
        .logout(&id, clock::now())
        .ok_or(LogoutFlowError::NoLogout)?;
    summary(&logout, false)
}

#[derive(Serialize)]
struct Row<'a> {
    sp: &'a str,
    slo_url: Option<&'a str>,
    result: &'static str,
    ok: bool,
    status: Option<String>,
    message: Option<&'a str>,
    signature: Option<&'a str>,
}

#[derive(Serialize)]
struct SummaryPage<'a> {
    finished: bool,
    user: &'a str,
    scenario: Option<&'static str>,
    scenario_note: Option<&'static str>,
    rows: Vec<Row<'a>>,
}

fn summary(logout: &Logout, finished: bool) -> Result<HttpResponse> {
    let rows = logout
        .steps
        .iter()
        .map(|s| {
            let (status, message, signature) = match &s.outcome {
                Outcome::Answered { status, signature } => (
                    Some(match &status.sub_code {
                        Some(sub) => format!("{} / {}", last(&status.code), last(sub)),
                        None => last(&status.code).to_owned(),
                    }),
                    status.message.as_deref(),
                    Some(signature.as_str()),
                ),
                Outcome::Failed(e) | Outcome::Refused(e) => (None, Some(e.as_str()), None),
                _ => (None, None, None),
            };
            Row {
                sp: &s.sp_entity_id,
                slo_url: s.slo_url.as_deref(),
                result: s.outcome.label(),
                ok: s.outcome.succeeded(),
                status,
                message,
                signature,
            }
        })
        .collect();
    let page = SummaryPage {
        finished,
        user: &logout.user,
        scenario: logout.scenario.map(|s| s.id),
        scenario_note: logout.scenario.map(|s| s.applies_to()),
        rows,
    };
    html(render::page("slo", &page).map_err(LogoutFlowError::Page)?)
}

fn last(uri: &str) -> &str {
    uri.rsplit(':').next().unwrap_or(uri)
}

// ---------------------------------------------------------------------------------------------
// The logout scenario of a browser

fn known_scenarios() -> String {
    scenarios::ALL
        .iter()
        .map(|s| s.id)
        .collect::<Vec<_>>()
        .join(", ")
}

fn find_scenario(id: &str) -> Result<Option<&'static LogoutScenario>, LogoutFlowError> {
    match id {
        "" | "valid" => Ok(None),
        id => scenarios::find(id)
            .map(Some)
            .ok_or_else(|| LogoutFlowError::BadScenario(id.to_owned(), known_scenarios())),
    }
}

/// The scenario of this logout: the form's choice, else the browser's cookie (spent unless
/// sticky). Returns the cookies to set on the answer.
fn chosen_scenario(
    req: &HttpRequest,
    from_form: Option<&str>,
) -> Result<(Option<&'static LogoutScenario>, Vec<Cookie<'static>>), LogoutFlowError> {
    if let Some(id) = from_form.filter(|s| !s.is_empty()) {
        return Ok((find_scenario(id)?, Vec::new()));
    }
    let Some(c) = req.cookie(SCENARIO_COOKIE) else {
        return Ok((None, Vec::new()));
    };
    let (id, sticky) = match c.value().split_once(';') {
        Some((id, "sticky")) => (id.to_owned(), true),
        _ => (c.value().to_owned(), false),
    };
    let scenario = find_scenario(&id).unwrap_or(None);
    let spent = if sticky {
        Vec::new()
    } else {
        vec![spent_cookie()]
    };
    Ok((scenario, spent))
}

fn spent_cookie() -> Cookie<'static> {
    let mut c = Cookie::build(SCENARIO_COOKIE, "").path("/").finish();
    c.make_removal();
    c
}

#[derive(Debug, Default, Deserialize)]
struct SelectQuery {
    scenario: Option<String>,
    sticky: Option<String>,
    clear: Option<String>,
}

#[derive(Serialize)]
struct SelectPage<'a> {
    cleared: bool,
    scenario: &'a str,
    title: &'a str,
    applies_to: &'a str,
    sticky: bool,
}

/// `GET /slo/select?scenario=<id>[&sticky=1]`, or `?clear=1`.
pub async fn select(req: HttpRequest) -> Result<HttpResponse> {
    let q: SelectQuery = serde_urlencoded::from_str(req.query_string())
        .map_err(|e| LogoutFlowError::Malformed(e.to_string()))?;
    if q.clear.is_some() {
        let page = SelectPage {
            cleared: true,
            scenario: "",
            title: "",
            applies_to: "",
            sticky: false,
        };
        let mut response = html(render::page("slo-select", &page).map_err(LogoutFlowError::Page)?)?;
        add_cookies(&mut response, &[spent_cookie()])?;
        return Ok(response);
    }
    let id = q.scenario.unwrap_or_default();
    let scenario = find_scenario(&id)?
        .ok_or_else(|| LogoutFlowError::BadScenario(id.clone(), known_scenarios()))?;
    let sticky = q.sticky.is_some_and(|s| s != "0" && s != "false");
    let value = if sticky {
        format!("{};sticky", scenario.id)
    } else {
        scenario.id.to_owned()
    };
    let cookie = Cookie::build(SCENARIO_COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .finish();
    let page = SelectPage {
        cleared: false,
        scenario: scenario.id,
        title: scenario.title,
        applies_to: scenario.applies_to(),
        sticky,
    };
    let mut response = html(render::page("slo-select", &page).map_err(LogoutFlowError::Page)?)?;
    add_cookies(&mut response, &[cookie])?;
    Ok(response)
}

fn add_cookies(response: &mut HttpResponse, cookies: &[Cookie<'static>]) -> Result<()> {
    for c in cookies {
        response
            .add_cookie(c)
            .map_err(|e| PageError::internal(e.to_string()))?;
    }
    Ok(())
}

/// An HTML page that must not be cached (saml-bindings 3.5.5.1).
fn html(body: String) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-cache, no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .body(body))
}
