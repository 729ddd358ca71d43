//! The IdP session: one-click continue, ForceAuthn, IsPassive.

use crate::support::{decode_response, form_action, hidden, AuthnRequest, Server};

fn browser() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap()
}

/// Walks the picker as `user` and returns the posted Response XML.
fn login(s: &Server, b: &reqwest::blocking::Client, req: &AuthnRequest, user: &str) -> String {
    let html = b
        .get(s.url("/sso"))
        .query(&[("SAMLRequest", req.redirect_param())])
        .send()
        .unwrap()
        .text()
        .unwrap();
    let form = [
        ("SAMLRequest", hidden(&html, "SAMLRequest").unwrap()),
        ("user", user.to_owned()),
    ];
    let post = b
        .post(s.url("/sso/login"))
        .form(&form)
        .send()
        .unwrap()
        .text()
        .unwrap();
    decode_response(&hidden(&post, "SAMLResponse").unwrap())
}

fn attr<'a>(xml: &'a str, name: &str) -> &'a str {
    let at = xml.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
    &xml[at..at + xml[at..].find('"').unwrap()]
}

#[test]
fn a_second_login_continues_the_session_with_one_click() {
    let s = Server::start();
    let b = browser();
    let first = login(&s, &b, &AuthnRequest::new("_a1"), "alice");
    let mut other_sp = AuthnRequest::new("_b1");
    other_sp.issuer = "https://other.test/metadata".into();
    let picker = b
        .get(s.url("/sso"))
        .query(&[("SAMLRequest", other_sp.redirect_param())])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(picker.contains("Continue as Alice Martin"), "{picker}");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = login(&s, &b, &other_sp, "alice");
    assert_eq!(attr(&first, "SessionIndex"), attr(&second, "SessionIndex"));
    assert_eq!(attr(&first, "AuthnInstant"), attr(&second, "AuthnInstant"));
    // Another user starts a new session.
    let third = login(&s, &b, &other_sp, "bruno");
    assert_ne!(attr(&first, "SessionIndex"), attr(&third, "SessionIndex"));
}

#[test]
fn force_authn_shows_the_picker_without_continue_and_authenticates_anew() {
    let s = Server::start();
    let b = browser();
    let first = login(&s, &b, &AuthnRequest::new("_f1"), "alice");
    let mut forced = AuthnRequest::new("_f2");
    forced.extra_attrs = r#"ForceAuthn="true""#.into();
    let picker = b
        .get(s.url("/sso"))
        .query(&[("SAMLRequest", forced.redirect_param())])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(!picker.contains("Continue as"));
    assert!(picker.contains("ForceAuthn"));
    let second = login(&s, &b, &forced, "alice");
    assert_ne!(attr(&first, "SessionIndex"), attr(&second, "SessionIndex"));
}

#[test]
fn is_passive_answers_from_the_session_or_with_no_passive_never_a_picker() {
    let s = Server::start();
    let b = browser();
    let mut passive = AuthnRequest::new("_p1");
    passive.extra_attrs = r#"IsPassive="true""#.into();
    let html = b
        .get(s.url("/sso"))
        .query(&[("SAMLRequest", passive.redirect_param())])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(
        form_action(&html).as_deref(),
        Some("https://sp.test/acs"),
        "no picker"
    );
    let xml = decode_response(&hidden(&html, "SAMLResponse").unwrap());
    assert!(xml.contains("urn:oasis:names:tc:SAML:2.0:status:NoPassive"));
    assert!(!xml.contains("Assertion"));

    login(&s, &b, &AuthnRequest::new("_p2"), "zoe");
    let html = b
        .get(s.url("/sso"))
        .query(&[("SAMLRequest", passive.redirect_param())])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(form_action(&html).as_deref(), Some("https://sp.test/acs"));
    let xml = decode_response(&hidden(&html, "SAMLResponse").unwrap());
    assert!(xml.contains("urn:oasis:names:tc:SAML:2.0:status:Success"));
    assert!(xml.contains("zoe."));
}
