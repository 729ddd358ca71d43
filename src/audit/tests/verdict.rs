//! Verdicts: each expectation against acceptance and refusal, and the identity deciding between
//! a harmless acceptance and the worst finding.

use super::*;
use crate::saml::scenario::find;

const USER: &str = "jane@example.com";

fn seen(logged_in: bool, identity: Option<&str>) -> Observed {
    Observed {
        logged_in,
        identity: identity.map(str::to_owned),
        named: true,
    }
}

fn shown(user: Option<&str>) -> Identities {
    Identities {
        user: user.map(str::to_owned),
    }
}

fn verdict(id: &str, observed: Observed, identities: Identities) -> (Verdict, Took) {
    judge(find(id).unwrap(), &observed, &identities)
}

#[test]
fn doing_what_a_correct_sp_does_passes() {
    assert_eq!(
        verdict("valid", seen(true, Some(USER)), shown(Some(USER))),
        (Verdict::Passed, Took::Signed)
    );
    assert_eq!(
        verdict("expired", seen(false, None), shown(Some(USER))),
        (Verdict::Passed, Took::Unseen)
    );
    assert_eq!(
        verdict("xsw1", seen(false, None), shown(None)).0,
        Verdict::Passed
    );
}

#[test]
fn an_accepted_reject_scenario_is_a_finding_of_its_severity() {
    assert_eq!(
        verdict("expired", seen(true, Some(USER)), shown(Some(USER))),
        (
            Verdict::Finding {
                severity: Severity::Medium
            },
            Took::Signed
        )
    );
    assert_eq!(
        verdict("wrong-audience", seen(true, None), shown(None)),
        (
            Verdict::Finding {
                severity: Severity::High
            },
            Took::Unseen
        )
    );
    // Without an identity to see, an accepted wrapping is taken at its word: critical.
    assert_eq!(
        verdict("xsw3", seen(true, None), shown(None)).0,
        Verdict::Finding {
            severity: Severity::Critical
        }
    );
}

#[test]
fn a_wrapped_response_logging_in_the_signed_user_is_harmless_and_the_attacker_critical() {
    assert_eq!(
        verdict("xsw3", seen(true, Some(USER)), shown(Some(USER))),
        (Verdict::Harmless, Took::Signed)
    );
    assert_eq!(
        verdict(
            "xsw3",
            seen(true, Some(ATTACKER_SUBJECT)),
            shown(Some(USER))
        ),
        (
            Verdict::Finding {
                severity: Severity::Critical
            },
            Took::Forged
        )
    );
    assert_eq!(
        verdict(
            "tampered-nameid",
            seen(true, Some("bob")),
            shown(Some(USER))
        ),
        (
            Verdict::Finding {
                severity: Severity::Critical
            },
            Took::Other
        ),
        "someone else entirely: still accepted against the verdict"
    );
}

#[test]
fn a_truncated_nameid_is_the_victim_and_the_whole_one_the_sps_policy() {
    let whole = format!("{USER}{TRUNCATED_SUFFIX}");
    assert_eq!(
        verdict("nameid-comment", seen(true, Some(USER)), shown(Some(USER))),
        (
            Verdict::Finding {
                severity: Severity::Critical
            },
            Took::Forged
        )
    );
    assert_eq!(
        verdict(
            "nameid-comment",
            seen(true, Some(&whole)),
            shown(Some(USER))
        ),
        (Verdict::Policy { accepted: true }, Took::Signed)
    );
    assert_eq!(
        verdict("nameid-comment", seen(false, None), shown(Some(USER))),
        (Verdict::Policy { accepted: false }, Took::Unseen)
    );
    // nameid-processing-instruction must be refused, but taking the whole (signed) name lets
    // nobody in as someone else: harmless.
    assert_eq!(
        verdict(
            "nameid-processing-instruction",
            seen(true, Some(&whole)),
            shown(Some(USER))
        )
        .0,
        Verdict::Harmless
    );
}

#[test]
fn a_refused_probe_is_incompatible_and_a_policy_reports_the_choice() {
    assert_eq!(
        verdict("valid", seen(false, None), shown(None)).0,
        Verdict::Incompatible
    );
    assert_eq!(
        verdict("sha1", seen(true, Some(USER)), shown(Some(USER))).0,
        Verdict::Policy { accepted: true }
    );
    assert_eq!(
        verdict("unsolicited", seen(false, None), shown(Some(USER))).0,
        Verdict::Policy { accepted: false }
    );
}

#[test]
fn identities_compare_without_case_or_surrounding_blanks() {
    assert_eq!(
        verdict(
            "valid",
            seen(true, Some(" Jane@Example.com ")),
            shown(Some(USER))
        )
        .1,
        Took::Signed
    );
}

#[test]
fn a_logout_the_sp_should_refuse_is_a_finding_when_the_session_ends() {
    let unsigned = crate::saml::scenario::logout::find("slo-unsigned").unwrap();
    assert_eq!(
        judge_logout(unsigned, true),
        Verdict::Finding {
            severity: Severity::Medium
        }
    );
    assert_eq!(judge_logout(unsigned, false), Verdict::Passed);
}

#[test]
fn someone_else_logged_in_from_a_response_that_names_the_user_is_a_finding() {
    assert_eq!(
        verdict(
            "nameid-cdata",
            seen(true, Some("bob@example.com")),
            shown(Some(USER))
        ),
        (
            Verdict::Finding {
                severity: Severity::High
            },
            Took::Other
        )
    );
    assert_eq!(
        verdict("nameid-cdata", seen(true, Some(USER)), shown(Some(USER))).0,
        Verdict::Policy { accepted: true }
    );
    // A response without a NameID names nobody: what the SP shows is its own affair.
    let nobody = Observed {
        logged_in: true,
        identity: Some("(none)".into()),
        named: false,
    };
    assert_eq!(
        judge(find("missing-nameid").unwrap(), &nobody, &shown(Some(USER))).0,
        Verdict::Policy { accepted: true }
    );
}
