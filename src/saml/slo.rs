//! Single logout as the session authority runs it (saml-profiles 4.4, saml-core 3.7.3.2):
//! what a received LogoutRequest asks for, the state of one logout across the session's SPs,
//! and the messages sent on the way, broken as a logout scenario says.
//!
//! ```text
//! LogoutRequest (parsed) ─> check_request ─> match_participant ─> Logout { steps }
//! LogoutRequestSpec / LogoutResponseSpec ─> scenario shape ─> build ─> sign (POST) ─> encode
//!                                         (Redirect: query signature) ─> Outgoing
//! ```
//! Pure like the rest of the engine: the time, the IDs and the signer are passed in, and the
//! server keeps the [`Logout`] values between requests.

use super::b64::STANDARD;
use base64::Engine as _;
use time::OffsetDateTime;

use super::binding::{self, Binding, EncodeError, MessageParam, QuerySigner};
use super::dsig::{self, DsigError, SignatureAlgorithm, Signer};
use super::logout::{
    build_logout_request, build_logout_response, sign_logout_message, LogoutRequest,
    LogoutRequestSpec, LogoutResponseSpec, STATUS_PARTIAL_LOGOUT,
};
use super::nameid::NameId;
use super::ns;
use super::response::{format_instant, StatusSpec};
use super::scenario::logout::{LogoutScenario, LogoutShapeContext, LogoutSigning};
use super::xml::c14n::write_document;
use super::xml::{Element, Node};

#[derive(Debug, thiserror::Error)]
pub enum SloError {
    #[error("signing the logout message failed: {0}")]
    Signing(#[from] DsigError),
    #[error("encoding the logout message failed: {0}")]
    Encoding(#[from] EncodeError),
}

/// How one outgoing logout message is sent.
pub struct Sending<'a> {
    pub binding: Binding,
    pub relay_state: Option<&'a str>,
    pub signer: &'a Signer,
    pub algorithm: SignatureAlgorithm,
    /// The logout scenario of this logout; it breaks the message only if it applies to it.
    pub scenario: Option<&'static LogoutScenario>,
    pub now: OffsetDateTime,
}

/// A logout message ready for the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub binding: Binding,
    pub param: MessageParam,
    /// The SP's SingleLogoutService URL.
    pub destination: String,
    /// The message as sent (unsigned for HTTP-Redirect, whose signature is in the query).
    pub xml: String,
    /// The message's ID.
    pub id: String,
    /// HTTP-Redirect: the whole URL to send the browser to. HTTP-POST: the form's action.
    pub url: String,
    /// HTTP-POST: the form field's value, base64 of the XML.
    pub form_value: Option<String>,
    pub relay_state: Option<String>,
    /// The scenario that broke this message, if one did.
    pub scenario: Option<&'static str>,
}

/// A LogoutRequest to an SP, shaped by the scenario if it breaks requests, signed and encoded.
pub fn send_request(
    mut spec: LogoutRequestSpec,
    sending: &Sending<'_>,
) -> Result<Outgoing, SloError> {
    let scenario = sending.scenario.filter(|s| s.requests);
    if let Some(hook) = scenario.and_then(|s| s.shape_request) {
        hook(&mut spec, &LogoutShapeContext { now: sending.now });
    }
    let doc = build_logout_request(&spec);
    finish(
        doc,
        spec.id,
        spec.destination,
        MessageParam::SamlRequest,
        sending,
        scenario,
    )
}

/// A LogoutResponse to an SP, shaped by the scenario if it breaks responses, signed and
/// encoded.
pub fn send_response(
    mut spec: LogoutResponseSpec,
    sending: &Sending<'_>,
) -> Result<Outgoing, SloError> {
    let scenario = sending.scenario.filter(|s| s.responses);
    if let Some(hook) = scenario.and_then(|s| s.shape_response) {
        hook(&mut spec, &LogoutShapeContext { now: sending.now });
    }
    let doc = build_logout_response(&spec);
    finish(
        doc,
        spec.id,
        spec.destination,
        MessageParam::SamlResponse,
        sending,
        scenario,
    )
}

fn finish(
    mut doc: Element,
    id: String,
    destination: String,
    param: MessageParam,
    sending: &Sending<'_>,
    scenario: Option<&'static LogoutScenario>,
) -> Result<Outgoing, SloError> {
    let signing = scenario.map(|s| s.signing).unwrap_or_default();
    let relay_state = sending.relay_state.map(str::to_owned);
    match sending.binding {
        Binding::Redirect => {
            // saml-bindings 3.4.4.1: the message itself carries no signature; the query does.
            let xml = write_document(&doc);
            let flipped = FlippedQuerySigner(sending.signer);
            let signer: Option<(&dyn QuerySigner, SignatureAlgorithm)> = match signing {
                LogoutSigning::Signed => Some((sending.signer, sending.algorithm)),
                LogoutSigning::Corrupted => Some((&flipped, sending.algorithm)),
                LogoutSigning::Unsigned => None,
            };
            let query = binding::encode_redirect(&xml, param, sending.relay_state, signer)?;
            Ok(Outgoing {
                binding: Binding::Redirect,
                param,
                url: binding::redirect_url(&destination, &query),
                destination,
                xml,
                id,
                form_value: None,
                relay_state,
                scenario: scenario.map(|s| s.id),
            })
        }
        Binding::Post => {
            if signing != LogoutSigning::Unsigned {
                sign_logout_message(&mut doc, sending.algorithm.into(), sending.signer)?;
            }
            if signing == LogoutSigning::Corrupted {
                flip_signature_value(&mut doc)?;
            }
            let xml = write_document(&doc);
            Ok(Outgoing {
                binding: Binding::Post,
                param,
                url: destination.clone(),
                destination,
                form_value: Some(binding::encode_post(&xml)),
                xml,
                id,
                relay_state,
                scenario: scenario.map(|s| s.id),
            })
        }
    }
}

/// Flips one bit of a signature: the last byte's lowest.
fn flip(mut signature: Vec<u8>) -> Vec<u8> {
    if let Some(last) = signature.last_mut() {
        *last ^= 1;
    }
    signature
}

/// Signs the query like the IdP, then breaks the signature (`slo-bad-signature`).
struct FlippedQuerySigner<'a>(&'a Signer);

impl QuerySigner for FlippedQuerySigner<'_> {
    fn sign_query(
        &self,
        algorithm: SignatureAlgorithm,
        octets: &[u8],
    ) -> Result<Vec<u8>, DsigError> {
        self.0.sign_query(algorithm, octets).map(flip)
    }
}

/// Flips one bit of the enveloped signature's SignatureValue.
fn flip_signature_value(doc: &mut Element) -> Result<(), DsigError> {
    let signature = doc
        .children
        .iter_mut()
        .find_map(|n| match n {
            Node::Element(e) if e.name.is(ns::DSIG, "Signature") => Some(e),
            _ => None,
        })
        .ok_or(DsigError::Malformed("no ds:Signature"))?;
    let value = signature
        .first(ns::DSIG, "SignatureValue")
        .map(Element::text_content)
        .ok_or(DsigError::Malformed("no SignatureValue"))?;
    let bytes = STANDARD
        .decode(value.trim())
        .map_err(|_| DsigError::Malformed("SignatureValue is not base64"))?;
    dsig::set_signature_value(signature, &flip(bytes))
}

// ---------------------------------------------------------------------------------------------
// A received LogoutRequest

/// A status of the LogoutResponse for a request that cannot be honoured.
fn refused(sub_code: &str, message: String) -> StatusSpec {
    StatusSpec {
        code: ns::status::REQUESTER.into(),
        sub_code: Some(sub_code.into()),
        message: Some(message),
    }
}

/// What the request itself must satisfy before any session is looked at: addressed to one of
/// our logout endpoints, `ours` (saml-bindings 3.4.5.2, 3.5.5.2), and not expired
/// (saml-core 3.7.1). The error is the status to answer with.
pub fn check_request(
    request: &LogoutRequest,
    ours: &[&str],
    now: OffsetDateTime,
) -> Result<(), StatusSpec> {
    if let Some(d) = request.destination.as_deref().filter(|d| !ours.contains(d)) {
        return Err(refused(
            ns::status::REQUEST_DENIED,
            format!(
                "the LogoutRequest's Destination is {d}, not this endpoint ({})",
                ours.join(" or ")
            ),
        ));
    }
    if let Some(t) = request.not_on_or_after.filter(|t| now >= *t) {
        return Err(refused(
            ns::status::REQUEST_DENIED,
            format!(
                "the LogoutRequest expired: NotOnOrAfter {} is not after now ({})",
                format_instant(t),
                format_instant(now)
            ),
        ));
    }
    Ok(())
}

/// How a LogoutRequest relates to one SP's part in a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// Same principal, and (if the request names sessions) this session.
    Yes,
    /// The NameID is not the one the SP received.
    OtherPrincipal,
    /// The principal matches but none of the request's SessionIndexes is this session's.
    OtherSession,
}

/// Whether `request` names the principal the SP knows as `name_id` in the session
/// `session_index` (saml-core 3.7.3.2: no SessionIndex means every session of the principal).
pub fn match_participant(request: &LogoutRequest, name_id: &NameId, session_index: &str) -> Match {
    if !request.name_id.matches(name_id) {
        Match::OtherPrincipal
    } else if !request.session_indexes.is_empty()
        && !request.session_indexes.iter().any(|s| s == session_index)
    {
        Match::OtherSession
    } else {
        Match::Yes
    }
}

/// The status for a request that matched no session here.
pub fn no_session_status(request: &LogoutRequest, closest: Option<Match>) -> StatusSpec {
    let message = match closest {
        Some(Match::OtherSession) => format!(
            "the principal {:?} has no session here with SessionIndex {}",
            request.name_id.value,
            request.session_indexes.join(", ")
        ),
        _ => format!(
            "no session of the principal {:?} with {} is known here",
            request.name_id.value, request.issuer
        ),
    };
    refused(ns::status::UNKNOWN_PRINCIPAL, message)
}

// ---------------------------------------------------------------------------------------------
// One logout in progress

/// The SP whose LogoutRequest started the logout (SP-initiated), to be answered at the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Initiator {
    pub sp_entity_id: String,
    pub request_id: String,
    pub slo_url: String,
    /// The binding the request came by; the answer goes back by the same one.
    pub binding: Binding,
    pub relay_state: Option<String>,
    pub algorithm: SignatureAlgorithm,
    /// The LogoutRequest as received, for the inspector.
    pub request_xml: String,
    /// What is known of its signature, in words.
    pub signature: String,
}

/// What became of one SP of the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Not yet told.
    Waiting,
    /// The LogoutRequest with this ID is on its way; no answer yet.
    Sent { request_id: String },
    /// There is no SingleLogoutService URL to send a LogoutRequest to.
    NoEndpoint,
    /// It answered with a LogoutResponse.
    Answered {
        status: StatusSpec,
        /// What is known of the answer's signature, in words.
        signature: String,
    },
    /// The logout finished before it answered.
    NoAnswer,
    /// Its answer was not accepted, for this reason.
    Refused(String),
    /// Its LogoutRequest could not be made.
    Failed(String),
}

impl Outcome {
    /// `success`, `failure`, `no answer`, ... for the summary.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Waiting => "not told yet",
            Outcome::Sent { .. } => "waiting for its answer",
            Outcome::NoEndpoint => "not told: no logout URL",
            Outcome::Answered { status, .. } if status.is_success() => "success",
            Outcome::Answered { .. } => "failure",
            Outcome::NoAnswer => "no answer",
            Outcome::Refused(_) => "answer refused",
            Outcome::Failed(_) => "not told: error",
        }
    }

    pub fn succeeded(&self) -> bool {
        matches!(self, Outcome::Answered { status, .. } if status.is_success())
    }
}

/// One SP to tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub sp_entity_id: String,
    pub slo_url: Option<String>,
    pub algorithm: SignatureAlgorithm,
    pub name_id: NameId,
    pub session_index: String,
    pub outcome: Outcome,
}

/// One logout across a session's SPs: who started it, who is told, what each answered.
#[derive(Debug, Clone)]
pub struct Logout {
    pub id: String,
    pub session_id: String,
    pub user: String,
    pub started: OffsetDateTime,
    pub initiator: Option<Initiator>,
    pub scenario: Option<&'static LogoutScenario>,
    pub steps: Vec<Step>,
}

impl Logout {
    /// The next SP to send a LogoutRequest to.
    pub fn next_waiting(&mut self) -> Option<&mut Step> {
        self.steps
            .iter_mut()
            .find(|s| s.outcome == Outcome::Waiting)
    }

    /// The step waiting for the answer to the LogoutRequest `request_id`.
    pub fn sent(&self, request_id: &str) -> Option<usize> {
        self.steps
            .iter()
            .position(|s| matches!(&s.outcome, Outcome::Sent { request_id: r } if r == request_id))
    }

    /// Every SP still to be told or to answer is given up on.
    pub fn give_up(&mut self) {
        for s in &mut self.steps {
            if matches!(s.outcome, Outcome::Waiting | Outcome::Sent { .. }) {
                s.outcome = Outcome::NoAnswer;
            }
        }
    }

    /// The initiator's answer (saml-core 3.7.3.2): Success, with the second-level
    /// PartialLogout when some other SP was not logged out.
    pub fn final_status(&self) -> StatusSpec {
        let failed: Vec<&str> = self
            .steps
            .iter()
            .filter(|s| !s.outcome.succeeded())
            .map(|s| s.sp_entity_id.as_str())
            .collect();
        if failed.is_empty() {
            StatusSpec::success()
        } else {
            StatusSpec {
                code: ns::status::SUCCESS.into(),
                sub_code: Some(STATUS_PARTIAL_LOGOUT.into()),
                message: Some(format!(
                    "not logged out of every service provider of the session: {}",
                    failed.join(", ")
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saml::dsig::tests::test_signer;
    use crate::saml::logout::{parse_logout_request, parse_logout_response};
    use crate::saml::request_signature::{self, Verdict};
    use crate::saml::scenario::logout::{self as catalogue, ALL};
    use crate::saml::xml::reader::{parse, Limits};
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-01-02 03:04:05 UTC);

    fn name_id() -> NameId {
        NameId {
            format: ns::nameid::EMAIL.into(),
            value: "zoe@globex.example".into(),
            name_qualifier: None,
            sp_name_qualifier: None,
        }
    }

    fn request_spec() -> LogoutRequestSpec {
        LogoutRequestSpec {
            id: "_lr1".into(),
            version: "2.0".into(),
            issue_instant: NOW,
            destination: "https://sp.example/slo".into(),
            issuer: "https://idp.example/metadata".into(),
            name_id: name_id(),
            session_indexes: vec!["_s1".into()],
            not_on_or_after: Some(NOW + time::Duration::minutes(5)),
            reason: None,
        }
    }

    fn response_spec() -> LogoutResponseSpec {
        LogoutResponseSpec {
            id: "_resp1".into(),
            version: "2.0".into(),
            issue_instant: NOW,
            destination: "https://sp.example/slo".into(),
            in_response_to: Some("_sp1".into()),
            issuer: "https://idp.example/metadata".into(),
            status: StatusSpec::success(),
        }
    }

    fn sending<'a>(
        signer: &'a Signer,
        binding: Binding,
        scenario: Option<&'static LogoutScenario>,
    ) -> Sending<'a> {
        Sending {
            binding,
            relay_state: Some("back to /home"),
            signer,
            algorithm: SignatureAlgorithm::RsaSha256,
            scenario,
            now: NOW,
        }
    }

    fn verdict(out: &Outgoing, signer: &Signer) -> Verdict {
        let key = signer.certificate().public_key().unwrap();
        match out.binding {
            Binding::Redirect => {
                let query = out.url.split_once('?').unwrap().1;
                request_signature::redirect_verdict(query, &[key])
            }
            Binding::Post => request_signature::posted_verdict(&out.xml, &[key]),
        }
    }

    #[test]
    fn honest_messages_verify_by_both_bindings() {
        let signer = test_signer();
        for b in [Binding::Redirect, Binding::Post] {
            let out = send_request(request_spec(), &sending(&signer, b, None)).unwrap();
            assert!(verdict(&out, &signer).is_valid(), "{b:?}");
            assert_eq!(out.param, MessageParam::SamlRequest);
            assert_eq!(out.scenario, None);
            let out = send_response(response_spec(), &sending(&signer, b, None)).unwrap();
            assert!(verdict(&out, &signer).is_valid(), "{b:?}");
            match b {
                Binding::Redirect => {
                    assert!(out.url.starts_with("https://sp.example/slo?SAMLResponse="));
                    assert!(out.url.contains("&RelayState=back+to+%2Fhome&SigAlg="));
                    assert!(!out.xml.contains("Signature"));
                }
                Binding::Post => {
                    assert_eq!(out.url, "https://sp.example/slo");
                    let form = out.form_value.as_deref().unwrap();
                    assert_eq!(binding::decode(form).unwrap().xml, out.xml);
                }
            }
        }
    }

    #[test]
    fn each_scenario_breaks_only_the_messages_it_names_with_its_one_defect() {
        let signer = test_signer();
        for s in ALL {
            for b in [Binding::Redirect, Binding::Post] {
                let req = send_request(request_spec(), &sending(&signer, b, Some(s))).unwrap();
                let resp = send_response(response_spec(), &sending(&signer, b, Some(s))).unwrap();
                assert_eq!(req.scenario.is_some(), s.requests, "{}", s.id);
                assert_eq!(resp.scenario.is_some(), s.responses, "{}", s.id);
                let parsed_req = parse_logout_request(&req.xml).unwrap();
                let parsed_resp = parse_logout_response(&resp.xml).unwrap();
                for (out, applies) in [(&req, s.requests), (&resp, s.responses)] {
                    let v = verdict(out, &signer);
                    match (applies, s.signing) {
                        (true, LogoutSigning::Unsigned) => assert_eq!(v, Verdict::Unsigned),
                        (true, LogoutSigning::Corrupted) => {
                            assert!(matches!(v, Verdict::Invalid { .. }), "{} {v:?}", s.id)
                        }
                        _ => assert!(v.is_valid(), "{} {b:?} {v:?}", s.id),
                    }
                }
                let honest_req = parse_logout_request(
                    &send_request(request_spec(), &sending(&signer, b, None))
                        .unwrap()
                        .xml,
                )
                .unwrap();
                match s.id {
                    "slo-wrong-session-index" => {
                        assert_eq!(parsed_req.session_indexes, [catalogue::WRONG_SESSION_INDEX]);
                        assert_eq!(
                            match_participant(&parsed_req, &name_id(), "_s1"),
                            Match::OtherSession
                        );
                    }
                    "slo-wrong-nameid" => {
                        assert_eq!(parsed_req.name_id.value, catalogue::WRONG_NAME_ID);
                        assert_eq!(
                            match_participant(&parsed_req, &name_id(), "_s1"),
                            Match::OtherPrincipal
                        );
                    }
                    "slo-expired" => {
                        assert!(parsed_req.not_on_or_after.unwrap() < NOW);
                        assert!(
                            check_request(&parsed_req, &["https://sp.example/slo"], NOW).is_err()
                        );
                    }
                    "slo-status-failure" => {
                        assert_eq!(parsed_resp.status.code, ns::status::RESPONDER)
                    }
                    "slo-wrong-in-response-to" => assert_eq!(
                        parsed_resp.in_response_to.as_deref(),
                        Some(catalogue::WRONG_IN_RESPONSE_TO)
                    ),
                    _ => {
                        assert_eq!(parsed_req.session_indexes, honest_req.session_indexes);
                        assert_eq!(parsed_resp.status, StatusSpec::success());
                    }
                }
                if !s.requests || s.shape_request.is_none() {
                    assert_eq!(
                        match_participant(&parsed_req, &name_id(), "_s1"),
                        Match::Yes,
                        "{}",
                        s.id
                    );
                }
            }
        }
    }

    #[test]
    fn a_request_is_checked_for_destination_expiry_principal_and_session() {
        let xml = write_document(&build_logout_request(&request_spec()));
        let r = parse_logout_request(&xml).unwrap();
        assert_eq!(check_request(&r, &["https://sp.example/slo"], NOW), Ok(()));
        let wrong = check_request(&r, &["https://idp.example/slo"], NOW).unwrap_err();
        assert_eq!(wrong.sub_code.as_deref(), Some(ns::status::REQUEST_DENIED));
        assert!(wrong.message.unwrap().contains("Destination"));
        let late = NOW + time::Duration::minutes(5);
        assert!(check_request(&r, &["https://sp.example/slo"], late)
            .unwrap_err()
            .message
            .unwrap()
            .contains("expired"));
        assert_eq!(match_participant(&r, &name_id(), "_s1"), Match::Yes);
        assert_eq!(
            match_participant(&r, &name_id(), "_s2"),
            Match::OtherSession
        );
        let mut other = name_id();
        other.value = "bruno@globex.example".into();
        assert_eq!(match_participant(&r, &other, "_s1"), Match::OtherPrincipal);
        let status = no_session_status(&r, Some(Match::OtherSession));
        assert_eq!(
            status.sub_code.as_deref(),
            Some(ns::status::UNKNOWN_PRINCIPAL)
        );
    }

    #[test]
    fn the_final_status_is_success_or_partial_logout() {
        let step = |outcome| Step {
            sp_entity_id: "b".into(),
            slo_url: Some("https://b/slo".into()),
            algorithm: SignatureAlgorithm::RsaSha256,
            name_id: name_id(),
            session_index: "_s1".into(),
            outcome,
        };
        let mut l = Logout {
            id: "_l".into(),
            session_id: "_s".into(),
            user: "zoe".into(),
            started: NOW,
            initiator: None,
            scenario: None,
            steps: vec![
                step(Outcome::Waiting),
                step(Outcome::Sent {
                    request_id: "_r".into(),
                }),
            ],
        };
        assert_eq!(l.sent("_r"), Some(1));
        assert_eq!(l.sent("_x"), None);
        assert!(l.next_waiting().is_some());
        l.give_up();
        assert!(l.next_waiting().is_none());
        let s = l.final_status();
        assert!(s.is_success());
        assert_eq!(s.sub_code.as_deref(), Some(STATUS_PARTIAL_LOGOUT));
        l.steps = vec![step(Outcome::Answered {
            status: StatusSpec::success(),
            signature: "valid".into(),
        })];
        assert_eq!(l.final_status(), StatusSpec::success());
        // The signed XML of a POST message parses back (the signature sits after the Issuer).
        let signer = test_signer();
        let out = send_response(response_spec(), &sending(&signer, Binding::Post, None)).unwrap();
        let doc = parse(out.xml.as_bytes(), Limits::default()).unwrap();
        assert!(doc.first(ns::DSIG, "Signature").is_some());
    }
}
