//! `GET /logout`, the plain logout for products whose remote logout URL is a browser redirect:
//! the session cookie's session ends (the next login shows the picker, not "Continue as"), and
//! the return address is followed when it is an absolute http(s) URL, refused with a 400 when not.

use crate::support::{hidden, AuthnRequest, Server};

/// A browser: cookies kept, redirects not followed.
fn browser() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn picker(s: &Server, b: &reqwest::blocking::Client, id: &str) -> String {
    b.get(s.url("/sso"))
        .query(&[("SAMLRequest", AuthnRequest::new(id).redirect_param())])
        .send()
        .unwrap()
        .text()
        .unwrap()
}

/// Logs `user` in through the picker, which starts the browser's IdP session.
fn log_in(s: &Server, b: &reqwest::blocking::Client, user: &str) {
    let html = picker(s, b, "_login");
    let form = [
        ("SAMLRequest", hidden(&html, "SAMLRequest").unwrap()),
        ("user", user.to_owned()),
    ];
    let posted = b.post(s.url("/sso/login")).form(&form).send().unwrap();
    assert_eq!(posted.status(), 200);
    assert!(picker(s, b, "_again").contains("Continue as Alice Martin"));
}

#[test]
fn the_plain_logout_ends_the_session_and_shows_the_logged_out_page() {
    let s = Server::start();
    let b = browser();
    log_in(&s, &b, "alice");
    let page = b.get(s.url("/logout")).send().unwrap();
    assert_eq!(page.status(), 200);
    let cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("mock_idp_session="))
        .expect("the session cookie is removed");
    assert!(cookie.contains("Max-Age=0"), "{cookie}");
    let html = page.text().unwrap();
    assert!(
        html.contains("alice is logged out of the identity provider"),
        "{html}"
    );
    assert!(
        html.contains("https://sp.test/metadata"),
        "the SP not told: {html}"
    );
    let next = picker(&s, &b, "_next");
    assert!(!next.contains("Continue as"), "the picker again: {next}");
}

#[test]
fn the_return_address_is_followed_and_what_zendesk_appends_is_shown() {
    let s = Server::start();
    let b = browser();
    log_in(&s, &b, "alice");
    let back = "https://acme.zendesk.com/hc/en-us?return=1";
    let r = b
        .get(s.url("/logout"))
        .query(&[
            ("email", "alice@example.com"),
            ("external_id", "alice"),
            ("brand_id", "360001"),
            ("return_to", back),
        ])
        .send()
        .unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], back);
    assert!(!picker(&s, &b, "_next").contains("Continue as"));

    // With kind=error the page shows Zendesk's message, escaped, and links back.
    let r = b
        .get(s.url("/logout"))
        .query(&[
            ("kind", "error"),
            ("message", "<script>alert(1)</script> not allowed"),
            ("return_to", back),
        ])
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().unwrap();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; not allowed"),
        "{html}"
    );
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(
        html.contains("href=\"https://acme.zendesk.com/hc/en-us?return&#x3D;1\""),
        "{html}"
    );
}

#[test]
fn a_bad_return_address_is_a_400_that_says_why_and_logs_nobody_out() {
    let s = Server::start();
    let b = browser();
    log_in(&s, &b, "alice");
    for (to, why) in [
        (
            "javascript:alert(document.cookie)",
            "is not an absolute http(s) URL",
        ),
        ("//evil.example/", "is not an absolute http(s) URL"),
        (
            "https://x.example/\r\nSet-Cookie: a=b",
            "contains a control character",
        ),
    ] {
        let r = b
            .get(s.url("/logout"))
            .query(&[("return_to", to)])
            .send()
            .unwrap();
        assert_eq!(r.status(), 400, "{to:?}");
        assert!(r.headers().get("location").is_none());
        let html = r.text().unwrap();
        assert!(html.contains("Return address refused"), "{html}");
        assert!(html.contains(why), "{to:?}: {html}");
        assert!(html.contains("nothing was logged out"), "{html}");
    }
    let long = format!("https://x.example/{}", "a".repeat(2100));
    let r = b
        .get(s.url("/logout"))
        .query(&[("return_to", long.as_str())])
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().unwrap().contains("at most 2048 are followed"));
    assert!(
        picker(&s, &b, "_still").contains("Continue as Alice Martin"),
        "the session survives a refused logout"
    );
}
