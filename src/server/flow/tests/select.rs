//! A preselection as the `/select` cookie carries it, and its check against the users and the
//! catalogue.

use crate::saml::sp::Policy;
use crate::server::flow::testkit;

use super::*;

fn parse(cookie: &str) -> Preselection {
    serde_urlencoded::from_str(cookie).unwrap()
}

#[test]
fn the_cookie_value_parses_and_round_trips() {
    let p = parse("user=alice&scenario=expired&sticky=true");
    assert_eq!(
        p,
        Preselection {
            user: "alice".into(),
            scenario: Some("expired".into()),
            sticky: true,
        }
    );
    assert_eq!(parse(&serde_urlencoded::to_string(&p).unwrap()), p);
    let one_shot = parse("user=bob");
    assert_eq!(one_shot.scenario, None);
    assert!(
        !one_shot.sticky,
        "a preselection applies once unless sticky"
    );
    assert!(serde_urlencoded::from_str::<Preselection>("scenario=valid").is_err());
}

#[test]
fn a_known_user_and_scenario_pass_and_become_the_login_choices() {
    let state = testkit::state(Policy::Permissive);
    let p = validated(parse("user=alice&scenario=expired"), &state).unwrap();
    assert_eq!(choices(&p).scenario.as_deref(), Some("expired"));
    let p = validated(parse("user=bob"), &state).unwrap();
    assert_eq!(choices(&p).scenario, None);
}

#[test]
fn an_unknown_user_or_scenario_is_refused_naming_what_exists() {
    let state = testkit::state(Policy::Permissive);
    let e = validated(parse("user=mallory"), &state).unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown user \"mallory\"; choose one of: alice, bob"
    );
    let e = validated(parse("user=alice&scenario=nope"), &state).unwrap_err();
    assert!(e.to_string().contains("GET /api/scenarios"), "{e}");
}

#[test]
fn auto_login_is_checked_at_start_up() {
    let state = with_auto_login(testkit::state(Policy::Permissive), "bob", None).unwrap();
    let auto = state.auto_login.as_ref().unwrap();
    assert_eq!(auto.user, "bob");
    assert!(auto.sticky);
    assert!(with_auto_login(testkit::state(Policy::Permissive), "mallory", None).is_err());
}

#[test]
fn a_browser_cookie_wins_over_auto_login_unless_it_is_not_valid() {
    let state = with_auto_login(testkit::state(Policy::Permissive), "bob", None).unwrap();
    let (p, from_cookie) = for_browser(&state, Some("user=alice")).unwrap();
    assert_eq!((p.user.as_str(), from_cookie), ("alice", true));
    let (p, from_cookie) = for_browser(&state, Some("user=mallory")).unwrap();
    assert_eq!((p.user.as_str(), from_cookie), ("bob", false));
    let (p, from_cookie) = for_browser(&state, None).unwrap();
    assert_eq!((p.user.as_str(), from_cookie), ("bob", false));
    assert!(for_browser(&testkit::state(Policy::Permissive), Some("user=mallory")).is_none());
}

#[test]
fn a_select_query_names_a_user_and_is_sticky_unless_told_otherwise() {
    let state = testkit::state(Policy::Permissive);
    let p = chosen(&state, Some("alice".into()), Some("".into()), Some("1")).unwrap();
    assert_eq!(
        p,
        Preselection {
            user: "alice".into(),
            scenario: None,
            sticky: true,
        }
    );
    for off in [None, Some("0"), Some("false")] {
        assert!(
            !chosen(&state, Some("alice".into()), None, off)
                .unwrap()
                .sticky
        );
    }
    let err = chosen(&state, Some("".into()), None, None).unwrap_err();
    assert!(
        matches!(&err, LoginError::MissingUser(known) if known.contains("alice")),
        "{err}"
    );
    assert!(matches!(
        chosen(&state, Some("nobody".into()), None, None),
        Err(LoginError::UnknownUser(..))
    ));
}
