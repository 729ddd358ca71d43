//! Exit statuses under each `--fail-on`.

use super::*;
use crate::audit::report::{sample, Summary};

#[test]
fn the_exit_status_counts_what_fail_on_names() {
    let mut report = sample::report();
    let s = report.summary.clone();
    assert!(s.critical > 0, "the sample has every kind of outcome");
    assert_eq!(exit_status(&report, FailOn::Any), FOUND);
    assert_eq!(exit_status(&report, FailOn::Critical), FOUND);
    report.summary = Summary {
        critical: 0,
        high: 0,
        ..s.clone()
    };
    assert_eq!(exit_status(&report, FailOn::Critical), OK);
    assert_eq!(exit_status(&report, FailOn::High), OK);
    assert_eq!(
        exit_status(&report, FailOn::Medium),
        if s.medium > 0 { FOUND } else { OK }
    );
    report.summary = Summary {
        critical: 0,
        high: 0,
        medium: 0,
        incompatible: 1,
        errors: 0,
        ..s
    };
    assert_eq!(exit_status(&report, FailOn::Medium), OK);
    assert_eq!(
        exit_status(&report, FailOn::Any),
        FOUND,
        "a refused probe fails `any`"
    );
}

#[test]
fn what_an_sp_wrote_reaches_the_terminal_inert_line_by_line() {
    assert_eq!(
        on_terminal("refused\nThe ACS answered: \u{1b}[2J\u{1b}[31mgone\r"),
        "refused\nThe ACS answered: \\u{1b}[2J\\u{1b}[31mgone\\r"
    );
}
