//! Each endpoint's flow without HTTP, one test per thing it can show: an `IsPassive` answer,
//! a preselected answer, the picker, a response held for review, a response posted; and the
//! API's answers.

use crate::saml::binding;
use crate::saml::sp::Policy;
use crate::server::flow::select::with_auto_login;
use crate::server::flow::testkit::{self, ACS, OTHER_ACS, OTHER_SP, REQUEST_ID, SP, T0};

use super::*;

/// `testkit::request` from `issuer` with `attributes` added to the AuthnRequest element.
fn request_with(issuer: &str, acs: &str, attributes: &str) -> String {
    let xml = binding::decode(&testkit::request(issuer, acs)).unwrap().xml;
    let xml = xml.replacen(
        r#"Version="2.0""#,
        &format!(r#"Version="2.0" {attributes}"#),
        1,
    );
    binding::encode_post(&xml).into()
}

fn posted(request: &str) -> Message<'_> {
    Message {
        saml_request: Some(request),
        relay_state: Some("relay"),
        redirect_query: None,
    }
}

fn form(user: &str) -> Form {
    Form {
        saml_request: Some(testkit::request(SP, ACS)),
        relay_state: Some("relay".into()),
        user: Some(user.into()),
        ..Form::default()
    }
}

/// Logs `user` in through the picker's form; returns the new session's id.
fn session_of(state: &AppState, user: &str) -> String {
    let outcome = log_in(state, &form(user), Browser::default(), T0).unwrap();
    outcome.set_session.unwrap()
}

#[test]
fn a_passive_request_without_a_session_posts_no_passive_for_nobody() {
    let state = testkit::state(Policy::Permissive);
    let request = request_with(SP, ACS, r#"IsPassive="true""#);
    let outcome = arrive_sp_initiated(&state, posted(&request), Browser::default(), T0).unwrap();
    let Shown::Post {
        issued,
        relay_state,
        user,
    } = outcome.shown
    else {
        panic!("an IsPassive request was not answered at once");
    };
    assert!(issued.xml.contains("NoPassive"), "{}", issued.xml);
    assert_eq!(issued.acs_url, ACS);
    assert_eq!(relay_state.as_deref(), Some("relay"));
    assert_eq!(user, None);
    assert_eq!(outcome.set_session, None);
    assert!(!outcome.spend_preselection);
}

#[test]
fn a_passive_request_in_a_session_posts_the_sessions_user() {
    let state = testkit::state(Policy::Permissive);
    let session = session_of(&state, "bob");
    let request = request_with(SP, ACS, r#"IsPassive="true""#);
    let browser = Browser {
        session: Some(&session),
        preselection: None,
    };
    let outcome = arrive_sp_initiated(&state, posted(&request), browser, T0).unwrap();
    let Shown::Post { issued, user, .. } = outcome.shown else {
        panic!("an IsPassive request was not answered at once");
    };
    assert!(issued.status.is_success(), "{}", issued.xml);
    assert_eq!(issued.request_id.as_deref(), Some(REQUEST_ID));
    assert_eq!(user.as_deref(), Some("bob"));
    assert_eq!(outcome.set_session.as_deref(), Some(session.as_str()));
}

#[test]
fn a_one_shot_preselection_answers_at_once_and_is_spent() {
    let state = testkit::state(Policy::Permissive);
    let request = testkit::request(SP, ACS);
    let browser = Browser {
        session: None,
        preselection: Some("user=bob&scenario=expired"),
    };
    let outcome = arrive_sp_initiated(&state, posted(&request), browser, T0).unwrap();
    let Shown::Post { issued, user, .. } = outcome.shown else {
        panic!("a preselection did not answer at once");
    };
    assert_eq!(user.as_deref(), Some("bob"));
    assert_eq!(issued.acs_url, ACS);
    assert_eq!(
        state.inspector.recent().first().unwrap().scenario,
        "expired"
    );
    assert!(outcome.set_session.is_some());
    assert!(outcome.spend_preselection);
}

#[test]
fn a_sticky_or_server_preselection_is_kept() {
    let state = testkit::state(Policy::Permissive);
    let browser = Browser {
        session: None,
        preselection: Some("user=alice&sticky=true"),
    };
    let outcome = arrive_idp_initiated(&state, Some(SP), None, browser, T0).unwrap();
    assert!(matches!(outcome.shown, Shown::Post { .. }));
    assert!(!outcome.spend_preselection);
    let state = with_auto_login(testkit::state(Policy::Permissive), "bob", None).unwrap();
    let outcome = arrive_idp_initiated(&state, Some(SP), None, Browser::default(), T0).unwrap();
    let Shown::Post { user, .. } = outcome.shown else {
        panic!("--auto-login did not answer at once");
    };
    assert_eq!(user.as_deref(), Some("bob"));
    assert!(!outcome.spend_preselection);
}

#[test]
fn a_preselection_is_held_for_review_under_review_mode() {
    let state = testkit::state(Policy::Permissive).with_review(true);
    let request = testkit::request(SP, ACS);
    let browser = Browser {
        session: None,
        preselection: Some("user=bob"),
    };
    let outcome = arrive_sp_initiated(&state, posted(&request), browser, T0).unwrap();
    let Shown::Review(held) = outcome.shown else {
        panic!("--review did not hold the preselected answer");
    };
    assert_eq!(held.pending.user, "bob");
    assert_eq!(held.pending.relay_state.as_deref(), Some("relay"));
    assert!(outcome.spend_preselection);
}

#[test]
fn a_request_without_preselection_shows_the_picker() {
    let state = testkit::state(Policy::Permissive);
    let request = testkit::request(OTHER_SP, OTHER_ACS);
    let outcome = arrive_sp_initiated(&state, posted(&request), Browser::default(), T0).unwrap();
    let Shown::Picker(picker) = outcome.shown else {
        panic!("the picker was not shown");
    };
    assert!(picker.continue_as.is_none());
    assert_eq!(picker.request.unwrap().request().id, REQUEST_ID);
    assert_eq!(picker.destination.resolution.target.acs_url, OTHER_ACS);
    assert_eq!(
        picker.warnings, picker.destination.resolution.warnings,
        "the unregistered SP's warnings come first"
    );
    assert!(!picker.warnings.is_empty());
    assert_eq!(picker.relay_state.as_deref(), Some("relay"));
    assert_eq!(outcome.set_session, None);
    assert!(!outcome.spend_preselection);
}

#[test]
fn the_picker_offers_the_session_unless_force_authn() {
    let state = testkit::state(Policy::Permissive);
    let session = session_of(&state, "alice");
    let browser = Browser {
        session: Some(&session),
        preselection: None,
    };
    let request = testkit::request(SP, ACS);
    let outcome = arrive_sp_initiated(&state, posted(&request), browser, T0).unwrap();
    let Shown::Picker(picker) = outcome.shown else {
        panic!("the picker was not shown");
    };
    assert_eq!(picker.continue_as.map(|u| u.id.as_str()), Some("alice"));
    let request = request_with(SP, ACS, r#"ForceAuthn="true""#);
    let outcome = arrive_sp_initiated(&state, posted(&request), browser, T0).unwrap();
    let Shown::Picker(picker) = outcome.shown else {
        panic!("the picker was not shown");
    };
    assert!(picker.continue_as.is_none());
    assert!(
        picker.warnings.iter().any(|w| w.contains("ForceAuthn")),
        "{:?}",
        picker.warnings
    );
}

#[test]
fn an_idp_initiated_arrival_shows_the_picker_for_the_sp() {
    let state = testkit::state(Policy::Permissive);
    let outcome = arrive_idp_initiated(&state, Some(SP), Some(""), Browser::default(), T0).unwrap();
    let Shown::Picker(picker) = outcome.shown else {
        panic!("the picker was not shown");
    };
    assert!(picker.request.is_none());
    assert_eq!(picker.destination.resolution.target.acs_url, ACS);
    assert_eq!(picker.relay_state, None);
    let Err(e) = arrive_idp_initiated(&state, None, None, Browser::default(), T0) else {
        panic!("an IdP-initiated login without an SP was answered");
    };
    assert!(matches!(e, LoginError::MissingSp(_)), "{e:?}");
}

/// The state with `SP` registered with the default RelayState `relay_state`.
fn state_with_relay_state(relay_state: &str) -> AppState {
    let state = testkit::state(Policy::Permissive);
    let mut sp = state.registry.get(SP).unwrap().clone();
    sp.relay_state = Some(relay_state.to_owned());
    state.with_registry(crate::saml::sp::Registry::new(vec![sp]), Policy::Permissive)
}

#[test]
fn an_idp_initiated_login_sends_the_sps_relay_state_unless_it_gives_one() {
    let state = state_with_relay_state("https://site.atlassian.net");
    let relay = |given: Option<&str>| {
        let outcome = arrive_idp_initiated(&state, Some(SP), given, Browser::default(), T0);
        let Ok(Outcome {
            shown: Shown::Picker(picker),
            ..
        }) = outcome
        else {
            panic!("the picker was not shown");
        };
        picker.relay_state
    };
    assert_eq!(relay(None).as_deref(), Some("https://site.atlassian.net"));
    assert_eq!(relay(Some("/other")).as_deref(), Some("/other"));
    assert_eq!(relay(Some("")), None, "an empty RelayState sends none");

    // The picker's form, and the API, alike.
    let call = |given: Option<&str>| Form {
        sp: Some(SP.into()),
        saml_request: None,
        relay_state: given.map(str::to_owned),
        ..form("alice")
    };
    for (given, expected) in [
        (None, Some("https://site.atlassian.net")),
        (Some("/other"), Some("/other")),
        (Some(""), None),
    ] {
        let answered = answer_idp_initiated_call(&state, &call(given), T0).unwrap();
        assert_eq!(answered.relay_state.as_deref(), expected, "{given:?}");
        let outcome = log_in(&state, &call(given), Browser::default(), T0).unwrap();
        let Shown::Post { relay_state, .. } = outcome.shown else {
            panic!("the login was not posted");
        };
        assert_eq!(relay_state.as_deref(), expected, "{given:?}");
    }
    // An SP-initiated login sends back what its request came with, or nothing.
    let sp_initiated = Form {
        relay_state: None,
        ..form("alice")
    };
    let answered = answer_call(&state, &sp_initiated, T0).unwrap();
    assert_eq!(answered.relay_state, None);
}

#[test]
fn a_login_posts_the_response_and_sets_the_session() {
    let state = testkit::state(Policy::Permissive);
    let outcome = log_in(&state, &form("alice"), Browser::default(), T0).unwrap();
    let Shown::Post {
        issued,
        relay_state,
        user,
    } = outcome.shown
    else {
        panic!("the login was not posted");
    };
    assert_eq!(issued.acs_url, ACS);
    assert_eq!(issued.request_id.as_deref(), Some(REQUEST_ID));
    assert_eq!(relay_state.as_deref(), Some("relay"));
    assert_eq!(user.as_deref(), Some("alice"));
    let session = outcome.set_session.unwrap();
    assert!(state.sessions.get(&session, T0).is_some());
    assert!(!outcome.spend_preselection);
}

#[test]
fn a_login_with_the_review_box_is_held() {
    let state = testkit::state(Policy::Permissive);
    let form = Form {
        review: true,
        ..form("bob")
    };
    let outcome = log_in(&state, &form, Browser::default(), T0).unwrap();
    let Shown::Review(held) = outcome.shown else {
        panic!("the login was not held for review");
    };
    assert_eq!(held.pending.acs_url, ACS);
    assert_eq!(held.pending.user, "bob");
    assert_eq!(held.pending.relay_state.as_deref(), Some("relay"));
    assert!(state.reviews.get(&held.token, T0).is_some());
    assert!(outcome.set_session.is_some());
}

#[test]
fn a_login_for_an_sp_is_idp_initiated_and_a_login_needs_a_user() {
    let state = testkit::state(Policy::Permissive);
    let form = Form {
        sp: Some(SP.into()),
        saml_request: None,
        ..form("alice")
    };
    let outcome = log_in(&state, &form, Browser::default(), T0).unwrap();
    let Shown::Post { issued, .. } = outcome.shown else {
        panic!("the login was not posted");
    };
    assert_eq!(issued.request_id, None);
    let form = Form { user: None, ..form };
    let Err(e) = log_in(&state, &form, Browser::default(), T0) else {
        panic!("a login without a user was answered");
    };
    assert_eq!(e.to_string(), "no user given; choose one of: alice, bob");
}

#[test]
fn the_api_answers_a_request_and_an_idp_initiated_call() {
    let state = testkit::state(Policy::Permissive);
    let answered = answer_call(&state, &form("alice"), T0).unwrap();
    assert_eq!(answered.issued.acs_url, ACS);
    assert_eq!(answered.relay_state.as_deref(), Some("relay"));
    assert_eq!(answered.request.unwrap().request().id, REQUEST_ID);
    let call = Form {
        sp: Some(SP.into()),
        saml_request: None,
        ..form("bob")
    };
    let answered = answer_idp_initiated_call(&state, &call, T0).unwrap();
    assert_eq!(answered.issued.acs_url, ACS);
    assert!(answered.request.is_none());
    assert_eq!(answered.issued.request_id, None);
}
