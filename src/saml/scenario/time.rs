//! Time and validity: windows that have closed, have not opened yet, or open just ahead of the
//! SP's clock (saml-core 2.5.1.2, saml-profiles 4.1.4.2).

use ::time::Duration;

use super::{Expected, Family, Scenario, ShapeContext};
use crate::saml::response::ResponseSpec;

pub const ALL: &[Scenario] = &[
    Scenario {
        shape: Some(expired),
        ..Scenario::new(
            "expired",
            Family::Time,
            "Expired assertion",
            "Conditions NotOnOrAfter and the bearer confirmation's NotOnOrAfter are 10 minutes in the past; everything else is current and the signatures are valid.",
            "saml-core 2.5.1.2 (NotOnOrAfter); saml-profiles 4.1.4.2",
            Expected::Reject("the assertion has expired"),
        )
    },
    Scenario {
        shape: Some(not_yet_valid),
        ..Scenario::new(
            "not-yet-valid",
            Family::Time,
            "Not yet valid",
            "Conditions NotBefore is 10 minutes in the future, far beyond any clock-skew allowance.",
            "saml-core 2.5.1.2 (NotBefore)",
            Expected::Reject("the assertion is not yet valid"),
        )
    },
    Scenario {
        shape: Some(skew_ahead_30s),
        ..Scenario::new(
            "skew-ahead-30s",
            Family::Time,
            "NotBefore 30 seconds ahead",
            "Conditions NotBefore is 30 seconds in the future, as if the IdP's clock ran fast. Measures the SP's clock-skew tolerance.",
            "saml-core 2.5.1.2; SP clock-skew allowance (node-saml acceptedClockSkewMs, python3-saml ALLOWED_CLOCK_DRIFT)",
            Expected::Policy("accepted if the SP allows at least 30 s of clock skew, rejected otherwise"),
        )
    },
    Scenario {
        shape: Some(skew_ahead_5m),
        ..Scenario::new(
            "skew-ahead-5m",
            Family::Time,
            "NotBefore 5 minutes ahead",
            "Conditions NotBefore is 5 minutes and 10 seconds in the future: beyond the usual 5-minute allowances (python3-saml allows 300 s).",
            "saml-core 2.5.1.2; SP clock-skew allowance",
            Expected::Policy("rejected unless the SP allows more than 5 minutes of clock skew"),
        )
    },
    Scenario {
        shape: Some(scd_expired),
        ..Scenario::new(
            "scd-expired",
            Family::Time,
            "Subject confirmation expired",
            "Only the bearer SubjectConfirmationData NotOnOrAfter is in the past; the Conditions window is valid. A distinct check SPs must make.",
            "saml-profiles 4.1.4.2 (bearer confirmation NotOnOrAfter); saml-core 2.4.1.2",
            Expected::Reject("the subject confirmation has expired"),
        )
    },
    Scenario {
        shape: Some(scd_not_before),
        ..Scenario::new(
            "scd-not-before",
            Family::Time,
            "NotBefore on the bearer confirmation",
            "The bearer SubjectConfirmationData carries a NotBefore (set to the current time), which the Web SSO profile forbids.",
            "saml-profiles 4.1.4.2: bearer SubjectConfirmationData MUST NOT contain NotBefore",
            Expected::Policy("strict SPs reject it as non-conformant; lenient ones ignore it (a compliance signal, not a security one)"),
        )
    },
    Scenario {
        shape: Some(stale_issue_instant),
        ..Scenario::new(
            "stale-issue-instant",
            Family::Time,
            "Issued hours ago",
            "IssueInstant of the Response and the Assertion, and AuthnInstant, are 3 hours old while every validity window is current.",
            "saml-core 3.2.2 (IssueInstant); SP maximum assertion age (node-saml maxAssertionAgeMs)",
            Expected::Policy("rejected by SPs that enforce a maximum assertion or authentication age, accepted by others"),
        )
    },
];

fn expired(spec: &mut ResponseSpec, ctx: &ShapeContext<'_>) {
    let past = ctx.now - Duration::minutes(10);
    if let Some(a) = &mut spec.assertion {
        if let Some(c) = &mut a.conditions {
            c.not_before = past - Duration::minutes(5);
            c.not_on_or_after = past;
        }
        if let Some(c) = &mut a.confirmation {
            c.not_on_or_after = past;
        }
    }
}

fn not_yet_valid(spec: &mut ResponseSpec, ctx: &ShapeContext<'_>) {
    set_not_before(spec, ctx, Duration::minutes(10));
}

fn skew_ahead_30s(spec: &mut ResponseSpec, ctx: &ShapeContext<'_>) {
    set_not_before(spec, ctx, Duration::seconds(30));
}

fn skew_ahead_5m(spec: &mut ResponseSpec, ctx: &ShapeContext<'_>) {
    set_not_before(spec, ctx, Duration::seconds(310));
}

/// NotBefore at `now + ahead`, NotOnOrAfter 5 minutes after it.
fn set_not_before(spec: &mut ResponseSpec, ctx: &ShapeContext<'_>, ahead: Duration) {
    if let Some(c) = spec.assertion.as_mut().and_then(|a| a.conditions.as_mut()) {
        c.not_before = ctx.now + ahead;
        c.not_on_or_after = c.not_before + Duration::minutes(5);
    }
}

fn scd_expired(spec: &mut ResponseSpec, ctx: &ShapeContext<'_>) {
    if let Some(c) = spec
        .assertion
        .as_mut()
        .and_then(|a| a.confirmation.as_mut())
    {
        c.not_on_or_after = ctx.now - Duration::minutes(10);
    }
}

fn scd_not_before(spec: &mut ResponseSpec, ctx: &ShapeContext<'_>) {
    if let Some(c) = spec
        .assertion
        .as_mut()
        .and_then(|a| a.confirmation.as_mut())
    {
        c.not_before = Some(ctx.now);
    }
}

fn stale_issue_instant(spec: &mut ResponseSpec, ctx: &ShapeContext<'_>) {
    let stale = ctx.now - Duration::hours(3);
    spec.issue_instant = stale;
    if let Some(a) = &mut spec.assertion {
        a.issue_instant = stale;
        if let Some(s) = &mut a.authn {
            s.instant = stale;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{find, testkit, VALID};
    use crate::saml::ns;

    /// The scenario's response differs from the valid one only in time attributes, and both
    /// signatures still verify.
    fn only_times_change(id: &str) -> (String, String) {
        let valid = testkit::run(&VALID).xml;
        let broken = testkit::run(find(id).unwrap()).xml;
        let doc = testkit::doc(&broken);
        testkit::verify(&doc, doc.attribute("ID").unwrap()).unwrap();
        let a = doc.first(ns::ASSERTION, "Assertion").unwrap();
        testkit::verify(&doc, a.attribute("ID").unwrap()).unwrap();
        (valid, broken)
    }

    fn attr<'a>(xml: &'a str, element: &str, name: &str) -> Option<&'a str> {
        let start = xml.find(&format!("<saml:{element} "))?;
        let tag = &xml[start..start + xml[start..].find('>')?];
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(&tag[at..at + tag[at..].find('"')?])
    }

    #[test]
    fn expired_moves_both_not_on_or_after_into_the_past() {
        let (valid, broken) = only_times_change("expired");
        assert_eq!(
            attr(&broken, "Conditions", "NotOnOrAfter"),
            Some("2026-01-02T02:54:05Z")
        );
        assert_eq!(
            attr(&broken, "SubjectConfirmationData", "NotOnOrAfter"),
            Some("2026-01-02T02:54:05Z")
        );
        assert_eq!(
            attr(&valid, "Conditions", "NotOnOrAfter"),
            Some("2026-01-02T03:09:05Z")
        );
    }

    #[test]
    fn not_yet_valid_and_skews_move_not_before_ahead_of_now() {
        for (id, not_before) in [
            ("not-yet-valid", "2026-01-02T03:14:05Z"),
            ("skew-ahead-30s", "2026-01-02T03:04:35Z"),
            ("skew-ahead-5m", "2026-01-02T03:09:15Z"),
        ] {
            let (_, broken) = only_times_change(id);
            assert_eq!(
                attr(&broken, "Conditions", "NotBefore"),
                Some(not_before),
                "{id}"
            );
            assert_eq!(
                attr(&broken, "SubjectConfirmationData", "NotOnOrAfter"),
                Some("2026-01-02T03:09:05Z"),
                "{id}"
            );
        }
    }

    #[test]
    fn scd_expired_touches_only_the_confirmation() {
        let (valid, broken) = only_times_change("scd-expired");
        assert_eq!(
            attr(&broken, "SubjectConfirmationData", "NotOnOrAfter"),
            Some("2026-01-02T02:54:05Z")
        );
        assert_eq!(
            attr(&broken, "Conditions", "NotOnOrAfter"),
            attr(&valid, "Conditions", "NotOnOrAfter")
        );
    }

    #[test]
    fn scd_not_before_adds_the_forbidden_attribute() {
        let (valid, broken) = only_times_change("scd-not-before");
        assert_eq!(attr(&valid, "SubjectConfirmationData", "NotBefore"), None);
        assert_eq!(
            attr(&broken, "SubjectConfirmationData", "NotBefore"),
            Some("2026-01-02T03:04:05Z")
        );
    }

    #[test]
    fn stale_issue_instant_ages_every_instant_but_no_window() {
        let (valid, broken) = only_times_change("stale-issue-instant");
        assert_eq!(
            attr(&broken, "Assertion", "IssueInstant"),
            Some("2026-01-02T00:04:05Z")
        );
        assert_eq!(
            attr(&broken, "AuthnStatement", "AuthnInstant"),
            Some("2026-01-02T00:04:05Z")
        );
        assert!(
            broken.contains(r#"IssueInstant="2026-01-02T00:04:05Z" Version="2.0"><saml:Issuer"#)
        );
        assert_eq!(
            attr(&broken, "Conditions", "NotOnOrAfter"),
            attr(&valid, "Conditions", "NotOnOrAfter")
        );
    }
}
