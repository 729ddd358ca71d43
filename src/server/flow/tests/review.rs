//! A held response posted back: unchanged as issued, edited as typed, edited and re-signed;
//! and only once.

use crate::saml::binding;
use crate::saml::sp::Policy;
use crate::server::flow::testkit::{self, ACS, SP, T0};
use crate::server::inspector::{Posted, Review};

use super::*;

fn decoded(posting: &Posting) -> String {
    binding::decode(&posting.saml_response).unwrap().xml
}

#[test]
fn an_unchanged_response_is_posted_as_issued_to_the_held_acs() {
    let state = testkit::state(Policy::Permissive);
    let issued = testkit::valid_login(&state);
    let held = hold(&state, &issued, Some("relay"), "alice", T0);
    assert_eq!(held.pending.acs_url, ACS);
    assert_eq!(held.pending.sp, SP);
    assert!(!held.unreadable);
    assert!(!held.signatures.is_empty());
    let posting = post(&state, &held.token, &held.pending.shown, Some("as-is"), T0).unwrap();
    assert_eq!(posting.acs_url, ACS);
    assert_eq!(posting.relay_state.as_deref(), Some("relay"));
    assert_eq!(posting.user, "alice");
    assert_eq!(posting.saml_response, issued.saml_response);
    let seq = held.pending.exchange.unwrap();
    assert!(matches!(
        state.inspector.get(seq).unwrap().review,
        Some(Review::Posted {
            how: Posted::Unchanged,
            ..
        })
    ));
    let Err(e) = post(&state, &held.token, &held.pending.shown, None, T0) else {
        panic!("a review was posted twice");
    };
    assert!(matches!(e, ReviewError::UnknownToken), "{e:?}");
}

#[test]
fn an_edit_is_posted_as_typed_or_resigned() {
    let state = testkit::state(Policy::Permissive);
    let issued = testkit::valid_login(&state);
    let edit = |shown: &str| shown.replace("Alice Martin", "Mallory Martin");

    let held = hold(&state, &issued, None, "alice", T0);
    let typed = post(&state, &held.token, &edit(&held.pending.shown), None, T0).unwrap();
    let typed = decoded(&typed);
    assert!(typed.contains("Mallory Martin"), "{typed}");

    // Each login is held once: the second is the same login again.
    let issued = testkit::valid_login(&state);
    let held = hold(&state, &issued, None, "alice", T0);
    // A browser sends the textarea's line ends as CRLF.
    let crlf = edit(&held.pending.shown).replace('\n', "\r\n");
    let resigned = post(&state, &held.token, &crlf, Some("resign"), T0).unwrap();
    let resigned = decoded(&resigned);
    assert!(resigned.contains("Mallory Martin"), "{resigned}");
    assert_ne!(resigned, typed, "re-signing changes the signature values");
    assert_ne!(resigned, issued.xml);
    let seq = held.pending.exchange.unwrap();
    assert!(matches!(
        state.inspector.get(seq).unwrap().review,
        Some(Review::Posted {
            how: Posted::Resigned,
            ..
        })
    ));
}

#[test]
fn a_review_expires_and_a_bad_action_or_empty_text_is_refused() {
    let state = testkit::state(Policy::Permissive);
    let issued = testkit::valid_login(&state);
    let held = hold(&state, &issued, None, "alice", T0);
    let e = post(&state, &held.token, "  ", None, T0).unwrap_err();
    assert!(matches!(e, ReviewError::Empty), "{e:?}");
    let e = post(&state, &held.token, &held.pending.shown, Some("burn"), T0).unwrap_err();
    assert!(
        matches!(e, ReviewError::BadAction(ref a) if a == "burn"),
        "{e:?}"
    );
    let e = post(&state, &held.token, &held.pending.shown, None, T0 + TTL).unwrap_err();
    assert!(matches!(e, ReviewError::UnknownToken), "{e:?}");
    assert_eq!(e.kind(), FaultKind::BadInput);
}
