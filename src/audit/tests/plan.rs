//! The audit's plan: `valid` first, the selection, replays after their own login, and what an
//! SP without an encryption certificate or a logout URL cannot be audited for.

use super::*;
use crate::saml::scenario::{catalogue, Family};

const FULL: Capabilities = Capabilities {
    encryption_certificate: true,
    logout_url: true,
    check_url: true,
};

fn select(only: &[&str], skip: &[&str]) -> Selection {
    Selection {
        only: only.iter().map(|s| s.to_string()).collect(),
        skip: skip.iter().map(|s| s.to_string()).collect(),
    }
}

fn ids(steps: &[Step]) -> Vec<&'static str> {
    steps.iter().map(Step::id).collect()
}

#[test]
fn by_default_every_scenario_runs_valid_first_then_the_catalogue_then_logout() {
    let steps = plan(&Selection::default(), FULL).unwrap();
    let expected: Vec<&str> = catalogue()
        .map(|s| s.id)
        .chain(logout_catalogue::ALL.iter().map(|s| s.id))
        .collect();
    assert_eq!(ids(&steps), expected);
    assert_eq!(
        steps[0],
        Step::Login {
            scenario: &VALID,
            after: None
        }
    );
    // Only the scenarios that break nothing but a LogoutResponse are left out.
    let skipped: Vec<_> = steps
        .iter()
        .filter_map(|s| match s {
            Step::Skipped { id, reason } => Some((*id, *reason)),
            _ => None,
        })
        .collect();
    assert_eq!(
        skipped,
        [
            ("slo-status-failure", SkipReason::ResponseOnly),
            ("slo-wrong-in-response-to", SkipReason::ResponseOnly)
        ]
    );
    let logouts = steps
        .iter()
        .filter(|s| matches!(s, Step::Logout { .. }))
        .count();
    assert_eq!(logouts, logout_catalogue::ALL.len() - skipped.len());
}

#[test]
fn a_replay_follows_a_valid_login_of_its_own() {
    let steps = plan(&select(&["replay"], &[]), FULL).unwrap();
    assert_eq!(ids(&steps), ["valid", "replay", "reused-request-id"]);
    for step in &steps[1..] {
        assert!(
            matches!(step, Step::Login { after: Some(before), .. } if before.id == "valid"),
            "{step:?}"
        );
    }
    let steps = plan(&select(&["xsw1"], &[]), FULL).unwrap();
    assert_eq!(
        steps[1],
        Step::Login {
            scenario: scenario::find("xsw1").unwrap(),
            after: None
        }
    );
}

#[test]
fn scenarios_and_families_are_chosen_and_left_out_by_name() {
    let steps = plan(&select(&["wrapping", "expired"], &["xsw3"]), FULL).unwrap();
    let wrapping = catalogue().filter(|s| s.family == Family::Wrapping).count();
    assert_eq!(
        steps.len(),
        1 + wrapping + 1,
        "valid, the family and expired"
    );
    assert!(steps.contains(&Step::Skipped {
        id: "xsw3",
        reason: SkipReason::Excluded
    }));
    assert!(ids(&steps).contains(&"expired"));
    let steps = plan(&select(&[], &["logout", "time"]), FULL).unwrap();
    assert!(steps
        .iter()
        .filter(|s| !matches!(s, Step::Skipped { .. }))
        .all(|s| !matches!(s, Step::Logout { .. })
            && scenario::find(s.id()).is_some_and(|s| s.family != Family::Time)));
}

#[test]
fn what_the_sp_cannot_take_is_skipped_with_the_reason() {
    let steps = plan(&Selection::default(), Capabilities::default()).unwrap();
    for step in &steps {
        let encrypts = scenario::find(step.id()).is_some_and(|s| s.encrypts_for_sp());
        let logout = logout_catalogue::find(step.id()).is_some();
        match step {
            Step::Skipped { reason, .. } if encrypts => {
                assert_eq!(*reason, SkipReason::NoEncryptionCertificate)
            }
            Step::Skipped { reason, .. } if logout => assert!(
                matches!(reason, SkipReason::NoLogoutUrl | SkipReason::ResponseOnly),
                "{step:?}"
            ),
            Step::Skipped { .. } => panic!("{step:?} skipped for no reason of the SP's"),
            _ => assert!(!encrypts && !logout, "{step:?} cannot run against this SP"),
        }
    }
    assert!(steps.iter().any(|s| s.id() == "enc-valid"
        && matches!(
            s,
            Step::Skipped {
                reason: SkipReason::NoEncryptionCertificate,
                ..
            }
        )));
    assert!(SkipReason::NoLogoutUrl.describe().contains("slo_url"));
    let without_page = Capabilities {
        check_url: false,
        ..FULL
    };
    let steps = plan(&select(&["logout"], &[]), without_page).unwrap();
    assert!(steps.iter().any(|s| matches!(
        s,
        Step::Skipped {
            id: "slo-unsigned",
            reason: SkipReason::NoCheckUrl
        }
    )));
    assert!(SkipReason::NoCheckUrl.describe().contains("--check-url"));
}

#[test]
fn an_unknown_name_or_skipping_valid_is_an_error_that_says_so() {
    let err = plan(&select(&["xsw99"], &[]), FULL).unwrap_err();
    assert_eq!(err, PlanError::Unknown("xsw99".into()));
    assert!(err.to_string().contains("wrapping"), "{err}");
    assert!(err.to_string().contains("logout"), "{err}");
    assert_eq!(
        plan(&select(&[], &["nope"]), FULL),
        Err(PlanError::Unknown("nope".into()))
    );
    assert_eq!(
        plan(&select(&[], &["valid"]), FULL),
        Err(PlanError::ValidSkipped)
    );
}
