//! The logout use cases without HTTP: a state built in the test, messages made by the engine
//! as an SP would make them, one fixed `now`.

use time::macros::datetime;
use time::OffsetDateTime;

use super::*;
use crate::saml::binding::{self, Binding};
use crate::saml::dsig::tests::test_signer;
use crate::saml::logout::{
    build_logout_request, build_logout_response, parse_logout_request, parse_logout_response,
    LogoutRequestSpec, LogoutResponseSpec,
};
use crate::saml::nameid::NameId;
use crate::saml::ns;
use crate::saml::response::StatusSpec;
use crate::saml::slo::Outcome;
use crate::saml::sp::{Policy, Registry, ServiceProvider};
use crate::saml::xml::c14n::write_document;
use crate::server::config::Endpoints;
use crate::server::flow::{Classified, FaultKind};
use crate::server::sessions::Participation;
use crate::server::state::AppState;
use crate::server::users;

const NOW: OffsetDateTime = datetime!(2026-03-04 05:06:07 UTC);
const A: &str = "https://a.example/metadata";
const B: &str = "https://b.example/metadata";
const SESSION: &str = "_browser_session";

fn sp(entity_id: &str, slo_url: &str) -> ServiceProvider {
    let mut sp = ServiceProvider::new(entity_id);
    sp.slo_url = Some(slo_url.into());
    sp
}

fn name_id(sp: &str) -> NameId {
    NameId {
        format: ns::nameid::EMAIL.into(),
        value: "alice.martin@acme-support.example".into(),
        name_qualifier: None,
        sp_name_qualifier: Some(sp.into()),
    }
}

/// An IdP with SPs A and B registered, and alice's session logged into both.
fn state(policy: Policy) -> AppState {
    let endpoints = Endpoints {
        base_url: "https://idp.example".into(),
        entity_id: "https://idp.example/metadata".into(),
    };
    let directory = users::parse(include_str!("../../../../users.yaml"), "users.yaml").unwrap();
    let registry = Registry::new(vec![
        sp(A, "https://a.example/slo"),
        sp(B, "https://b.example/slo"),
    ]);
    let state = AppState::new(endpoints, test_signer(), directory)
        .unwrap()
        .with_registry(registry, policy);
    state
        .sessions
        .start(SESSION.into(), "alice", "_index".into(), NOW);
    for entity_id in [A, B] {
        state.sessions.joined(
            SESSION,
            Participation {
                sp_entity_id: entity_id.into(),
                name_id: name_id(entity_id),
                session_index: "_index".into(),
            },
        );
    }
    state
}

fn browser() -> Browser<'static> {
    Browser {
        session: Some(SESSION),
        scenario: None,
    }
}

/// A's LogoutRequest for alice's session, by HTTP-POST.
fn request_from_a() -> Message {
    let spec = LogoutRequestSpec {
        id: "_from_a".into(),
        version: "2.0".into(),
        issue_instant: NOW,
        destination: "https://idp.example/slo".into(),
        issuer: A.into(),
        name_id: name_id(A),
        session_indexes: vec!["_index".into()],
        not_on_or_after: None,
        reason: None,
    };
    let xml = write_document(&build_logout_request(&spec));
    Message {
        saml_request: Some(binding::encode_post(&xml).into()),
        relay_state: Some("/after-logout".into()),
        ..Message::default()
    }
}

/// `sp`'s LogoutResponse to our LogoutRequest `to`, by HTTP-POST.
fn answer_from(sp: &str, to: &str, status: StatusSpec) -> Message {
    let spec = LogoutResponseSpec {
        id: "_answer".into(),
        version: "2.0".into(),
        issue_instant: NOW,
        destination: "https://idp.example/slo".into(),
        in_response_to: Some(to.into()),
        issuer: sp.into(),
        status,
    };
    let xml = write_document(&build_logout_response(&spec));
    Message {
        saml_response: Some(binding::encode_post(&xml).into()),
        ..Message::default()
    }
}

fn sent(answer: &Answer) -> &Outgoing {
    match &answer.show {
        Show::Message { out, .. } => out,
        Show::Summary { .. } => panic!("expected a message, got the summary"),
    }
}

#[test]
fn an_sp_initiated_logout_tells_the_other_sp_then_answers_the_initiator() {
    let state = state(Policy::Permissive);
    let first = receive(&state, request_from_a(), Binding::Post, "", browser(), NOW).unwrap();
    let to_b = sent(&first);
    assert_eq!(to_b.destination, "https://b.example/slo");
    assert_eq!(to_b.binding, Binding::Redirect);
    let request = parse_logout_request(&to_b.xml).unwrap();
    assert_eq!(request.issue_instant, NOW, "the request's one now");
    assert!(request.name_id.matches(&name_id(B)));
    assert!(!first.end_session_cookie, "not over yet");
    assert!(
        state.sessions.get(SESSION, NOW).is_none(),
        "the session ends at once"
    );
    assert!(state.sessions.logout(SESSION, NOW).is_some());

    let done = receive(
        &state,
        answer_from(B, &request.id, StatusSpec::success()),
        Binding::Post,
        "",
        browser(),
        NOW,
    )
    .unwrap();
    let to_a = sent(&done);
    assert_eq!(to_a.destination, "https://a.example/slo");
    assert_eq!(
        to_a.binding,
        Binding::Post,
        "by the binding A's request came by"
    );
    assert_eq!(to_a.relay_state.as_deref(), Some("/after-logout"));
    let response = parse_logout_response(&to_a.xml).unwrap();
    assert_eq!(response.in_response_to.as_deref(), Some("_from_a"));
    assert_eq!(response.status, StatusSpec::success());
    assert!(done.end_session_cookie);
    assert!(state.sessions.logout(SESSION, NOW).is_none());
    let recorded = state.inspector.recent();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].sp, A);
    assert_eq!(recorded[0].status, "Success");
    assert_eq!(recorded[0].at, NOW);
}

#[test]
fn a_request_for_no_session_here_is_answered_unknown_principal() {
    let state = state(Policy::Permissive);
    let mut message = request_from_a();
    let spec = LogoutRequestSpec {
        id: "_other".into(),
        version: "2.0".into(),
        issue_instant: NOW,
        destination: "https://idp.example/slo".into(),
        issuer: A.into(),
        name_id: NameId {
            value: "nobody@acme-support.example".into(),
            ..name_id(A)
        },
        session_indexes: vec![],
        not_on_or_after: None,
        reason: None,
    };
    message.saml_request =
        Some(binding::encode_post(&write_document(&build_logout_request(&spec))).into());
    let answer = receive(&state, message, Binding::Post, "", browser(), NOW).unwrap();
    let response = parse_logout_response(&sent(&answer).xml).unwrap();
    assert_eq!(
        response.status.sub_code.as_deref(),
        Some(ns::status::UNKNOWN_PRINCIPAL)
    );
    assert!(
        state.sessions.get(SESSION, NOW).is_some(),
        "alice's session is untouched"
    );
}

#[test]
fn strict_mode_refuses_an_unregistered_sp_and_an_unsigned_request() {
    let state = state(Policy::Strict).with_registry(Registry::default(), Policy::Strict);
    let err = receive(&state, request_from_a(), Binding::Post, "", browser(), NOW).unwrap_err();
    assert!(matches!(err, LogoutFlowError::Unregistered { .. }), "{err}");
    assert_eq!(err.kind(), FaultKind::Refused);

    let state = state_with_certificate_for_a();
    let err = receive(&state, request_from_a(), Binding::Post, "", browser(), NOW).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("strict mode refuses this LogoutRequest from {A}: it is not signed; nothing was logged out")
    );
    assert_eq!(err.kind(), FaultKind::Refused);
}

fn state_with_certificate_for_a() -> AppState {
    let mut a = sp(A, "https://a.example/slo");
    a.certificate = Some(test_signer().certificate().to_der().unwrap());
    state(Policy::Strict).with_registry(Registry::new(vec![a]), Policy::Strict)
}

#[test]
fn an_answer_to_no_logout_in_progress_is_bad_input() {
    let state = state(Policy::Permissive);
    let stray = answer_from(B, "_never_sent", StatusSpec::success());
    let err = receive(&state, stray, Binding::Post, "", browser(), NOW).unwrap_err();
    assert!(
        matches!(&err, LogoutFlowError::UnknownResponse { in_response_to, .. } if in_response_to == "_never_sent"),
        "{err}"
    );
    assert_eq!(err.kind(), FaultKind::BadInput);
}

#[test]
fn the_browsers_logout_gives_up_on_an_sp_that_never_answers() {
    let state = state(Policy::Permissive);
    assert!(matches!(
        start(&state, Browser::default(), None, NOW),
        Err(LogoutFlowError::NoSession)
    ));
    let first = start(&state, browser(), None, NOW).unwrap();
    assert_eq!(sent(&first).destination, "https://a.example/slo");
    let summary = finish_now(&state, browser(), NOW).unwrap();
    assert!(summary.end_session_cookie);
    let Show::Summary { logout, finished } = summary.show else {
        panic!("expected the summary");
    };
    assert!(finished);
    let outcomes: Vec<_> = logout.recipients.iter().map(|r| &r.outcome).collect();
    assert_eq!(outcomes, [&Outcome::NoAnswer, &Outcome::NoAnswer]);
    assert!(matches!(
        in_progress(&state, browser(), NOW),
        Err(LogoutFlowError::NoLogout)
    ));
}

#[test]
fn the_scenario_comes_from_the_form_else_the_cookie_spent_unless_sticky() {
    let chosen = |form, cookie| {
        chosen_scenario(form, cookie).map(|(s, spend)| (s.map(|s: &LogoutScenario| s.id), spend))
    };
    assert_eq!(chosen(None, None).unwrap(), (None, false));
    assert_eq!(
        chosen(None, Some("slo-unsigned")).unwrap(),
        (Some("slo-unsigned"), true)
    );
    assert_eq!(
        chosen(None, Some("slo-unsigned;sticky")).unwrap(),
        (Some("slo-unsigned"), false)
    );
    // An unknown id in a cookie is no scenario (and the cookie goes); in a form, an error.
    assert_eq!(chosen(None, Some("nope")).unwrap(), (None, true));
    let err = chosen(Some("nope"), Some("slo-unsigned")).unwrap_err();
    assert!(matches!(err, LogoutFlowError::BadScenario(..)));
    assert_eq!(
        chosen(Some("valid"), Some("slo-unsigned")).unwrap(),
        (None, false)
    );
}

/// One login at one SP, told of a logout outside any IdP session (what an audit does): the
/// LogoutRequest names that login and is broken as the scenario says; an SP without a logout
/// URL gets none.
#[test]
fn a_single_sp_is_told_of_a_logout_outside_any_session() {
    let state = state(Policy::Permissive);
    let login = Participation {
        sp_entity_id: A.into(),
        name_id: name_id(A),
        session_index: "_index".into(),
    };
    let sent = request_to_sp(&state, &login, None, NOW).unwrap().unwrap();
    assert_eq!(sent.binding, Binding::Redirect);
    assert!(sent.url.starts_with("https://a.example/slo?SAMLRequest="));
    assert!(sent.url.contains("&Signature="), "{}", sent.url);
    let request = parse_logout_request(&sent.xml).unwrap();
    assert_eq!(request.session_indexes, ["_index"]);
    assert_eq!(request.name_id.value, "alice.martin@acme-support.example");
    assert_eq!(request.issuer, "https://idp.example/metadata");

    let unsigned = scenarios::find("slo-unsigned");
    let sent = request_to_sp(&state, &login, unsigned, NOW)
        .unwrap()
        .unwrap();
    assert!(!sent.url.contains("Signature="), "{}", sent.url);
    assert_eq!(sent.scenario, Some("slo-unsigned"));
    let wrong = scenarios::find("slo-wrong-session-index");
    let sent = request_to_sp(&state, &login, wrong, NOW).unwrap().unwrap();
    assert_eq!(
        parse_logout_request(&sent.xml).unwrap().session_indexes,
        [scenarios::WRONG_SESSION_INDEX]
    );

    let elsewhere = Participation {
        sp_entity_id: "https://unregistered.example".into(),
        ..login
    };
    assert_eq!(request_to_sp(&state, &elsewhere, None, NOW).unwrap(), None);
}

/// An SP whose logout endpoint takes only HTTP-POST is sent its LogoutRequest as a form with an
/// enveloped signature, in a session's logout and when told alone (the audit's way).
#[test]
fn an_sp_registered_for_http_post_is_told_by_http_post() {
    let mut b = sp(B, "https://b.example/slo");
    b.slo_binding = Binding::Post;
    let state = state(Policy::Permissive).with_registry(
        Registry::new(vec![sp(A, "https://a.example/slo"), b]),
        Policy::Permissive,
    );
    let first = receive(&state, request_from_a(), Binding::Post, "", browser(), NOW).unwrap();
    let to_b = sent(&first);
    assert_eq!(to_b.binding, Binding::Post);
    assert_eq!(to_b.url, "https://b.example/slo");
    let form = to_b.form_value.as_deref().expect("the form's SAMLRequest");
    assert_eq!(binding::decode(form).unwrap().xml, to_b.xml);
    let request = parse_logout_request(&to_b.xml).unwrap();
    assert!(request.has_signature);
    assert!(request.name_id.matches(&name_id(B)));

    let login = Participation {
        sp_entity_id: B.into(),
        name_id: name_id(B),
        session_index: "_index".into(),
    };
    let alone = request_to_sp(&state, &login, None, NOW).unwrap().unwrap();
    assert_eq!(alone.binding, Binding::Post);
    assert!(alone.form_value.is_some());
    assert!(parse_logout_request(&alone.xml).unwrap().has_signature);
}

#[test]
fn a_logout_in_progress_keeps_a_received_request_only_up_to_its_cap() {
    let small = "<samlp:LogoutRequest/>";
    assert_eq!(kept_request(small), small);
    let at_cap = "x".repeat(MAX_KEPT_REQUEST);
    assert_eq!(kept_request(&at_cap), at_cap);
    let big = "x".repeat(1 << 20);
    let kept = kept_request(&big);
    assert!(kept.len() < 200, "{kept}");
    assert!(kept.contains("was 1048576 bytes"), "{kept}");
}
