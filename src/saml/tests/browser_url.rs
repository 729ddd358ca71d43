//! The one URL check: what passes, what is refused and why, and the normalised form.

use super::*;

#[test]
fn absolute_http_urls_pass_as_written() {
    for url in [
        "https://sp.example/acs",
        "http://localhost:8000/saml/acs?x=%20y&b=1",
        "https://[::1]:8443/slo",
        "https://acme.zendesk.com",
    ] {
        assert_eq!(problem(url), None, "{url}");
    }
}

#[test]
fn what_a_browser_must_not_be_sent_to_is_refused_with_the_reason() {
    let long = format!("https://x.example/{}", "a".repeat(MAX_LEN));
    for (url, want) in [
        ("javascript:alert(document.domain)", UrlProblem::NotHttp),
        ("JavaScript:alert(1)", UrlProblem::NotHttp),
        (
            "data:text/html,<script>alert(1)</script>",
            UrlProblem::NotHttp,
        ),
        ("//evil.example/", UrlProblem::NotHttp),
        ("/relative", UrlProblem::NotHttp),
        ("", UrlProblem::NotHttp),
        ("https://", UrlProblem::NoHost),
        ("https:///path", UrlProblem::NoHost),
        (
            "https://sp.example/slo\r\nSet-Cookie: a=b",
            UrlProblem::Control,
        ),
        ("https://sp.example/slo\n", UrlProblem::Control),
        ("https://sp.example/\u{7f}", UrlProblem::Control),
        ("https://sp.example/\u{85}", UrlProblem::Control),
        ("https://sp.example/\t", UrlProblem::Control),
        ("https://sp .example/", UrlProblem::Space),
        ("https://sp.example/\u{a0}", UrlProblem::Space),
        ("https://sp.example/é", UrlProblem::NotAscii),
        (long.as_str(), UrlProblem::TooLong(long.len())),
    ] {
        assert_eq!(problem(url), Some(want), "{url:?}");
    }
    assert!(matches!(
        problem("https://[::1/"),
        Some(UrlProblem::Unparsable(_))
    ));
}

#[test]
fn a_decoded_value_is_checked_then_written_in_ascii() {
    assert_eq!(
        normalised("https://x.example/ü").as_deref(),
        Ok("https://x.example/%C3%BC")
    );
    assert_eq!(
        normalised("https://acme.zendesk.com").as_deref(),
        Ok("https://acme.zendesk.com/")
    );
    // The URL parser drops CR, LF and tabs; the check refuses them before it runs.
    assert_eq!(
        normalised("https://x.example/\r\n"),
        Err(UrlProblem::Control)
    );
    assert_eq!(normalised("javascript:alert(1)"), Err(UrlProblem::NotHttp));
}

#[test]
fn a_refused_url_is_shown_quoted_escaped_and_cut() {
    assert_eq!(shown("https://x/\n"), r#""https://x/\n""#);
    let long = "a".repeat(1000);
    let s = shown(&long);
    assert!(s.ends_with("\"..."), "{s}");
    assert!(s.len() < 210, "{s}");
}
