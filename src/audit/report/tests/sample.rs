//! Reports the renderer tests share: one with every outcome and verdict an audit can reach, and
//! one whose SP plants markup and control characters wherever it has a say.

use crate::audit::report::{
    Exchange, IdpFacts, Login, Outcome, Report, ScenarioResult, SpFacts, Summary,
};
use crate::audit::verdict::{Took, Verdict};
use crate::saml::scenario::Severity;

/// What an SP under attack may put in its page, a URL, a RelayState or the identity it shows.
pub const SCRIPT: &str = "<script>alert(1)</script>";
pub const IMG: &str = "\"><img src=x onerror=alert(2)>";

/// A catalogue-like result: `expected` is `accept`, `reject` or `policy`.
fn result(
    id: &'static str,
    family: &'static str,
    title: &'static str,
    expected: &'static str,
    outcome: Outcome,
) -> ScenarioResult {
    let severity = match family {
        "signature" | "wrapping" | "injection" | "encryption" => "critical",
        "addressing" | "replay" => "high",
        _ => "medium",
    };
    ScenarioResult {
        id,
        family,
        title,
        explanation: "What the scenario does, and what an SP that accepts it gives away.",
        rule: "SAML Core 2.0, section 5.4",
        expected,
        correct_sp: match expected {
            "accept" => Some("Logs the user in."),
            "reject" => Some("Refuses the response and logs nobody in."),
            _ => Some("May accept or refuse it, as its policy states."),
        },
        severity: (expected == "reject").then_some(severity),
        forged: (family == "wrapping").then_some("attacker"),
        outcome,
        seconds: 0.125,
    }
}

/// The exchanges of a login through an SP at `sp`.
pub fn login(sp: &str, body: &str, relay_state: &str) -> Login {
    Login {
        saml_request: Some(
            r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r1"><saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">https://sp.test</saml:Issuer></samlp:AuthnRequest>"#.into(),
        ),
        saml_response: Some(
            r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x"><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:Subject><saml:NameID>alice@example.com<!---->.evil.example</saml:NameID></saml:Subject></saml:Assertion></samlp:Response>"#.into(),
        ),
        relay_state: Some(relay_state.into()),
        exchanges: vec![
            Exchange {
                method: "GET",
                url: format!("{sp}/login"),
                form: vec![],
                status: Some(302),
                location: Some("https://idp.test/sso?SAMLRequest=abc".into()),
                set_cookies: vec!["session".into()],
                withheld_cookies: vec![],
                body: String::new(),
            },
            Exchange {
                method: "POST",
                url: format!("{sp}/acs"),
                form: vec![
                    ("SAMLResponse".into(), String::new()),
                    ("RelayState".into(), relay_state.into()),
                ],
                status: Some(302),
                location: Some(format!("{sp}/home")),
                set_cookies: vec!["auth".into(), "csrf".into()],
                withheld_cookies: vec![],
                body: body.into(),
            },
        ],
        check: Some(Exchange {
            method: "GET",
            url: format!("{sp}/me"),
            form: vec![],
            status: Some(200),
            location: None,
            set_cookies: vec![],
            withheld_cookies: vec![],
            body: body.into(),
        }),
    }
}

fn judged(
    verdict: Verdict,
    summary: &str,
    logged_in: bool,
    identity: Option<&str>,
    took: Took,
    login: Login,
) -> Outcome {
    Outcome::judged(
        verdict,
        summary.into(),
        logged_in,
        identity.map(Into::into),
        took,
        login,
    )
}

fn finding(severity: Severity) -> Verdict {
    Verdict::Finding { severity }
}

/// Every outcome and every verdict (findings of all three severities, a critical one after a
/// high one in catalogue order), every `Took` and every skip reason.
pub fn report() -> Report {
    let sp = "https://sp.test";
    let ok = || login(sp, "<p>Hello alice@example.com</p>", "/home");
    let refused = || login(sp, "<h1>Invalid response</h1>", "/home");
    let user = Some("alice@example.com");
    let results = vec![
        result(
            "valid",
            "valid",
            "Valid response",
            "accept",
            judged(Verdict::Passed, "logged in", true, user, Took::Signed, ok()),
        ),
        result(
            "expired-assertion",
            "time",
            "Assertion expired",
            "reject",
            judged(
                finding(Severity::Medium),
                "accepted: the user is logged in",
                true,
                user,
                Took::Signed,
                ok(),
            ),
        ),
        result(
            "wrong-recipient",
            "addressing",
            "Recipient of another SP",
            "reject",
            judged(
                finding(Severity::High),
                "accepted: the user is logged in",
                true,
                None,
                Took::Unseen,
                ok(),
            ),
        ),
        result(
            "sha1-signature",
            "signature",
            "Signed with RSA-SHA1",
            "policy",
            judged(
                Verdict::Policy { accepted: true },
                "accepted",
                true,
                user,
                Took::Signed,
                ok(),
            ),
        ),
        result(
            "unsolicited",
            "addressing",
            "Unsolicited response",
            "policy",
            judged(
                Verdict::Policy { accepted: false },
                "refused: 403",
                false,
                None,
                Took::Unseen,
                refused(),
            ),
        ),
        result(
            "xsw3",
            "wrapping",
            "Wrapped assertion before the signed one",
            "reject",
            judged(
                finding(Severity::Critical),
                "accepted and logged in the attacker",
                true,
                Some("admin@acme-support.example"),
                Took::Forged,
                ok(),
            ),
        ),
        result(
            "xsw1",
            "wrapping",
            "Wrapped response",
            "reject",
            judged(
                Verdict::Harmless,
                "accepted, but logged in the signed user",
                true,
                user,
                Took::Signed,
                ok(),
            ),
        ),
        result(
            "unsigned",
            "signature",
            "No signature",
            "reject",
            judged(
                finding(Severity::Critical),
                "accepted: someone is logged in",
                true,
                Some("bob@example.com"),
                Took::Other,
                ok(),
            ),
        ),
        result(
            "comment-in-nameid",
            "injection",
            "Comment inside the NameID",
            "reject",
            judged(
                Verdict::Passed,
                "refused: 403",
                false,
                None,
                Took::Unseen,
                refused(),
            ),
        ),
        result(
            "multi-valued-attributes",
            "compatibility",
            "Multi-valued attributes",
            "accept",
            judged(
                Verdict::Incompatible,
                "refused: 500",
                false,
                None,
                Took::Unseen,
                refused(),
            ),
        ),
        result(
            "replay",
            "replay",
            "The same response twice",
            "reject",
            Outcome::Error {
                error: "https://sp.test/acs: connection refused".into(),
                login: refused(),
            },
        ),
        result(
            "encrypted-aes-gcm",
            "encryption",
            "Assertion encrypted with AES-GCM",
            "accept",
            Outcome::Skipped {
                reason: crate::audit::plan::SkipReason::NoEncryptionCertificate.describe(),
            },
        ),
        result(
            "xsw2",
            "wrapping",
            "Wrapped assertion after the signed one",
            "reject",
            Outcome::Skipped {
                reason: crate::audit::plan::SkipReason::Excluded.describe(),
            },
        ),
        result(
            "not-before-future",
            "time",
            "NotBefore in the future",
            "reject",
            Outcome::Skipped {
                reason: crate::audit::plan::SkipReason::Excluded.describe(),
            },
        ),
        result(
            "logout-unsigned",
            "logout",
            "Unsigned LogoutRequest",
            "reject",
            Outcome::Skipped {
                reason: crate::audit::plan::SkipReason::NoLogoutUrl.describe(),
            },
        ),
    ];
    Report {
        tool: "mock-idp 0.1.0".into(),
        idp: IdpFacts {
            entity_id: "https://idp.test/metadata".into(),
            sso_url: "https://idp.test/sso".into(),
            certificate_sha1: "AB:CD:EF:01".into(),
            certificate_sha256: "01:23:45:67:89:AB".into(),
        },
        sp: SpFacts {
            start: "sp-initiated",
            login_url: Some(format!("{sp}/login")),
            entity_id: None,
            check: "GET https://sp.test/me answers 200 and matches `Hello (\\S+)`".into(),
        },
        user: "alice".into(),
        name_id: user.map(Into::into),
        warnings: vec!["the check reads no identity".into()],
        user_as_shown: user.map(Into::into),
        started: "2026-12-06T12:00:00+01:00".into(),
        seconds: 12.5,
        summary: Summary::of(&results),
        results,
    }
}

/// [`report`] against an SP that plants markup, quotes and control characters in everything
/// it controls: its URLs, its pages, the identity it shows, the RelayState it sends, the error
/// its connection gave.
pub fn hostile() -> Report {
    let evil = format!("{SCRIPT}{IMG}\u{1b}[31m\u{0}\u{7}&amp;]]>");
    let sp = format!("https://sp.test/{evil}");
    let mut r = report();
    r.sp.login_url = Some(format!("{sp}/login"));
    r.sp.check = format!("GET {sp}/me matches {evil}");
    r.user_as_shown = Some(evil.clone());
    for result in &mut r.results {
        match &mut result.outcome {
            Outcome::Judged {
                summary,
                identity,
                login: l,
                ..
            } => {
                *summary = format!("accepted {evil}");
                *identity = Some(evil.clone());
                *l = login(&sp, &evil, &evil);
                l.saml_response = Some(format!("<Response>{evil}</Response>"));
            }
            Outcome::Error { error, login: l } => {
                *error = evil.clone();
                *l = login(&sp, &evil, &evil);
            }
            Outcome::Skipped { .. } => {}
        }
    }
    r
}
