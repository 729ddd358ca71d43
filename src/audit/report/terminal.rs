//! The audit on a terminal: the progress line a TTY rewrites while scenarios run, and the
//! plain-text summary a person reads at the end (no colours, so it reads the same in a CI log).
//!
//! Whatever the SP chose (its pages, the identity it shows, its URLs) reaches the terminal with
//! its control characters written out as escapes, so no SP can move the cursor, recolour the
//! terminal or forge lines of the summary.

use std::fmt::Write;

use super::{Outcome, Report, ScenarioResult, Summary};
use crate::audit::verdict::Verdict;

/// The widest a [`progress_line`] gets, in characters.
pub const PROGRESS_WIDTH: usize = 100;

/// One line for a live progress display: `[37/89] xsw3 · 2 critical, 1 high, 0 medium
/// findings`, at most [`PROGRESS_WIDTH`] characters (the scenario id is cut short to fit). No
/// line break or carriage return: the caller writes `\r` before it and blanks out what is left
/// of a longer previous line.
pub fn progress_line(done: usize, total: usize, current: &str, summary: &Summary) -> String {
    let head = format!("[{done}/{total}] ");
    let tail = format!(
        " · {} critical, {} high, {} medium findings",
        summary.critical, summary.high, summary.medium
    );
    let room = PROGRESS_WIDTH.saturating_sub(width(&head) + width(&tail));
    let line = format!("{head}{}{tail}", truncate(&clean(current), room));
    truncate(&line, PROGRESS_WIDTH)
}

/// The summary printed when the audit is over: what was audited, every finding, then the other
/// outcomes and a line of totals. Ends with a line break.
pub fn summary(report: &Report) -> String {
    let mut out = String::new();
    facts(report, &mut out);

    let findings = report.findings();
    if findings.is_empty() {
        out.push_str("\nNo findings: the SP refused every response a correct SP refuses.\n");
    } else {
        let _ = writeln!(out, "\nFindings ({}), worst first", findings.len());
        let rows = findings
            .iter()
            .map(|(severity, r)| {
                vec![
                    severity.id().to_owned(),
                    r.id.to_owned(),
                    clean(r.title),
                    r.identity_taken()
                        .map_or_else(|| "-".to_owned(), |i| clean(&i)),
                    clean(r.one_line()),
                ]
            })
            .collect();
        table(
            &["SEVERITY", "ID", "TITLE", "IDENTITY TAKEN", "WHAT HAPPENED"],
            rows,
            &mut out,
        );
    }

    let incompatible = report.judged("incompatible");
    if !incompatible.is_empty() {
        let _ = writeln!(
            out,
            "\nIncompatible ({}): the SP refused responses a correct SP accepts",
            incompatible.len()
        );
        table(
            &["ID", "TITLE", "WHAT HAPPENED"],
            rows(&incompatible),
            &mut out,
        );
    }

    let policy = report.judged("policy");
    if !policy.is_empty() {
        let _ = writeln!(
            out,
            "\nPolicy choices ({}): the catalogue leaves these to the SP",
            policy.len()
        );
        for r in policy {
            let choice = match r.verdict() {
                Some(Verdict::Policy { accepted: true }) => "accepts",
                _ => "refuses",
            };
            let _ = writeln!(out, "  {choice}: {} ({})", clean(r.title), r.id);
        }
    }

    let harmless = report.judged("harmless");
    if !harmless.is_empty() {
        let _ = writeln!(
            out,
            "\nHarmless ({}): accepted, but the SP took the signed user's identity",
            harmless.len()
        );
        let rows = harmless
            .iter()
            .map(|r| {
                vec![
                    r.id.to_owned(),
                    clean(r.title),
                    r.identity_taken()
                        .map_or_else(|| "-".to_owned(), |i| clean(&i)),
                ]
            })
            .collect();
        table(&["ID", "TITLE", "IDENTITY TAKEN"], rows, &mut out);
    }

    let errors: Vec<_> = report
        .results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Error { .. }))
        .collect();
    if !errors.is_empty() {
        let _ = writeln!(out, "\nErrors ({}): not run to the end", errors.len());
        table(&["ID", "TITLE", "ERROR"], rows(&errors), &mut out);
    }

    skipped(report, &mut out);

    let _ = writeln!(out, "\n{}", totals(report));
    out
}

/// The SP, the IdP it was told to trust, the user and how a login was recognised.
fn facts(report: &Report, out: &mut String) {
    let _ = writeln!(
        out,
        "{} audit of {} ({}), started {}, {:.1} s",
        clean(&report.tool),
        clean(report.sp.target()),
        report.sp.start,
        clean(&report.started),
        report.seconds
    );
    let _ = writeln!(
        out,
        "IdP {} (SSO {}), certificate SHA-256 {}",
        clean(&report.idp.entity_id),
        clean(&report.idp.sso_url),
        clean(&report.idp.certificate_sha256)
    );
    let mut user = format!("User {}", clean(&report.user));
    if let Some(n) = &report.name_id {
        let _ = write!(user, ", NameID {}", clean(n));
    }
    if let Some(s) = &report.user_as_shown {
        let _ = write!(user, ", shown by the SP as {}", clean(s));
    }
    let _ = writeln!(out, "{user}; logged in when: {}", clean(&report.sp.check));
    for warning in &report.warnings {
        let _ = writeln!(out, "Note: {}", clean(warning));
    }
}

/// Skipped scenarios, grouped by reason (in the order the reasons first came up).
fn skipped(report: &Report, out: &mut String) {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for r in &report.results {
        let Outcome::Skipped { reason } = &r.outcome else {
            continue;
        };
        match groups.iter_mut().find(|(g, _)| g == reason) {
            Some((_, ids)) => ids.push(r.id),
            None => groups.push((reason, vec![r.id])),
        }
    }
    if groups.is_empty() {
        return;
    }
    let count: usize = groups.iter().map(|(_, ids)| ids.len()).sum();
    let _ = writeln!(out, "\nSkipped ({count})");
    for (reason, ids) in groups {
        let _ = writeln!(out, "  {} {}: {}", ids.len(), reason, ids.join(", "));
    }
}

/// One line of counts, every kind named even at zero, so a CI log can be grepped for it.
fn totals(report: &Report) -> String {
    let s = &report.summary;
    format!(
        "{} scenarios in {:.1} s: {} critical, {} high, {} medium findings; {} passed, {} harmless, {} incompatible, {} policy, {} {}, {} skipped",
        s.total,
        report.seconds,
        s.critical,
        s.high,
        s.medium,
        s.passed,
        s.harmless,
        s.incompatible,
        s.policy,
        s.errors,
        if s.errors == 1 { "error" } else { "errors" },
        s.skipped
    )
}

/// Rows of id, title and the one line.
fn rows(results: &[&ScenarioResult]) -> Vec<Vec<String>> {
    results
        .iter()
        .map(|r| vec![r.id.to_owned(), clean(r.title), clean(r.one_line())])
        .collect()
}

/// `rows` under `header`, indented two spaces, each column as wide as its widest cell; the last
/// column is not padded.
fn table(header: &[&str], rows: Vec<Vec<String>>, out: &mut String) {
    let head: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    let mut widths: Vec<usize> = head.iter().map(|h| width(h)).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    for row in std::iter::once(&head).chain(&rows) {
        let mut line = String::from(" ");
        for (cell, w) in row.iter().zip(&widths) {
            line.push(' ');
            line.push_str(cell);
            line.extend(std::iter::repeat_n(' ', w - width(cell) + 1));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

/// Characters, which is columns for the text a report holds (ids, titles, URLs); wide
/// characters in what an SP shows may push a row out of line, never out of the table.
fn width(s: &str) -> usize {
    s.chars().count()
}

/// `s` cut to `max` characters, ending in `…` when cut.
fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_owned();
    }
    let mut cut: String = s.chars().take(max.saturating_sub(1)).collect();
    if max > 0 {
        cut.push('…');
    }
    cut
}

/// `s` with control characters (escape sequences, line breaks, carriage returns) written out
/// as Rust escapes: inert on a terminal and on one line.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
#[path = "tests/terminal.rs"]
mod tests;
