//! A login through the flows without HTTP: at a fixed instant with sequential IDs, the response
//! is the one the picker and the API would post, byte for byte on a second run.

use crate::saml::sp::{Policy, TargetError};
use crate::server::flow::judged::JudgedRequest;
use crate::server::flow::testkit::{self, ACS, OTHER_ACS, OTHER_SP, REQUEST_ID, SP, T0};
use crate::server::flow::{Classified, FaultKind};
use crate::server::state::AppState;

use super::*;

fn judged(state: &AppState) -> (JudgedRequest, Destination<'_>) {
    testkit::received(SP, ACS).judge(state).unwrap()
}

use testkit::valid_login;

#[test]
fn a_valid_login_answers_the_registered_sp_at_its_acs() {
    let state = testkit::state(Policy::Permissive);
    let issued = valid_login(&state);
    assert_eq!(issued.acs_url, ACS);
    assert_eq!(issued.request_id.as_deref(), Some(REQUEST_ID));
    assert!(issued.status.is_success());
    let xml = &issued.xml;
    assert!(xml.contains(&format!(r#"Destination="{ACS}""#)), "{xml}");
    assert!(
        xml.contains(&format!(r#"InResponseTo="{REQUEST_ID}""#)),
        "{xml}"
    );
    assert!(
        xml.contains(&format!("<saml:Audience>{SP}</saml:Audience>")),
        "{xml}"
    );
    assert!(
        xml.contains(r#"IssueInstant="2026-01-02T03:04:05Z""#),
        "{xml}"
    );
    assert!(xml.contains(r#"ID="_id1""#), "{xml}");
    assert_eq!(
        issued.saml_response,
        crate::saml::binding::encode_post(&issued.xml)
    );
}

#[test]
fn the_same_now_and_ids_give_the_same_bytes() {
    let state = testkit::state(Policy::Permissive);
    let first = valid_login(&state);
    let second = valid_login(&state);
    assert_eq!(first.xml, second.xml);
}

#[test]
fn the_login_is_recorded_with_its_judgement_at_the_request_instant() {
    let state = testkit::state(Policy::Permissive);
    let issued = valid_login(&state);
    let recorded = state.inspector.recent();
    let exchange = recorded.first().unwrap();
    assert_eq!(exchange.at, T0);
    assert_eq!(exchange.sp, SP);
    assert_eq!(exchange.user, "alice");
    assert_eq!(exchange.binding, "post");
    assert!(
        exchange.request_signature.starts_with("unsigned: "),
        "{}",
        exchange.request_signature
    );
    assert_eq!(exchange.response_xml, issued.xml);
}

#[test]
fn strict_mode_refuses_an_unregistered_sp() {
    let state = testkit::state(Policy::Strict);
    let Err(e) = testkit::received(OTHER_SP, OTHER_ACS).judge(&state) else {
        panic!("an unregistered SP was answered in strict mode");
    };
    assert!(
        matches!(e, LoginError::Target(TargetError::UnregisteredSp(ref sp)) if sp == OTHER_SP),
        "{e:?}"
    );
    assert_eq!(e.kind(), FaultKind::Refused);
    assert_eq!(e.title(), "Refused in strict mode");
}

#[test]
fn permissive_mode_answers_an_unregistered_sp_where_it_asks() {
    let state = testkit::state(Policy::Permissive);
    let (request, destination) = testkit::received(OTHER_SP, OTHER_ACS)
        .judge(&state)
        .unwrap();
    assert!(destination.sp.is_none());
    let issued = answer(
        &state,
        Some(&request),
        &destination,
        Some("bob"),
        &Choices::default(),
        None,
        testkit::fixed_now(),
    )
    .unwrap();
    assert_eq!(issued.acs_url, OTHER_ACS);
}

#[test]
fn an_unknown_user_or_scenario_is_bad_input() {
    let state = testkit::state(Policy::Permissive);
    let (request, destination) = judged(&state);
    let e = answer(
        &state,
        Some(&request),
        &destination,
        Some("mallory"),
        &Choices::default(),
        None,
        testkit::fixed_now(),
    )
    .unwrap_err();
    assert!(matches!(e, LoginError::UnknownUser(..)), "{e:?}");
    assert_eq!(e.kind(), FaultKind::BadInput);
    let choices = Choices {
        scenario: Some("no-such-scenario".into()),
        ..Choices::default()
    };
    let e = answer(
        &state,
        Some(&request),
        &destination,
        Some("alice"),
        &choices,
        None,
        testkit::fixed_now(),
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            LoginError::BadChoice {
                field: "scenario",
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn a_login_in_a_session_continues_it_for_the_same_user() {
    let state = testkit::state(Policy::Permissive);
    let (request, destination) = judged(&state);
    let login = |session: Option<&str>, user: &str| {
        answer_in_session(
            &state,
            session,
            Some(&request),
            &destination,
            user,
            &Choices::default(),
            testkit::fixed_now(),
        )
        .unwrap()
    };
    let (_, first) = login(None, "alice");
    let (_, again) = login(Some(&first), "alice");
    assert_eq!(again, first);
    let (_, other) = login(Some(&first), "bob");
    assert_ne!(other, first);
}

#[test]
fn a_passive_request_without_a_session_is_answered_no_passive() {
    let state = testkit::state(Policy::Permissive);
    let (request, destination) = judged(&state);
    let answered =
        answer_passive(&state, None, &request, &destination, testkit::fixed_now()).unwrap();
    assert!(answered.session.is_none());
    assert!(
        answered.issued.xml.contains("NoPassive"),
        "{}",
        answered.issued.xml
    );
}
