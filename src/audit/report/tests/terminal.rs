//! The progress line fits its width; the summary lists every outcome in its section, findings
//! worst first, in aligned columns, and lets no control character of the SP's through.

use super::*;

use crate::audit::report::sample;

fn counts(critical: usize, high: usize, medium: usize) -> Summary {
    Summary {
        critical,
        high,
        medium,
        ..Summary::default()
    }
}

#[test]
fn the_progress_line_reads_as_the_issue_shows_it() {
    assert_eq!(
        progress_line(37, 89, "xsw3", &counts(2, 1, 0)),
        "[37/89] xsw3 · 2 critical, 1 high, 0 medium findings"
    );
}

#[test]
fn a_long_id_is_cut_to_keep_the_line_within_its_width() {
    let id = "a-very-long-scenario-id-".repeat(10);
    let line = progress_line(1000, 1000, &id, &counts(100, 200, 300));
    assert_eq!(line.chars().count(), PROGRESS_WIDTH, "{line}");
    assert!(line.starts_with("[1000/1000] a-very-long"), "{line}");
    assert!(line.contains("… · 100 critical, 200 high, 300 medium findings"));
}

#[test]
fn the_progress_line_writes_out_control_characters() {
    let line = progress_line(1, 2, "x\r\u{1b}[2J", &Summary::default());
    assert!(!line.chars().any(char::is_control), "{line:?}");
}

#[test]
fn the_summary_starts_with_the_sp_idp_and_user() {
    let text = summary(&sample::report());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "mock-idp 0.1.0 audit of https://sp.test/login (sp-initiated), started 2026-12-06T12:00:00+01:00, 12.5 s"
    );
    assert_eq!(
        lines[1],
        "IdP https://idp.test/metadata (SSO https://idp.test/sso), certificate SHA-256 01:23:45:67:89:AB"
    );
    assert!(
        lines[2].starts_with("User alice, NameID alice@example.com, shown by the SP as alice@example.com; logged in when: GET https://sp.test/me"),
        "{}",
        lines[2]
    );
}

/// The lines of the section whose heading starts with `heading`, heading excluded.
fn section<'a>(text: &'a str, heading: &str) -> Vec<&'a str> {
    text.lines()
        .skip_while(|l| !l.starts_with(heading))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect()
}

#[test]
fn findings_come_worst_first_then_in_catalogue_order_in_aligned_columns() {
    let text = summary(&sample::report());
    let rows = section(&text, "Findings (4)");
    let ids: Vec<&str> = rows[1..]
        .iter()
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(
        ids,
        ["xsw3", "unsigned", "wrong-recipient", "expired-assertion"]
    );
    assert!(rows[0].starts_with("  SEVERITY  ID "), "{}", rows[0]);
    // Every column starts where its heading does.
    for heading in ["ID", "TITLE", "IDENTITY TAKEN", "WHAT HAPPENED"] {
        let at = rows[0].find(heading).unwrap();
        for row in &rows[1..] {
            assert_eq!(&row[at - 2..at], "  ", "{heading} in {row:?}");
            assert_ne!(&row[at..at + 1], " ", "{heading} in {row:?}");
        }
    }
    assert!(rows[1].contains("admin@acme-support.example (forged)"));
    assert!(rows[2].contains("bob@example.com (someone else)"));
    assert!(rows[3].contains(" - "), "an identity not seen: {}", rows[3]);
    assert!(rows[4].contains("alice@example.com (the user)"));
}

#[test]
fn every_other_outcome_has_its_section() {
    let text = summary(&sample::report());
    assert_eq!(
        section(&text, "Incompatible (1)"),
        [
            "  ID                       TITLE                    WHAT HAPPENED",
            "  multi-valued-attributes  Multi-valued attributes  refused: 500",
        ]
    );
    assert_eq!(
        section(&text, "Policy choices (2)"),
        [
            "  accepts: Signed with RSA-SHA1 (sha1-signature)",
            "  refuses: Unsolicited response (unsolicited)",
        ]
    );
    let harmless = section(&text, "Harmless (1)");
    assert!(harmless[1].starts_with("  xsw1  Wrapped response"));
    assert!(harmless[1].ends_with("alice@example.com (the signed user)"));
    let errors = section(&text, "Errors (1)");
    assert!(errors[1].ends_with("https://sp.test/acs: connection refused"));
    assert_eq!(
        section(&text, "Skipped (4)"),
        [
            "  1 encrypts for the SP, which has no encryption certificate in the registry (`encryption:` in the --sps file, or its metadata's KeyDescriptor use=\"encryption\"): encrypted-aes-gcm",
            "  2 left out of this audit: xsw2, not-before-future",
            "  1 breaks logout messages, and the SP has no logout URL in the registry (`slo_url:` in the --sps file, or its metadata's SingleLogoutService): logout-unsigned",
        ]
    );
    assert_eq!(
        text.lines().last().unwrap(),
        "15 scenarios in 12.5 s: 2 critical, 1 high, 1 medium findings; 2 passed, 1 harmless, 1 incompatible, 2 policy, 1 error, 4 skipped"
    );
    assert!(text.ends_with('\n'));
    assert!(
        !text.lines().any(|l| l.ends_with(' ')),
        "no trailing blanks"
    );
}

#[test]
fn a_clean_audit_says_so_and_leaves_out_empty_sections() {
    let mut report = sample::report();
    report.results.retain(|r| r.id == "valid");
    report.summary = Summary::of(&report.results);
    let text = summary(&report);
    assert!(text.contains("\nNo findings"));
    for heading in [
        "Findings",
        "Incompatible",
        "Policy",
        "Harmless",
        "Errors",
        "Skipped",
    ] {
        assert!(!text.contains(&format!("\n{heading} (")), "{text}");
    }
}

#[test]
fn nothing_the_sp_chose_reaches_the_terminal_as_a_control_character() {
    let text = summary(&sample::hostile());
    assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text}");
    assert!(text.contains(r"\u{1b}[31m\0\u{7}"), "{text}");
}
