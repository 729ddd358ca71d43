//! The check: what it needs, what counts as logged in, and the identity it reads.

use super::*;

fn page(status: u16, body: &str) -> Page {
    Page {
        url: Url::parse("http://sp.test/").unwrap(),
        status,
        location: None,
        body: body.to_owned(),
    }
}

fn check(status: Option<&str>, body: Option<&str>, cookie: Option<&str>) -> Check {
    Check::new(None, status, body, cookie).unwrap()
}

#[test]
fn a_check_needs_a_criterion_and_says_what_is_wrong_with_one() {
    assert_eq!(
        Check::new(Some("http://sp.test/me"), None, Some("  "), None).unwrap_err(),
        CheckError::Empty
    );
    assert!(matches!(
        Check::new(None, None, Some("Logged in as (["), None).unwrap_err(),
        CheckError::Body { .. }
    ));
    assert_eq!(
        Check::new(None, Some("ok"), None, None).unwrap_err(),
        CheckError::Status("ok".into())
    );
    assert_eq!(
        Check::new(Some("/me"), Some("200"), None, None).unwrap_err(),
        CheckError::Url("/me".into())
    );
    assert_eq!(
        StatusRule::parse("200, 204").unwrap(),
        StatusRule::Codes(vec![200, 204])
    );
    assert_eq!(StatusRule::parse("2XX").unwrap(), StatusRule::Success);
}

#[test]
fn status_body_and_cookie_must_all_hold() {
    let c = check(None, Some("Logged in"), Some("session"));
    let yes = |_: &str| true;
    let no = |_: &str| false;
    assert!(c.judge(&page(200, "<p>Logged in</p>"), yes).logged_in);
    let seen = c.judge(&page(403, "Logged in"), yes);
    assert!(!seen.logged_in);
    assert_eq!(
        seen.failed.as_deref(),
        Some("answered 403 where the check wants 2xx")
    );
    assert!(
        !c.judge(&page(200, "Not logged in"), yes).logged_in,
        "case matters"
    );
    assert_eq!(
        c.judge(&page(200, "Welcome"), yes).failed.as_deref(),
        Some("the body does not match /Logged in/")
    );
    assert_eq!(
        c.judge(&page(200, "Logged in"), no).failed.as_deref(),
        Some("the SP has not set the cookie session")
    );
    assert!(
        check(Some("302"), None, None)
            .judge(&page(302, ""), no)
            .logged_in
    );
}

#[test]
fn the_identity_comes_from_the_named_group_or_the_first_decoded() {
    let first = check(None, Some(r#"id="session">Logged in as ([^<]*)<"#), None);
    assert!(first.reads_identity());
    let seen = first.judge(
        &page(
            200,
            r#"<p id="session">Logged in as  o&#x27;hara&amp;co@example.com </p>"#,
        ),
        |_| true,
    );
    assert_eq!(seen.identity.as_deref(), Some("o'hara&co@example.com"));
    let named = check(None, Some(r"(Hello|Hi) (?P<identity>\S+)"), None);
    assert_eq!(
        named
            .judge(&page(200, "Hi bob@x"), |_| true)
            .identity
            .as_deref(),
        Some("bob@x")
    );
    let long = format!("Logged in as {}é<", "x".repeat(300));
    let seen = first_long(&long);
    assert_eq!(seen.chars().count(), 257, "256 characters and an ellipsis");
    assert!(seen.ends_with('…'));
    let none = check(None, Some("Logged in"), None);
    assert!(!none.reads_identity());
    assert_eq!(none.judge(&page(200, "Logged in"), |_| true).identity, None);
}

#[test]
fn the_description_says_what_is_checked() {
    let c = Check::new(
        Some("http://sp.test/me"),
        Some("200"),
        Some("Logged in as (.+)"),
        Some("sid"),
    )
    .unwrap();
    assert_eq!(
        c.describe(),
        "GET http://sp.test/me answers 200, its body matches /Logged in as (.+)/, the SP has set the cookie sid"
    );
}

fn first_long(body: &str) -> String {
    check(None, Some("Logged in as ([^<]*)<"), None)
        .judge(&page(200, body), |_| true)
        .identity
        .unwrap()
}
