//! The plain logout without HTTP: a session started in the test, one fixed `now`.

use time::macros::datetime;
use time::OffsetDateTime;

use super::*;
use crate::saml::nameid::NameId;
use crate::saml::ns;
use crate::saml::sp::Policy;
use crate::server::flow::testkit::{self, SP};
use crate::server::sessions::Participation;

const NOW: OffsetDateTime = datetime!(2026-03-04 05:06:07 UTC);
const SESSION: &str = "_plain_session";

fn state_with_session() -> AppState {
    let state = testkit::state(Policy::Permissive);
    state
        .sessions
        .start(SESSION.into(), "alice", "_index".into(), NOW);
    state.sessions.joined(
        SESSION,
        Participation {
            sp_entity_id: SP.into(),
            name_id: NameId {
                format: ns::nameid::EMAIL.into(),
                value: "alice@example.com".into(),
                name_qualifier: None,
                sp_name_qualifier: None,
            },
            session_index: "_index".into(),
        },
    );
    state
}

fn returning(to: &str) -> Request {
    Request {
        return_to: Some(to.into()),
        ..Request::default()
    }
}

#[test]
fn the_session_ends_and_the_logged_out_page_names_who_and_what_was_not_told() {
    let state = state_with_session();
    let out = log_out(&state, Some(SESSION), Request::default(), NOW).unwrap();
    assert_eq!(out.user.as_deref(), Some("alice"));
    assert_eq!(out.not_told, [SP]);
    assert_eq!(out.return_to, None);
    assert!(out.end_session_cookie);
    assert!(
        state.sessions.get(SESSION, NOW).is_none(),
        "the session is over"
    );

    // Again, or without any cookie: nothing to end, still logged out.
    let again = log_out(&state, Some(SESSION), Request::default(), NOW).unwrap();
    assert_eq!((again.user, again.end_session_cookie), (None, true));
    let none = log_out(&state, None, Request::default(), NOW).unwrap();
    assert_eq!((none.user, none.end_session_cookie), (None, false));
}

#[test]
fn a_valid_return_address_is_where_the_browser_goes() {
    let state = state_with_session();
    let to = "https://acme.zendesk.com/hc/en-us?brand=1&x=%20y";
    let out = log_out(&state, Some(SESSION), returning(to), NOW).unwrap();
    assert_eq!(out.return_to.as_deref(), Some(to));
    assert!(state.sessions.get(SESSION, NOW).is_none());
    // A host without a path gets the URL parser's "/"; non-ASCII is percent-encoded.
    let out = log_out(&state, None, returning("https://acme.zendesk.com"), NOW).unwrap();
    assert_eq!(out.return_to.as_deref(), Some("https://acme.zendesk.com/"));
    let out = log_out(&state, None, returning("https://x.example/ü"), NOW).unwrap();
    assert_eq!(out.return_to.as_deref(), Some("https://x.example/%C3%BC"));
    // An empty return_to is none.
    let out = log_out(&state, None, returning(""), NOW).unwrap();
    assert_eq!(out.return_to, None);
}

#[test]
fn a_bad_return_address_is_refused_and_nothing_is_logged_out() {
    let state = state_with_session();
    let long = format!("https://x.example/{}", "a".repeat(browser_url::MAX_LEN));
    for (to, why) in [
        ("javascript:alert(1)", "is not an absolute http(s) URL"),
        ("JavaScript:alert(1)", "is not an absolute http(s) URL"),
        ("data:text/html,hi", "is not an absolute http(s) URL"),
        ("//evil.example/", "is not an absolute http(s) URL"),
        ("/relative", "is not an absolute http(s) URL"),
        ("https://", "it has no host"),
        ("https:///path", "it has no host"),
        ("https://x.example/\r\nSet-Cookie: a=b", "control character"),
        ("https://x.example/\u{7f}", "control character"),
        ("https://x .example/", "contains a space"),
        ("https://[::1/", "is not a URL"),
        (long.as_str(), "at most 2048 are followed"),
    ] {
        let err = log_out(&state, Some(SESSION), returning(to), NOW).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(why), "{to:?}: {text}");
        assert!(text.ends_with("nothing was logged out"), "{text}");
        assert_eq!(err.kind(), FaultKind::BadInput);
        assert!(state.sessions.get(SESSION, NOW).is_some(), "{to:?}");
    }
    // The message quotes what was refused, escaped and cut short.
    let err = log_out(&state, None, returning(&long), NOW).unwrap_err();
    assert!(err.to_string().contains("\"https://x.example/aaa"));
    assert!(err.to_string().len() < 400, "{err}");
    let err = log_out(&state, None, returning("https://x/\n"), NOW).unwrap_err();
    assert!(err.to_string().contains(r#""https://x/\n""#), "{err}");
}

#[test]
fn what_zendesk_appends_is_shown_and_its_error_kept() {
    let state = state_with_session();
    let request = Request {
        kind: Some("error".into()),
        message: Some("Please use one of the options below to sign in".into()),
        email: Some("alice@example.com".into()),
        external_id: Some("alice".into()),
        brand_id: Some("360001".into()),
        return_to: None,
    };
    let out = log_out(&state, Some(SESSION), request, NOW).unwrap();
    assert_eq!(
        out.product_error.as_deref(),
        Some("Please use one of the options below to sign in")
    );
    assert_eq!(out.named_user.as_deref(), Some("alice@example.com"));
    let plain = Request {
        kind: Some("info".into()),
        external_id: Some("alice".into()),
        ..Request::default()
    };
    let out = log_out(&state, None, plain, NOW).unwrap();
    assert_eq!(out.product_error, None);
    assert_eq!(out.named_user.as_deref(), Some("alice"));
}
